#!/bin/sh
# IKE_SA + first CHILD_SA set-ups per second (PSK) between two network
# namespaces, groups 19 and 14: ipsecfs (ike-peer initiator against an
# ike-peer responder) and strongSwan charon against charon, in this run.
# Every set-up is followed by the IKE SA's deletion, on both sides alike.
# Figures: set-ups/s and ipsecfs/strongSwan ratios.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/charon_lib.sh"
trap 'run_cleanups' EXIT
N=${IKE_BENCH_N:-20}
PEER=$top_builddir/ike-peer
if [ "$(id -u)" != 0 ] || [ ! -x "$PEER" ] || [ ! -x "$CHARON" ]; then
	echo "bench_ike: needs root, ike-peer (make ike-peer) and strongSwan: skipped"
	exit 0
fi
netns_pair A B
DIR=$(mktemp -d "/tmp/ipsecfs-$TAG.XXXXXX")
at_exit "rm -rf $DIR"

ours() {	# ours IKE ESP -> set-ups/s
	timeout 120 ip netns exec "$A" "$PEER" -r -q -n 0 -w 100 -l "$A_ADDR" \
		-p "$B_ADDR" -k bench -a "$1" -e "$2" > "$DIR/resp.out" 2>&1 &
	local rp=$! out
	wait_for 5 sh -c "ip netns exec $A ss -uln | grep -q ':4500 '"
	out=$(timeout 100 ip netns exec "$B" "$PEER" -i -q -t -n "$N" -w 90 -L 0 \
		-l "$B_ADDR" -p "$A_ADDR" -k bench -a "$1" -e "$2")
	kill "$rp" 2>/dev/null; wait "$rp" 2>/dev/null
	printf '%s\n' "$out" | sed -n 's/.*per_s=//p'
}

stop_charon() { eval "kill \$${1}_PID; wait \$${1}_PID" 2>/dev/null; }

theirs() {	# theirs IKE ESP -> "mixed-set-ups/s charon-set-ups/s"
	local i t0 t1 mixed
	charon_bench "$A" ra "$A_ADDR" "$B_ADDR" "$1" "$2"
	# the same ike-peer initiator against charon as responder: no swanctl
	mixed=$(timeout 100 ip netns exec "$B" "$PEER" -i -q -t -n "$N" -w 90 -L 0 \
		-l "$B_ADDR" -p "$A_ADDR" -k bench -a "$1" -e "$2" | sed -n 's/.*per_s=//p')
	charon_bench "$B" rb "$B_ADDR" "$A_ADDR" "$1" "$2"
	t0=$(date +%s%N)
	for i in $(seq "$N"); do
		timeout 10 swanctl --initiate --child c --uri "unix://$DIR/rb.vici" > /dev/null || return 1
		timeout 10 swanctl --terminate --ike c --uri "unix://$DIR/rb.vici" > /dev/null || return 1
	done
	t1=$(date +%s%N)
	stop_charon ra; stop_charon rb
	echo "$N $t0 $t1 ${mixed:-0}" | awk '{ printf "%s %.1f\n", $4, $1 * 1e9 / ($3 - $2) }'
}

echo "IKE_SA + first CHILD_SA set-ups/s (PSK, then delete), $N each, between two namespaces"
for g in "ecp256 aes128gcm16-prfsha256-ecp256 aes128gcm16" \
	 "modp2048 aes128-sha1-modp2048 aes128-sha1"; do
	set -- $g
	o=$(ours "$2" "$3"); set -- "$1" $(theirs "$2" "$3")
	echo "$1: ipsecfs<->ipsecfs ${o:-failed}/s  ipsecfs->charon ${2:-failed}/s  charon<->charon ${3:-failed}/s"
	echo "$1: ratio ipsecfs<->ipsecfs / charon<->charon $(echo "$o $3" | awk '$2 > 0 { printf "%.2f", $1 / $2 }')" \
		"  ratio ipsecfs responder / charon responder $(echo "$o $2" | awk '$2 > 0 { printf "%.2f", $1 / $2 }')"
done
echo "(charon<->charon runs one swanctl process per initiate and per terminate;"
echo " ipsecfs->charon uses the same ike-peer initiator for both responders)"

#!/bin/sh
# TCP throughput between two namespaces, in one run (iperf3 A -> B, a few
# seconds each; Mbit/s and the ratio to the veth):
#   veth          the plain veth between them: the ceiling
#   strongswan    two charons (one per namespace, in its own mount
#                 namespace), kernel-libipsec: strongSwan's user-space ESP
#                 through a TUN device; tunnel mode, AES-GCM-128, ESP in
#                 UDP 4500 (kernel-libipsec of 5.9.8 has no raw ESP);
#                 openssl plugin loaded first, as it is fastest here
#   ipsecfs       two ipsec-node: ipsecfs's glue as the daemon runs it
#                 (IKE on the first SYN, per-packet SPD lookup in the
#                 router); tunnel mode, AES-GCM-128, ESP in UDP 4500: the
#                 same work as strongswan, and the ratio ipsecfs/strongswan
#   esp_tunnel_tool ALG   the bare datapath with static SAs, per transform
# Needs root; rows whose tools are missing print "skipped".
# ESP_BENCH_SECS sets the duration.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/charon_lib.sh"
trap run_cleanups EXIT
[ "$(id -u)" = 0 ] || { echo "bench_esp_tunnel: skipped (needs root)"; exit 0; }
for c in ip iperf3; do
	command -v $c >/dev/null || { echo "bench_esp_tunnel: skipped (needs $c)"; exit 0; }
done
TOOL=$top_builddir/esp_tunnel_tool
NODE=$top_builddir/ipsec-node
SECS=${ESP_BENCH_SECS:-3}
CPORT=40001

netns_pair A B
DIR=$(mktemp -d "/tmp/ipsecfs-$TAG.XXXXXX")
[ -n "${KEEP:-}" ] || at_exit "rm -rf $DIR"
TA=10.202.$NET.1
TB=10.202.$NET.2

# mbits ADDR [IPERF3 ARGS]: TCP throughput from A to ADDR in B
mbits() {
	local dst=$1 srv; shift
	ip netns exec "$B" timeout $((SECS + 10)) iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	wait_for 5 sh -c "ip netns exec $B ss -ltn | grep -q ':5201 '" || return 1
	ip netns exec "$A" timeout $((SECS + 10)) iperf3 -c "$dst" -t "$SECS" -f m "$@" 2>/dev/null |
		awk '/receiver/ { print $(NF-2) }'
	wait "$srv" 2>/dev/null
}

# through MBITS BYTES: MBITS when BYTES (what the receiving side's
# CHILD SA decrypted) is at least half of it: the traffic went through the
# tunnel, not around it
through() {
	[ -n "$1" ] && [ "${2:-0}" -gt $((${1%.*} * 125000 * SECS / 2)) ] && echo "$1"
}

row() {	# row NAME MBITS [NOTE]
	printf '%-34s %8s %7s  %s\n' "$1" "${2:-failed}" \
	    "$(awk -v a="${2:-0}" -v b="$base" 'BEGIN { if (b > 0) printf "%.3f", a / b }')" "${3:-}"
}

# --- strongSwan: two charons a and b (charon_bench) ---

# in_bytes SIDE: bytes charon SIDE's CHILD SAs received
in_bytes() {
	timeout 10 swanctl --list-sas --uri "unix://$DIR/$1.vici" 2>/dev/null |
	    awk '$1 == "in" { n += $3 } END { print n + 0 }'
}

strongswan() {
	local r n
	charon_bench "$A" a "$A_ADDR" "$B_ADDR" aes128gcm16-prfsha256-ecp256 aes128gcm16 &&
	    charon_bench "$B" b "$B_ADDR" "$A_ADDR" aes128gcm16-prfsha256-ecp256 aes128gcm16 &&
	    timeout 10 swanctl --initiate --child c \
	    --uri "unix://$DIR/a.vici" > /dev/null 2>&1 || return 1
	r=$(mbits "$B_ADDR")
	n=$(in_bytes b)
	eval "kill \$a_PID \$b_PID; wait \$a_PID \$b_PID" 2>/dev/null
	through "$r" "$n"
}

# --- ipsecfs's glue: node SIDE NS PEER EVENT ---
node() {
	cat > "$DIR/$1.ipsecfs" <<CONF
[daemon]
datapath = userspace
[ike]
mode = tunnel
encap = yes
esp_proposals = aes128gcm16
[peer.other]
remote = $3
psk = "an ipsecfs benchmark secret"
CONF
	chmod 600 "$DIR/$1.ipsecfs"
	cat > "$DIR/$1.policy" <<POL
application iperf3 {
    network $3/32 protected P1;
    protection P1 { localport=any remoteport=any encryption mandatory; }
}
POL
	ip netns exec "$2" "$NODE" -c "$DIR/$1.ipsecfs" -p bench="$DIR/$1.policy" \
	    -e "$4" -d "$DIR/$1.dump" -R "$DIR/$1.ready" > "$DIR/$1.log" 2>&1 &
	eval "NODE_$1=$!"
	at_exit "kill $! 2>/dev/null; wait $! 2>/dev/null"
	wait_for 10 test -e "$DIR/$1.ready"
}

# iperf3's data connection (--cport) is protected; its control
# connection, on an ephemeral port, crosses in the clear
ipsecfs() {
	local r n
	node b "$B" "$A_ADDR" "accept tcp $B_ADDR:5201 $A_ADDR:$CPORT /usr/bin/iperf3" &&
	    node a "$A" "$B_ADDR" "connect tcp $A_ADDR:$CPORT $B_ADDR:5201 /usr/bin/iperf3" ||
	    return 1
	r=$(mbits "$B_ADDR" --cport "$CPORT")
	sleep 1.2	# the sas text is refreshed every second
	kill -USR1 "$NODE_b"
	wait_for 5 test -e "$DIR/b.dump"
	n=$(sed -n 's/^child .*mode=tunnel encap=udp encr=AES_GCM_16_128 .* bytes_in=\([0-9]*\) .*/\1/p' \
	    "$DIR/b.dump" | head -1)
	eval "kill \$NODE_a \$NODE_b; wait \$NODE_a \$NODE_b" 2>/dev/null
	through "$r" "$n"
}

tool() {	# tool ALG KEYLEN -> Mbit/s through esp_tunnel_tool
	local alg=$1 len=$2 k1 k2 pids="" side ns me peer tun o i ko ki dev r
	k1=$(od -An -N"$len" -tx1 /dev/urandom | tr -d ' \n')
	k2=$(od -An -N"$len" -tx1 /dev/urandom | tr -d ' \n')
	for side in A B; do
		if [ $side = A ]; then ns=$A me=$A_ADDR peer=$B_ADDR tun=$TA o=a1 i=b1 ko=$k1 ki=$k2
		else ns=$B me=$B_ADDR peer=$A_ADDR tun=$TB o=b1 i=a1 ko=$k2 ki=$k1; fi
		dev=eb$TAG$side
		ip -n "$ns" tuntap add dev "$dev" mode tun
		ip -n "$ns" addr add "$tun/24" dev "$dev"
		ip -n "$ns" link set "$dev" mtu 1400 up
		ip netns exec "$ns" "$TOOL" --tun "$dev" --local "$me" --peer "$peer" \
			--alg "$alg" --spi-out "$o$NET" --spi-in "$i$NET" \
			--key-out "$ko" --key-in "$ki" &
		pids="$pids $!"
		at_exit "kill $! 2>/dev/null"
	done
	r=$(mbits "$TB")
	kill $pids 2>/dev/null; wait $pids 2>/dev/null
	ip -n "$A" link del "eb${TAG}A"; ip -n "$B" link del "eb${TAG}B"
	echo "$r"
}

echo "iperf3 TCP A -> B, ${SECS}s each; load average $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
base=$(mbits "$B_ADDR")
printf '%-34s %8s %7s\n' path Mbit/s ratio
row "veth (ceiling)" "$base"
if [ -x "$CHARON" ] && command -v swanctl > /dev/null; then
	sw=$(strongswan)
	row "strongswan kernel-libipsec" "$sw" "tunnel, AES-GCM-128, ESP in UDP"
else
	sw=""
	echo "strongswan kernel-libipsec         skipped (needs charon and swanctl)"
fi
if [ -x "$NODE" ]; then
	us=$(ipsecfs)
	row "ipsecfs (ipsec-node)" "$us" "tunnel, AES-GCM-128, ESP in UDP"
else
	us=""
	echo "ipsecfs (ipsec-node)               skipped (make ipsec-node)"
fi
if [ -x "$TOOL" ]; then
	for spec in aes128gcm16:20 chacha20poly1305:36 aes128-sha1:36 null-sha256:32; do
		row "esp_tunnel_tool ${spec%%:*}" "$(tool "${spec%%:*}" "${spec##*:}")" \
		    "static SAs, tunnel, ESP in UDP"
	done
else
	echo "esp_tunnel_tool                    skipped (make esp_tunnel_tool)"
fi
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ipsecfs / strongswan: $(awk -v a="${us:-0}" -v b="${sw:-0}" \
    'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b; else print "n/a" }')"

#!/bin/sh
# The whole daemon on both hosts: ipsecfs runs in A and in B, each with a
# [peer.*] for the other and a policy, written through its tree, that
# makes a program's traffic `encryption mandatory`. The monitor catches the
# server's listen in B and the client's connect in A; the client's first
# SYN starts IKE and is held until the CHILD SA exists, then sent on it; the exchange gets through, and on the wire that flow is
# only ESP in UDP 4500. A trusted flow of the same program to a third
# address of B, which A's [peer.*] prefix also steers, crosses in the
# clear and never passes through A's TUN device (its socket carries the
# bypass mark). The program is a copy of socat on a private tmpfs, so the
# daemons' exec marks cover that tmpfs only.
. "$top_srcdir/tests/integration/lib.sh"
need_root
need_cmd socat unshare nsenter ss nft tcpdump timeout
[ -c /dev/fuse ] || skip "needs /dev/fuse"
if [ -z "${DAEMON_PRIVATE_NS:-}" ]; then
	export top_srcdir top_builddir IPSECFS DAEMON_PRIVATE_NS=1
	trap - EXIT
	exec unshare -m --propagation private "${SHELL:-/bin/sh}" "$0" "$@"
fi

netns_pair A B
DIR=$(mktemp -d "/tmp/ipsecfs-$TAG.XXXXXX")
[ -n "${KEEP:-}" ] || at_exit "rm -rf --one-file-system $DIR"
BIN=$DIR/bin
mkdir "$BIN"
mount -t tmpfs "ipsecfs-$TAG" "$BIN" || skip "cannot mount tmpfs"
at_exit "umount -l $BIN"
cp /usr/bin/socat "$BIN/socat"
PSK="ipsecfs daemon test $TAG"
PORT=5001

B_TRUSTED=10.99.$NET.3		# a second address of B, trusted by A
TPORT=5002
ip -n "$B" addr add "$B_TRUSTED/24" dev "v$TAG-b"

# daemon SIDE NS PEER STEER: starts ipsecfs in NS with its own tree and
# state, [peer.other] remote = STEER
daemon() {
	local side=$1 ns=$2 peer=$3 steer=$4
	mkdir -p "$DIR/$side/mnt"
	cat >"$DIR/$side/ipsecfs.conf" <<CONF
[daemon]
statedir = $DIR/$side/state
[ike]
encap = yes
[peer.other]
remote = $steer
psk = "$PSK"
CONF
	chmod 600 "$DIR/$side/ipsecfs.conf"
	nsenter --net=/run/netns/"$ns" "$IPSECFS" -f -c "$DIR/$side/ipsecfs.conf" \
	    "$DIR/$side/mnt" >"$DIR/$side/log" 2>&1 &
	eval "PID_$side=\$!"
	at_exit "kill \$PID_$side 2>/dev/null; umount -l $DIR/$side/mnt 2>/dev/null"
	wait_for 10 test -e "$DIR/$side/mnt/status" ||
	    { cat "$DIR/$side/log" >&2; fail "ipsecfs $side did not mount"; }
	mkdir "$DIR/$side/mnt/apps/socat"
	cat >"$DIR/$side/mnt/apps/socat/policy" <<POL
application $BIN/socat
{
    network $B_TRUSTED/32 trusted;
    network $peer/32 protected P1;
    protection P1 { localport=any remoteport=any encryption mandatory; }
}
POL
	expect_eq "policy accepted in $side" \
	    "$(head -n 1 "$DIR/$side/mnt/apps/socat/status")" ok
}
daemon a "$A" "$B_ADDR" "10.99.$NET.0/24"
daemon b "$B" "$A_ADDR" "$A_ADDR"
INA="nsenter --net=/run/netns/$A"
INB="nsenter --net=/run/netns/$B"

$INA tcpdump --immediate-mode -U -n -i "v$TAG-a" -w "$DIR/cap.pcap" >"$DIR/tcpdump.log" 2>&1 &
TCPDUMP=$!
at_exit "kill $TCPDUMP 2>/dev/null"
wait_for 10 grep -q listening "$DIR/tcpdump.log" || fail "tcpdump did not start"

$INB timeout 30 "$BIN/socat" -T 20 "TCP-LISTEN:$PORT,reuseaddr" EXEC:cat &
at_exit "kill $! 2>/dev/null"
wait_for 10 grep -q "local=0.0.0.0:$PORT .*state=listen" "$DIR/b/mnt/apps/socat/sockets" ||
	fail "B's listener not traced: $(cat "$DIR/b/mnt/apps/socat/sockets")"

GOT=$(echo "secret-$TAG" | $INA timeout 20 "$BIN/socat" -T 15 - "TCP:$B_ADDR:$PORT")
expect_eq "the exchange under encryption mandatory gets through" "$GOT" "secret-$TAG"
cp "$DIR/a/mnt/sas" "$DIR/a.sas"
check "A's sas lists the CHILD SA" grep -q "^child " "$DIR/a.sas"
check "B's sas lists the CHILD SA" grep -q "^child " "$DIR/b/mnt/sas"
check "the PSK is not in sas" sh -c "! grep -q '$PSK' '$DIR/a.sas'"
check "A's sas counts the CHILD SA's packets" \
	wait_for 5 grep -Eq "^child .*packets_in=[1-9].*packets_out=[1-9]" "$DIR/a/mnt/sas"
check "the first SYN was held for the new SA, not lost" \
	grep -Eq "^datapath .*mandatory_held_sent=1 mandatory_dropped=0" "$DIR/a/mnt/sas"
echo "--- A's sas:"; cat "$DIR/a/mnt/sas"

# the trusted flow: clear on the wire, never through A's TUN device
# (sas counters are rendered once a second)
tun_rx() { sed -n 's/^datapath .* tun_rx=\([0-9]*\) .*/\1/p' "$DIR/a/mnt/sas"; }
$INB timeout 30 socat -T 20 "TCP-LISTEN:$TPORT,bind=$B_TRUSTED,reuseaddr" EXEC:cat &
at_exit "kill $! 2>/dev/null"
wait_for 10 sh -c "$INB ss -ltn | grep -q ':$TPORT '" || fail "trusted server did not start"
sleep 1.2
RX0=$(tun_rx)
GOT=$(echo "trusted-$TAG" | $INA timeout 20 "$BIN/socat" -T 15 - "TCP:$B_TRUSTED:$TPORT")
expect_eq "the trusted exchange gets through" "$GOT" "trusted-$TAG"
# events never ends: bounded
check "A's monitor reported it" \
	timeout 5 grep -q "sock op=connect app=socat .*$B_TRUSTED:$TPORT" "$DIR/a/mnt/events"
sleep 1.2
expect_eq "the trusted flow never went through A's TUN device" "$(tun_rx)" "$RX0"

# tcpdump writes each packet as it sees it: wait (bounded) for the ESP
wait_for 10 sh -c "test \$(tcpdump -n -r '$DIR/cap.pcap' 2>/dev/null | grep -c '\.4500') -ge 8" || true
kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null
tcpdump -n -r "$DIR/cap.pcap" >"$DIR/cap.txt" 2>/dev/null
expect_eq "no clear packet of the protected flow on the wire" \
	"$(grep -c "\.$PORT[: ]" "$DIR/cap.txt" || true)" 0
check "the flow crossed as ESP in UDP 4500" \
	test "$(grep -v isakmp "$DIR/cap.txt" | grep -c '\.4500' || true)" -ge 6
check "no plaintext on the wire" \
	sh -c "! tcpdump -A -n -r '$DIR/cap.pcap' 2>/dev/null | grep -q 'secret-$TAG'"
check "the trusted flow crossed in the clear" \
	sh -c "tcpdump -A -n -r '$DIR/cap.pcap' 2>/dev/null | grep -q 'trusted-$TAG'"

for side in a b; do
	eval "pid=\$PID_$side"
	kill -TERM "$pid"
	wait_for 10 sh -c "! kill -0 $pid" || fail "ipsecfs $side did not stop"
	wait "$pid"; expect_eq "ipsecfs $side exit status" "$?" 0
done
expect_eq "no SPD entry left in A" "$($INA ip xfrm policy)" ""
expect_eq "no TUN device left in A" "$($INA ip -o link show | grep -c ipsf || true)" 0

# The kernel datapath of the glue (`datapath = kernel`): a connect under
# an `encryption mandatory` policy makes the kernel send an XFRM ACQUIRE,
# on which ipsecfs negotiates exactly that flow. Where the kernel takes
# ESP SAs the exchange then gets through; where it does not (these
# machines: no esp4) the CHILD SA is refused by XFRM, reported, deleted
# with the peer, and no packet of the flow ever leaves in the clear.
. "$top_srcdir/tests/integration/lib.sh"
need_root
need_cmd ip tcpdump socat timeout
NODE=$top_builddir/ipsec-node
[ -x "$NODE" ] || fail "ipsec-node not built"

netns_pair A B
DIR=$(mktemp -d "/tmp/ipsecfs-$TAG.XXXXXX")
[ -n "${KEEP:-}" ] || at_exit "rm -rf $DIR"
PORT=5001 CPORT=40001
for side in a b; do
	[ $side = a ] && peer=$B_ADDR || peer=$A_ADDR
	printf '[daemon]\ndatapath = kernel\n[peer.o]\nremote = %s\npsk = "%s"\n' \
	    "$peer" "kernel glue $TAG" > "$DIR/$side.conf"
	chmod 600 "$DIR/$side.conf"
	cat > "$DIR/$side.policy" <<POL
application socat {
    network $peer/32 protected P1;
    protection P1 { localport=any remoteport=any encryption mandatory; }
}
POL
done
# does this kernel take an ESP SA? (the engine asks the same way)
if ip -n "$A" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
    aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \
    mode transport 2>/dev/null; then
	ip -n "$A" xfrm state flush
	KERNEL_ESP=yes
else
	KERNEL_ESP=no
fi

start() {
	local side=$1 ns=$2 ev=$3
	ip netns exec "$ns" "$NODE" -c "$DIR/$side.conf" -p s="$DIR/$side.policy" \
	    -e "$ev" -d "$DIR/$side.dump" -R "$DIR/$side.ready" > "$DIR/$side.log" 2>&1 &
	eval "PID_$side=\$!"
	at_exit "kill \$PID_$side 2>/dev/null; wait \$PID_$side 2>/dev/null"
	wait_for 10 test -e "$DIR/$side.ready" || fail "ipsec-node $side: $(cat "$DIR/$side.log")"
}
start b "$B" "listen tcp $B_ADDR:$PORT /usr/bin/socat"
start a "$A" "connect tcp $A_ADDR:$CPORT $B_ADDR:$PORT /usr/bin/socat"

ip netns exec "$A" tcpdump -U -n -i "v$TAG-a" -w "$DIR/cap.pcap" \
    > "$DIR/tcpdump.log" 2>&1 &
TCPDUMP=$!
at_exit "kill $TCPDUMP 2>/dev/null; wait $TCPDUMP 2>/dev/null"
wait_for 10 grep -q listening "$DIR/tcpdump.log" || fail "tcpdump did not start"
ip netns exec "$B" timeout 20 socat -T 15 \
    "TCP-LISTEN:$PORT,bind=$B_ADDR,reuseaddr" EXEC:cat &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 sh -c "ip netns exec $B ss -ltn | grep -q ':$PORT '" || fail "server did not start"

GOT=$(echo "kernel-$TAG" | ip netns exec "$A" timeout 8 socat -T 6 - \
    "TCP:$B_ADDR:$PORT,bind=$A_ADDR:$CPORT,connect-timeout=6" 2>/dev/null)
kill -USR1 "$PID_a"
wait_for 5 grep -q "ipsec initiate .*by=acquire" "$DIR/a.dump" || true
check "the kernel's ACQUIRE started IKE for exactly that flow" \
    grep -q "ipsec initiate peer=$B_ADDR flow=tcp:$A_ADDR:$CPORT-$B_ADDR:$PORT by=acquire" "$DIR/a.dump"
check "IKE negotiated the CHILD SA" grep -q "child up" "$DIR/a.dump"
if [ "$KERNEL_ESP" = yes ]; then
	expect_eq "the exchange gets through kernel ESP" "$GOT" "kernel-$TAG"
else
	expect_eq "no ESP in this kernel: nothing gets through" "$GOT" ""
	check "the refused install is reported" \
	    grep -q "ipsec child failed .*xfrm_sa_install" "$DIR/a.dump"
	bdown() { kill -USR1 "$PID_b"; grep -q " child down" "$DIR/b.dump"; }
	wait_for 5 bdown || true
	check "and the CHILD SA deleted with the peer" \
	    grep -q " child down" "$DIR/b.dump"
fi
kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null
expect_eq "no clear packet of the flow on the wire" \
    "$(tcpdump -n -r "$DIR/cap.pcap" 2>/dev/null | grep -c "\.$PORT[: ]" || true)" 0
kill "$PID_a" "$PID_b"
wait "$PID_a"; RA=$?
wait "$PID_b"; RB=$?
expect_eq "both nodes stop cleanly" "$RA $RB" "0 0"

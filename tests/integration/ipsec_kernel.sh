# The kernel datapath of the glue (`datapath = kernel`): a connect under
# an `encryption mandatory` policy makes the kernel send an XFRM ACQUIRE,
# on which ipsecfs negotiates exactly that flow. Where the kernel takes
# ESP SAs the exchange then gets through; where it does not (these
# machines: no esp4) the CHILD SA is refused by XFRM, reported, deleted
# with the peer, and no packet of the flow ever leaves in the clear.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/ipsec_lib.sh"
need_root
need_cmd ip tcpdump socat timeout
node_pair
PORT=5001 CPORT=40001
PSK="kernel glue $TAG"
node_conf a kernel o "$B_ADDR"
node_conf b kernel o "$A_ADDR"
mandatory_policy "$DIR/a.policy" socat "$B_ADDR/32"
mandatory_policy "$DIR/b.policy" socat "$A_ADDR/32"
# does this kernel take an ESP SA? (the engine asks the same way)
if ip -n "$A" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 \
    aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \
    mode transport 2>/dev/null; then
	ip -n "$A" xfrm state flush
	KERNEL_ESP=yes
else
	KERNEL_ESP=no
fi

node b "$B" -p s="$DIR/b.policy" -e "listen tcp $B_ADDR:$PORT /usr/bin/socat"
node a "$A" -p s="$DIR/a.policy" \
    -e "connect tcp $A_ADDR:$CPORT $B_ADDR:$PORT /usr/bin/socat"

capture_start "$A" "v$TAG-a"
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
capture_stop
expect_eq "no clear packet of the flow on the wire" \
    "$(grep -c "\.$PORT[: ]" "$DIR/cap.txt" || true)" 0
nodes_stop a b

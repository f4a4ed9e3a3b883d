# ipsecfs's glue against strongSwan: charon (kernel-libipsec, tunnel mode,
# ESP in UDP) serves TCP in namespace A; ipsec-node in B runs the engine
# with an `encryption mandatory` policy for socat, whose first SYN makes
# ipsecfs negotiate exactly that flow with charon. The exchange gets
# through, tcpdump on the veth sees it only as ESP in UDP 4500, and
# charon's CHILD SA has our SPIs the other way round.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/charon_lib.sh"
. "$top_srcdir/tests/integration/ipsec_lib.sh"
need_root
need_cmd ip nft tcpdump socat unshare nsenter swanctl timeout
node_pair
PSK="ipsecfs glue interop $TAG"
PORT=5001 CPORT=40001

swan_conf glue glue "$A_ADDR[tcp/$PORT]" "$B_ADDR[tcp]"

charon_start "$A"
swan_load

node_conf b userspace charon "$A_ADDR" "mode = tunnel" "encap = yes"
mandatory_policy "$DIR/b.policy" socat "$A_ADDR/32"
node b "$B" -p sec="$DIR/b.policy" \
    -e "connect tcp $B_ADDR:$CPORT $A_ADDR:$PORT /usr/bin/socat"
capture_start "$B" "v$TAG-b"

ip netns exec "$A" timeout 40 socat -T 30 \
    "TCP-LISTEN:$PORT,bind=$A_ADDR,reuseaddr" EXEC:cat &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 sh -c "ip netns exec $A ss -ltn | grep -q ':$PORT '" ||
    fail "server did not start"

GOT=$(echo "secret-$TAG" | ip netns exec "$B" timeout 30 socat -T 25 - \
    "TCP:$A_ADDR:$PORT,bind=$B_ADDR:$CPORT")
expect_eq "TCP to charon's host under mandatory encryption gets through" \
    "$GOT" "secret-$TAG"

fin_seen() {
	tcpdump -n -r "$DIR/cap.pcap" 2>/dev/null | grep -q "UDP-encap: ESP" &&
	    ! ip netns exec "$B" ss -tn | grep -q ":$CPORT "
}
wait_for 10 fin_seen || true
capture_stop
expect_eq "no clear packet of the flow on the wire" \
    "$(grep -c "\.$PORT[: ]" "$DIR/cap.txt" || true)" 0
check "the flow crossed as ESP in UDP 4500" \
    test "$(grep -c 'UDP-encap: ESP' "$DIR/cap.txt" || true)" -ge 6

LIST=$(swan --list-sas --ike glue)
printf '%s\n' "$LIST" > "$DIR/list-sas"
check "charon has the IKE SA" sh -c "printf '%s\n' \"\$1\" | grep -q ESTABLISHED" - "$LIST"
check "charon's CHILD SA is tunnel-in-UDP AES-GCM" \
    sh -c "printf '%s\n' \"\$1\" | grep -q 'INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128'" - "$LIST"
CIN=$(printf '%s\n' "$LIST" | sed -n 's/^ *in  \([0-9a-f]*\),.*/\1/p' | head -1)
COUT=$(printf '%s\n' "$LIST" | sed -n 's/^ *out \([0-9a-f]*\),.*/\1/p' | head -1)
wait_for 5 dumped b "^child .*packets_in=[1-9]" || true
check "our CHILD SA carried the traffic" grep -Eq "^child .*mode=tunnel encap=udp .*packets_in=[1-9]" "$DIR/b.dump"
check "our spi_out is charon's in SPI ($CIN)" grep -Eq "^child .*spi_out=$CIN " "$DIR/b.dump"
check "our spi_in is charon's out SPI ($COUT)" grep -Eq "^child .*spi_in=$COUT " "$DIR/b.dump"

nodes_stop b
expect_eq "no TUN device left" "$(ip -n "$B" -o link show | grep -c ipsf || true)" 0
expect_eq "no SPD entry left" "$(ip -n "$B" xfrm policy | grep -c 'uid 1768977254' || true)" 0

# ipsecfs <-> ipsecfs: two namespaces, each running ipsec-node (conf,
# engine, policies, ipsec_start, socket events for the test's sockets).
# A TCP exchange under an `encryption mandatory` policy gets through,
# negotiated on the fly (the first SYN finds no SA: IKE starts), while
# tcpdump on the veth sees that flow only as ESP in UDP 4500; a trusted
# flow between the same hosts goes in the clear; the sas files list the
# SAs without keys; everything is removed at the end.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/ipsec_lib.sh"
need_root
need_cmd ip nft tcpdump socat python3 timeout
node_pair
PSK="ipsecfs glue test $TAG"
SECPORT=5001 CLRPORT=5002 CSEC=40001 CCLR=40002
# REFPORT: A protects it, B has no entry for it (its listener is not
# monitored): B refuses a CHILD SA for it, so it never flows
REFPORT=5003 CREF=40003

node_conf a userspace other "$B_ADDR" "encap = yes" "mode = transport"
node_conf b userspace other "$A_ADDR" "encap = yes" "mode = transport"
# socat's traffic with the peer is protected, python3's trusted
mandatory_policy "$DIR/a-sec.policy" socat "$B_ADDR/32"
mandatory_policy "$DIR/b-sec.policy" socat "$A_ADDR/32"
trusted_policy "$DIR/a-clr.policy" python3 "$B_ADDR/32"
trusted_policy "$DIR/b-clr.policy" python3 "$A_ADDR/32"

node b "$B" -p sec="$DIR/b-sec.policy" -p clr="$DIR/b-clr.policy" \
    -e "listen tcp $B_ADDR:$SECPORT /usr/bin/socat" \
    -e "listen tcp $B_ADDR:$CLRPORT /usr/bin/python3"
node a "$A" -p sec="$DIR/a-sec.policy" -p clr="$DIR/a-clr.policy" \
    -e "connect tcp $A_ADDR:$CSEC $B_ADDR:$SECPORT /usr/bin/socat" \
    -e "connect tcp $A_ADDR:$CCLR $B_ADDR:$CLRPORT /usr/bin/python3" \
    -e "connect tcp $A_ADDR:$CREF $B_ADDR:$REFPORT /usr/bin/socat"

TUN_A=$(ip -n "$A" -o link show | awk -F': ' '/ipsf/ { sub(/@.*/, "", $2); print $2; exit }')
check "a TUN device in A" test -n "$TUN_A"

# capture on A's veth while the flows run
capture_start "$A" "v$TAG-a"

# servers: echo one line back
ip netns exec "$B" timeout 30 socat -T 20 \
    "TCP-LISTEN:$SECPORT,bind=$B_ADDR,reuseaddr" EXEC:cat &
SSEC=$!
at_exit "kill $SSEC 2>/dev/null"
ip netns exec "$B" timeout 30 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(25)
c, _ = s.accept(); c.settimeout(25); c.sendall(c.recv(100))
' "$B_ADDR" "$CLRPORT" &
SCLR=$!
at_exit "kill $SCLR 2>/dev/null"
wait_for 10 sh -c "ip netns exec $B ss -ltn | grep -q ':$SECPORT ' && ip netns exec $B ss -ltn | grep -q ':$CLRPORT '" ||
    fail "servers did not start"

GOT=$(echo "secret-$TAG" | ip netns exec "$A" timeout 20 socat -T 15 - \
    "TCP:$B_ADDR:$SECPORT,bind=$A_ADDR:$CSEC")
expect_eq "protected TCP exchange (mandatory encryption) gets through" \
    "$GOT" "secret-$TAG"
ip netns exec "$B" timeout 30 socat -T 20 \
    "TCP-LISTEN:$REFPORT,bind=$B_ADDR,reuseaddr" EXEC:cat &
SREF=$!
at_exit "kill $SREF 2>/dev/null"
wait_for 10 sh -c "ip netns exec $B ss -ltn | grep -q ':$REFPORT '" ||
    fail "server did not start"
GOT=$(echo "refused-$TAG" | ip netns exec "$A" timeout 5 socat -T 4 - \
    "TCP:$B_ADDR:$REFPORT,bind=$A_ADDR:$CREF,connect-timeout=4" 2>/dev/null)
expect_eq "a flow B's SPD does not protect gets no CHILD SA and no traffic" \
    "$GOT" ""
GOT=$(ip netns exec "$A" timeout 20 python3 -c '
import socket, sys
c = socket.socket(); c.settimeout(15)
c.bind((sys.argv[1], int(sys.argv[2]))); c.connect((sys.argv[3], int(sys.argv[4])))
c.sendall(sys.argv[5].encode()); print(c.recv(100).decode())
' "$A_ADDR" "$CCLR" "$B_ADDR" "$CLRPORT" "clear-$TAG")
expect_eq "trusted TCP exchange gets through" "$GOT" "clear-$TAG"

# tcpdump writes each packet as it sees it: wait until the last one of
# the trusted exchange (the server's FIN) is in the file
fin_seen() {
	tcpdump -n -r "$DIR/cap.pcap" 2>/dev/null |
	    grep -q "$B_ADDR\.$CLRPORT > $A_ADDR\.$CCLR: Flags \[F"
}
wait_for 10 fin_seen || true
capture_stop
NSEC=$(grep -c "\.$SECPORT[: ]" "$DIR/cap.txt" || true)
NCLR=$(grep -c "\.$CLRPORT[: ]" "$DIR/cap.txt" || true)
NESP=$(grep -c "\.4500 .*UDP-encap\|\.4500: UDP-encap\|ESP(" "$DIR/cap.txt" || true)
expect_eq "no clear packet of the protected flow on the wire" "$NSEC" 0
expect_eq "no clear packet of the refused flow on the wire" \
    "$(grep -c "\.$REFPORT[: ]" "$DIR/cap.txt" || true)" 0
check "the protected flow crossed as ESP in UDP 4500 ($NESP packets)" \
    test "$NESP" -ge 6
check "the trusted flow crossed in the clear ($NCLR packets)" \
    test "$NCLR" -ge 6
check "no plaintext of the protected exchange on the wire" \
    sh -c "! tcpdump -A -n -r '$DIR/cap.pcap' 2>/dev/null | grep -q 'secret-$TAG'"

# the sas text is refreshed each second: ask for dumps until it counts
wait_for 5 dumped a "^child .*packets_in=[1-9]" || true
wait_for 5 dumped b "^child .*packets_in=[1-9]" || true
for side in a b; do
	check "$side: sas lists the IKE SA" grep -q "^ike peer=" "$DIR/$side.dump"
	check "$side: sas lists a transport CHILD SA with traffic" \
	    grep -Eq "^child .*mode=transport encap=udp encr=AES_GCM_16_128 .*packets_in=[1-9]" "$DIR/$side.dump"
	check "$side: events tell the exchange" \
	    grep -q "ipsec child installed" "$DIR/$side.dump"
	check "$side: no key (no 16-byte hex run) and no psk in sas or events" \
	    sh -c "! grep -Eqi '[0-9a-f]{32}|$PSK' '$DIR/$side.dump'"
done
check "B answered TS_UNACCEPTABLE for the flow it does not protect" \
    grep -q "notify=38" "$DIR/a.dump"
check "A started the negotiation from its datapath" \
    grep -q "ipsec initiate .*by=datapath" "$DIR/a.dump"

# stop: everything ipsec_start added goes
nodes_stop a b
check_clean "$A" "$B"

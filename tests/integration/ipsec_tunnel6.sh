# ipsecfs <-> ipsecfs over IPv6: two namespaces, each running ipsec-node
# with an IPv6 peer. A TCP exchange under `encryption mandatory` gets
# through, negotiated on its first SYN (IKE over IPv6), and tcpdump on the
# veth sees that flow only as ESP; a trusted IPv6 flow between the same
# hosts goes in the clear. Twice: ESP in UDP 4500 (encap = yes), then raw
# ESP (encap = auto, no NAT). Nothing is left behind.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/ipsec_lib.sh"
need_root
need_cmd ip nft tcpdump socat python3 timeout
node_pair
PSK="ipsecfs glue test over IPv6 $TAG"
SECPORT=5001 CLRPORT=5002

# socat's traffic with the peer is protected, python3's trusted
mandatory_policy "$DIR/a-sec.policy" socat "$B_ADDR6/128"
mandatory_policy "$DIR/b-sec.policy" socat "$A_ADDR6/128"
trusted_policy "$DIR/a-clr.policy" python3 "$B_ADDR6/128"
trusted_policy "$DIR/b-clr.policy" python3 "$A_ADDR6/128"

# round ENCAP CSEC CCLR: one exchange of each kind, checked on the wire
round() {
	local encap=$1 csec=$2 cclr=$3 got nsec nclr nesp
	node_conf a userspace other "$B_ADDR6" "encap = $encap" "mode = transport"
	node_conf b userspace other "$A_ADDR6" "encap = $encap" "mode = transport"
	rm -f "$DIR"/*.ready
	node b "$B" -p sec="$DIR/b-sec.policy" -p clr="$DIR/b-clr.policy" \
	    -e "listen tcp [$B_ADDR6]:$SECPORT /usr/bin/socat" \
	    -e "listen tcp [$B_ADDR6]:$CLRPORT /usr/bin/python3"
	node a "$A" -p sec="$DIR/a-sec.policy" -p clr="$DIR/a-clr.policy" \
	    -e "connect tcp [$A_ADDR6]:$csec [$B_ADDR6]:$SECPORT /usr/bin/socat" \
	    -e "connect tcp [$A_ADDR6]:$cclr [$B_ADDR6]:$CLRPORT /usr/bin/python3"
	check "A routes B's IPv6 address into its TUN device" \
	    sh -c "ip -6 -n $A route show table 26992 | grep -q '^$B_ADDR6 dev ipsf'"
	check "the TUN device has no IPv6 address of its own" \
	    sh -c "! ip -6 -n $A addr show dev \$(ip -n $A -o link show | sed -n 's/^[0-9]*: \(ipsf[0-9]*\).*/\1/p' | head -1) | grep -q inet6"
	capture_start "$A" "v$TAG-a"

	ip netns exec "$B" timeout 30 socat -T 20 \
	    "TCP6-LISTEN:$SECPORT,bind=[$B_ADDR6],reuseaddr" EXEC:cat &
	SSEC=$!
	at_exit "kill $SSEC 2>/dev/null"
	ip netns exec "$B" timeout 30 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(25)
c, _ = s.accept(); c.settimeout(25); c.sendall(c.recv(100))
' "$B_ADDR6" "$CLRPORT" &
	SCLR=$!
	at_exit "kill $SCLR 2>/dev/null"
	wait_for 10 sh -c "ip netns exec $B ss -ltn | grep -q ':$SECPORT ' && ip netns exec $B ss -ltn | grep -q ':$CLRPORT '" ||
	    fail "servers did not start"

	got=$(echo "secret-$TAG" | ip netns exec "$A" timeout 20 socat -T 15 - \
	    "TCP6:[$B_ADDR6]:$SECPORT,bind=[$A_ADDR6]:$csec")
	expect_eq "encap=$encap: protected IPv6 TCP exchange (mandatory encryption) gets through" \
	    "$got" "secret-$TAG"
	got=$(ip netns exec "$A" timeout 20 python3 -c '
import socket, sys
c = socket.socket(socket.AF_INET6); c.settimeout(15)
c.bind((sys.argv[1], int(sys.argv[2]))); c.connect((sys.argv[3], int(sys.argv[4])))
c.sendall(sys.argv[5].encode()); print(c.recv(100).decode())
' "$A_ADDR6" "$cclr" "$B_ADDR6" "$CLRPORT" "clear-$TAG")
	expect_eq "encap=$encap: trusted IPv6 TCP exchange gets through" "$got" "clear-$TAG"
	wait "$SSEC" "$SCLR" 2>/dev/null

	# the server's FIN of the trusted exchange is the last packet
	wait_for 10 sh -c "tcpdump -n -r '$DIR/cap.pcap' 2>/dev/null | grep -q '$B_ADDR6\.$CLRPORT > $A_ADDR6\.$cclr: Flags \[F'" || true
	capture_stop
	cp "$DIR/cap.txt" "$DIR/cap-$encap.txt"
	nsec=$(grep -c "\.$SECPORT[: ]" "$DIR/cap.txt" || true)
	nclr=$(grep -c "$A_ADDR6\.$cclr > $B_ADDR6\.$CLRPORT:" "$DIR/cap.txt" || true)
	if [ "$encap" = yes ]; then
		nesp=$(grep -c "$A_ADDR6\.4500 > $B_ADDR6\.4500: UDP-encap: ESP" "$DIR/cap.txt" || true)
	else
		nesp=$(grep -c "$A_ADDR6 > $B_ADDR6: ESP(" "$DIR/cap.txt" || true)
	fi
	expect_eq "encap=$encap: no clear packet of the protected flow on the wire" "$nsec" 0
	check "encap=$encap: the protected flow crossed as IPv6 ESP ($nesp packets from A)" \
	    test "$nesp" -ge 3
	check "encap=$encap: the trusted flow crossed in the clear ($nclr packets from A)" \
	    test "$nclr" -ge 3
	check "encap=$encap: no plaintext of the protected exchange on the wire" \
	    sh -c "! tcpdump -A -n -r '$DIR/cap.pcap' 2>/dev/null | grep -q 'secret-$TAG'"
	check "encap=$encap: IKE ran over IPv6" \
	    grep -q "$B_ADDR6\.500 > $A_ADDR6\.500\|$A_ADDR6\.500 > $B_ADDR6\.500" "$DIR/cap.txt"

	wait_for 5 dumped a "^child .*packets_in=[1-9]" || true
	wait_for 5 dumped b "^child .*packets_in=[1-9]" || true
	for side in a b; do
		check "encap=$encap: $side: sas lists an IPv6 transport CHILD SA with traffic" \
		    grep -Eq "^child peer=\[?fd99:.*mode=transport encap=$([ "$encap" = yes ] && echo udp || echo no) .*packets_in=[1-9]" "$DIR/$side.dump"
	done
	check "encap=$encap: A started the negotiation from its datapath" \
	    grep -q "ipsec initiate peer=$B_ADDR6 .*by=datapath" "$DIR/a.dump"
	nodes_stop a b
	check_clean "$A" "$B"
}

round yes 40001 40002
round auto 40003 40004

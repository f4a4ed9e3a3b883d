# ipsecfs as responder to strongSwan: charon (kernel-libipsec) in
# namespace A initiates a host-to-host tunnel-mode CHILD SA (ESP in UDP,
# AES-GCM) with ipsec-node in B, whose policy protects socat's traffic with
# A (mandatory), so B grants it. Then everything between the two hosts
# rides on it: ping both ways, TCP A->B to B's socat (its policy's
# listener) and to a server no policy names (its replies have no owned
# entry: they go on the CHILD SA that covers them), TCP B->A from B's
# socat. tcpdump on the veth sees none of it in the clear, only ESP in
# UDP 4500. A UDP CHILD SA B's SPD has no use for is refused.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/charon_lib.sh"
. "$top_srcdir/tests/integration/ipsec_lib.sh"
need_root
need_cmd ip nft tcpdump socat python3 ping unshare nsenter swanctl timeout
node_pair
PSK="ipsecfs responder interop $TAG"
NAMED=5001 TOA=5002 UNNAMED=5003 CB=40002 CA1=40001 CA3=40003

node_conf b userspace charon "$A_ADDR" "mode = tunnel" "encap = yes"
mandatory_policy "$DIR/b.policy" socat "$A_ADDR/32"
node b "$B" -p sec="$DIR/b.policy" \
    -e "listen tcp $B_ADDR:$NAMED /usr/bin/socat" \
    -e "connect tcp $B_ADDR:$CB $A_ADDR:$TOA /usr/bin/socat"
capture_start "$B" "v$TAG-b"

swan_conf h2h h2h "" "" udp "$A_ADDR[udp]" "$B_ADDR[udp]"
charon_start "$A"
swan_load
swan --initiate --child h2h > "$DIR/initiate.out" 2>&1 ||
	fail "charon could not set up the CHILD SA: $(tail -5 "$DIR/initiate.out")"
pass "charon initiated a host-to-host CHILD SA and B granted it"
wait_for 5 dumped b "ipsec child installed .*mode=tunnel" ||
	fail "B has no CHILD SA: $(grep ipsec "$DIR/b.dump")"
check "B's CHILD SA is host to host" \
    grep -q "ipsec child installed peer=$A_ADDR .*mode=tunnel encap=udp local=any:$B_ADDR:0-65535 remote=any:$A_ADDR:0-65535" "$DIR/b.dump"

check "ping A -> B" ip netns exec "$A" ping -c 3 -i 0.2 -W 2 "$B_ADDR"
check "ping B -> A" ip netns exec "$B" ping -c 3 -i 0.2 -W 2 "$A_ADDR"

# servers: B's socat (named by the policy), B's python3 (named by none),
# A's socat
ip netns exec "$B" timeout 40 socat -T 30 \
    "TCP-LISTEN:$NAMED,bind=$B_ADDR,reuseaddr" EXEC:cat &
at_exit "kill $! 2>/dev/null"
ip netns exec "$B" timeout 40 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.settimeout(30); c.sendall(c.recv(100))
' "$B_ADDR" "$UNNAMED" &
at_exit "kill $! 2>/dev/null"
ip netns exec "$A" timeout 40 socat -T 30 \
    "TCP-LISTEN:$TOA,bind=$A_ADDR,reuseaddr" EXEC:cat &
at_exit "kill $! 2>/dev/null"
wait_for 10 sh -c "ip netns exec $B ss -ltn | grep -q ':$NAMED ' &&
    ip netns exec $B ss -ltn | grep -q ':$UNNAMED ' &&
    ip netns exec $A ss -ltn | grep -q ':$TOA '" || fail "servers did not start"

GOT=$(echo "named-$TAG" | ip netns exec "$A" timeout 20 socat -T 15 - \
    "TCP:$B_ADDR:$NAMED,bind=$A_ADDR:$CA1")
expect_eq "TCP A -> B's socat (mandatory in B's policy) gets through" "$GOT" "named-$TAG"
GOT=$(echo "unnamed-$TAG" | ip netns exec "$A" timeout 20 socat -T 15 - \
    "TCP:$B_ADDR:$UNNAMED,bind=$A_ADDR:$CA3")
expect_eq "TCP A -> a server of B no policy names gets through" "$GOT" "unnamed-$TAG"
GOT=$(echo "toa-$TAG" | ip netns exec "$B" timeout 20 socat -T 15 - \
    "TCP:$A_ADDR:$TOA,bind=$B_ADDR:$CB")
expect_eq "TCP B -> A (mandatory in B's policy) gets through" "$GOT" "toa-$TAG"

wait_for 10 sh -c "! ip netns exec $B ss -tn | grep -q ':$CB '" || true
sleep 0.3
capture_stop
expect_eq "no ICMP in the clear on the wire" \
    "$(grep -c "ICMP echo" "$DIR/cap.txt" || true)" 0
expect_eq "no TCP of the exchanges in the clear on the wire" \
    "$(grep -c "\.$NAMED[: ]\|\.$TOA[: ]\|\.$UNNAMED[: ]" "$DIR/cap.txt" || true)" 0
check "no plaintext on the wire" sh -c \
    "! tcpdump -A -n -r '$DIR/cap.pcap' 2>/dev/null | grep -q 'named-$TAG\|toa-$TAG'"
NESP=$(grep -c "$B_ADDR\.4500 > $A_ADDR\.4500: UDP-encap: ESP" "$DIR/cap.txt" || true)
# 3 echo requests and 3 replies, at least 3 packets of each TCP exchange
check "B sent it all as ESP in UDP 4500 ($NESP packets)" test "$NESP" -ge 15

LIST=$(swan --list-sas --ike h2h)
printf '%s\n' "$LIST" > "$DIR/list-sas"
check "charon's CHILD SA is installed, tunnel in UDP, AES-GCM" \
    sh -c "printf '%s\n' \"\$1\" | grep -q 'INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128'" - "$LIST"
check "charon's CHILD SA carried traffic both ways" sh -c \
    "printf '%s\n' \"\$1\" | grep -Eq 'in .* [1-9][0-9]* bytes' &&
     printf '%s\n' \"\$1\" | grep -Eq 'out .* [1-9][0-9]* bytes'" - "$LIST"
wait_for 5 dumped b "unowned_sent=[1-9]" || true
check "B sent what no owned entry decides on the CHILD SA" \
    grep -Eq "^datapath .*unowned_sent=[1-9]" "$DIR/b.dump"
# the sas text is rendered once a second: counters may lag that much
wait_for 5 dumped b "^child .*mode=tunnel encap=udp .*packets_in=[1-9][0-9]" || true
check "B's CHILD SA carried the traffic" \
    grep -Eq "^child .*mode=tunnel encap=udp .*packets_in=[1-9][0-9]" "$DIR/b.dump"
check "B never initiated (charon did)" sh -c "! grep -q 'ipsec initiate' '$DIR/b.dump'"

# B's SPD protects no UDP with A: a UDP CHILD SA is refused
if swan --initiate --child udp > "$DIR/initiate-udp.out" 2>&1; then
	fail "B granted a UDP CHILD SA its SPD does not ask for"
fi
check "B refused it with TS_UNACCEPTABLE" grep -q "TS_UNACCEPTABLE" "$DIR/charon.log"

nodes_stop b
check_clean "$B"

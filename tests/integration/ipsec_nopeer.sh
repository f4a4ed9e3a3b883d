# Fail closed on the user-space datapath: A runs ipsec-node with one peer
# (B's first address); B has second addresses, IPv4 and IPv6, that no
# [peer.*] covers, and no IPsec. A mandatory flow to them is blocked by
# XFRM before a packet leaves (connect fails, nothing on the wire) and the
# events say why; an optional flow to the same address passes in the
# clear; a mandatory flow that is steered stays allowed.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/ipsec_lib.sh"
need_root
need_cmd ip nft tcpdump socat python3 timeout
node_pair
B2=10.99.$NET.3 B26=fd99:$NET::3
ip -n "$B" addr add "$B2/24" dev "v$TAG-b"
ip -n "$B" addr add "$B26/64" dev "v$TAG-b" nodad
MANPORT=5001 OPTPORT=5002 MAN6PORT=5003

PSK="ipsecfs fail-closed test $TAG"
node_conf a userspace b "$B_ADDR"
cat > "$DIR/man.policy" <<POL
application socat {
    network 10.99.$NET.0/24 protected P;
    network fd99:$NET::/64 protected P;
    protection P { localport=any remoteport=any encryption mandatory; }
}
POL
cat > "$DIR/opt.policy" <<POL
application python3 {
    network 10.99.$NET.0/24 protected P;
    protection P { localport=any remoteport=any encryption optional; }
}
POL

node a "$A" -p man="$DIR/man.policy" -p opt="$DIR/opt.policy" \
    -e "connect tcp $A_ADDR:40001 $B2:$MANPORT /usr/bin/socat" \
    -e "connect tcp [$A_ADDR6]:40003 [$B26]:$MAN6PORT /usr/bin/socat" \
    -e "connect tcp $A_ADDR:40004 $B_ADDR:$MANPORT /usr/bin/socat" \
    -e "connect tcp $A_ADDR:40002 $B2:$OPTPORT /usr/bin/python3"
capture_start "$A" "v$TAG-a"

for srv in "$B2 $MANPORT" "$B2 $OPTPORT" "$B26 $MAN6PORT"; do
	set -- $srv
	ip netns exec "$B" timeout 30 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1); s.settimeout(25)
c, _ = s.accept(); c.settimeout(25); c.sendall(c.recv(100))
' "$1" "$2" &
	at_exit "kill $! 2>/dev/null"
done
wait_for 10 sh -c "[ \$(ip netns exec $B ss -ltn | grep -c ':500[123] ') = 3 ]" ||
    fail "servers did not start"

GOT=$(echo "secret-$TAG" | ip netns exec "$A" timeout 10 socat -T 5 - \
    "TCP:$B2:$MANPORT,bind=$A_ADDR:40001,connect-timeout=5" 2>"$DIR/man.err")
expect_eq "a mandatory flow to an address no peer covers does not connect" "$GOT" ""
check "it failed at once, refused by the host ($(cat "$DIR/man.err"))" \
    grep -q "Operation not permitted" "$DIR/man.err"
GOT=$(echo "secret6-$TAG" | ip netns exec "$A" timeout 10 socat -T 5 - \
    "TCP6:[$B26]:$MAN6PORT,bind=[$A_ADDR6]:40003,connect-timeout=5" 2>/dev/null)
expect_eq "nor over IPv6" "$GOT" ""
GOT=$(ip netns exec "$A" timeout 20 python3 -c '
import socket, sys
c = socket.socket(); c.settimeout(15)
c.bind((sys.argv[1], 40002)); c.connect((sys.argv[2], int(sys.argv[3])))
c.sendall(sys.argv[4].encode()); print(c.recv(100).decode())
' "$A_ADDR" "$B2" "$OPTPORT" "optional-$TAG")
expect_eq "an optional flow to it passes (in the clear: B has no IPsec)" \
    "$GOT" "optional-$TAG"

wait_for 5 sh -c "tcpdump -n -r '$DIR/cap.pcap' 2>/dev/null | grep -q '$B2\.$OPTPORT > $A_ADDR\.40002: Flags \[F'" || true
capture_stop
expect_eq "no packet of the mandatory flows on the wire" \
    "$(grep -c "\.$MANPORT[: ]\|\.$MAN6PORT[: ]\|secret" "$DIR/cap.txt" || true)" 0
check "the optional flow crossed in the clear" \
    test "$(grep -c "$A_ADDR\.40002 > $B2\.$OPTPORT" "$DIR/cap.txt" || true)" -ge 3

wait_for 5 dumped a "engine flow blocked .*dst=$B26/128" || true
check "events: the IPv4 mandatory flow is blocked, and why" \
    grep -q "engine flow blocked app=man sock=1000 dst=$B2/32 reason=\"no \[peer\.\*\] covers $B2/32: mandatory flow blocked\"" "$DIR/a.dump"
check "events: the IPv6 one too" \
    grep -q "engine flow blocked app=man sock=1001 dst=$B26/128 " "$DIR/a.dump"
# the kernel's outbound entries (ip prints no action for allow): sport
# 40001 blocks, 40004 and 40002 allow
xout() {
	ip -n "$A" xfrm policy list dir out | tr '\n' ' ' | sed 's/src /\nsrc /g' |
	    grep "sport $1 " | sed -n 's/.*\(action block\).*/\1/p; t; s/.*/action allow/p'
}
expect_eq "XFRM blocks the unsteered mandatory flow" "$(xout 40001)" "action block"
# the steered one: an allow for packets without the bypass mark (the
# datapath takes them) and a block for those with it (never in the clear)
expect_eq "XFRM leaves the steered mandatory flow to the datapath" "$(xout 40004)" "action allow
action block"
check "... its allow only for packets without the bypass mark" sh -c \
    "ip -n $A xfrm policy list dir out | grep -A3 'sport 40004 ' | grep -q 'mark 0/0x100000'"
expect_eq "XFRM lets the optional flow pass" "$(xout 40002)" "action allow"
check "spd: the block entry is the app's" \
    grep -q "^dir=out src=$A_ADDR/32:40001 dst=$B2/32:$MANPORT proto=tcp action=block .*app=man sock=1000 " "$DIR/a.dump"
check "no events line for the steered or the optional flow" \
    sh -c "! grep -q 'engine flow blocked .*sock=100[23]' '$DIR/a.dump'"

nodes_stop a
check_clean "$A"

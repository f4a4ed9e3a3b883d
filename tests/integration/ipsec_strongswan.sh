# ipsecfs's glue against strongSwan: charon (kernel-libipsec, tunnel mode,
# ESP in UDP) serves TCP in namespace A; ipsec-node in B runs the engine
# with an `encryption mandatory` policy for socat, whose first SYN makes
# ipsecfs negotiate exactly that flow with charon. The exchange gets
# through, tcpdump on the veth sees it only as ESP in UDP 4500, and
# charon's CHILD SA has our SPIs the other way round.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/charon_lib.sh"
need_root
need_cmd ip nft tcpdump socat unshare nsenter swanctl timeout
NODE=$top_builddir/ipsec-node
[ -x "$NODE" ] || fail "ipsec-node not built"

netns_pair A B
DIR=$(mktemp -d "/tmp/ipsecfs-$TAG.XXXXXX")
[ -n "${KEEP:-}" ] || at_exit "rm -rf $DIR"
PSK="ipsecfs glue interop $TAG"
PORT=5001 CPORT=40001

cat > "$DIR/swanctl.conf" <<CONF
connections {
  glue {
    version = 2
    local_addrs = $A_ADDR
    remote_addrs = $B_ADDR
    proposals = aes128gcm16-prfsha256-ecp256
    local { auth = psk
      id = $A_ADDR }
    remote { auth = psk
      id = $B_ADDR }
    children {
      glue {
        local_ts = $A_ADDR[tcp/$PORT]
        remote_ts = $B_ADDR[tcp]
        esp_proposals = aes128gcm16
        mode = tunnel
        start_action = none
      }
    }
  }
}
secrets {
  ike-glue {
    id-a = $A_ADDR
    id-b = $B_ADDR
    secret = "$PSK"
  }
}
CONF

charon_start "$A"
swan --load-all --file "$DIR/swanctl.conf" > "$DIR/load.out" 2>&1 ||
	fail "swanctl --load-all: $(cat "$DIR/load.out")"

cat > "$DIR/b.conf" <<CONF
[daemon]
datapath = userspace
[ike]
mode = tunnel
encap = yes
[peer.charon]
remote = $A_ADDR
psk = "$PSK"
CONF
chmod 600 "$DIR/b.conf"
cat > "$DIR/b.policy" <<POL
application socat {
    network $A_ADDR/32 protected P1;
    protection P1 { localport=any remoteport=any encryption mandatory; }
}
POL
ip netns exec "$B" "$NODE" -c "$DIR/b.conf" -p sec="$DIR/b.policy" \
    -e "connect tcp $B_ADDR:$CPORT $A_ADDR:$PORT /usr/bin/socat" \
    -d "$DIR/b.dump" -R "$DIR/b.ready" > "$DIR/b.log" 2>&1 &
NPID=$!
at_exit "kill $NPID 2>/dev/null; wait $NPID 2>/dev/null"
wait_for 10 test -e "$DIR/b.ready" || fail "ipsec-node did not start: $(cat "$DIR/b.log")"

ip netns exec "$B" tcpdump -U -n -i "v$TAG-b" -w "$DIR/cap.pcap" \
    > "$DIR/tcpdump.log" 2>&1 &
TCPDUMP=$!
at_exit "kill $TCPDUMP 2>/dev/null; wait $TCPDUMP 2>/dev/null"
wait_for 10 grep -q listening "$DIR/tcpdump.log" || fail "tcpdump did not start"

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
kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null
tcpdump -n -r "$DIR/cap.pcap" > "$DIR/cap.txt" 2>/dev/null
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
dumped() { kill -USR1 "$NPID"; grep -Eq "^child .*packets_in=[1-9]" "$DIR/b.dump"; }
wait_for 5 dumped || true
check "our CHILD SA carried the traffic" grep -Eq "^child .*mode=tunnel encap=udp .*packets_in=[1-9]" "$DIR/b.dump"
check "our spi_out is charon's in SPI ($CIN)" grep -Eq "^child .*spi_out=$CIN " "$DIR/b.dump"
check "our spi_in is charon's out SPI ($COUT)" grep -Eq "^child .*spi_in=$COUT " "$DIR/b.dump"

kill "$NPID"; wait "$NPID"; RC=$?
expect_eq "ipsec-node stops cleanly" "$RC" 0
expect_eq "no TUN device left" "$(ip -n "$B" -o link show | grep -c ipsf || true)" 0
expect_eq "no SPD entry left" "$(ip -n "$B" xfrm policy | grep -c 'uid 1768977254' || true)" 0

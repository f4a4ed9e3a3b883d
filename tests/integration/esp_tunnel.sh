#!/bin/sh
# The user-space ESP datapath between two namespaces: esp_tunnel_tool on
# each side with two static SAs, TUN devices joined by ESP-in-UDP on port
# 4500 (and by raw ESP, IP protocol 50, at the end). Ping and a TCP transfer must pass; the veth must carry only
# ESP-in-UDP (no plaintext); replayed, forged, unknown-SPI and truncated
# datagrams must be counted drops and a NAT keepalive ignored.
. "$top_srcdir/tests/integration/lib.sh"
need_root
need_cmd ip ping socat tcpdump python3 cmp
TOOL=$top_builddir/esp_tunnel_tool
[ -x "$TOOL" ] || skip "esp_tunnel_tool not built"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"

netns_pair A B
DIR=$(mktemp -d)
at_exit "rm -rf $DIR"
TA=10.201.$NET.1
TB=10.201.$NET.2
TB6=fd01:$NET::2
OUTER_A=$A_ADDR
OUTER_B=$B_ADDR

hexkey() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# stat FILE NAME: a counter from a stats file
stat() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# refresh NS: asks the tool of NS for fresh counters and waits for them
refresh() {
	rm -f "$DIR/$1.stats"
	kill -USR1 "$(cat "$DIR/$1.pid")"
	wait_for 5 test -s "$DIR/$1.stats" || fail "no stats from $1"
}

# start ALG KEYLEN EXTRA...: both ends of the tunnel
start() {
	alg=$1 len=$2; shift 2
	kab=$(hexkey "$len"); kba=$(hexkey "$len")
	for side in A B; do
		if [ $side = A ]; then
			ns=$A me=$OUTER_A peer=$OUTER_B tun=$TA o=a1 i=b1 ko=$kab ki=$kba
		else
			ns=$B me=$OUTER_B peer=$OUTER_A tun=$TB o=b1 i=a1 ko=$kba ki=$kab
		fi
		dev=et$TAG$side
		ip -n "$ns" link del "$dev" 2>/dev/null
		ip -n "$ns" tuntap add dev "$dev" mode tun
		ip -n "$ns" addr add "$tun/24" dev "$dev"
		ip -n "$ns" addr add "fd01:$NET::${tun##*.}/64" dev "$dev" nodad
		ip -n "$ns" link set "$dev" mtu 1400 up
		rm -f "$DIR/$side.stats"
		ip netns exec "$ns" "$TOOL" --tun "$dev" --local "$me" \
			--peer "$peer" --alg "$alg" --spi-out "$o$NET" \
			--spi-in "$i$NET" --key-out "$ko" --key-in "$ki" \
			--stats "$DIR/$side.stats" "$@" 2>"$DIR/$side.err" &
		echo $! >"$DIR/$side.pid"
		at_exit "kill $! 2>/dev/null"
		wait_for 5 test -s "$DIR/$side.stats" ||
			fail "$alg: tool in $side did not start: $(cat "$DIR/$side.err")"
	done
}

stop() {
	for side in A B; do
		kill "$(cat "$DIR/$side.pid")" 2>/dev/null
	done
	for side in A B; do
		wait "$(cat "$DIR/$side.pid")" 2>/dev/null
	done
}

# tcp_transfer: 2 MB with a plaintext marker from A to B through the tunnel
tcp_transfer() {
	{ head -c 1000000 /dev/urandom; yes PLAINTEXT-MARKER-$TAG | head -c 1000000; } \
		>"$DIR/send"
	rm -f "$DIR/got"
	ip netns exec "$B" timeout 30 socat -u \
		"TCP-LISTEN:5001,bind=$TB,reuseaddr" "CREATE:$DIR/got" &
	srv=$!
	wait_for 5 sh -c "ip netns exec $B ss -ltn | grep -q '$TB:5001'" ||
		fail "TCP server did not listen"
	ip netns exec "$A" timeout 30 socat -u "FILE:$DIR/send" "TCP:$TB:5001" ||
		fail "TCP client failed"
	wait "$srv"
	cmp -s "$DIR/send" "$DIR/got"
}

# 1. AES-GCM-128 with extended sequence numbers, the whole check list
start aes128gcm16 20 --esn
ip netns exec "$A" tcpdump -i "v$TAG-a" -U -s 2048 -w "$DIR/cap.pcap" ip \
	2>"$DIR/tcpdump.err" &
TCPDUMP=$!
at_exit "kill $TCPDUMP 2>/dev/null"
wait_for 5 grep -q "listening on" "$DIR/tcpdump.err" || fail "tcpdump did not start"

check "aes128gcm16: ping through the tunnel" \
	ip netns exec "$A" ping -c 3 -i 0.2 -W 2 -q "$TB"
check "aes128gcm16: TCP transfer of 2 MB intact" tcp_transfer
refresh A
[ "$(stat "$DIR/A.stats" out_packets)" -gt 100 ] || fail "too few ESP packets sent"
pass "A sent $(stat "$DIR/A.stats" out_packets) ESP packets"

kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null
expect_eq "veth: no IPv4 packet other than UDP 4500" \
	"$(tcpdump -r "$DIR/cap.pcap" -nn 'ip and not udp port 4500' 2>/dev/null | wc -l)" 0
[ "$(tcpdump -r "$DIR/cap.pcap" -nn 'udp port 4500' 2>/dev/null | wc -l)" -gt 100 ] ||
	fail "veth: too few ESP-in-UDP packets"
pass "veth: ESP-in-UDP only"
if grep -q "PLAINTEXT-MARKER-$TAG" "$DIR/cap.pcap"; then
	fail "veth: plaintext seen"
fi
pass "veth: no plaintext"

check "inject forged datagrams" \
	ip netns exec "$A" python3 "$top_srcdir/tests/integration/esp_inject.py" \
	"$DIR/cap.pcap" "$B_ADDR" 4500
drops_counted() {
	refresh B
	[ "$(stat "$DIR/B.stats" keepalives)" -ge 1 ]
}
wait_for 5 drops_counted || fail "keepalive not seen"
expect_eq "replayed packet counted" "$(stat "$DIR/B.stats" in_drop_replay)" 1
expect_eq "forged ICV counted" "$(stat "$DIR/B.stats" in_drop_auth)" 1
expect_eq "unknown SPI counted" "$(stat "$DIR/B.stats" in_drop_unknown-spi)" 1
expect_eq "truncated packet counted" "$(stat "$DIR/B.stats" in_drop_truncated)" 1
# each forgery was counted as a drop, and so not delivered; and B never
# accepted more than A sent (B's count taken first)
refresh B; refresh A
[ "$(stat "$DIR/B.stats" in_packets)" -le "$(stat "$DIR/A.stats" out_packets)" ] ||
	fail "B accepted $(stat "$DIR/B.stats" in_packets) packets, A sent $(stat "$DIR/A.stats" out_packets)"
pass "no forged packet delivered"
check "tunnel still works after the forgeries" \
	ip netns exec "$A" ping -c 1 -W 2 -q "$TB"
stop

# 2. ChaCha20-Poly1305 with a virtio-net header on the TUN device
start chacha20poly1305 36 --vnet-hdr
check "chacha20poly1305 (vnet hdr): ping" ip netns exec "$A" ping -c 2 -i 0.2 -W 2 -q "$TB"
check "chacha20poly1305 (vnet hdr): TCP transfer" tcp_transfer
stop

# 3. AES-CBC-256 with HMAC-SHA2-256-128, and NULL with HMAC-SHA1-96
start aes256-sha256 64
check "aes256-sha256: ping" ip netns exec "$A" ping -c 2 -i 0.2 -W 2 -q "$TB"
check "aes256-sha256: TCP transfer" tcp_transfer
stop
start null-sha1 20
check "null-sha1: ping" ip netns exec "$A" ping -c 2 -i 0.2 -W 2 -q "$TB"
stop

# 4. raw ESP (IP protocol 50), no UDP: the veth carries only protocol 50
start aes128gcm16 20 --raw
ip netns exec "$A" tcpdump -i "v$TAG-a" -U -s 2048 -w "$DIR/raw.pcap" ip \
	2>"$DIR/tcpdump2.err" &
TCPDUMP=$!
at_exit "kill $TCPDUMP 2>/dev/null"
wait_for 5 grep -q "listening on" "$DIR/tcpdump2.err" || fail "tcpdump did not start"
check "raw ESP: ping" ip netns exec "$A" ping -c 2 -i 0.2 -W 2 -q "$TB"
check "raw ESP: TCP transfer" tcp_transfer
kill "$TCPDUMP"; wait "$TCPDUMP" 2>/dev/null
expect_eq "raw ESP: no IPv4 packet other than ESP on the veth" \
	"$(tcpdump -r "$DIR/raw.pcap" -nn 'ip and not ip proto 50' 2>/dev/null | wc -l)" 0
refresh B
[ "$(stat "$DIR/B.stats" raw_rx)" -gt 100 ] || fail "raw ESP: too few packets"
pass "raw ESP: B received $(stat "$DIR/B.stats" raw_rx) packets"
stop

# 5. IPv6 outside (ESP-in-UDP over the veth's IPv6 addresses), IPv4 and
# IPv6 inside
OUTER_A=$A_ADDR6 OUTER_B=$B_ADDR6
start chacha20poly1305 36 --esn
check "IPv6 outer: ping over IPv4 inside" ip netns exec "$A" ping -c 2 -i 0.2 -W 2 -q "$TB"
check "IPv6 outer: ping over IPv6 inside" ip netns exec "$A" ping -6 -c 2 -i 0.2 -W 2 -q "$TB6"
check "IPv6 outer: TCP transfer" tcp_transfer
stop
exit 0

#!/bin/sh
# TCP throughput through the user-space ESP datapath (esp_tunnel_tool in
# two namespaces) against the plain veth between them, in the same run:
# iperf3 for a few seconds each; prints Mbit/s and the ratio to the veth.
# Needs root; prints "skipped" otherwise. ESP_BENCH_SECS sets the duration.
. "$top_srcdir/tests/integration/lib.sh"
trap run_cleanups EXIT
[ "$(id -u)" = 0 ] || { echo "bench_esp_tunnel: skipped (needs root)"; exit 0; }
for c in ip iperf3; do
	command -v $c >/dev/null || { echo "bench_esp_tunnel: skipped (needs $c)"; exit 0; }
done
TOOL=$top_builddir/esp_tunnel_tool
[ -x "$TOOL" ] || { echo "bench_esp_tunnel: skipped (make esp_tunnel_tool)"; exit 0; }
SECS=${ESP_BENCH_SECS:-3}

netns_pair A B
TA=10.202.$NET.1
TB=10.202.$NET.2

# mbits ADDR: TCP throughput from A to ADDR in B
mbits() {
	ip netns exec "$B" timeout $((SECS + 10)) iperf3 -s -1 >/dev/null 2>&1 &
	srv=$!
	wait_for 5 sh -c "ip netns exec $B ss -ltn | grep -q ':5201 '" || return 1
	ip netns exec "$A" timeout $((SECS + 10)) iperf3 -c "$1" -t "$SECS" -f m 2>/dev/null |
		awk '/receiver/ { print $(NF-2) }'
	wait "$srv" 2>/dev/null
}

base=$(mbits "$B_ADDR")
printf '%-18s %10s %8s\n' path Mbit/s ratio
printf '%-18s %10s %8s\n' veth "$base" 1.000
for spec in aes128gcm16:20 chacha20poly1305:36 aes128-sha1:36 null-sha256:32; do
	alg=${spec%%:*} len=${spec##*:}
	k1=$(od -An -N"$len" -tx1 /dev/urandom | tr -d ' \n')
	k2=$(od -An -N"$len" -tx1 /dev/urandom | tr -d ' \n')
	pids=""
	for side in A B; do
		if [ $side = A ]; then ns=$A me=$A_ADDR peer=$B_ADDR tun=$TA o=a1 i=b1 ko=$k1 ki=$k2
		else ns=$B me=$B_ADDR peer=$A_ADDR tun=$TB o=b1 i=a1 ko=$k2 ki=$k1; fi
		dev=eb$TAG$side
		ip -n "$ns" tuntap add dev "$dev" mode tun
		ip -n "$ns" addr add "$tun/24" dev "$dev"
		ip -n "$ns" link set "$dev" mtu 1400 up
		ip netns exec "$ns" "$TOOL" --tun "$dev" --local "$me" --peer "$peer" \
			--alg "$alg" --spi-out "$o$NET" --spi-in "$i$NET" \
			--key-out "$ko" --key-in "$ki" &
		pids="$pids $!"
		at_exit "kill $! 2>/dev/null"
	done
	r=$(mbits "$TB")
	kill $pids 2>/dev/null; wait $pids 2>/dev/null
	ip -n "$A" link del "eb${TAG}A"; ip -n "$B" link del "eb${TAG}B"
	printf '%-18s %10s %8s\n' "$alg" "$r" \
		"$(awk -v a="$r" -v b="$base" 'BEGIN { if (b > 0) printf "%.3f", a / b }')"
done

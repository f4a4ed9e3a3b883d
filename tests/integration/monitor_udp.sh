#!/bin/sh
# UDP through the monitor: a python3 server and python3/socat clients in
# two network namespaces; sendto/recvfrom events checked exactly. A RECV
# on a socket bound to the wildcard address names the wildcard (it
# receives on every address); a SEND names the routed source address.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/monitor_common.sh"

netns_pair A B
mon_ns
mon_start "$PY" "$SOCAT"
P=$((21000 + NET))

udp_server() {
	$INB "$PY" "$HELPERS/monitor_net.py" udp-server "$B_ADDR" "$P" >"$T/srv" &
	SRV=$!
	at_exit "kill $SRV 2>/dev/null"
	wait_for 10 grep -q listening "$T/srv" || fail "server did not start"
	S=$(awk '/listening/ {print $2}' "$T/srv")
}

udp_server
check "python client" $INA "$PY" "$HELPERS/monitor_net.py" udp-client "$B_ADDR" "$P" >"$T/cli"
read -r _ C L <"$T/cli"
check "server done" wait "$SRV"
wait_events "$S" 3
expect_eq "python client events" "$(events "$C")" \
"send pid=$C proto=udp local=$A_ADDR:$L peer=$B_ADDR:$P
recv pid=$C proto=udp local=0.0.0.0:$L peer=-
close pid=$C proto=udp local=0.0.0.0:$L peer=$B_ADDR:$P"
expect_eq "python server events" "$(events "$S")" \
"recv pid=$S proto=udp local=$B_ADDR:$P peer=-
send pid=$S proto=udp local=$B_ADDR:$P peer=$A_ADDR:$L
close pid=$S proto=udp local=$B_ADDR:$P peer=$A_ADDR:$L"

# socat connects its UDP socket: one CONNECT event, then plain read/write
udp_server
L2=$((P + 1))
out=$(echo ping | $INA "$SOCAT" -T 5 - "UDP4:$B_ADDR:$P,sourceport=$L2")
expect_eq "socat answer" "$out" "ping"
check "server done" wait "$SRV"
C=$(grep "connect pid=.*:$L2 peer" "$T/ev.log" | sed 's/.* pid=\([0-9]*\) .*/\1/')
wait_events "$C" 2
expect_eq "socat client events" "$(events "$C")" \
"connect pid=$C proto=udp local=$A_ADDR:$L2 peer=$B_ADDR:$P
close pid=$C proto=udp local=$A_ADDR:$L2 peer=$B_ADDR:$P"
wait_events "$S" 3
expect_eq "python server events (socat peer)" "$(events "$S")" \
"recv pid=$S proto=udp local=$B_ADDR:$P peer=-
send pid=$S proto=udp local=$B_ADDR:$P peer=$A_ADDR:$L2
close pid=$S proto=udp local=$B_ADDR:$P peer=$A_ADDR:$L2"

#!/bin/sh
# TCP through the monitor: python3 and socat clients and servers in two
# network namespaces, started after the monitor (found by fanotify exec
# events), each event checked exactly (pid, op, 5-tuple).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/monitor_common.sh"

netns_pair A B
mon_ns
mon_start "$PY" "$SOCAT"
P=$((20000 + NET))

# python3 server in B, python3 client in A
$INB "$PY" "$HELPERS/monitor_net.py" tcp-server "$B_ADDR" "$P" >"$T/srv" &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 grep -q listening "$T/srv" || fail "server did not start"
S=$(awk '/listening/ {print $2}' "$T/srv")
check "python client" $INA "$PY" "$HELPERS/monitor_net.py" tcp-client "$B_ADDR" "$P" >"$T/cli"
read -r _ C L <"$T/cli"
check "python server done" wait "$SRV"
wait_events "$S" 4
expect_eq "python client events" "$(events "$C")" \
"connect pid=$C proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P
close pid=$C proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P"
expect_eq "python server events" "$(events "$S")" \
"listen pid=$S proto=tcp local=$B_ADDR:$P peer=-
accept pid=$S proto=tcp local=$B_ADDR:$P peer=$A_ADDR:$L
close pid=$S proto=tcp local=$B_ADDR:$P peer=$A_ADDR:$L
close pid=$S proto=tcp local=$B_ADDR:$P peer=-"

# socat server in B (IPv6), socat client in A; the client's port is fixed
P6=$((P + 1)); L6=$((P + 2))
$INB "$SOCAT" "TCP6-LISTEN:$P6,bind=[$B_ADDR6],reuseaddr" SYSTEM:'echo hi' &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 tcp_listening "$INB" "$P6" || fail "socat server"
out=$($INA "$SOCAT" - "TCP6:[$B_ADDR6]:$P6,sourceport=$L6" </dev/null)
expect_eq "socat transfer" "$out" "hi"
C=$(grep -m1 "connect pid=.*:$L6 peer" "$T/ev.log" | sed 's/.* pid=\([0-9]*\) .*/\1/')
S=$(grep -m1 "listen pid=.*:$P6 " "$T/ev.log" | sed 's/.* pid=\([0-9]*\) .*/\1/')
check "socat server done" wait "$SRV"
wait_events "$S" 3
expect_eq "socat client events" "$(events "$C")" \
"connect pid=$C proto=tcp local=[$A_ADDR6]:$L6 peer=[$B_ADDR6]:$P6
close pid=$C proto=tcp local=[$A_ADDR6]:$L6 peer=[$B_ADDR6]:$P6"
expect_eq "socat server events" "$(events "$S" | head -2)" \
"listen pid=$S proto=tcp local=[$B_ADDR6]:$P6 peer=-
accept pid=$S proto=tcp local=[$B_ADDR6]:$P6 peer=[$A_ADDR6]:$L6"
mon_stop
check "tracer exits when idle" wait_for 10 tracer_gone

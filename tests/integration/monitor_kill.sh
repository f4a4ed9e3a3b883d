#!/bin/sh
# Nothing is left stopped or broken: a program killed while its connect
# waits for the hook and one killed inside a blocking connect; a program
# that execs a program no policy names (released, keeps working);
# signals with handlers and group-stop; a daemon that does not answer in
# time; the tracer killed with SIGKILL
# (a new one takes over); and the monitor killed with SIGKILL while
# programs run: they continue and finish correctly, and the tracer goes
# away after them.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/monitor_common.sh"

netns_pair A B
mon_ns
P=$((24000 + NET)); SLOWP=$((P + 1)); MUTEP=$((P + 3))
NOHOST=10.99.$NET.3		# no such neighbour: connect blocks on ARP
mon_start -s "$SLOWP" -w "$MUTEP" "$PY"

$INB "$PY" "$HELPERS/monitor_net.py" tcp-server "$B_ADDR" "$P" 6 >"$T/srv" &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 grep -q listening "$T/srv" || fail "server did not start"
S=$(awk '/listening/ {print $2}' "$T/srv")

gone() { ! kill -0 "$1" 2>/dev/null; }

# 1. killed while its connect waits in the seccomp stop for the hook
$INA "$PY" "$HELPERS/monitor_net.py" try-connect "$B_ADDR" "$SLOWP" >/dev/null &
K=$!
wait_for 10 grep -q "connect pid=$K " "$T/ev.log" || fail "no event for the slow connect"
kill -KILL "$K"
wait "$K" 2>/dev/null
check "killed in the hook: gone" gone "$K"

# 2. killed inside a connect that blocks in the kernel
$INA "$PY" "$HELPERS/monitor_net.py" try-connect "$NOHOST" "$P" >/dev/null &
K2=$!
wait_for 10 grep -q "connect pid=$K2 " "$T/ev.log" || fail "no event for the blocking connect"
kill -KILL "$K2"
wait "$K2" 2>/dev/null || true
check "killed in connect: gone" gone "$K2"
wait_for 10 grep -q "close pid=$K2 " "$T/ev.log" || fail "no close event for the killed program"
pass "close event when the killed program's socket went"
: >"$T/mon.err"
kill -USR1 "$MON_PID"
wait_for 5 grep -q "^traced\|errors=" "$T/mon.err"
if grep -q "traced pid=$K " "$T/mon.err" || grep -q "traced pid=$K2 " "$T/mon.err"; then
	fail "killed programs still listed: $(cat "$T/mon.err")"
fi
pass "killed programs forgotten"

# 3. exec into a program no policy names: released, its sockets work
$INA "$PY" "$HELPERS/monitor_net.py" exec-client "$B_ADDR" "$P" /usr/bin/python3 >"$T/ex" ||
	fail "released program failed"
read -r _ E L <"$T/ex"
expect_eq "no events after the exec" "$(nevents "$E")" 0

# a child spawned with vfork (python's subprocess) and released at its
# exec of an unnamed program; the parent goes on being traced
$INA "$PY" "$HELPERS/monitor_net.py" spawn-client "$B_ADDR" "$P" >"$T/sp" ||
	fail "spawning client failed"
read -r _ V L <"$T/sp"
expect_eq "spawning client events" "$(events "$V")" \
"connect pid=$V proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P
close pid=$V proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P"

# 4. signals: a handler runs while the program waits in accept; a group
# stop (SIGSTOP) holds the program stopped until SIGCONT
SP=$((P + 2))
$INB "$PY" "$HELPERS/monitor_net.py" signal-server "$B_ADDR" "$SP" >"$T/sig" &
SIG=$!
at_exit "kill $SIG 2>/dev/null"
wait_for 10 grep -q listening "$T/sig" || fail "signal server did not start"
wait_for 10 grep -q '^State:.*S' "/proc/$SIG/status" || fail "not waiting in accept"
kill -USR1 "$SIG"
stopped() { grep -q '^State:.*[tT]' "/proc/$1/status"; }
kill -STOP "$SIG"
check "SIGSTOP stops the traced program" wait_for 10 stopped "$SIG"
$INA "$PY" "$HELPERS/monitor_net.py" try-connect "$B_ADDR" "$SP" >"$T/sigc" &
check "client connects to the backlog" wait $!
grep -q "accept pid=$SIG " "$T/ev.log" && fail "stopped program accepted"
check "still stopped" stopped "$SIG"
kill -CONT "$SIG"
check "server done after SIGCONT" wait "$SIG"
expect_eq "signal handler ran" "$(tail -1 "$T/sig")" "usr1 1"

# 5. a daemon that does not answer in time: the call fails with EACCES,
# and once the daemon is back its events file says why
out=$($INA "$PY" "$HELPERS/monitor_net.py" try-connect "$B_ADDR" "$MUTEP")
set -- $out
expect_eq "unanswered connect fails with EACCES" "$1 $2" "errno 13"
said() { kill -USR1 "$MON_PID"; sleep 0.1; grep -q "$1" "$T/events"; }
check "events say the daemon did not answer" wait_for 10 said \
    "monitor: denied connect pid=$3 exe=$PY: no answer from the daemon within 5000 ms"

# 6. the tracer itself killed outright: the daemon starts a new one, which
# attaches the running program (its filter is found, not stacked) and
# traces new execs (the marks are replayed)
filters() { sed -n 's/^Seccomp_filters:[[:space:]]*//p' "/proc/$1/status"; }
tracer_of() { sed -n 's/^TracerPid:[[:space:]]*//p' "/proc/$1/status"; }
slow_start re "$P"
RE=$SLOW
expect_eq "traced by the tracer" "$(tracer_of "$RE")" "$TRACER_PID"
kill -KILL "$TRACER_PID"
respawned() { kill -USR1 "$MON_PID"; sleep 0.1; grep -q "a new one attaches" "$T/events"; }
check "a new tracer is started" wait_for 10 respawned
newtracer() { t=$(tracer_of "$1"); [ "$t" != 0 ] && [ "$t" != "$TRACER_PID" ]; }
check "it attaches the running programs" wait_for 10 newtracer "$RE"
check "the server too" wait_for 10 newtracer "$S"
TRACER_PID=$(tracer_of "$RE")
expect_eq "our filter found, not stacked" "$(filters "$RE")" 1
slow_go
check "the program finishes" wait "$RE"
check "its connect is reported by the new tracer" grep -q "connect pid=$RE " "$T/ev.log"
$INA "$PY" "$HELPERS/monitor_net.py" try-connect "$B_ADDR" "$P" >/dev/null &
N=$!
wait "$N"
check "a new exec is traced by the new tracer" grep -q "connect pid=$N " "$T/ev.log"

# 7. the monitor killed while programs run, one of them in the middle of
# a question to it (its connect waits for the slow hook): the tracer sees
# the daemon go during the question and lets the call go on
slow_start slow "$P"
$INA "$PY" "$HELPERS/monitor_net.py" try-connect "$B_ADDR" "$SLOWP" >"$T/inhook" &
K3=$!
wait_for 10 grep -q "connect pid=$K3 " "$T/ev.log" || fail "no event for the connect in the hook"
kill -KILL "$MON_PID"
wait "$MON_PID" 2>/dev/null
MON_PID=""
wait "$K3"
expect_eq "connect asked about when the monitor died goes on (refused: no listener)" \
	"$(cat "$T/inhook")" "errno 111 $K3"
slow_go
wait "$SLOW"; rc=$?
if [ "$rc" != 0 ]; then	# what the tracer said, for the log
	echo "# tracer $TRACER_PID state: $(ps -o stat= -p "$TRACER_PID" || echo gone)"
	sed 's/^/# /' "$T/mon.err"
fi
expect_eq "client finishes after the monitor died" "$rc" 0
check "client talked to the server" grep -q "^client $SLOW " "$T/slow"
kill "$SRV" 2>/dev/null
wait "$SRV" 2>/dev/null
check "tracer leaves once its tracees are gone" wait_for 10 tracer_gone
for p in $S $SLOW; do
	[ -e "/proc/$p" ] && grep -q '^State:.*[tT]' "/proc/$p/status" && fail "pid $p left stopped"
done
pass "nothing left stopped"

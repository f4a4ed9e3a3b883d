#!/bin/sh
# Programs found by /proc scans (a policy added or changed), not by the
# exec check: a copy of python3 on a file system nobody marks is started
# again and again while the monitor scans without pause, so that scans
# land in the middle of its exec. Each must end up with the filter before
# it runs (Seccomp: 2), and its connect must be reported: a process seized
# inside its exec gets no PTRACE_INTERRUPT stop, and used to run on with
# no filter at all.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/monitor_common.sh"

netns_pair A B
mon_ns
P=$((22400 + NET))
N=30

mkdir "$T/plain"
PLAIN=$T/plain/python3
cp "$PY" "$PLAIN"
mon_start "$PLAIN"

$INB "$PY" "$HELPERS/monitor_net.py" tcp-server "$B_ADDR" "$P" $((2 * N)) >"$T/srv" &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 grep -q listening "$T/srv" || fail "server did not start"

# scans back to back for as long as the clients run
(while kill -USR2 "$MON_PID" 2>/dev/null; do :; done) &
HAMMER=$!
at_exit "kill $HAMMER 2>/dev/null"

traced() { grep -q "^TracerPid:[[:space:]]*$TRACER_PID\$" "/proc/$1/status"; }
filtered() { grep -q "^Seccomp:[[:space:]]*2\$" "/proc/$1/status"; }
# reported WHAT I: the connect of the client that wrote $T/cli.I was seen
reported() {
	read -r _ c l <<EOT
$(grep '^client' "$T/cli.$2")
EOT
	got=$(events "$c" | grep '^connect')
	[ "$got" = "connect pid=$c proto=tcp local=$A_ADDR:$l peer=$B_ADDR:$P" ] &&
	    return 0
	echo "$1 $2 (pid $c): connect not reported: '$got'"
	return 1
}
threads_over() { [ "$(ls "/proc/$1/task" | wc -l)" -gt "$2" ]; }

bad=0
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	mkfifo "$T/go.$i"
	# the shell opens the fifo before the exec: the exec starts only
	# once we open its other end, while the scans go on
	$INA "$PLAIN" "$HELPERS/monitor_net.py" slow-client "$B_ADDR" "$P" \
	    <"$T/go.$i" >"$T/cli.$i" &
	C=$!
	exec 9>"$T/go.$i"
	wait_for 10 traced "$C" || fail "client $i (pid $C) never traced"
	if ! wait_for 5 filtered "$C"; then
		echo "client $i (pid $C) traced without the filter:" \
		    "$(grep Seccomp "/proc/$C/status")"
		bad=$((bad + 1))
	fi
	echo go >&9
	exec 9>&-
	wait "$C" || fail "client $i failed"
	reported client $i || bad=$((bad + 1))
done
expect_eq "every client found by a scan got the filter and was reported" "$bad" 0

kill "$HAMMER"
mon_stop

# A scan seizes a program thread by thread. Here a program no policy
# named yet has 100 threads waiting; a policy naming it comes (-L, then
# SIGUSR2; SIGHUP takes it away) and, as its scan seizes the threads, one more thread
# execs: the exec kills the threads already seized and waits for the
# tracer to reap them, while the tracer's seize of the next thread waits
# for the exec (before the fix: the tracer and the program hung for good).
# The scan may also find the process with its leader gone, or lose every
# thread it seized to the exec; it attaches again once the exec is done.
# Each program must run on, traced, and its connect after the exec be
# reported.
CROWD=$T/plain/pycrowd
cp "$PY" "$CROWD"
mon_start -L pycrowd
bad=0
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	mkfifo "$T/crowd.$i"
	$INA "$CROWD" "$HELPERS/monitor_net.py" crowd-exec "$B_ADDR" "$P" \
	    "$CROWD" 100 <"$T/crowd.$i" >"$T/cli.$i" &
	C=$!
	exec 9>"$T/crowd.$i"
	wait_for 10 threads_over "$C" 100 ||
	    fail "crowd $i: threads did not start"
	printf g >&9
	kill -USR2 "$MON_PID"	# the policy naming it: a scan
	if ! wait_for 10 traced "$C" || ! wait_for 5 filtered "$C"; then
		kill -USR1 "$MON_PID"; sleep 1
		echo "crowd $i (pid $C): not traced with the filter:" \
		    "$(grep -E 'Tracer|Seccomp:' "/proc/$C/status" | tr '\n' ' ')" \
		    "$(grep "pid=$C " "$T/events")" \
		    "$(grep "traced pid=$C " "$T/mon.err" | tail -1)"
		bad=$((bad + 1))
	fi
	echo go >&9
	exec 9>&-
	if ! wait_for 10 sh -c "! kill -0 $C 2>/dev/null"; then
		echo "tracer: $(grep State "/proc/$TRACER_PID/status")" \
		    "$(cat "/proc/$TRACER_PID/stack" 2>/dev/null | head -1)"
		grep -h State /proc/$C/task/*/status | sort | uniq -c
		fail "crowd $i (pid $C) hangs: $(grep State "/proc/$C/status")"
	fi
	wait "$C" || { echo "crowd $i failed"; bad=$((bad + 1)); }
	reported crowd $i || bad=$((bad + 1))
	kill -HUP "$MON_PID"	# the policy is gone again
done
expect_eq "a program exec'ing while a scan seizes its threads runs on" "$bad" 0
check "server served every client" wait "$SRV"
mon_stop

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

$INB "$PY" "$HELPERS/monitor_net.py" tcp-server "$B_ADDR" "$P" $N >"$T/srv" &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 grep -q listening "$T/srv" || fail "server did not start"

# scans back to back for as long as the clients run
(while kill -USR2 "$MON_PID" 2>/dev/null; do :; done) &
HAMMER=$!
at_exit "kill $HAMMER 2>/dev/null"

traced() { grep -q "^TracerPid:[[:space:]]*$TRACER_PID\$" "/proc/$1/status"; }
filtered() { grep -q "^Seccomp:[[:space:]]*2\$" "/proc/$1/status"; }

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
	read -r _ c l <<EOT
$(grep '^client' "$T/cli.$i")
EOT
	got=$(events "$c" | grep '^connect')
	[ "$got" = "connect pid=$c proto=tcp local=$A_ADDR:$l peer=$B_ADDR:$P" ] || {
		echo "client $i (pid $c): connect not reported: '$got'"
		bad=$((bad + 1))
	}
done
kill "$HAMMER"
expect_eq "every client found by a scan got the filter and was reported" "$bad" 0
check "server served every client" wait "$SRV"
mon_stop

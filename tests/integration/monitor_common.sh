# Sourced by the monitor_*.sh tests after lib.sh. Each test runs in its
# own private mount namespace (re-executed under unshare -m) with a tmpfs
# $BIN holding copies of python3 and socat: only that tmpfs is marked for
# FAN_OPEN_EXEC_PERM, so no exec elsewhere on the machine ever waits.

need_root
need_cmd unshare nsenter python3 socat ip
if [ -z "${MON_PRIVATE_NS:-}" ]; then
	export top_srcdir top_builddir MON_PRIVATE_NS=1
	trap - EXIT
	exec unshare -m --propagation private "${SHELL:-/bin/sh}" "$0" "$@"
fi

MONRUN=$top_builddir/tests/integration/monitor-run
T=$(mktemp -d "/tmp/ipsecfs-$TEST_NAME.XXXXXX")
at_exit "rm -rf $T"
BIN=$T/bin
mkdir "$BIN"
mount -t tmpfs "ipsecfs-$TAG" "$BIN" || skip "cannot mount tmpfs"
at_exit "umount -l $BIN"
cp /usr/bin/python3 /usr/bin/socat "$BIN/"
PY=$BIN/python3
SOCAT=$BIN/socat
HELPERS=$top_srcdir/tests/integration
MON_PID=""
TRACER_PID=""

# mon_start [monitor-run options] PROGRAM...: starts the monitor marking
# $BIN; returns once it watches execs there and has scanned /proc.
mon_start() {
	rm -f "$T/ready"
	"$MONRUN" -R "$T/ready" -o "$T/ev.log" -e "$T/events" -M "$BIN" "$@" 2>"$T/mon.err" &
	MON_PID=$!
	at_exit "mon_cleanup"
	wait_for 10 test -e "$T/ready" || fail "monitor did not start: $(cat "$T/mon.err")"
	TRACER_PID=$(sed -n 's/^monitor pid=\([0-9]*\).*/\1/p' "$T/ready")
	[ -n "$TRACER_PID" ] || fail "no tracer pid in $(cat "$T/ready")"
}

# Stops the monitor; the tracer ends once its last tracee is gone.
mon_halt() {
	[ -n "$MON_PID" ] || return 0
	kill -TERM "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
	MON_PID=""
}

sanitizer_said() { grep -q "Sanitizer\|runtime error" "$T/mon.err"; }

# mon_halt, and fails on a sanitizer report
mon_stop() {
	mon_halt
	if sanitizer_said; then
		cat "$T/mon.err" >&2
		fail "sanitizer report from the monitor"
	fi
}

# at exit: a sanitizer report fails the test once every cleanup ran
mon_cleanup() {
	mon_halt
	sanitizer_said && LATE_FAIL="sanitizer report from the monitor:
$(cat "$T/mon.err")"
	[ -n "$TRACER_PID" ] && kill -KILL "$TRACER_PID" 2>/dev/null
	true
}

tracer_gone() { ! kill -0 "$TRACER_PID" 2>/dev/null || grep -q '^State:.*Z' "/proc/$TRACER_PID/status"; }

# $INA/$INB CMD...: runs CMD in namespace A/B (nsenter execs CMD, so $!
# is its pid; no new mount namespace, so the exec goes through the marked
# tmpfs mount). Call mon_ns after netns_pair.
mon_ns() { INA="nsenter --net=/run/netns/$A"; INB="nsenter --net=/run/netns/$B"; }

# events PID: the event lines of one process, without the exe field.
events() { grep " pid=$1 " "$T/ev.log" | sed 's/ exe=[^ ]*//'; }
nevents() { grep -c " pid=$1 " "$T/ev.log"; }
# wait_events PID N: until PID has N event lines (bounded).
wait_events() { wait_for 10 test "$(nevents "$1")" -ge "$2"; }
# tcp_listening NSCMD PORT: a TCP socket listens on PORT in that namespace.
tcp_listening() { $1 ss -Htln "sport = :$2" | grep -q LISTEN; }
udp_bound() { $1 ss -Huan "sport = :$2" | grep -q .; }

# held NAME FD MODE ARGS...: monitor_net.py MODE ARGS in A, reading its
# stdin from a fifo whose writing end we keep on fd FD (output in
# $T/NAME, pid in HELD); returns once it has said `started'. Programs
# held at once need fds of their own.
held() {
	name=$1 fd=$2
	shift 2
	mkfifo "$T/$name.in"
	$INA "$PY" "$HELPERS/monitor_net.py" "$@" <"$T/$name.in" >"$T/$name" &
	HELD=$!
	at_exit "kill $HELD 2>/dev/null"
	eval "exec $fd>\"\$T/\$name.in\""
	wait_for 10 grep -q started "$T/$name" || fail "$name did not start"
}

# slow_start NAME PORT: a python3 client in A, waiting (output in $T/NAME)
# until slow_go sends it on to connect to $B_ADDR:PORT; its pid in SLOW.
# One at a time (it holds fd 7).
slow_start() { held "$1" 7 slow-client "$B_ADDR" "$2"; SLOW=$HELD; }
slow_go() { echo go >&7; exec 7>&-; }

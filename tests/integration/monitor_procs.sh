#!/bin/sh
# Processes as they are: a server listening before the monitor starts
# (its socket reported at attach), a client forking 100 children that each connect,
# a multi-threaded client, a socket shared across fork and dup, a program already running when the monitor
# starts (attached by the /proc scan), and a connect the hook refuses
# (the program gets EACCES); a program with an io_uring made before it was
# traced (said in the events; a second ring is refused); a named program
# exec'd by a thread of an unnamed one, or by its main thread while other
# threads run (the exec'ing thread takes the process over), or by a thread
# of a traced one.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/monitor_common.sh"

netns_pair A B
mon_ns
P=$((22000 + NET)); DENY=$((P + 1))

# Started before the monitor: found by the initial /proc scan.
slow_start slow "$P"
# and one whose threads have diverging filters: ours cannot be added with
# TSYNC, so it is traced stopping at every call
held div 8 divergent-client "$B_ADDR" "$P"
DIV=$HELD

# a server listening before the monitor starts
Q=$((P + 2))
$INB "$PY" "$HELPERS/monitor_net.py" tcp-server "$B_ADDR" "$Q" >"$T/early" &
EARLY=$!
at_exit "kill $EARLY 2>/dev/null"
wait_for 10 grep -q listening "$T/early" || fail "early server did not start"

# one with an io_uring of its own, made before the monitor starts
held ring 6 uring-client "$B_ADDR" 0
RING=$HELD
check "io_uring made untraced" grep -q "^started $RING ring [0-9][0-9]*\$" "$T/ring"

mon_start -d "$DENY" "$PY"
expect_eq "listener found at attach" "$(events "$EARLY")" \
"listen pid=$EARLY proto=tcp local=$B_ADDR:$Q peer=-"
$INA "$PY" "$HELPERS/monitor_net.py" tcp-client "$B_ADDR" "$Q" >"$T/ecli" || fail "early server's client"
read -r _ C L <"$T/ecli"
check "early server done" wait "$EARLY"
expect_eq "early server events" "$(events "$EARLY")" \
"listen pid=$EARLY proto=tcp local=$B_ADDR:$Q peer=-
accept pid=$EARLY proto=tcp local=$B_ADDR:$Q peer=$A_ADDR:$L
close pid=$EARLY proto=tcp local=$B_ADDR:$Q peer=$A_ADDR:$L
close pid=$EARLY proto=tcp local=$B_ADDR:$Q peer=-"
grep -q "traced pid=$SLOW .*mode=active filter=on" "$T/ready" ||
	fail "running program not attached: $(cat "$T/ready")"
pass "running program attached"
grep -q "traced pid=$DIV .*mode=active filter=failed" "$T/ready" ||
	fail "divergent program: $(cat "$T/ready")"
pass "program with its own thread filter: traced without ours"

N=100
$INB "$PY" "$HELPERS/monitor_net.py" tcp-server "$B_ADDR" "$P" $((N + 11)) >"$T/srv" &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 grep -q listening "$T/srv" || fail "server did not start"
S=$(awk '/listening/ {print $2}' "$T/srv")

slow_go
check "attached client finished" wait "$SLOW"
read -r _ C L <<EOT
$(grep client "$T/slow")
EOT
expect_eq "attached client events" "$(events "$C")" \
"connect pid=$C proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P
close pid=$C proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P"
echo go >&8
exec 8>&-
check "divergent client finished" wait "$DIV"
read -r _ C L <<EOT
$(grep client "$T/div")
EOT
expect_eq "divergent client events (every call stops)" "$(events "$C")" \
"connect pid=$C proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P
close pid=$C proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P"

$INA "$PY" "$HELPERS/monitor_net.py" fork-client "$B_ADDR" "$P" $N >"$T/fork" 2>"$T/fork.err" || { cat "$T/fork.err" "$T/mon.err"; grep -v "^child" "$T/fork"; fail "fork client"; }
[ "$(grep -c "^child" "$T/fork")" = $N ] || { wc -l "$T/fork"; grep -v "^child" "$T/fork"; cat "$T/fork.err"; grep -c connect "$T/ev.log"; fail children; }
bad=0
while read -r _ c l; do
	got=$(events "$c")
	want="connect pid=$c proto=tcp local=$A_ADDR:$l peer=$B_ADDR:$P
close pid=$c proto=tcp local=$A_ADDR:$l peer=$B_ADDR:$P"
	[ "$got" = "$want" ] || { bad=$((bad + 1)); echo "child $c: $got"; }
done <<EOT
$(grep '^child' "$T/fork")
EOT
expect_eq "every child's events" "$bad" 0
F=$(awk '/^parent/ {print $2}' "$T/fork")
expect_eq "parent has no events" "$(nevents "$F")" 0

$INA "$PY" "$HELPERS/monitor_net.py" thread-client "$B_ADDR" "$P" 8 >"$T/thr" || fail "thread client"
set -- $(cat "$T/thr")
C=$2; shift 2
want=""
for l; do
	want="$want${want:+
}connect pid=$C proto=tcp local=$A_ADDR:$l peer=$B_ADDR:$P"
done
expect_eq "thread connects" "$(events "$C" | grep connect | sort)" "$(echo "$want" | sort)"
expect_eq "thread closes" "$(events "$C" | grep -c close)" 8

# One socket, three descriptors (a forked child's copy, a dup): CLOSE
# comes once, when the last of them goes.
EVLOG=$T/ev.log $INA "$PY" "$HELPERS/monitor_net.py" share-client "$B_ADDR" "$P" >"$T/share" || fail "share client"
expect_eq "no CLOSE while a descriptor is left" "$(grep closes-before-last "$T/share")" "closes-before-last 0"
read -r _ C L K <<EOT
$(grep '^client' "$T/share")
EOT
expect_eq "shared socket events" "$(events "$C")" \
"connect pid=$C proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P
close pid=$C proto=tcp local=$A_ADDR:$L peer=$B_ADDR:$P"
expect_eq "child closing its copy: no event" "$(nevents "$K")" 0

# Refused by the hook: the program sees EACCES (13), the event says so.
out=$($INA "$PY" "$HELPERS/monitor_net.py" try-connect "$B_ADDR" "$DENY")
set -- $out
expect_eq "refused connect fails with EACCES" "$1 $2" "errno 13"
expect_eq "refused event" "$(events "$3")" \
"connect pid=$3 proto=tcp local=$A_ADDR:$(events "$3" | sed -n 's/.*local=[0-9.]*:\([0-9]*\) .*/\1/p') peer=$B_ADDR:$DENY denied"
check "server served every connection" wait "$SRV"

# exec'd among threads of a program no policy names (/usr/bin/python3),
# and by a thread of a traced one (then followed by PTRACE_EVENT_EXEC)
bad=0
for run in /usr/bin/python3:thread-exec /usr/bin/python3:leader-exec \
    "$PY:thread-exec"; do
	i=0
	while [ $i -lt 10 ]; do
		i=$((i + 1))
		how=${run#*:}
		out=$($INA "${run%%:*}" "$HELPERS/monitor_net.py" $how "$B_ADDR" "$DENY" "$PY")
		rc=$?
		set -- $out
		if [ "$rc" != 0 ] || [ "$1 $2" != "errno 13" ]; then
			echo "$run $i: rc=$rc output '$out'"
			bad=$((bad + 1))
		elif [ "$(events "$3" | sed 's/ local=[^ ]*//')" != "connect pid=$3 proto=tcp peer=$B_ADDR:$DENY denied" ]; then
			echo "$run $i (pid $3): events '$(events "$3")'"
			bad=$((bad + 1))
		fi
	done
done
expect_eq "exec'd by a thread or among threads: traced from the start" "$bad" 0

echo go >&6
exec 6>&-
check "io_uring client finished" wait "$RING"
expect_eq "a new io_uring of a traced program is refused" "$(tail -1 "$T/ring")" \
    "second $RING ring -13"
mon_stop
check "events: an io_uring from before the attach is said" grep -q \
    "monitor: pid=$RING exe=$PY has an io_uring made before it was traced" "$T/events"
check "events: the refused io_uring_setup is said" grep -q \
    "monitor: refused io_uring_setup pid=$RING exe=$PY" "$T/events"
check "events: attach noted" grep -q "monitor: tracing pid=$SLOW exe=$PY (running)" "$T/events"
check "events: exec attach noted" grep -q "monitor: tracing pid=$C exe=$PY (exec)" "$T/events"
check "events: denial says why" grep -q "monitor: denied connect pid=$3 exe=$PY local=$A_ADDR:[0-9]* peer=$B_ADDR:$DENY: port $DENY denied by test" "$T/events"

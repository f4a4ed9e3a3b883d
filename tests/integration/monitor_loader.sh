#!/bin/sh
# Programs and the dynamic loader. A named program whose ELF interpreter
# lies on a marked file system, as /usr/bin's programs and ld.so share the
# root file system: opening the interpreter raises an exec event of its
# own while the exec holds the lock our seize waits for (this hung the
# exec, and every exec after it, until the program was killed). An unnamed
# one likewise. A named program run by the loader itself (`ld.so PROGRAM':
# PROGRAM is never exec'd) is traced as PROGRAM, with loader options or a
# relative path; an unnamed one run so is let go, never left stopped; one
# running before the monitor starts is found by the scan.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/monitor_common.sh"
need_cmd patchelf

interp=$(patchelf --print-interpreter "$SOCAT") || fail "no interpreter in $SOCAT"
LDSO=$BIN/$(basename "$interp")
cp "$(readlink -f "$interp")" "$LDSO"
for prog in socat python3; do
	cp "$BIN/$prog" "$BIN/$prog-i"
	patchelf --set-interpreter "$LDSO" "$BIN/$prog-i" || fail "patchelf $prog"
done

netns_pair A B
mon_ns
P=$((27000 + NET)); Q=$((P + 1))

# running before the monitor starts: the scan sees the loader's program
$INA "$LDSO" "$SOCAT" -u TCP-LISTEN:"$Q",reuseaddr OPEN:/dev/null &
EARLY=$!
at_exit "kill $EARLY 2>/dev/null"
wait_for 10 tcp_listening "$INA" "$Q" || fail "early listener did not start"

mon_start "$SOCAT" "$BIN/socat-i"
N=10
$INB "$PY" "$HELPERS/monitor_net.py" tcp-server "$B_ADDR" "$P" $((N + 7)) >"$T/srv" &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 grep -q listening "$T/srv" || fail "server did not start"

# connects PROGRAM...: runs it as a socat client of the server (bounded)
connects() { timeout 20 $INA "$@" -u OPEN:/dev/null TCP:"$B_ADDR:$P"; }
# nconnects EXE: connect events of that program
nconnects() { grep -c "^connect pid=.* peer=$B_ADDR:$P exe=$1\$" "$T/ev.log"; }

i=0
while [ $i -lt $N ]; do
	connects "$BIN/socat-i" || fail "named program, interpreter on the marked fs: run $i"
	i=$((i + 1))
done
wait_for 10 test "$(nconnects "$BIN/socat-i")" -eq $N ||
	fail "named program, interpreter on the marked fs: $(nconnects "$BIN/socat-i") of $N connects traced"
pass "named program with its interpreter on the marked fs: $N runs traced"
i=0
while [ $i -lt 5 ]; do
	timeout 20 $INA "$BIN/python3-i" -c pass || fail "unnamed program, interpreter on the marked fs: run $i"
	i=$((i + 1))
done
pass "unnamed program with its interpreter on the marked fs runs"

i=0
while [ $i -lt 5 ]; do
	connects "$LDSO" "$SOCAT" || fail "ld.so socat: run $i"
	i=$((i + 1))
done
connects "$LDSO" --argv0 mysocat "$SOCAT" || fail "ld.so --argv0 mysocat socat"
(cd "$BIN" && connects "./$(basename "$LDSO")" ./socat) || fail "./ld.so ./socat"
wait_for 10 test "$(nconnects "$SOCAT")" -eq 7 ||
	fail "programs run by the loader: $(nconnects "$SOCAT") of 7 connects traced as $SOCAT"
pass "named program run by the loader: traced as itself (7 runs, options, relative path)"
check "server served every client" wait "$SRV"

i=0
while [ $i -lt 20 ]; do
	timeout 20 $INA "$LDSO" "$PY" -c pass || fail "ld.so python3 (unnamed): run $i"
	i=$((i + 1))
done
pass "unnamed program run by the loader: let go (20 runs)"

expect_eq "scan found the loader's program" \
	"$(grep "^listen pid=$EARLY " "$T/ev.log")" \
	"listen pid=$EARLY proto=tcp local=0.0.0.0:$Q peer=- exe=$SOCAT"

kill -USR1 "$MON_PID"
wait_for 10 grep -q "^traced pid=" "$T/mon.err" || fail "no status: $(cat "$T/mon.err")"
expect_eq "only the early listener is traced" \
	"$(sed -n 's/^traced pid=\([0-9]*\) .*exe=\(.*\)/\1 \2/p' "$T/mon.err")" "$EARLY $SOCAT"
mon_stop

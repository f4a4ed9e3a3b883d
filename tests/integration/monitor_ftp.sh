#!/bin/sh
# A passive-mode FTP session: python3 ftplib against python3-pyftpdlib.
# The data connection's dynamic port (PASV) produces its own LISTEN,
# ACCEPT and CONNECT events, exactly as used.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/monitor_common.sh"
/usr/bin/python3 -c 'import pyftpdlib' 2>/dev/null || skip "needs python3-pyftpdlib"

netns_pair A B
mon_ns
mon_start "$PY"
P=$((23000 + NET)); DP=$((P + 100))
mkdir "$T/ftp"
head -c 100000 /dev/urandom >"$T/ftp/blob"

$INB "$PY" "$HELPERS/monitor_net.py" ftp-server "$B_ADDR" "$P" "$DP" "$T/ftp" >"$T/srv" &
SRV=$!
at_exit "kill $SRV 2>/dev/null"
wait_for 10 grep -q listening "$T/srv" || fail "ftp server did not start"
S=$(awk '/listening/ {print $2}' "$T/srv")
$INA "$PY" "$HELPERS/monitor_net.py" ftp-client "$B_ADDR" "$P" blob >"$T/cli" || fail "ftp client"
read -r _ C CP DLP LEN <"$T/cli"
expect_eq "file fetched" "$LEN" 100000
expect_eq "client events" "$(events "$C")" \
"connect pid=$C proto=tcp local=$A_ADDR:$CP peer=$B_ADDR:$P
connect pid=$C proto=tcp local=$A_ADDR:$DLP peer=$B_ADDR:$DP
close pid=$C proto=tcp local=$A_ADDR:$DLP peer=$B_ADDR:$DP
close pid=$C proto=tcp local=$A_ADDR:$CP peer=$B_ADDR:$P"
wait_for 10 grep -q "close pid=$S .*local=$B_ADDR:$P peer=$A_ADDR:$CP" "$T/ev.log" ||
	fail "server did not close the control connection: $(events "$S")"
expect_eq "server events" "$(events "$S" | grep -v "close.*peer=-$")" \
"listen pid=$S proto=tcp local=$B_ADDR:$P peer=-
accept pid=$S proto=tcp local=$B_ADDR:$P peer=$A_ADDR:$CP
listen pid=$S proto=tcp local=$B_ADDR:$DP peer=-
accept pid=$S proto=tcp local=$B_ADDR:$DP peer=$A_ADDR:$DLP
close pid=$S proto=tcp local=$B_ADDR:$DP peer=$A_ADDR:$DLP
close pid=$S proto=tcp local=$B_ADDR:$P peer=$A_ADDR:$CP"
expect_eq "passive listener closed" "$(events "$S" | grep -c "close pid=$S proto=tcp local=$B_ADDR:$DP peer=-")" 1

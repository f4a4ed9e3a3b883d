#!/bin/sh
# Persistence and life cycle: policies survive a restart, a saved file that
# no longer parses is reported (not dropped), SIGTERM unmounts even with a
# blocked reader, a kill -9 leaves a stale mount that the next start
# recovers, a second daemon on the same mount point is refused, and -o ro
# refuses every change with EROFS.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fs_lib.sh"
fs_setup
fs_policy 21 ftp >"$FS_DIR/ftp"
fs_policy 53 dig >"$FS_DIR/dns"

fs_start
mkdir "$MNT/apps/ftp" "$MNT/apps/dns" "$MNT/apps/empty"
cat "$FS_DIR/ftp" >"$MNT/apps/ftp/policy"
cat "$FS_DIR/dns" >"$MNT/apps/dns/policy"
# a reader blocked in events must not hold up SIGTERM
cat "$MNT/events" >/dev/null 2>&1 &
reader=$!
at_exit "kill $reader"
fs_stop
check "the blocked reader ended" wait_for 5 sh -c "! kill -0 $reader"
expect_eq "saved files" "$(ls "$STATE/apps" | tr '\n' ' ')" \
    "dns.policy empty.policy ftp.policy "

fs_start
expect_eq "applications after restart" "$(ls "$MNT/apps" | tr '\n' ' ')" "dns empty ftp "
expect_eq "ftp policy after restart" "$(cat "$MNT/apps/ftp/policy")" "$(cat "$FS_DIR/ftp")"
expect_eq "dns status after restart" "$(head -n 1 "$MNT/apps/dns/status")" "ok"
check "the engine has it" grep -q "policy=set" "$MNT/apps/dns/status"
expect_eq "empty stays empty" "$(cat "$MNT/apps/empty/policy")" ""

# a second daemon on the same mount point is refused, clearly
mkdir "$FS_DIR/state2"
printf '[daemon]\nstatedir = %s\n' "$FS_DIR/state2" >"$FS_DIR/conf2"
fails_with "already mounted" "$IPSECFS" -f -c "$FS_DIR/conf2" "$MNT"
# ... and so is a second one on the same state directory
mkdir "$FS_DIR/mnt2"
fails_with "in use by another ipsecfs" "$IPSECFS" -f -c "$CONF" "$FS_DIR/mnt2"

# kill -9: the mount goes stale (ENOTCONN); the next start recovers it
kill -KILL "$FS_PID"
wait "$FS_PID" 2>/dev/null
fails_with "Transport endpoint is not connected" ls "$MNT"

# a saved file that no longer parses is reported, not dropped
echo 'application dig { network' >"$STATE/apps/dns.policy"
fs_start
check "stale mount recovered" grep -q "recovered a stale mount" "$FS_DIR/log"
check "bad saved file logged" grep -q "dns.policy:2:1: .*not loaded" "$FS_DIR/log"
check "bad saved file in status" grep -q "^error: 2:1: .*dns.policy, not loaded" \
    "$MNT/apps/dns/status"
expect_eq "policy shows the text to fix" "$(cat "$MNT/apps/dns/policy")" \
    "application dig { network"
check "the engine does not have it" grep -q "policy=none" "$MNT/apps/dns/status"
check "the daemon counts it" grep -q "apps=3 apps_failed=1" "$MNT/status"
check "fix it" cp "$FS_DIR/dns" "$MNT/apps/dns/policy"
expect_eq "fixed" "$(head -n 1 "$MNT/apps/dns/status")" "ok"
fs_stop

# -o ro: inspection only
fs_start -o ro
expect_eq "ro: policies readable" "$(cat "$MNT/apps/ftp/policy")" "$(cat "$FS_DIR/ftp")"
check "ro: status says so" grep -q "readonly=yes" "$MNT/status"
fails_with "Read-only file system" mkdir "$MNT/apps/new"
fails_with "Read-only file system" rmdir "$MNT/apps/ftp"
fails_with "Read-only file system" sh -c "cat $FS_DIR/dns > $MNT/apps/ftp/policy"
fails_with "Read-only file system" sh -c "echo '#' >> $MNT/apps/ftp/policy"
fails_with "Read-only file system" sed -i 's/21/22/' "$MNT/apps/ftp/policy"
fails_with "Read-only file system" cp "$FS_DIR/dns" "$MNT/apps/ftp/x"
fails_with "Read-only file system" mv "$MNT/apps/ftp" "$MNT/apps/ftp2"
expect_eq "ro: nothing changed" "$(cat "$MNT/apps/ftp/policy")" "$(cat "$FS_DIR/ftp")"
fs_stop

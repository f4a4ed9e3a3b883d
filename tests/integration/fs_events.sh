#!/bin/sh
# The events file: `cat events` blocks and prints lines as they happen,
# `tail -f events` follows it, st_size grows with it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fs_lib.sh"
fs_setup
fs_start
cd "$MNT" || fail "cd $MNT"

# events never ends: every reader of it is bounded
check "the start is logged" timeout 10 grep -q "daemon mounted $MNT" events
size0=$(stat -c %s events)

cat events >"$FS_DIR/cat.out" 2>&1 &
catpid=$!
at_exit "kill $catpid"
tail -f events >"$FS_DIR/tail.out" 2>&1 &
tailpid=$!
at_exit "kill $tailpid"
# both have read what was there before going on
check "cat read the backlog" wait_for 10 grep -q "daemon mounted" "$FS_DIR/cat.out"
check "tail read the backlog" wait_for 10 grep -q "daemon mounted" "$FS_DIR/tail.out"

mkdir apps/one
check "cat sees a new line" wait_for 10 grep -q "app one created" "$FS_DIR/cat.out"
check "tail -f sees it" wait_for 10 grep -q "app one created" "$FS_DIR/tail.out"
check "cat is still running" kill -0 "$catpid"
echo 'application one {' >apps/one/policy
check "a refused write is an event" wait_for 10 grep -q "policy app=one rejected: 2:1" "$FS_DIR/cat.out"
rmdir apps/one
check "cat sees rmdir" wait_for 10 grep -q "app one removed" "$FS_DIR/cat.out"
check "tail -f sees rmdir" wait_for 10 grep -q "app one removed" "$FS_DIR/tail.out"
size1=$(stat -c %s events)
check "st_size grew" test "$size1" -gt "$size0"
expect_eq "a new reader gets the same bytes" "$(timeout 10 head -c "$size1" events)" \
    "$(head -c "$size1" "$FS_DIR/cat.out")"
expect_eq "whole lines only" "$(grep -vc '^[0-9]*\.[0-9]* ' "$FS_DIR/cat.out")" "0"

cd /
fs_stop
check "cat ended at unmount" wait_for 5 sh -c "! kill -0 $catpid"

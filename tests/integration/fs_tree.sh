#!/bin/sh
# The file tree with shell tools: layout, mkdir/rmdir and name rules, writes
# applied on close (>, >>, cat >, cp, sed -i, temp file + mv), refused
# writes that leave the old policy in force, and the errno of each misuse.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fs_lib.sh"
fs_setup
fs_start
cd "$MNT" || fail "cd $MNT"

expect_eq "top level" "$(ls | tr '\n' ' ')" "apps events sas spd status "
expect_eq "no applications yet" "$(ls apps)" ""
check "status names the mount point" grep -q "mountpoint=$MNT" status

check "mkdir apps/ftp" mkdir apps/ftp
expect_eq "an application's files" "$(ls apps/ftp | tr '\n' ' ')" "policy sockets status "
expect_eq "a new policy is empty" "$(cat apps/ftp/policy)" ""
expect_eq "its status" "$(head -n 1 apps/ftp/status)" "ok"
check "it is saved" test -f "$STATE/apps/ftp.policy"
fails_with "File exists" mkdir apps/ftp
fails_with "Invalid argument" mkdir apps/.hidden
fails_with "Invalid argument" mkdir "apps/a b"
fails_with "File name too long" mkdir "apps/$(printf '%065d' 0)"
fails_with "Operation not permitted" mkdir extra
fails_with "File exists" mkdir apps

# > : the whole text on close, read back in canonical form
fs_policy 21 ftp >"$FS_DIR/p21"
fs_policy 2121 ftp >"$FS_DIR/p2121"
fs_policy 8021 ftp >"$FS_DIR/p8021"
check "cat file > policy" sh -c "cat $FS_DIR/p21 > apps/ftp/policy"
expect_eq "read back" "$(cat apps/ftp/policy)" "$(cat "$FS_DIR/p21")"
expect_eq "st_size is the text's size" "$(stat -c %s apps/ftp/policy)" \
    "$(wc -c <"$FS_DIR/p21")"
expect_eq "wc -c agrees" "$(wc -c <apps/ftp/policy)" "$(wc -c <"$FS_DIR/p21")"
expect_eq "status ok" "$(head -n 1 apps/ftp/status)" "ok"
check "grep sees it" grep -q "remoteport=21 " apps/ftp/policy
expect_eq "saved as written" "$(cat "$STATE/apps/ftp.policy")" "$(cat "$FS_DIR/p21")"

# invalid text: close fails with EINVAL, the old policy stays
fails_with "Invalid argument" sh -c "echo 'application ftp { network' | cat > apps/ftp/policy"
expect_eq "old policy in force" "$(cat apps/ftp/policy)" "$(cat "$FS_DIR/p21")"
check "status says where" grep -q "^error: 2:1: " apps/ftp/status
expect_eq "old text still saved" "$(cat "$STATE/apps/ftp.policy")" "$(cat "$FS_DIR/p21")"

# >> appends to the current text
check ">> a comment" sh -c "echo '# trailing comment' >> apps/ftp/policy"
expect_eq "status ok after >>" "$(head -n 1 apps/ftp/status)" "ok"
fails_with "Invalid argument" sh -c "echo junk | cat >> apps/ftp/policy"
check ">> went after the 7 lines" grep -q "^error: 8:1: " apps/ftp/status

# cp onto policy (open with O_TRUNC, write, close)
check "cp file policy" cp "$FS_DIR/p2121" apps/ftp/policy
expect_eq "cp read back" "$(cat apps/ftp/policy)" "$(cat "$FS_DIR/p2121")"

# sed -i: a temporary file in apps/ftp renamed onto policy
check "sed -i" sed -i 's/remoteport=2121 /remoteport=8021 /' apps/ftp/policy
expect_eq "sed -i result" "$(cat apps/ftp/policy)" "$(cat "$FS_DIR/p8021")"
expect_eq "no temp file left" "$(ls -a apps/ftp | tr '\n' ' ')" ". .. policy sockets status "
fails_with "Invalid argument" sed -i 's/application/applicaXion/' apps/ftp/policy
expect_eq "bad sed -i changed nothing" "$(cat apps/ftp/policy)" "$(cat "$FS_DIR/p8021")"
check "status says why" grep -q "^error: 1:1: .*applicaXion" apps/ftp/status

# a temp file + mv, as editors and configuration managers do
check "cp to a temp name" cp "$FS_DIR/p21" apps/ftp/.policy.new
expect_eq "the temp file reads back" "$(cat apps/ftp/.policy.new)" "$(cat "$FS_DIR/p21")"
check "mv temp onto policy" mv apps/ftp/.policy.new apps/ftp/policy
expect_eq "mv applied it" "$(cat apps/ftp/policy)" "$(cat "$FS_DIR/p21")"
check "temp is gone" test ! -e apps/ftp/.policy.new
echo 'not a policy' >apps/ftp/bad.tmp
# rename(2) fails with EINVAL, which mv(1) words as below
fails_with "to a subdirectory of itself" mv apps/ftp/bad.tmp apps/ftp/policy
expect_eq "bad mv changed nothing" "$(cat apps/ftp/policy)" "$(cat "$FS_DIR/p21")"
check "rm a temp file" rm apps/ftp/bad.tmp
# between applications rename(2) says EXDEV and mv copies instead
check "mv a temp file to another application" sh -c \
    "echo x > apps/ftp/t && mkdir apps/b && mv apps/ftp/t apps/b/t"
expect_eq "it moved" "$(cat apps/b/t; ls apps/ftp | tr '\n' ' ')" "x
policy sockets status "
rm apps/b/t

# : > policy leaves the application without a policy
check ": > policy" sh -c ": > apps/ftp/policy"
expect_eq "empty after truncation" "$(cat apps/ftp/policy)" ""
expect_eq "engine dropped it" "$(grep -c 'policy=set' apps/ftp/status)" "0"
check "write it again" cp "$FS_DIR/p21" apps/ftp/policy

# what makes no sense
fails_with "Operation not permitted" rm apps/ftp/policy
fails_with "Operation not permitted" rm apps/ftp/status
fails_with "Operation not permitted" rm spd
fails_with "Permission denied" sh -c "echo x > apps/ftp/status"
fails_with "Permission denied" sh -c "echo x > status"
fails_with "Permission denied" sh -c "echo x >> events"
fails_with "Operation not permitted" sh -c "echo x > apps/file"
fails_with "Operation not permitted" mv apps/ftp/status apps/ftp/x
fails_with "Not a directory" rmdir status
fails_with "No such file or directory" cat apps/nope/policy
fails_with "Device or resource busy" rmdir apps

# rename and remove applications
check "mv apps/b apps/c" mv apps/b apps/c
expect_eq "renamed" "$(ls apps | tr '\n' ' ')" "c ftp "
check "saved under the new name" test -f "$STATE/apps/c.policy"
check "old name unsaved" test ! -e "$STATE/apps/b.policy"
check "rmdir apps/c" rmdir apps/c
check "saved file removed" test ! -e "$STATE/apps/c.policy"
expect_eq "one left" "$(ls apps)" "ftp"

# generated files read whole and report their size
for f in status sas spd apps/ftp/status apps/ftp/sockets; do
	expect_eq "$f: st_size = bytes read" "$(stat -c %s "$f")" "$(wc -c <"$f")"
done

cd /
fs_stop

#!/bin/sh
# Who may do what: with allow_other other users read, only root and the
# admin_group write; without it other users see nothing.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fs_lib.sh"
need_cmd setpriv
fs_setup
chmod 755 "$FS_DIR"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
as_admin() { setpriv --reuid=nobody --regid=nogroup --groups=users -- "$@"; }

# default: only root may even look
fs_start
mkdir "$MNT/apps/ftp"
fs_policy 21 ftp >"$FS_DIR/p21"
chmod 644 "$FS_DIR/p21"
cp "$FS_DIR/p21" "$MNT/apps/ftp/policy"
fails_with "Permission denied" as_nobody cat "$MNT/status"
fs_stop

# allow_other: everyone reads; admin_group = users writes
printf 'allow_other = yes\nadmin_group = users\n' >>"$CONF"
fs_start
expect_eq "others read policy" "$(as_nobody cat "$MNT/apps/ftp/policy")" "$(cat "$FS_DIR/p21")"
check "others read status" as_nobody grep -q "^mountpoint=" "$MNT/status"
expect_eq "others list apps" "$(as_nobody ls "$MNT/apps/ftp" | tr '\n' ' ')" "policy sockets status "
fails_with "Permission denied" as_nobody mkdir "$MNT/apps/nobody"
fails_with "Permission denied" as_nobody sh -c "cat $FS_DIR/p21 > $MNT/apps/ftp/policy"
fails_with "Permission denied" as_nobody rmdir "$MNT/apps/ftp"
expect_eq "group owns the tree" "$(stat -c '%G %a' "$MNT/apps/ftp/policy")" "users 664"
check "the admin group may mkdir" as_admin mkdir "$MNT/apps/grp"
check "the admin group may write" as_admin sh -c "cat $FS_DIR/p21 > $MNT/apps/grp/policy"
expect_eq "written by the group" "$(cat "$MNT/apps/grp/policy")" "$(cat "$FS_DIR/p21")"
check "the admin group may rmdir" as_admin rmdir "$MNT/apps/grp"
fails_with "Permission denied" as_admin sh -c "echo x > $MNT/status"
fs_stop

# Helpers for the fs_*.sh tests (sourced after lib.sh): one daemon with its
# own temporary state directory and mount point, always unmounted at exit.
#
#   fs_setup            # FS_DIR, MNT, STATE, CONF; needs root and FUSE
#   fs_start [ARGS...]  # runs $IPSECFS -f ARGS -c $CONF $MNT; waits for the mount
#                       # (in a network namespace of its own when FS_NETNS=1)
#   fs_stop             # SIGTERM; waits until the daemon exited and unmounted
#   fails_with MSG CMD  # CMD must fail and say MSG (an strerror text)

export LC_ALL=C

fs_setup() {
	need_root
	[ -c /dev/fuse ] || skip "needs /dev/fuse"
	[ -x "$IPSECFS" ] || fail "$IPSECFS was not built"
	FS_DIR=$(mktemp -d "/tmp/ipsecfs-fs-$TAG.XXXXXX") || fail "mktemp"
	at_exit "rm -rf --one-file-system $FS_DIR"
	MNT=$FS_DIR/mnt
	STATE=$FS_DIR/state
	CONF=$FS_DIR/ipsecfs.conf
	mkdir "$MNT"
	printf '[daemon]\nstatedir = %s\nmountpoint = %s\n' "$STATE" "$MNT" >"$CONF"
}

fs_mounted() {
	grep -qs " $MNT fuse.ipsecfs " /proc/mounts && [ -e "$MNT/status" ]
}

fs_unmounted() {
	! grep -qs " $MNT fuse" /proc/mounts
}

# fs_kill PID: ends a daemon and its mount whatever state they are in.
fs_kill() {
	kill -TERM "$1" 2>/dev/null
	wait_for 5 sh -c "! kill -0 $1" || kill -KILL "$1" 2>/dev/null
	grep -qs " $MNT fuse" /proc/mounts && umount -l "$MNT"
	return 0
}

fs_start() {
	if [ "${FS_NETNS:-0}" = 1 ]; then
		unshare -n sh -c 'ip link set lo up && exec "$0" "$@"' \
		    "$IPSECFS" -f "$@" -c "$CONF" "$MNT" >>"$FS_DIR/log" 2>&1 &
	else
		"$IPSECFS" -f "$@" -c "$CONF" "$MNT" >>"$FS_DIR/log" 2>&1 &
	fi
	FS_PID=$!
	at_exit "fs_kill $FS_PID"
	if ! wait_for 10 fs_mounted; then
		cat "$FS_DIR/log" >&2
		fail "ipsecfs did not mount $MNT"
	fi
}

fs_stop() {
	kill -TERM "$FS_PID"
	wait_for 10 sh -c "! kill -0 $FS_PID" || fail "ipsecfs did not exit on SIGTERM"
	wait "$FS_PID"
	rc=$?
	if [ "$rc" != 0 ]; then
		tail -n 30 "$FS_DIR/log" >&2
		fail "ipsecfs exited $rc on SIGTERM"
	fi
	fs_unmounted || fail "$MNT still mounted after SIGTERM"
}

# fails_with MSG CMD...: CMD fails and its error output contains MSG.
fails_with() {
	local msg=$1 out; shift
	if out=$("$@" 2>&1); then
		fail "'$*' succeeded, expected: $msg"
	fi
	case $out in
	*"$msg"*) pass "'$*' fails: $msg" ;;
	*) fail "'$*' failed with '$out', expected '$msg'" ;;
	esac
}

# fs_policy PORT PROGRAM: a valid policy, in canonical form.
fs_policy() {
	printf 'application %s\n{\n    network 0.0.0.0/0 protected P;\n    protection P {\n        localport=any remoteport=%s encryption mandatory;\n    }\n}\n' "$2" "$1"
}

#!/bin/sh
# How long `cat` of each file of the tree takes with 1,000 application
# policies loaded, next to `cat` of a plain file of the same size in the
# same run (ratio fs/plain); and the start-up time with those 1,000
# policies next to an empty state directory (ratio). Needs root and FUSE.
set -u
: "${IPSECFS:?}"
N=${BENCH_FS_N:-1000}	# opens of each file
APPS=1000

if [ "$(id -u)" != 0 ] || [ ! -c /dev/fuse ]; then
	echo "bench_fs: skipped (needs root and /dev/fuse)"
	exit 0
fi
DIR=$(mktemp -d /tmp/ipsecfs-bench-fs.XXXXXX)
MNT=$DIR/mnt
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	grep -qs " $MNT fuse" /proc/mounts && umount -l "$MNT"
	rm -rf --one-file-system "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir "$MNT"

now_us() { echo $(( $(date +%s%N) / 1000 )); }

# start STATEDIR: runs the daemon; STARTUP: microseconds until mounted
start() {
	printf '[daemon]\nstatedir = %s\n' "$1" >"$DIR/conf"
	t0=$(now_us)
	"$IPSECFS" -f -c "$DIR/conf" "$MNT" >>"$DIR/log" 2>&1 </dev/null &
	PID=$!
	i=0
	until grep -qs " $MNT fuse.ipsecfs " /proc/mounts && [ -e "$MNT/status" ]; do
		i=$((i + 1))
		if [ "$i" -gt 600 ]; then echo "bench_fs: no mount" >&2; cat "$DIR/log" >&2; exit 1; fi
		sleep 0.05
	done
	STARTUP=$(( $(now_us) - t0 ))
}

stop() {
	kill "$PID"; wait "$PID" 2>/dev/null; PID=
}

# 1,000 saved policies, each naming its own program and port
mkdir -p "$DIR/state/apps" "$DIR/empty"
i=0
while [ "$i" -lt "$APPS" ]; do
	printf 'application prog%d\n{\n    network 10.%d.%d.0/24 trusted;\n    network 0.0.0.0/0 protected P;\n    protection P {\n        localport=any remoteport=%d encryption mandatory;\n        localport=any remoteport=any authentication optional;\n    }\n}\n' \
	    "$i" $((i / 256)) $((i % 256)) $((1000 + i)) >"$DIR/state/apps/app$i.policy"
	i=$((i + 1))
done

start "$DIR/empty"; t_empty=$STARTUP; stop
start "$DIR/state"; t_full=$STARTUP
loaded=$(sed -n 's/^apps=\([0-9]*\) .*/\1/p' "$MNT/status")
[ "$loaded" = "$APPS" ] || { echo "bench_fs: $loaded apps loaded, not $APPS" >&2; exit 1; }
echo "start-up: empty ${t_empty} us, $APPS policies ${t_full} us, ratio $(awk "BEGIN{printf \"%.2f\", $t_full/$t_empty}")"

# cat_loop FILE: nanoseconds per open+read+close of FILE, as one cat of
# FILE named N times (so that starting a process, which costs far more
# than the file system here, is paid once)
cat_loop() {
	f=$1
	set --
	j=0
	while [ "$j" -lt "$N" ]; do set -- "$@" "$f"; j=$((j + 1)); done
	t0=$(now_us)
	cat "$@" >/dev/null
	echo $(( ($(now_us) - t0) * 1000 / N ))
}

printf '%-20s %8s %10s %10s %7s\n' file bytes fs_ns plain_ns ratio
for f in status spd sas apps/app0/policy apps/app500/status apps/app999/sockets; do
	bytes=$(wc -c <"$MNT/$f")
	head -c "$bytes" /dev/zero | tr '\0' x >"$DIR/plain"
	fs=$(cat_loop "$MNT/$f")
	plain=$(cat_loop "$DIR/plain")
	printf '%-20s %8d %10d %10d %7.2f\n' "$f" "$bytes" "$fs" "$plain" \
	    "$(awk "BEGIN{print $fs/($plain ? $plain : 1)}")"
done
# ls of 1,000 directories, next to ls of a plain directory of 1,000 entries
mkdir "$DIR/plaindir"
(cd "$DIR/plaindir" && i=0 && while [ "$i" -lt "$APPS" ]; do mkdir "app$i"; i=$((i + 1)); done)
t0=$(now_us); j=0; while [ "$j" -lt 20 ]; do ls "$MNT/apps" >/dev/null; j=$((j + 1)); done
fs=$(( ($(now_us) - t0) * 1000 / 20 ))
t0=$(now_us); j=0; while [ "$j" -lt 20 ]; do ls "$DIR/plaindir" >/dev/null; j=$((j + 1)); done
plain=$(( ($(now_us) - t0) * 1000 / 20 ))
printf '%-20s %8d %10d %10d %7.2f\n' "ls apps/" "$APPS" "$fs" "$plain" \
    "$(awk "BEGIN{print $fs/($plain ? $plain : 1)}")"
stop

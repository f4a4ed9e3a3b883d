#!/bin/sh
# The whole daemon, end to end, in a network namespace of its own: a policy
# written through the tree makes the monitor trace the program it names;
# the program's listen shows in apps/NAME/sockets, spd and events, and its
# SPD entries are in the kernel; when it exits they are gone.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fs_lib.sh"
need_cmd socat unshare nsenter ip
fs_setup
FS_NETNS=1
fs_start
cd "$MNT" || fail "cd $MNT"
PORT=$((20000 + $(printf '%s' "$TAG" | cksum | cut -d' ' -f1) % 20000))

mkdir apps/sc
printf 'application socat\n{\n    network 127.0.0.0/8 protected P;\n    protection P {\n        localport=any remoteport=any encryption optional;\n    }\n}\n' \
    >"$FS_DIR/sc.policy"
check "policy for socat" timeout 20 cp "$FS_DIR/sc.policy" apps/sc/policy
timeout -k 2 30 nsenter -t "$FS_PID" -n socat -u "TCP-LISTEN:$PORT,reuseaddr" - >/dev/null 2>&1 &
sc=$!
at_exit "kill $sc"
check "sockets shows the listener" wait_for 10 grep -q "local=0.0.0.0:$PORT .*state=listen" apps/sc/sockets
check "spd shows its entries" grep -q "dst=0.0.0.0/0:$PORT .*app=sc" spd
# events never ends: bounded
check "events shows the listen" timeout 10 grep -q "sock op=listen app=sc .*local=0.0.0.0:$PORT" events
check "the kernel has them" sh -c "timeout 10 nsenter -t $FS_PID -n ip xfrm policy | grep -q 'dport $PORT'"
expect_eq "sockets: st_size = bytes read" "$(stat -c %s apps/sc/sockets)" "$(wc -c <apps/sc/sockets)"
kill "$sc"
check "the socket is gone when socat is" wait_for 10 sh -c "! grep -q 'state=listen' apps/sc/sockets"
check "and its entries" sh -c "! grep -q 'app=sc' spd"
check "also in the kernel" sh -c "! timeout 10 nsenter -t $FS_PID -n ip xfrm policy | grep -q 'dport $PORT'"
cd /
fs_stop

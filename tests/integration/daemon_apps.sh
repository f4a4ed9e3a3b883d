#!/bin/sh
# The whole daemon with real programs: ipsecfs runs in host A, a policy
# written through the tree names a program, and that program's sockets get
# exactly their SPD entries in A's kernel while they live, and none after.
# The program is a copy of socat on a private tmpfs, so that the daemon's
# exec marks cover that tmpfs only and no other exec on the machine waits.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/fs_lib.sh"
need_root
need_cmd socat unshare nsenter ss
if [ -z "${DAEMON_PRIVATE_NS:-}" ]; then
	export top_srcdir top_builddir IPSECFS DAEMON_PRIVATE_NS=1
	trap - EXIT
	exec unshare -m --propagation private "${SHELL:-/bin/sh}" "$0" "$@"
fi

netns_pair A B
fs_setup
BIN=$FS_DIR/bin
mkdir "$BIN"
mount -t tmpfs "ipsecfs-$TAG" "$BIN" || skip "cannot mount tmpfs"
at_exit "umount -l $BIN"
cp /usr/bin/socat "$BIN/socat"
INA="nsenter --net=/run/netns/$A"
INB="nsenter --net=/run/netns/$B"

$INA "$IPSECFS" -f -c "$CONF" "$MNT" >>"$FS_DIR/log" 2>&1 &
FS_PID=$!
at_exit "fs_kill $FS_PID"
wait_for 10 fs_mounted || { cat "$FS_DIR/log" >&2; fail "ipsecfs did not mount"; }

# Servers in B (not traced: B is another host).
$INB socat -u TCP-LISTEN:5001,reuseaddr,fork OPEN:/dev/null &
at_exit "kill $!"
$INB socat -u TCP-LISTEN:5002,reuseaddr,fork OPEN:"$FS_DIR/got",creat,append &
at_exit "kill $!"
wait_for 10 sh -c "$INB ss -Htln 'sport = :5002' | grep -q LISTEN" || fail "servers"

check "mkdir apps/client" mkdir "$MNT/apps/client"
cat >"$MNT/apps/client/policy" <<EOP
application $BIN/socat
{
    network 127.0.0.0/8 trusted;
    network 10.99.$NET.0/24 protected P1;
    protection P1 {
        localport=any remoteport=5001 encryption mandatory;
        localport=any remoteport=any authentication optional;
    }
}
EOP
expect_eq "policy accepted" "$(head -n 1 "$MNT/apps/client/status")" "ok"

# entries: the kernel's SPD of A, one line per entry, ours only.
entries() {
	$INA ip xfrm policy | awk '/^src/ { sel = $0 } /dir/ { print sel " " $2 " " $4 }' |
	    sed 's/  */ /g'
}

# 1. An optional (authentication) flow: connects, data passes, its exact
# entries exist while the socket lives and are gone after.
$INA "$BIN/socat" -u SYSTEM:"echo hello; sleep 2" TCP:"$B_ADDR":5002 &
CLI=$!
wait_for 10 grep -q "remote=$B_ADDR:5002" "$MNT/apps/client/sockets" ||
	fail "client socket not listed: $(cat "$MNT/apps/client/sockets")"
LPORT=$(sed -n "s/.*local=$A_ADDR:\([0-9]*\) remote=$B_ADDR:5002.*/\1/p" "$MNT/apps/client/sockets")
[ -n "$LPORT" ] || fail "no local port in sockets"
expect_eq "exact 5-tuple entries in the kernel" "$(entries | grep "sport $LPORT\|dport $LPORT" | sort)" \
"$(printf '%s\n' \
"src $A_ADDR/32 dst $B_ADDR/32 proto tcp sport $LPORT dport 5002 out 100001" \
"src $B_ADDR/32 dst $A_ADDR/32 proto tcp sport 5002 dport $LPORT in 100001" | sort)"
check "the inbound entry is an optional ESP template" sh -c \
	"$INA ip xfrm policy list dir in | grep -A4 'dport $LPORT' | grep -q 'level use'"
wait_for 10 grep -q hello "$FS_DIR/got" || fail "data did not reach B"
pass "data of the optional flow reached B"
wait "$CLI"
wait_for 10 sh -c "! grep -q 'remote=$B_ADDR:5002' '$MNT/apps/client/sockets'" ||
	fail "socket still listed after close"
wait_for 10 sh -c "! $INA ip xfrm policy | grep -q 'sport $LPORT '" ||
	fail "entries left after close: $(entries)"
pass "entries removed on close"

# 2. A mandatory (encryption) flow with no SA: fails closed. With the
# user-space datapath and no [peer.*] (no IPsec runs here) nothing could
# protect it: its outbound entry blocks, connect fails at once and the
# events say why. With the kernel's, the SYN-ACK comes back in clear and
# the inbound entry requires ESP, so the connection never completes, while
# its entries exist.
$INA timeout 3 "$BIN/socat" -u OPEN:/dev/null TCP:"$B_ADDR":5001,connect-timeout=2 \
    2>"$FS_DIR/mand.err" &
MAND=$!
if grep -q '^datapath=userspace' "$MNT/status"; then
	if wait "$MAND"; then fail "mandatory flow completed in clear"; fi
	check "refused at once by its block entry" \
	    grep -q "Operation not permitted" "$FS_DIR/mand.err"
	check "the events say why" timeout 10 grep -q \
	    "engine flow blocked app=client .*dst=$B_ADDR/32 reason=\"no user-space datapath runs" \
	    "$MNT/events"
else
	wait_for 10 grep -q "remote=$B_ADDR:5001" "$MNT/apps/client/sockets" ||
		fail "mandatory socket not listed"
	check "the mandatory inbound entry requires ESP" sh -c \
		"$INA ip xfrm policy list dir in | grep -A4 'sport 5001' | grep -q 'proto esp' &&
		 ! $INA ip xfrm policy list dir in | grep -A4 'sport 5001' | grep -q 'level use'"
	if wait "$MAND"; then fail "mandatory flow completed in clear"; fi
fi
pass "mandatory flow without SA did not complete"

# 3. A listening socket: a mirrored (in + out) pair for the trusted network,
# and for the protected one a pair per item that can match local port 6000
# (remoteport=5001, then remoteport=any): 3 pairs.
$INA "$BIN/socat" -u TCP-LISTEN:6000,reuseaddr OPEN:/dev/null &
SRV=$!
at_exit "kill $SRV"
wait_for 10 grep -q "local=0.0.0.0:6000" "$MNT/apps/client/sockets" || fail "listener not listed"
expect_eq "listener entries: 3 x (in + out)" \
	"$(entries | grep -c 'sport 6000\|dport 6000')" 6
kill "$SRV"; wait "$SRV" 2>/dev/null
wait_for 10 sh -c "! $INA ip xfrm policy | grep -q ' 6000 '" || fail "listener entries left"
pass "listener entries removed"

# 4. A program the policy does not name gets nothing.
$INA socat -u OPEN:/dev/null TCP:"$B_ADDR":5002 || fail "unnamed socat"
expect_eq "no entries for an unnamed program" "$(entries)" ""

# 5. rmdir drops the policy; the daemon stops cleanly and leaves no entry.
check "rmdir apps/client" rmdir "$MNT/apps/client"
kill -TERM "$FS_PID"
wait_for 10 sh -c "! kill -0 $FS_PID" || fail "ipsecfs did not stop"
wait "$FS_PID"; rc=$?
expect_eq "daemon exit status" "$rc" 0
expect_eq "no entries left after stop" "$(entries)" ""

#!/bin/sh
# The engine against the real XFRM SPD of a fresh network namespace: the
# paper's Figure 4 (ftp / vsftpd) and Figure 5 (UDP client / server) as
# exact `ip xfrm policy` contents, deletion on close, UDP TTL expiry, a
# policy rewrite with live sockets, foreign entries (added before and
# during) left alone, a restart that removes leftovers, keep_policies,
# ACQUIRE from an owned entry, and a bypassed socket.
. "$top_srcdir/tests/integration/lib.sh"
need_root
need_cmd ip
DRIVE=$top_builddir/engine-drive
[ -x "$DRIVE" ] || skip "engine-drive not built"
netns_pair A B

D=$(mktemp -d)
at_exit "rm -rf $D"
export D
P=$top_srcdir/contrib/policies

# The SPD as one sorted line per entry, without the noise.
norm() {
	awk '/^src/ { if (r) print r; r = $0; next } { r = r " " $0 }
	    END { if (r) print r }' "$1" | tr -s ' \t' ' ' |
	    sed 's/ ptype main//; s/ $//' | sort
}
drive() { ip netns exec "$A" "$DRIVE" -q "$@"; }

FOREIGN1='src 10.5.0.0/16 dst 10.6.0.0/16 dir out priority 100002 action block'
FOREIGN2='src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 2222 dport 21 dir out'
FOREIGN3='src 2.2.2.2/32 dst 1.1.1.0/24 proto udp sport 2345 dir out priority 100003'
ip -n "$A" xfrm policy add $FOREIGN1
ip -n "$A" xfrm policy add $FOREIGN2

cat > "$D/udp-srv2.policy" <<'P2'
application udp-srv
{
    network 2.2.2.0/24 untrusted;
    network 1.1.1.0/24 protected P1;
    protection P1 { localport=any remoteport=any authentication mandatory; }
}
P2
cat > "$D/blocker.policy" <<'P3'
application blocker { network 0.0.0.0/0 untrusted; }
P3

cat > "$D/script" <<EOS
policy ftp $P/ftp.policy
policy vsftpd $P/vsftpd.policy
policy udp-cli $P/udp-cli.policy
policy udp-srv $P/udp-srv.policy
# Figure 4: control connection, then a data connection
event listen 10 /usr/sbin/vsftpd tcp 2.2.2.2:21
event connect 1 /usr/bin/ftp tcp 1.1.1.1:2222 2.2.2.2:21
event accept 11 /usr/sbin/vsftpd tcp 2.2.2.2:21 1.1.1.1:2222
event listen 12 /usr/sbin/vsftpd tcp 2.2.2.2:5678
event connect 2 /usr/bin/ftp tcp 1.1.1.1:3333 2.2.2.2:5678
event accept 13 /usr/sbin/vsftpd tcp 2.2.2.2:5678 1.1.1.1:3333
sh ip xfrm policy > $D/fig4
sh ip xfrm policy add $FOREIGN3
event close 2 /usr/bin/ftp tcp 1.1.1.1:3333
event close 13 /usr/sbin/vsftpd tcp 2.2.2.2:5678
event close 12 /usr/sbin/vsftpd tcp 2.2.2.2:5678
sh ip xfrm policy > $D/fig4-data-closed
event close 11 /usr/sbin/vsftpd tcp 2.2.2.2:21
event close 10 /usr/sbin/vsftpd tcp 2.2.2.2:21
event close 1 /usr/bin/ftp tcp 1.1.1.1:2222
sh ip xfrm policy > $D/fig4-closed
# Figure 5
event send 20 /usr/bin/udp-cli udp 1.1.1.1:5678 2.2.2.2:2345
event recv 30 /usr/bin/udp-srv udp 2.2.2.2:2345
event recv 20 /usr/bin/udp-cli udp 1.1.1.1:5678
event send 30 /usr/bin/udp-srv udp 2.2.2.2:2345 1.1.1.1:5678
sh ip xfrm policy > $D/fig5
sockets udp-srv
spd
# the two outbound entries expire (udp_ttl 1 s); the inbound ones stay
wait-entries 4 10
sh ip xfrm policy > $D/fig5-expired
# a new udp-srv policy, with its socket live; udp-cli's entries stay.
# First the kernel refuses one of its adds (an entry with that selector
# is already there): nothing at all changes.
event send 30 /usr/bin/udp-srv udp 2.2.2.2:2345 1.1.1.1:5678
sh ip xfrm policy > $D/before-rewrite
inject in 1.1.1.0/24 0 2.2.2.2/32 2345 udp
expect-fail
policy udp-srv $D/udp-srv2.policy
uninject in 1.1.1.0/24 0 2.2.2.2/32 2345 udp
sh ip xfrm policy > $D/failed-rewrite
appstatus udp-srv
policy udp-srv $D/udp-srv2.policy
sh ip xfrm policy > $D/rewrite
sh ip -s xfrm policy > $D/rewrite-s
spd
event close 20 /usr/bin/udp-cli udp 1.1.1.1:5678
event close 30 /usr/bin/udp-srv udp 2.2.2.2:2345
sh ip xfrm policy > $D/fig5-closed
# IPv6 and dual stack: sshd on [::]:22, ssh to a blocked v6 host and to
# a v4 host through IPv4-mapped addresses
policy ssh $P/dual-stack.policy
event listen 70 /usr/sbin/sshd tcp [::]:22
event connect 71 /usr/bin/ssh tcp [fd00:2::1]:40000 [2001:db8::20]:22
event connect 72 /usr/bin/ssh tcp [::ffff:10.0.0.1]:40001 [::ffff:10.0.0.2]:22
sh ip xfrm policy > $D/v6
event close 70 /usr/sbin/sshd tcp [::]:22
event close 71 /usr/bin/ssh tcp [fd00:2::1]:40000
event close 72 /usr/bin/ssh tcp [::ffff:10.0.0.1]:40001
sh ip xfrm policy > $D/v6-closed
# ACQUIRE from an owned protect entry, on real traffic
event send 40 /usr/bin/udp-cli udp $A_ADDR:40000 $B_ADDR:9
acquire $A_ADDR:40000 $B_ADDR:9 5
# a block entry stops a plain socket but not a bypassed one
policy blocker $D/blocker.policy
event send 41 /usr/bin/blocker udp $A_ADDR:40001 $B_ADDR:9
bypass-check $A_ADDR:40001 $B_ADDR:9
bypass-check $A_ADDR:40001 $B_ADDR:9 bypass
status
events
# FUSE threads, the monitor and the TTL thread at once
stress 4 300 /usr/bin/ftp
# a burst of events: one netlink round trip; a bad event in a burst
# fails alone
burst connect 100 /usr/bin/ftp
wait-entries 202 1
burst close 100 /usr/bin/ftp
wait-entries 2 1
burst connect 100 /usr/bin/ftp bad
wait-entries 200 1
burst close 100 /usr/bin/ftp
check-datapath
# leave entries behind, as a crash would
event listen 50 /usr/sbin/vsftpd tcp 2.2.2.2:21
quit
EOS
run_script() {
	drive "$@" > "$D/out" 2> "$D/err" || { cat "$D/err" "$D/out" >&2; return 1; }
}
check "engine runs the script" run_script -t 1 "$D/script"

F1='src 10.5.0.0/16 dst 10.6.0.0/16 dir out action block priority 100002'
F2='src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 2222 dport 21 dir out priority 0'
F3='src 2.2.2.2/32 dst 1.1.1.0/24 proto udp sport 2345 dir out priority 100003'
ESP_REQ='tmpl src 0.0.0.0 dst 0.0.0.0 proto esp reqid 0 mode transport'
ESP_USE="$ESP_REQ level use"

expect_eq "Figure 4: both sides' entries" "$(norm "$D/fig4")" "$(sort <<EOF2
$F1
$F2
src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 2222 dport 21 dir out priority 100000 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto tcp sport 21 dport 2222 dir in priority 100000 $ESP_REQ
src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 3333 dport 5678 dir out priority 100000 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto tcp sport 5678 dport 3333 dir in priority 100000 $ESP_REQ
src 2.2.2.2/32 dst 2.2.2.0/24 proto tcp sport 21 dir out priority 100001
src 2.2.2.0/24 dst 2.2.2.2/32 proto tcp dport 21 dir in priority 100001
src 2.2.2.2/32 dst 0.0.0.0/0 proto tcp sport 21 dir out priority 100004 $ESP_USE
src 0.0.0.0/0 dst 2.2.2.2/32 proto tcp dport 21 dir in priority 100004 $ESP_USE
src 2.2.2.2/32 dst 2.2.2.0/24 proto tcp sport 5678 dir out priority 100001
src 2.2.2.0/24 dst 2.2.2.2/32 proto tcp dport 5678 dir in priority 100001
src 2.2.2.2/32 dst 0.0.0.0/0 proto tcp sport 5678 dir out priority 100005 $ESP_USE
src 0.0.0.0/0 dst 2.2.2.2/32 proto tcp dport 5678 dir in priority 100005 $ESP_USE
EOF2
)"

FOREIGN=$(printf '%s\n%s\n%s\n' "$F1" "$F2" "$F3" | sort)
expect_eq "Figure 4: the data connection's entries go on close" \
    "$(norm "$D/fig4-data-closed")" "$(sort <<EOF2
$FOREIGN
src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 2222 dport 21 dir out priority 100000 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto tcp sport 21 dport 2222 dir in priority 100000 $ESP_REQ
src 2.2.2.2/32 dst 2.2.2.0/24 proto tcp sport 21 dir out priority 100001
src 2.2.2.0/24 dst 2.2.2.2/32 proto tcp dport 21 dir in priority 100001
src 2.2.2.2/32 dst 0.0.0.0/0 proto tcp sport 21 dir out priority 100004 $ESP_USE
src 0.0.0.0/0 dst 2.2.2.2/32 proto tcp dport 21 dir in priority 100004 $ESP_USE
EOF2
)"
expect_eq "Figure 4: all closed, foreign entries untouched" \
    "$(norm "$D/fig4-closed")" "$FOREIGN"

FIG5_IN=$(cat <<EOF2
src 1.1.1.0/24 dst 1.1.1.1/32 proto udp dport 5678 dir in priority 100001
src 0.0.0.0/0 dst 1.1.1.1/32 proto udp dport 5678 dir in priority 100003 $ESP_REQ
src 2.2.2.0/24 dst 2.2.2.2/32 proto udp dport 2345 dir in priority 100001
src 0.0.0.0/0 dst 2.2.2.2/32 proto udp dport 2345 dir in priority 100003 $ESP_USE
EOF2
)
expect_eq "Figure 5: send and recv on both sides" "$(norm "$D/fig5")" "$(sort <<EOF2
$FOREIGN
$FIG5_IN
src 1.1.1.1/32 dst 2.2.2.2/32 proto udp sport 5678 dport 2345 dir out priority 100000 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto udp sport 2345 dport 5678 dir out priority 100000 $ESP_USE
EOF2
)"
expect_eq "Figure 5: outbound entries expire after udp_ttl" \
    "$(norm "$D/fig5-expired")" "$(printf '%s\n%s\n' "$FOREIGN" "$FIG5_IN" | sort)"
expect_eq "policy rewrite: udp-srv re-translated, udp-cli untouched" \
    "$(norm "$D/rewrite")" "$(sort <<EOF2
$FOREIGN
src 1.1.1.0/24 dst 1.1.1.1/32 proto udp dport 5678 dir in priority 100001
src 0.0.0.0/0 dst 1.1.1.1/32 proto udp dport 5678 dir in priority 100003 $ESP_REQ
src 2.2.2.0/24 dst 2.2.2.2/32 proto udp dport 2345 dir in action block priority 100001
src 1.1.1.0/24 dst 2.2.2.2/32 proto udp dport 2345 dir in priority 100003 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto udp sport 2345 dport 5678 dir out priority 100000 $ESP_REQ
EOF2
)"
expect_eq "a refused policy load changes nothing" \
    "$(norm "$D/failed-rewrite")" "$(norm "$D/before-rewrite")"
check "the refused load is counted" grep -q '^policy=set sockets=1 entries=3 events=[0-9]* errors=1 loads=1$' "$D/out"
expect_eq "Figure 5: all closed, foreign entries untouched" \
    "$(norm "$D/fig5-closed")" "$FOREIGN"

ESP6_REQ='tmpl src :: dst :: proto esp reqid 0 mode transport'
expect_eq "IPv6 and dual stack" "$(norm "$D/v6")" "$(sort <<EOF2
$FOREIGN
src 0.0.0.0/0 dst 192.0.2.1/32 proto tcp sport 22 dir out action block priority 100001
src 192.0.2.1/32 dst 0.0.0.0/0 proto tcp dport 22 dir in action block priority 100001
src ::/0 dst 2001:db8::10/124 proto tcp sport 22 dir out action block priority 100005
src 2001:db8::10/124 dst ::/0 proto tcp dport 22 dir in action block priority 100005
src ::/0 dst 2001:db8::20/124 proto tcp sport 22 dir out action block priority 100005
src 2001:db8::20/124 dst ::/0 proto tcp dport 22 dir in action block priority 100005
src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp sport 22 dport 22 dir out priority 100009 $ESP_REQ
src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp sport 22 dport 22 dir in priority 100009 $ESP_REQ
src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp sport 22 dir out priority 100010 $ESP_REQ
src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp dport 22 dir in priority 100010 $ESP_REQ
src ::/0 dst fd00:1::/64 proto tcp sport 22 dir out priority 100013
src fd00:1::/64 dst ::/0 proto tcp dport 22 dir in priority 100013
src ::/0 dst ::/0 proto tcp sport 22 dport 22 dir out priority 100017 $ESP6_REQ
src ::/0 dst ::/0 proto tcp sport 22 dport 22 dir in priority 100017 $ESP6_REQ
src ::/0 dst ::/0 proto tcp sport 22 dir out priority 100018 $ESP6_REQ
src ::/0 dst ::/0 proto tcp dport 22 dir in priority 100018 $ESP6_REQ
src fd00:2::1/128 dst 2001:db8::20/128 proto tcp sport 40000 dport 22 dir out action block priority 100000
src 2001:db8::20/128 dst fd00:2::1/128 proto tcp sport 22 dport 40000 dir in action block priority 100000
src 10.0.0.1/32 dst 10.0.0.2/32 proto tcp sport 40001 dport 22 dir out priority 100000 $ESP_REQ
src 10.0.0.2/32 dst 10.0.0.1/32 proto tcp sport 22 dport 40001 dir in priority 100000 $ESP_REQ
EOF2
)"
expect_eq "IPv6: all closed" "$(norm "$D/v6-closed")" "$FOREIGN"

out=$(cat "$D/out")
check "sockets lists the server socket with its entries" \
    grep -q '^pid=1030 fd=33 sock=30 proto=udp local=2.2.2.2:2345 remote=- state=udp-recv udp_dests=1 entries=3$' "$D/out"
check "spd reads back owner and protection" \
    grep -q '^dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100000 app=udp-cli sock=20 ' "$D/out"
check "ACQUIRE from the owned entry" \
    grep -q "^acquire src=$A_ADDR dst=$B_ADDR sport=40000 dport=9 proto=17 owned=yes protection=encryption level=required mode=transport$" "$D/out"
check "a block entry stops a plain socket" grep -qx 'send Operation not permitted' "$D/out"
check "a bypassed socket still sends" grep -qx 'send ok' "$D/out"
check "concurrent callers leave the SPD consistent" grep -q '^stress failed=0 owned_before=2 owned_after=2$' "$D/out"
check "a burst of 100 connects is one netlink batch" grep -q '^burst events=100 failed=0 batches=1$' "$D/out"
check "a bad event in a burst fails alone" grep -q '^burst events=100 failed=1 batches=1$' "$D/out"
check "status counts the expiry" grep -q 'expired_udp=2 ' "$D/out"
check "events show translations" grep -q ' sock op=connect app=ftp pid=1001 fd=4 sock=1 proto=tcp local=1.1.1.1:2222 peer=2.2.2.2:21 entries=2 added=2 ' "$D/out"
check "integrity-only: the template allows only NULL encryption" \
    grep -q 'enc-mask 00000800 auth-mask ffffffff' "$D/rewrite-s"
check "owned entries carry the tag in the selector's uid" \
    grep -q "uid $((0x69707366))" "$D/rewrite-s"
check "spd reads integrity-only back" \
    grep -q '^dir=in src=1.1.1.0/24:any dst=2.2.2.2/32:2345 proto=udp action=protect tmpl=esp protection=authentication level=required mode=transport priority=100003 app=udp-srv sock=30 ' "$D/out"

# The crash left vsftpd's listener entries; a new engine removes them
# and nothing else.
owned() { ip -n "$A" -s xfrm policy | grep -c "uid $((0x69707366))"; }
# vsftpd's listener (4), the ACQUIRE sender (1), the blocker (1)
expect_eq "leftovers are there" "$(owned)" 6
printf 'sh ip xfrm policy > %s/restart\nstatus\n' "$D" > "$D/script2"
check "a new engine starts" run_script "$D/script2"
expect_eq "restart removed only its own leftovers" "$(norm "$D/restart")" "$FOREIGN"
expect_eq "nothing owned is left" "$(owned)" 0
check "status counts the leftovers" grep -q "leftovers_removed=6 " "$D/out"

# keep_policies: entries stay after a clean stop (fail closed) and the
# next start removes them.
printf 'policy vsftpd %s/vsftpd.policy\nevent listen 60 /usr/sbin/vsftpd tcp 2.2.2.2:21\n' "$P" > "$D/script3"
check "engine with keep_policies" run_script -k "$D/script3"
expect_eq "keep_policies kept the listener's 4 entries" "$(owned)" 4
check "engine without keep_policies" run_script "$D/script3"
expect_eq "clean stop removes owned entries" "$(ip -n "$A" xfrm policy > "$D/final"; norm "$D/final")" "$FOREIGN"

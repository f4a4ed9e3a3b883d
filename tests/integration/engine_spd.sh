#!/bin/sh
# The engine against the real XFRM SPD of a fresh network namespace: the
# paper's Figure 4 (ftp / vsftpd) and Figure 5 (UDP client / server) as
# exact `ip xfrm policy` contents, deletion on close, UDP TTL expiry, a
# policy rewrite with live sockets, foreign entries (added before and
# during) left alone, a restart that removes leftovers, keep_policies,
# ACQUIRE from an owned entry, and a bypassed socket.
. "$top_srcdir/tests/integration/lib.sh"
need_root
need_cmd ip nft socat
DRIVE=$top_builddir/engine-drive
[ -x "$DRIVE" ] || skip "engine-drive not built"
netns_pair A B

D=$(mktemp -d)
[ -n "${KEEP:-}" ] || at_exit "rm -rf $D"
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
# the userspace datapath's view of single packets
lookup out tcp 1.1.1.1:2222 2.2.2.2:21
lookup in tcp 2.2.2.5:40000 2.2.2.2:21
lookup in tcp 9.9.9.9:40000 2.2.2.2:5678
lookup out tcp 1.1.1.1:9999 2.2.2.2:21
sh ip xfrm policy add $FOREIGN3
event close 2 /usr/bin/ftp tcp 1.1.1.1:3333
event close 13 /usr/sbin/vsftpd tcp 2.2.2.2:5678
event close 12 /usr/sbin/vsftpd tcp 2.2.2.2:5678
sh ip xfrm policy > $D/fig4-data-closed
event close 11 /usr/sbin/vsftpd tcp 2.2.2.2:21
event close 10 /usr/sbin/vsftpd tcp 2.2.2.2:21
event close 1 /usr/bin/ftp tcp 1.1.1.1:2222
sh ip xfrm policy > $D/fig4-closed
# the kernel and the engine disagree (a tagged entry removed and a stale
# one added behind its back); a reconcile puts it right
event listen 14 /usr/sbin/vsftpd tcp 2.2.2.2:21
sh ip xfrm policy > $D/drift-want
uninject in 2.2.2.0/24 0 2.2.2.2/32 21 tcp
inject out 2.2.2.2/32 99 9.9.9.0/24 0 tcp
spd
reconcile
sh ip xfrm policy > $D/drift-fixed
event close 14 /usr/sbin/vsftpd tcp 2.2.2.2:21
# Figure 5
event send 20 /usr/bin/udp-cli udp 1.1.1.1:5678 2.2.2.2:2345
event recv 30 /usr/bin/udp-srv udp 2.2.2.2:2345
event recv 20 /usr/bin/udp-cli udp 1.1.1.1:5678
event send 30 /usr/bin/udp-srv udp 2.2.2.2:2345 1.1.1.1:5678
sh ip xfrm policy > $D/fig5
sockets udp-srv
spd
# the two outbound entries expire (udp_ttl 3 s); the inbound ones stay
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
event close 40 /usr/bin/udp-cli udp $A_ADDR:40000
# a block entry stops a plain socket but not a bypassed one
policy blocker $D/blocker.policy
event send 41 /usr/bin/blocker udp $A_ADDR:40001 $B_ADDR:9
bypass-check $A_ADDR:40001 $B_ADDR:9
bypass-check $A_ADDR:40001 $B_ADDR:9 bypass
sh ip xfrm policy > $D/blocker-on
# without its policy the blocker's socket has no entries
unpolicy blocker
sh ip xfrm policy > $D/blocker-off
bypass-check $A_ADDR:40001 $B_ADDR:9
status
events
# FUSE threads, the monitor and the TTL thread at once
stress 4 300 /usr/bin/ftp
# a burst of events: one netlink round trip; a bad event in a burst
# fails alone
burst connect 100 /usr/bin/ftp
wait-entries 200 1
burst close 100 /usr/bin/ftp
wait-entries 0 1
burst connect 100 /usr/bin/ftp bad
wait-entries 198 1
burst close 100 /usr/bin/ftp
check-datapath
# leave entries behind, as a crash would
event listen 50 /usr/sbin/vsftpd tcp 2.2.2.2:21
quit
EOS
run_script() {
	drive "$@" > "$D/out" 2> "$D/err" || { cat "$D/err" "$D/out" >&2; return 1; }
}
# The paper's figures are the kernel datapath's SPD; force it (these
# kernels have no ESP, the SPD is all this test needs of it).
printf '[daemon]\ndatapath = kernel\n' > "$D/kernel.conf"
check "engine runs the script" run_script -c "$D/kernel.conf" -t 3 "$D/script"

F1='src 10.5.0.0/16 dst 10.6.0.0/16 dir out action block priority 100002'
F2='src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 2222 dport 21 dir out priority 0'
F3='src 2.2.2.2/32 dst 1.1.1.0/24 proto udp sport 2345 dir out priority 100003'
ESP_REQ='tmpl src 0.0.0.0 dst 0.0.0.0 proto esp reqid 0 mode transport'
ESP_USE="$ESP_REQ level use"

expect_eq "Figure 4: both sides' entries" "$(norm "$D/fig4")" "$(sort <<EOF2
$F1
$F2
src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 2222 dport 21 dir out priority 100001 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto tcp sport 21 dport 2222 dir in priority 100001 $ESP_REQ
src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 3333 dport 5678 dir out priority 100001 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto tcp sport 5678 dport 3333 dir in priority 100001 $ESP_REQ
src 2.2.2.2/32 dst 2.2.2.0/24 proto tcp sport 21 dir out priority 100003
src 2.2.2.0/24 dst 2.2.2.2/32 proto tcp dport 21 dir in priority 100003
src 2.2.2.2/32 dst 0.0.0.0/0 proto tcp sport 21 dir out priority 100009 $ESP_USE
src 0.0.0.0/0 dst 2.2.2.2/32 proto tcp dport 21 dir in priority 100009 $ESP_USE
src 2.2.2.2/32 dst 2.2.2.0/24 proto tcp sport 5678 dir out priority 100003
src 2.2.2.0/24 dst 2.2.2.2/32 proto tcp dport 5678 dir in priority 100003
src 2.2.2.2/32 dst 0.0.0.0/0 proto tcp sport 5678 dir out priority 100011 $ESP_USE
src 0.0.0.0/0 dst 2.2.2.2/32 proto tcp dport 5678 dir in priority 100011 $ESP_USE
EOF2
)"

FOREIGN=$(printf '%s\n%s\n%s\n' "$F1" "$F2" "$F3" | sort)
expect_eq "Figure 4: the data connection's entries go on close" \
    "$(norm "$D/fig4-data-closed")" "$(sort <<EOF2
$FOREIGN
src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 2222 dport 21 dir out priority 100001 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto tcp sport 21 dport 2222 dir in priority 100001 $ESP_REQ
src 2.2.2.2/32 dst 2.2.2.0/24 proto tcp sport 21 dir out priority 100003
src 2.2.2.0/24 dst 2.2.2.2/32 proto tcp dport 21 dir in priority 100003
src 2.2.2.2/32 dst 0.0.0.0/0 proto tcp sport 21 dir out priority 100009 $ESP_USE
src 0.0.0.0/0 dst 2.2.2.2/32 proto tcp dport 21 dir in priority 100009 $ESP_USE
EOF2
)"
expect_eq "Figure 4: all closed, foreign entries untouched" \
    "$(norm "$D/fig4-closed")" "$FOREIGN"
expect_eq "reconcile restores the kernel's SPD" \
    "$(norm "$D/drift-fixed")" "$(norm "$D/drift-want")"
check "spd shows the stale entry as nobody's" \
    grep -q '^dir=out src=2.2.2.2/32:99 dst=9.9.9.0/24:any proto=tcp action=allow priority=100001 app=- sock=-$' "$D/out"

FIG5_IN=$(cat <<EOF2
src 1.1.1.0/24 dst 1.1.1.1/32 proto udp dport 5678 dir in priority 100003
src 0.0.0.0/0 dst 1.1.1.1/32 proto udp dport 5678 dir in priority 100007 $ESP_REQ
src 2.2.2.0/24 dst 2.2.2.2/32 proto udp dport 2345 dir in priority 100003
src 0.0.0.0/0 dst 2.2.2.2/32 proto udp dport 2345 dir in priority 100007 $ESP_USE
EOF2
)
expect_eq "Figure 5: send and recv on both sides" "$(norm "$D/fig5")" "$(sort <<EOF2
$FOREIGN
$FIG5_IN
src 1.1.1.1/32 dst 2.2.2.2/32 proto udp sport 5678 dport 2345 dir out priority 100001 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto udp sport 2345 dport 5678 dir out priority 100001 $ESP_USE
EOF2
)"
expect_eq "Figure 5: outbound entries expire after udp_ttl" \
    "$(norm "$D/fig5-expired")" "$(printf '%s\n%s\n' "$FOREIGN" "$FIG5_IN" | sort)"
expect_eq "policy rewrite: udp-srv re-translated, udp-cli untouched" \
    "$(norm "$D/rewrite")" "$(sort <<EOF2
$FOREIGN
src 1.1.1.0/24 dst 1.1.1.1/32 proto udp dport 5678 dir in priority 100003
src 0.0.0.0/0 dst 1.1.1.1/32 proto udp dport 5678 dir in priority 100007 $ESP_REQ
src 2.2.2.0/24 dst 2.2.2.2/32 proto udp dport 2345 dir in action block priority 100003
src 1.1.1.0/24 dst 2.2.2.2/32 proto udp dport 2345 dir in priority 100007 $ESP_REQ
src 2.2.2.2/32 dst 1.1.1.1/32 proto udp sport 2345 dport 5678 dir out priority 100001 $ESP_REQ
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
src 0.0.0.0/0 dst 192.0.2.1/32 proto tcp sport 22 dir out action block priority 100003
src 192.0.2.1/32 dst 0.0.0.0/0 proto tcp dport 22 dir in action block priority 100003
src ::/0 dst 2001:db8::10/124 proto tcp sport 22 dir out action block priority 100011
src 2001:db8::10/124 dst ::/0 proto tcp dport 22 dir in action block priority 100011
src ::/0 dst 2001:db8::20/124 proto tcp sport 22 dir out action block priority 100011
src 2001:db8::20/124 dst ::/0 proto tcp dport 22 dir in action block priority 100011
src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp sport 22 dport 22 dir out priority 100019 $ESP_REQ
src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp sport 22 dport 22 dir in priority 100019 $ESP_REQ
src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp sport 22 dir out priority 100021 $ESP_REQ
src 0.0.0.0/0 dst 0.0.0.0/0 proto tcp dport 22 dir in priority 100021 $ESP_REQ
src ::/0 dst fd00:1::/64 proto tcp sport 22 dir out priority 100027
src fd00:1::/64 dst ::/0 proto tcp dport 22 dir in priority 100027
src ::/0 dst ::/0 proto tcp sport 22 dport 22 dir out priority 100035 $ESP6_REQ
src ::/0 dst ::/0 proto tcp sport 22 dport 22 dir in priority 100035 $ESP6_REQ
src ::/0 dst ::/0 proto tcp sport 22 dir out priority 100037 $ESP6_REQ
src ::/0 dst ::/0 proto tcp dport 22 dir in priority 100037 $ESP6_REQ
src fd00:2::1/128 dst 2001:db8::20/128 proto tcp sport 40000 dport 22 dir out action block priority 100001
src 2001:db8::20/128 dst fd00:2::1/128 proto tcp sport 22 dport 40000 dir in action block priority 100001
src 10.0.0.1/32 dst 10.0.0.2/32 proto tcp sport 40001 dport 22 dir out priority 100001 $ESP_REQ
src 10.0.0.2/32 dst 10.0.0.1/32 proto tcp sport 22 dport 40001 dir in priority 100001 $ESP_REQ
EOF2
)"
expect_eq "IPv6: all closed" "$(norm "$D/v6-closed")" "$FOREIGN"

expect_eq "flow lookups" "$(grep '^flow ' "$D/out" | head -4)" "flow protect encryption required app=ftp sock=1
flow allow app=vsftpd sock=10
flow protect authentication use app=vsftpd sock=12
flow none"

out=$(cat "$D/out")
check "sockets lists the server socket with its entries" \
    grep -q '^pid=1030 fd=33 sock=30 proto=udp local=2.2.2.2:2345 remote=- state=udp-recv udp_dests=1 entries=3$' "$D/out"
check "spd reads back owner and protection" \
    grep -q '^dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100001 app=udp-cli sock=20 ' "$D/out"
check "ACQUIRE from the owned entry" \
    grep -q "^acquire src=$A_ADDR dst=$B_ADDR sport=40000 dport=9 proto=17 owned=yes protection=encryption level=required mode=transport$" "$D/out"
check "a block entry stops a plain socket" grep -qx 'send Operation not permitted' "$D/out"
check "a bypassed socket still sends" grep -qx 'send ok' "$D/out"
has_entry() { norm "$1" | grep -q -- "$2"; }
no_entry() { ! has_entry "$@"; }
check "the blocker's entry was there" has_entry "$D/blocker-on" 'dport 9 dir out action block'
check "removing the policy removed it" no_entry "$D/blocker-off" 'dport 9 '
expect_eq "the socket sends again" "$(grep -c '^send ok$' "$D/out")" 2
check "concurrent callers leave the SPD consistent" grep -q '^stress failed=0 owned_before=0 owned_after=0$' "$D/out"
check "a burst of 100 connects is one netlink batch" grep -q '^burst events=100 failed=0 batches=1$' "$D/out"
check "a bad event in a burst fails alone" grep -q '^burst events=100 failed=1 batches=1$' "$D/out"
check "status counts the expiry" grep -q 'expired_udp=2 ' "$D/out"
check "events show translations" grep -q ' sock op=connect app=ftp pid=1001 fd=4 sock=1 proto=tcp local=1.1.1.1:2222 peer=2.2.2.2:21 entries=2 added=2 ' "$D/out"
check "integrity-only: the template allows only NULL encryption" \
    grep -q 'enc-mask 00000800 auth-mask ffffffff' "$D/rewrite-s"
check "owned entries carry the tag in the selector's uid" \
    grep -q "uid $((0x69707366))" "$D/rewrite-s"
check "spd reads integrity-only back" \
    grep -q '^dir=in src=1.1.1.0/24:any dst=2.2.2.2/32:2345 proto=udp action=protect tmpl=esp protection=authentication level=required mode=transport priority=100007 app=udp-srv sock=30 ' "$D/out"

# The crash left vsftpd's listener entries; a new engine removes them
# and nothing else.
owned() { ip -n "$A" -s xfrm policy | grep -c "uid $((0x69707366))"; }
# vsftpd's listener (4)
expect_eq "leftovers are there" "$(owned)" 4
printf 'sh ip xfrm policy > %s/restart\nstatus\n' "$D" > "$D/script2"
check "a new engine starts" run_script "$D/script2"
expect_eq "restart removed only its own leftovers" "$(norm "$D/restart")" "$FOREIGN"
expect_eq "nothing owned is left" "$(owned)" 0
check "status counts the leftovers" grep -q "leftovers_removed=4 " "$D/out"

# keep_policies: entries stay after a clean stop (fail closed) and the
# next start removes them.
printf 'policy vsftpd %s/vsftpd.policy\nevent listen 60 /usr/sbin/vsftpd tcp 2.2.2.2:21\n' "$P" > "$D/script3"
check "engine with keep_policies" run_script -c "$D/kernel.conf" -k "$D/script3"
expect_eq "keep_policies kept the listener's 4 entries" "$(owned)" 4
check "engine without keep_policies" run_script -c "$D/kernel.conf" "$D/script3"
expect_eq "clean stop removes owned entries" "$(ip -n "$A" xfrm policy > "$D/final"; norm "$D/final")" "$FOREIGN"

# A [peer.*] section in tunnel mode: exact entries to that peer get a
# tunnel template with both end points, to others transport; an accepted
# connection from that peer gets its own (tunnel) entries.
cat > "$D/tunnel.conf" <<'EOC'
[daemon]
datapath = kernel
[peer.lab]
remote = 2.2.0.0/16
psk = "a long shared secret for the lab"
mode = tunnel
EOC
chmod 600 "$D/tunnel.conf"
cat > "$D/script4" <<EOS
policy ftp $P/ftp.policy
policy vsftpd $P/vsftpd.policy
event connect 1 /usr/bin/ftp tcp 1.1.1.1:2222 2.2.2.2:21
event connect 2 /usr/bin/ftp tcp 1.1.1.1:2223 3.3.3.3:21
event listen 3 /usr/sbin/vsftpd tcp 1.1.1.1:21
event accept 4 /usr/sbin/vsftpd tcp 1.1.1.1:21 2.2.3.9:50000
event accept 5 /usr/sbin/vsftpd tcp 1.1.1.1:21 3.3.3.9:50000
sh ip xfrm policy > $D/tunnel
status
EOS
check "engine with a tunnel-mode peer" run_script -c "$D/tunnel.conf" "$D/script4"
norm "$D/tunnel" > "$D/tunnel.n"
TUN_OUT='tmpl src 1.1.1.1 dst 2.2.2.2 proto esp reqid 0 mode tunnel'
TUN_IN='tmpl src 2.2.2.2 dst 1.1.1.1 proto esp reqid 0 mode tunnel'
check "tunnel template toward the tunnel peer" \
    grep -qx "src 1.1.1.1/32 dst 2.2.2.2/32 proto tcp sport 2222 dport 21 dir out priority 100001 $TUN_OUT" "$D/tunnel.n"
check "and back" \
    grep -qx "src 2.2.2.2/32 dst 1.1.1.1/32 proto tcp sport 21 dport 2222 dir in priority 100001 $TUN_IN" "$D/tunnel.n"
check "transport toward another peer" \
    grep -qx "src 1.1.1.1/32 dst 3.3.3.3/32 proto tcp sport 2223 dport 21 dir out priority 100001 $ESP_REQ" "$D/tunnel.n"
check "an accepted connection from the tunnel peer gets its own entries" \
    grep -qx "src 2.2.3.9/32 dst 1.1.1.1/32 proto tcp sport 50000 dport 21 dir in priority 100001 tmpl src 2.2.3.9 dst 1.1.1.1 proto esp reqid 0 mode tunnel level use" "$D/tunnel.n"
check "optional tunnel outbound is written as allow (the kernel refuses it)" \
    grep -qx "src 1.1.1.1/32 dst 2.2.3.9/32 proto tcp sport 21 dport 50000 dir out priority 100001" "$D/tunnel.n"
check "datapath = kernel forces the kernel datapath" \
    grep -q '^datapath=kernel kernel_esp=' "$D/out"
check "one from another peer is covered by the listener" \
    sh -c "! grep -q 3.3.3.9 '$D/tunnel.n'"

# The userspace datapath: outbound protected flows are left to it (allow),
# inbound mandatory ones keep their template, which drops plaintext, and
# an allow twin lets through what the datapath decrypted, recognised by a
# mark an nftables rule sets on packets from its TUN device (here the veth
# stands in).
printf '[daemon]\ndatapath = userspace\n' > "$D/userspace.conf"
send_from_b() {
	printf 'sh ip netns exec %s sh -c "printf x | socat -u - UDP4-SENDTO:%s:5000"\n' "$B" "$A_ADDR"
}
{
	printf 'policy udp-cli %s/udp-cli.policy\n' "$P"
	printf 'dpmark 0x100 0xf00 %s/32\n' "$B_ADDR"
	printf 'recv-open %s:5000\n' "$A_ADDR"
	printf 'event recv 80 /usr/bin/udp-cli udp %s:5000\n' "$A_ADDR"
	printf 'event send 80 /usr/bin/udp-cli udp %s:5000 %s:9\n' "$A_ADDR" "$B_ADDR"
	printf 'sh ip xfrm policy > %s/userspace\n' "$D"
	printf 'lookup out udp %s:5000 %s:9\n' "$A_ADDR" "$B_ADDR"
	send_from_b
	printf 'recv-check 1\n'
	printf 'sh nft add table ip dpmark\n'
	printf 'sh nft add chain ip dpmark pre { type filter hook prerouting priority 0 \\; }\n'
	printf 'sh nft add rule ip dpmark pre iifname v%s-a meta mark set 0x100\n' "$TAG"
	send_from_b
	printf 'recv-check 5\n'
	printf 'status\n'
	# the datapath no longer steers B: the mandatory flow blocks
	printf 'dpmark 0x100 0xf00\n'
	printf 'sh ip xfrm policy > %s/userspace-unsteered\n' "$D"
	printf 'lookup out udp %s:5000 %s:9\n' "$A_ADDR" "$B_ADDR"
	printf 'events\n'
} > "$D/script5"
check "engine with the userspace datapath" run_script -c "$D/userspace.conf" "$D/script5"
norm "$D/userspace" > "$D/userspace.n"
check "status says userspace" grep -q '^datapath=userspace ' "$D/out"
check "outbound protected flow left to the datapath (allow)" grep -qx \
    "src $A_ADDR/32 dst $B_ADDR/32 proto udp sport 5000 dport 9 dir out priority 100001" "$D/userspace.n"
check "inbound mandatory keeps its template" grep -qx \
    "src 0.0.0.0/0 dst $A_ADDR/32 proto udp dport 5000 dir in priority 100007 $ESP_REQ" "$D/userspace.n"
check "and has a twin for the datapath's mark" grep -qx \
    "src 0.0.0.0/0 dst $A_ADDR/32 proto udp dport 5000 dir in priority 100006 mark 0x100/0xf00" "$D/userspace.n"
check "the datapath still sees the flow as protected" grep -qx \
    'flow protect encryption required app=udp-cli sock=80' "$D/out"
expect_eq "plaintext is dropped, marked packets pass" \
    "$(grep '^recv ' "$D/out")" "recv none
recv ok"
check "unsteered, the outbound mandatory flow is a block entry" grep -qx \
    "src $A_ADDR/32 dst $B_ADDR/32 proto udp sport 5000 dport 9 dir out action block priority 100001" \
    "$(norm "$D/userspace-unsteered" > "$D/userspace-unsteered.n"; echo "$D/userspace-unsteered.n")"
check "the datapath is told it blocks" grep -qx \
    'flow block app=udp-cli sock=80' "$D/out"
check "an events line says why" grep -q \
    "engine flow blocked app=udp-cli sock=80 dst=$B_ADDR/32 reason=\"no \\[peer.\\*\\] covers $B_ADDR/32: mandatory flow blocked\"" "$D/out"

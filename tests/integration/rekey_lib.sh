# What the two rekey tests share (sourced after lib.sh): the transfer's
# progress, kernel counters, and holding IKE requests back so that two
# rekeys are sure to cross.
#
#   received / past PERCENT / running   progress of $DIR/{a,b}.recv ($MB MB each)
#   no_stall SIDE                      $DIR/SIDE.bulk: max_gap below $MAXGAP s
#   snmp NS PROTO FIELD                a counter of NS's /proc/net/snmp
#   hold_ike NS... / release_ike NS... drop incoming IKE (UDP 500, and 4500
#                                      with the non-ESP marker), ESP passes

# received: bytes A and B received so far, the smaller
received() {
	local a b
	a=$(stat -c %s "$DIR/a.recv" 2>/dev/null || echo 0)
	b=$(stat -c %s "$DIR/b.recv" 2>/dev/null || echo 0)
	[ "$a" -lt "$b" ] && echo "$a" || echo "$b"
}
past() { [ "$(received)" -ge $(($1 * MB * 1048576 / 100)) ]; }
running() { ! past 100; }

no_stall() {
	awk -v m="$MAXGAP" '{ for (i = 1; i <= NF; i++) if ($i ~ /^max_gap=/) {
	    sub(/max_gap=/, "", $i); exit !($i < m) } }' "$DIR/$1.bulk"
}

snmp() {
	ip netns exec "$1" awk -v p="$2:" -v f="$3" '$1 == p { if (c) { print $c; exit }
	    for (i = 1; i <= NF; i++) if ($i == f) c = i }' /proc/net/snmp
}

hold_ike() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" nft -f - <<NFT || return 1
table inet rekeyhold {
	chain in {
		type filter hook input priority -10; policy accept;
		udp dport 500 drop
		udp dport 4500 @th,64,32 0 drop
	}
}
NFT
		at_exit "ip netns exec $ns nft delete table inet rekeyhold 2>/dev/null"
	done
}

release_ike() {
	local ns
	for ns in "$@"; do
		ip netns exec "$ns" nft delete table inet rekeyhold
	done
}

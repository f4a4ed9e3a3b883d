# What the two rekey tests share (sourced after lib.sh): the transfer's
# progress, kernel counters, and holding IKE requests back so that two
# rekeys are sure to cross.
#
#   received / past PERCENT / running   progress of $DIR/{a,b}.recv ($MB MB each)
#   no_stall SIDE                      $DIR/SIDE.bulk: max_gap below $MAXGAP s
#   snmp NS PROTO FIELD                a counter of NS's /proc/net/snmp
#   hold_ike NS... / release_ike NS... drop incoming IKE (UDP 500, and 4500
#                                      with the non-ESP marker), ESP passes
#   bulk_data                          the transfer's settings, $DIR/{a,b}.data
#   bulk_start SIDE NS ADDR SIDE NS ADDR  the transfer: a receiver, then a sender
#   bulk_check LABEL                   both ends done, both files whole

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

# bulk_data: the transfer's ports and pace (REKEY_MB MB each way over
# REKEY_SECS s; a stall over REKEY_MAXGAP s fails), and the two files.
bulk_data() {
	BULK=$top_srcdir/tests/integration/bulk.py
	PORT=5001 CPORT=40001
	MB=${REKEY_MB:-32}
	RATE=$((MB * 1048576 / ${REKEY_SECS:-12}))	# bytes/s each way
	MAXGAP=${REKEY_MAXGAP:-2}			# seconds
	head -c "${MB}M" /dev/urandom > "$DIR/a.data"
	head -c "${MB}M" /dev/urandom > "$DIR/b.data"
}

# bulk_start SRV_SIDE SRV_NS SRV_ADDR CLI_SIDE CLI_NS CLI_ADDR: a receiver
# on SRV_ADDR:$PORT, then a client from CLI_ADDR:$CPORT; each sends its
# $DIR/SIDE.data at $RATE and keeps what it gets in $DIR/SIDE.recv
# (report in $DIR/SIDE.bulk). Their pids in SRV and CLI.
bulk_start() {
	ip netns exec "$2" timeout 120 python3 "$BULK" listen "$3" "$PORT" \
	    "$DIR/$1.data" "$DIR/$1.recv" "$RATE" > "$DIR/$1.bulk" 2>&1 &
	SRV=$!
	at_exit "kill $SRV 2>/dev/null"
	wait_for 10 sh -c "ip netns exec $2 ss -ltn | grep -q ':$PORT '" ||
	    fail "receiver did not start"
	ip netns exec "$5" timeout 120 python3 "$BULK" connect "$6" "$CPORT" \
	    "$3" "$PORT" "$DIR/$4.data" "$DIR/$4.recv" "$RATE" > "$DIR/$4.bulk" 2>&1 &
	CLI=$!
	at_exit "kill $CLI 2>/dev/null"
}

# bulk_check LABEL: waits for both ends; they finished, and A and B each
# received the other's file whole.
bulk_check() {
	local rs rc
	wait "$CLI"; rc=$?
	wait "$SRV"; rs=$?
	echo "# A: $(cat "$DIR/a.bulk")"
	echo "# B: $(cat "$DIR/b.bulk")"
	expect_eq "${1}both ends finished" "$rs $rc" "0 0"
	expect_eq "${1}A received B's file whole" \
	    "$(sha256sum < "$DIR/a.recv")" "$(sha256sum < "$DIR/b.data")"
	expect_eq "${1}B received A's file whole" \
	    "$(sha256sum < "$DIR/b.recv")" "$(sha256sum < "$DIR/a.data")"
}

# collided OLD: passes once the test's own collision() says how the two
# rekeys of OLD met (within 5 s), fails if they never did.
collided() {
	if wait_for 5 collision "$1"; then
		pass "the rekeys collided: $(collision "$1")"
	else
		fail "the rekeys did not collide"
	fi
}

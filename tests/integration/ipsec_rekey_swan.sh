# CHILD SA rekeys in the middle of a long transfer lose no byte
# (ipsecfs <-> strongSwan). charon (kernel-libipsec: tunnel mode, ESP in
# UDP 4500) in namespace A, ipsec-node in B; one TCP connection under
# `encryption mandatory` carries a 32 MB file each way at a steady rate
# (bulk.py, 8 s) while the CHILD SA is rekeyed by charon (`swanctl
# --rekey --child`), by ipsecfs (SIGUSR2: ipsec_rekey_children) and by
# both at once (a collision, RFC 7296 §2.8.1: IKE is held back with
# nftables until both requests are out). After each, while data
# still flows, charon has one installed CHILD SA whose SPIs are ours the
# other way round, both new. At the end both files arrived whole
# (sha256), ipsecfs dropped no ESP packet (unknown SPI, per SA, full
# socket buffer) and no wait between two arrivals of data was long (no
# stall).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/charon_lib.sh"
. "$top_srcdir/tests/integration/ipsec_lib.sh"
. "$top_srcdir/tests/integration/rekey_lib.sh"
need_root
need_cmd ip nft python3 sha256sum unshare nsenter swanctl timeout
node_pair
PSK="ipsecfs rekey interop $TAG"
bulk_data

swan_conf glue glue "$A_ADDR[tcp/$PORT]" "$B_ADDR[tcp]"
charon_start "$A"
swan_load

node_conf b userspace charon "$A_ADDR" "mode = tunnel" "encap = yes"
mandatory_policy "$DIR/b.policy" python3 "$A_ADDR/32"
node b "$B" -p bulk="$DIR/b.policy" \
    -e "connect tcp $B_ADDR:$CPORT $A_ADDR:$PORT /usr/bin/python3"

# dump: a fresh dump of ipsec-node's sas and events
dump() {
	rm -f "$DIR/b.dump"
	kill -USR1 "$PID_b"
	wait_for 5 test -e "$DIR/b.dump"
}
# ours: "spi_in spi_out" of each of our CHILD SAs (last dump)
ours() {
	sed -n 's/^child .* spi_in=\([0-9a-f]*\) spi_out=\([0-9a-f]*\) .*/\1 \2/p' \
	    "$DIR/b.dump"
}
# theirs: "in out" of each CHILD SA charon has installed
theirs() {
	swan --list-sas --ike glue 2>/dev/null > "$DIR/list-sas"
	awk '/ INSTALLED, / { on = 1; next } /, reqid / { on = 0 }
	    on && $1 == "in" { i = $2 } on && $1 == "out" { print i, $2 }' \
	    "$DIR/list-sas" | tr -d ,
}
# settled OLD: one CHILD SA each side, the same one (our spi_in is
# charon's out), and neither SPI of OLD (ours, "in out")
settled() {
	local o t
	dump
	o=$(ours); t=$(theirs)
	[ "$(printf '%s\n' "$o" | grep -c .)" = 1 ] &&
	    [ "$(printf '%s\n' "$t" | grep -c .)" = 1 ] &&
	    [ "$o" = "$(echo "$t" | awk '{ print $2, $1 }')" ] &&
	    ! echo "$o" | grep -Eq "(^| )(${1% *}|${1#* })( |$)"
}
counter() { sed -n "s/^datapath .* $1=\([0-9]*\).*/\1/p" "$DIR/b.dump"; }

# requests: CREATE_CHILD_SA requests charon has sent so far
requests() { grep -c "generating CREATE_CHILD_SA request" "$DIR/charon.log"; }
# asked SPI: we have sent our request to rekey our CHILD SA SPI
asked() {
	dump
	grep -q "ipsec child rekey spi_in=$1 by=request" "$DIR/b.dump"
}

# rekey WHO PERCENT: when both have received PERCENT, charon, ipsecfs
# or both rekey the CHILD SA; then waits until the new one replaced it.
# Both: IKE is held back in both namespaces until both requests are out.
rekey() {
	local who=$1 pct=$2 old n sw
	wait_for 60 past "$pct" || fail "transfer stuck before $pct % ($(received) bytes)"
	dump
	old=$(ours)
	n=$(requests)
	case $who in
	charon) swan --rekey --child glue > "$DIR/rekey.out" 2>&1 ||
		fail "swanctl --rekey: $(cat "$DIR/rekey.out")" ;;
	ipsecfs) kill -USR2 "$PID_b" ;;
	*)	hold_ike "$A" "$B" || fail "cannot hold IKE back (nft)"
		kill -USR2 "$PID_b"
		swan --rekey --child glue > "$DIR/rekey.out" 2>&1 & sw=$!
		wait_for 5 asked "${old% *}" &&
		    wait_for 5 sh -c "[ \$(grep -c 'generating CREATE_CHILD_SA request' '$DIR/charon.log') -gt $n ]" ||
		    fail "a rekey request did not leave"
		release_ike "$A" "$B"	# both retransmitted 1 s later
		wait "$sw" || fail "swanctl --rekey: $(cat "$DIR/rekey.out")" ;;
	esac
	if wait_for 15 settled "$old"; then
		pass "rekey by $who at $pct %: $old -> $(ours) (our in/out)"
		check "... while the transfer runs" running
		echo "# so far: unknown SPI drops $(counter unknown_spi)," \
		    "packets on deleted SAs $(counter late_rx)"
	else
		echo "ours:"; ours; echo "charon's:"; cat "$DIR/list-sas"
		fail "rekey by $who at $pct %: CHILD SAs did not settle"
	fi
	[ "$who" = charon ] || [ "$who" = ipsecfs ] || collided "$old"
	REKEYS="$REKEYS $old"
}

# collision OLD: how the two rekeys of OLD (ours, "in out") met, in one
# of the ways RFC 7296 §2.8.1 allows: both exchanges crossed (we made two
# CHILD SAs to replace it), or one ended first and the other request got
# TEMPORARY_FAILURE or, after the delete, CHILD_SA_NOT_FOUND (charon's
# log names them TEMP_FAIL and NO_CHILD_SA)
collision() {
	dump
	if [ "$(grep -c "ipsec child installed .* rekey of=${1% *} " "$DIR/b.dump")" = 2 ]; then
		echo "both exchanges crossed"
	elif grep -q "ike failed .* notify=4[34] " "$DIR/b.dump"; then
		sed -n 's/.*ike failed .* notify=\(4[34]\) .*/ours ended last: charon answered notify \1/p' \
		    "$DIR/b.dump" | head -1
	elif grep -Eq "parsed CREATE_CHILD_SA response .*N\((TEMP_FAIL|NO_CHILD_SA)\)" "$DIR/charon.log"; then
		sed -n 's/.*parsed CREATE_CHILD_SA response .*N(\([A-Z_]*\)).*/charon ended last: we answered \1/p' \
		    "$DIR/charon.log" | head -1
	else
		return 1
	fi
}

ta=$(snmp "$A" Tcp RetransSegs); tb=$(snmp "$B" Tcp RetransSegs)
ua=$(snmp "$A" Udp RcvbufErrors); ub=$(snmp "$B" Udp RcvbufErrors)
bulk_start a "$A" "$A_ADDR" b "$B" "$B_ADDR"

REKEYS=""
rekey charon 15
rekey ipsecfs 40
rekey "charon ipsecfs" 65
bulk_check "(A: charon, B: ipsecfs) "
for side in a b; do
	check "$side never waited ${MAXGAP}s for data" no_stall "$side"
done
dump
check "our CHILD SA is tunnel-in-UDP and carried traffic" \
    grep -Eq "^child .*mode=tunnel encap=udp .*packets_in=[1-9]" "$DIR/b.dump"
check "no ESP packet dropped for an unknown SPI" \
    grep -q "^datapath .* unknown_spi=0 " "$DIR/b.dump"
check "no ESP packet dropped by a CHILD SA" \
    sh -c "! grep -q '^child .*drop_' '$DIR/b.dump'"
FINAL=$(theirs)
for spi in $REKEYS; do
	check "old SPI $spi is gone (ours and charon's)" sh -c \
	    "! grep -q '^child .*spi_[a-z]*=$spi ' '$DIR/b.dump' && ! echo '$FINAL' | grep -qw $spi"
done
check "charon's installed CHILD SA is tunnel-in-UDP AES-GCM" \
    grep -q "INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-128" "$DIR/list-sas"
check "events tell the rekeys" \
    test "$(grep -c 'ipsec child installed .* rekey of=' "$DIR/b.dump")" -ge 3
expect_eq "the kernel dropped no ESP for our full socket buffer" \
    "$(($(snmp "$B" Udp RcvbufErrors) - ub))" 0
# not checked: charon's single receiver thread falls behind on a loaded
# machine (its socket's drops), and tail loss probes fire without loss
echo "# charon's socket buffer overflows: $(($(snmp "$A" Udp RcvbufErrors) - ua));" \
    "TCP retransmissions: A $(($(snmp "$A" Tcp RetransSegs) - ta))," \
    "B $(($(snmp "$B" Tcp RetransSegs) - tb))"
echo "# $(grep '^datapath tun=' "$DIR/b.dump")"

nodes_stop b
expect_eq "no TUN device left" "$(ip -n "$B" -o link show | grep -c ipsf || true)" 0
expect_eq "no SPD entry left" "$(ip -n "$B" xfrm policy | grep -c 'uid 1768977254' || true)" 0

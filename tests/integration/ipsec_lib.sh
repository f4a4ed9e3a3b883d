# ipsec-node in network namespaces, for the glue's tests (sourced after
# lib.sh).
#
#   node_pair               NODE (ipsec-node, built), namespaces A and B
#                           (netns_pair), a temporary directory DIR
#   node_conf SIDE DATAPATH PEER ADDR [IKE_OPTION...]
#                           $DIR/SIDE.conf: one peer, key $PSK
#   mandatory_policy FILE APP NET
#                           APP's traffic with NET must be encrypted
#   trusted_policy FILE APP NET
#                           APP's traffic with NET goes in the clear
#   node SIDE NS ARGS...    ipsec-node -c $DIR/SIDE.conf ARGS... in NS, dump
#                           in $DIR/SIDE.dump, log in $DIR/SIDE.log; waits
#                           until it is ready; its pid in PID_SIDE
#   dumped SIDE PATTERN     asks SIDE for a dump; true once it matches
#                           the extended regular expression PATTERN
#   capture_start NS DEV    tcpdump on DEV in NS into $DIR/cap.pcap
#   capture_stop            stops it; the decoded packets in $DIR/cap.txt
#   nodes_stop SIDE...      SIGTERM, then checks that each exited 0
#   check_clean NS...       no TUN device, rule, nftables table or SPD
#                           entry of ipsecfs left in NS

# node_pair: the set-up every glue test starts with: ipsec-node built
# (NODE), two namespaces A and B, a temporary directory DIR (kept if KEEP)
node_pair() {
	NODE=$top_builddir/ipsec-node
	[ -x "$NODE" ] || fail "ipsec-node not built"
	netns_pair A B
	DIR=$(mktemp -d "/tmp/ipsecfs-$TAG.XXXXXX")
	[ -n "${KEEP:-}" ] || at_exit "rm -rf $DIR"
}

# node_conf SIDE DATAPATH PEER ADDR [IKE_OPTION...]: writes $DIR/SIDE.conf
# (mode 600): the datapath (userspace or kernel), one peer [peer.PEER] at
# ADDR with the key $PSK and, if any IKE_OPTION ("mode = tunnel") is
# given, an [ike] section of them
node_conf() {
	local side=$1 datapath=$2 peer=$3 addr=$4 opt; shift 4
	{
		printf '[daemon]\ndatapath = %s\n' "$datapath"
		[ $# = 0 ] || echo "[ike]"
		for opt; do echo "$opt"; done
		printf '[peer.%s]\nremote = %s\npsk = "%s"\n' "$peer" "$addr" "$PSK"
	} > "$DIR/$side.conf"
	chmod 600 "$DIR/$side.conf"
}

# mandatory_policy FILE APP NET: writes a policy file under which APP's
# traffic with NET (any ports) must be encrypted
mandatory_policy() {
	cat > "$1" <<POL
application $2 {
    network $3 protected P1;
    protection P1 { localport=any remoteport=any encryption mandatory; }
}
POL
}

# trusted_policy FILE APP NET: writes a policy file under which APP's
# traffic with NET is trusted (goes in the clear)
trusted_policy() {
	echo "application $2 { network $3 trusted; }" > "$1"
}

node() {
	local side=$1 ns=$2; shift 2
	ip netns exec "$ns" "$NODE" -c "$DIR/$side.conf" "$@" \
	    -d "$DIR/$side.dump" -R "$DIR/$side.ready" > "$DIR/$side.log" 2>&1 &
	eval "PID_$side=\$!"
	at_exit "kill \$PID_$side 2>/dev/null; wait \$PID_$side 2>/dev/null"
	wait_for 10 test -e "$DIR/$side.ready" || {
		cat "$DIR/$side.log" "$DIR/$side.dump" 2>/dev/null
		fail "ipsec-node $side did not start"
	}
}

dumped() {
	eval "kill -USR1 \$PID_$1"
	grep -Eq "$2" "$DIR/$1.dump"
}

capture_start() {
	ip netns exec "$1" tcpdump --immediate-mode -U -n -i "$2" -w "$DIR/cap.pcap" \
	    > "$DIR/tcpdump.log" 2>&1 &
	TCPDUMP=$!
	at_exit "kill $TCPDUMP 2>/dev/null; wait $TCPDUMP 2>/dev/null"
	wait_for 10 grep -q listening "$DIR/tcpdump.log" ||
	    fail "tcpdump did not start"
}

capture_stop() {
	kill "$TCPDUMP"
	wait "$TCPDUMP" 2>/dev/null
	tcpdump -n -r "$DIR/cap.pcap" > "$DIR/cap.txt" 2>/dev/null
}

nodes_stop() {
	local side pid rc got="" want=""
	for side in "$@"; do
		eval "pid=\$PID_$side"
		kill "$pid"
	done
	for side in "$@"; do
		eval "pid=\$PID_$side"
		wait "$pid"; rc=$?
		got="$got $rc" want="$want 0"
	done
	expect_eq "ipsec-node stops cleanly ($*)" "$got" "$want"
}

check_clean() {
	local ns
	for ns in "$@"; do
		expect_eq "$ns: no TUN device left" \
		    "$(ip -n "$ns" -o link show | grep -c ipsf || true)" 0
		expect_eq "$ns: no IPv4 rule left" \
		    "$(ip -4 -n "$ns" rule show | grep -c 'lookup 26992' || true)" 0
		expect_eq "$ns: no IPv6 rule left" \
		    "$(ip -6 -n "$ns" rule show | grep -c 'lookup 26992' || true)" 0
		expect_eq "$ns: no route left" \
		    "$(ip -n "$ns" route show table 26992 2>/dev/null; ip -6 -n "$ns" route show table 26992 2>/dev/null)" ""
		expect_eq "$ns: no nftables table left" \
		    "$(ip netns exec "$ns" nft list tables | grep -c ipsecfs || true)" 0
		expect_eq "$ns: no SPD entry left" \
		    "$(ip -n "$ns" xfrm policy | grep -c 'uid 1768977254' || true)" 0
	done
}

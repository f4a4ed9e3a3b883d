#!/bin/sh
# Interoperability: ipsecfs's IKEv2 (tests/integration/ike-peer) against
# strongSwan's charon in two network namespaces, both directions, for
# aes128gcm16-prfsha256-ecp256 and aes128-sha1-modp2048 (and GCM over IPv6),
# checking the CHILD SA (SPIs, algorithms) and IKE SPIs against
# `swanctl --list-sas`; CHILD and IKE SA rekeying both ways; then a wrong
# pre-shared key both ways: AUTHENTICATION_FAILED, no SA.
#
# charon uses kernel-libipsec (this kernel has no ESP states), which can
# only install tunnel-mode CHILD SAs and always UDP-encapsulates: so the
# CHILD SAs here are tunnel mode and IKE moves to port 4500.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/charon_lib.sh"
need_root
need_cmd ip unshare nsenter swanctl timeout
PEER=$top_builddir/ike-peer
[ -x "$PEER" ] || fail "ike-peer not built"

netns_pair A B
DIR=$(mktemp -d "/tmp/ipsecfs-$TAG.XXXXXX")
[ -n "${KEEP:-}" ] || at_exit "rm -rf $DIR"
PSK="ipsecfs interop $TAG"

charon_start "$A"

# conf NAME IKE ESP SECRET PORT: loads exactly one connection NAME, whose
# CHILD SA covers TCP to charon's PORT (one port per case: charon refuses
# duplicate CHILD SAs, and ike-peer leaves its SAs in place)
# CA, CB: charon's and our address (IPv4 unless a case says otherwise)
CA=$A_ADDR CB=$B_ADDR
PREV=
conf() {
	# charon would reuse the previous case's IKE SA: drop it first
	[ -z "$PREV" ] || swan --terminate --ike "$PREV" --force > /dev/null 2>&1
	PREV=$1
	cat > "$DIR/swanctl.conf" <<CONF
connections {
  $1 {
    version = 2
    local_addrs = $CA
    remote_addrs = $CB
    proposals = $2
    local { auth = psk
      id = $CA }
    remote { auth = psk
      id = $CB }
    children {
      $1 {
        local_ts = $CA[tcp/$5]
        remote_ts = $CB[tcp]
        esp_proposals = $3
        mode = tunnel
        start_action = none
      }
    }
  }
}
secrets {
  ike-$1 {
    id-a = $CA
    id-b = $CB
    secret = "$4"
  }
}
CONF
	swan --load-all --file "$DIR/swanctl.conf" > "$DIR/load.out" 2>&1 ||
		fail "swanctl --load-all: $(cat "$DIR/load.out")"
}

# field NAME LINE: value of NAME=... in LINE
field() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# installed: the lines of `swanctl --list-sas` about INSTALLED CHILD SAs
installed() { awk '/: #[0-9]+, reqid/ { on = /INSTALLED/ } on'; }

# check_sa NAME OUTPUT ESP_NAME: compares ike-peer's output with charon's SA
check_sa() {
	local name=$1 out=$2 esp=$3 ike child list
	ike=$(printf '%s\n' "$out" | grep '^IKE_UP' | tail -1)
	child=$(printf '%s\n' "$out" | grep '^CHILD_UP' | tail -1)
	[ -n "$child" ] || fail "$name: no CHILD SA: $out"
	list=$(swan --list-sas --ike "$name")
	printf '%s\n' "$list" | grep -q "ESTABLISHED" || fail "$name: charon has no IKE SA: $list"
	printf '%s\n' "$list" | grep -q "$(field ispi "$ike")_i" || fail "$name: IKE SPIi differs: $list"
	printf '%s\n' "$list" | grep -q "$(field rspi "$ike")_r" || fail "$name: IKE SPIr differs: $list"
	printf '%s\n' "$list" | grep -q "INSTALLED, TUNNEL-in-UDP, ESP:$esp\$" ||
		fail "$name: charon's CHILD SA is not ESP:$esp: $list"
	# charon's inbound SPI is our outbound one and vice versa (its
	# installed CHILD SAs only: rekeyed ones linger a few seconds)
	expect_eq "$name: charon in SPI" \
		"$(printf '%s\n' "$list" | installed | sed -n 's/^ *in  \([0-9a-f]*\),.*/\1/p')" "$(field spi_out "$child")"
	expect_eq "$name: charon out SPI" \
		"$(printf '%s\n' "$list" | installed | sed -n 's/^ *out \([0-9a-f]*\),.*/\1/p')" "$(field spi_in "$child")"
	expect_eq "$name: our encap" "$(field encap "$child")" yes
}

# ours_initiates NAME IKE ESP ESP_NAME WANT_ENCR PORT
ours_initiates() {
	local out
	conf "$1" "$2" "$3" "$PSK" "$6"
	out=$(timeout 20 ip netns exec "$B" "$PEER" -i -t -l "$CB" -p "$CA" \
		-k "$PSK" -a "$2" -e "$3" -s 6/any -S "6/$6" -w 10 -L 200) ||
		fail "$1: ike-peer failed: $out"
	echo "$out"
	expect_eq "$1: our ESP" "$(field encr "$(printf '%s\n' "$out" | grep '^CHILD_UP')")" "$5"
	expect_eq "$1: selectors" \
		"$(field ts_local "$(printf '%s\n' "$out" | grep '^CHILD_UP')") $(field ts_remote "$(printf '%s\n' "$out" | grep '^CHILD_UP')")" \
		"$CB[6/0-65535] $CA[6/$6-$6]"
	check_sa "$1" "$out" "$4"
	pass "$1: ipsecfs initiates, strongSwan responds"
}

# swan_initiates NAME IKE ESP ESP_NAME PORT
swan_initiates() {
	local out rc
	conf "$1" "$2" "$3" "$PSK" "$5"
	timeout 20 ip netns exec "$B" "$PEER" -r -l "$B_ADDR" -p "$A_ADDR" \
		-k "$PSK" -a "$2" -e "$3" -w 12 -L 300 > "$DIR/peer.out" 2>&1 &
	local ppid=$!
	wait_for 5 sh -c "ip netns exec $B ss -uln | grep -q ':4500 '" ||
		fail "$1: ike-peer did not open its sockets"
	swan --initiate --child "$1" --timeout 10 > "$DIR/init.out" 2>&1 ||
		fail "$1: swanctl --initiate failed: $(cat "$DIR/init.out")"
	wait "$ppid"; rc=$?
	out=$(cat "$DIR/peer.out")
	echo "$out"
	[ "$rc" = 0 ] || fail "$1: ike-peer exited $rc"
	expect_eq "$1: selectors narrowed to charon's" \
		"$(field ts_local "$(printf '%s\n' "$out" | grep '^CHILD_UP')") $(field ts_remote "$(printf '%s\n' "$out" | grep '^CHILD_UP')")" \
		"$B_ADDR[6/0-65535] $A_ADDR[6/$5-$5]"
	check_sa "$1" "$out" "$4"
	pass "$1: strongSwan initiates, ipsecfs responds"
}

ours_initiates gcm-i aes128gcm16-prfsha256-ecp256 aes128gcm16 AES_GCM_16-128 AES_GCM_16_128 21
ours_initiates cbc-i aes128-sha1-modp2048 aes128-sha1 AES_CBC-128/HMAC_SHA1_96 AES_CBC_128 22
swan_initiates gcm-r aes128gcm16-prfsha256-ecp256 aes128gcm16 AES_GCM_16-128 23
swan_initiates cbc-r aes128-sha1-modp2048 aes128-sha1 AES_CBC-128/HMAC_SHA1_96 24
CA=$A_ADDR6 CB=$B_ADDR6
ours_initiates gcm6-i aes128gcm16-prfsha256-ecp256 aes128gcm16 AES_GCM_16-128 AES_GCM_16_128 29
CA=$A_ADDR CB=$B_ADDR

# rekeying, ipsecfs initiates: CHILD SA rekey, IKE SA rekey, liveness;
# charon must end with exactly the new SAs
conf rekey-i aes128gcm16-prfsha256-ecp256 aes128gcm16 "$PSK" 27
out=$(timeout 30 ip netns exec "$B" "$PEER" -i -t -X -l "$B_ADDR" -p "$A_ADDR" \
	-k "$PSK" -S 6/27 -w 20 -L 200) || fail "rekey-i: ike-peer failed: $out"
echo "$out"
expect_eq "rekey-i: CHILD SAs up" "$(printf '%s\n' "$out" | grep -c '^CHILD_UP')" 2
expect_eq "rekey-i: IKE SAs up" "$(printf '%s\n' "$out" | grep -c '^IKE_UP')" 2
printf '%s\n' "$out" | grep -q '^LIVENESS ok' || fail "rekey-i: no liveness answer"
check_sa rekey-i "$out" AES_GCM_16-128
pass "rekey-i: ipsecfs rekeys CHILD and IKE SA with strongSwan"

# rekeying, charon initiates and rekeys both SAs; ipsecfs responds
conf rekey-r aes128-sha1-modp2048 aes128-sha1 "$PSK" 28
# --foreground: killed below, timeout would send SIGCONT after the TERM,
# and a SIGCONT that lands while LeakSanitizer (ASan build) stops the
# exiting peer discards the stop: the peer then spins for ever
timeout --foreground 30 ip netns exec "$B" "$PEER" -r -l "$B_ADDR" -p "$A_ADDR" -k "$PSK" \
	-a aes128-sha1-modp2048 -e aes128-sha1 -n 0 -w 25 > "$DIR/peer.out" 2>&1 &
ppid=$!
at_exit "kill $ppid"
wait_for 5 sh -c "ip netns exec $B ss -uln | grep -q ':4500 '" || fail "rekey-r: ike-peer did not start"
swan --initiate --child rekey-r --timeout 10 > "$DIR/init.out" 2>&1 ||
	fail "rekey-r: swanctl --initiate failed: $(cat "$DIR/init.out")"
swan --rekey --child rekey-r > /dev/null 2>&1 || fail "rekey-r: swanctl --rekey --child"
wait_for 10 sh -c "[ \$(grep -c '^CHILD_DOWN' $DIR/peer.out) -ge 1 ]" ||
	fail "rekey-r: no CHILD SA rekey: $(cat "$DIR/peer.out")"
swan --rekey --ike rekey-r > /dev/null 2>&1 || fail "rekey-r: swanctl --rekey --ike"
wait_for 10 sh -c "grep -q '^IKE_DOWN' $DIR/peer.out" ||
	fail "rekey-r: no IKE SA rekey: $(cat "$DIR/peer.out")"
kill "$ppid"; wait "$ppid"
out=$(cat "$DIR/peer.out")
echo "$out"
expect_eq "rekey-r: CHILD SAs up" "$(printf '%s\n' "$out" | grep -c '^CHILD_UP')" 2
expect_eq "rekey-r: IKE SAs up" "$(printf '%s\n' "$out" | grep -c '^IKE_UP')" 2
check_sa rekey-r "$out" AES_CBC-128/HMAC_SHA1_96
pass "rekey-r: strongSwan rekeys CHILD and IKE SA with ipsecfs"

# wrong PSK, ipsecfs initiates: charon answers AUTHENTICATION_FAILED (24)
conf badi aes128gcm16-prfsha256-ecp256 aes128gcm16 "$PSK" 25
out=$(timeout 20 ip netns exec "$B" "$PEER" -i -t -l "$B_ADDR" -p "$A_ADDR" \
	-k "not the key" -S 6/25 -w 10 -L 100) && fail "wrong PSK accepted: $out"
echo "$out"
printf '%s\n' "$out" | grep -q '^FAILED notify=24 ' || fail "no AUTHENTICATION_FAILED: $out"
printf '%s\n' "$out" | grep -q '^IKE_UP' && fail "IKE SA up with a wrong PSK"
expect_eq "charon keeps no SA (wrong PSK, we initiate)" "$(swan --list-sas --ike badi | grep -c ESTABLISHED)" 0
pass "wrong PSK, ipsecfs initiates"

# wrong PSK, charon initiates: we answer AUTHENTICATION_FAILED
conf badr aes128gcm16-prfsha256-ecp256 aes128gcm16 "$PSK" 26
timeout 20 ip netns exec "$B" "$PEER" -r -l "$B_ADDR" -p "$A_ADDR" \
	-k "not the key" -w 8 -L 100 > "$DIR/peer.out" 2>&1 &
ppid=$!
wait_for 5 sh -c "ip netns exec $B ss -uln | grep -q ':4500 '" || fail "ike-peer did not start"
swan --initiate --child badr --timeout 8 > "$DIR/init.out" 2>&1 && fail "charon accepted a wrong PSK"
grep -q "AUTHENTICATION_FAILED" "$DIR/init.out" || fail "charon saw no AUTHENTICATION_FAILED: $(cat "$DIR/init.out")"
wait "$ppid" && fail "ike-peer accepted a wrong PSK"
grep -q '^FAILED notify=24 ' "$DIR/peer.out" || fail "ike-peer: $(cat "$DIR/peer.out")"
grep -q '^IKE_UP' "$DIR/peer.out" && fail "ike-peer: IKE SA up with a wrong PSK"
expect_eq "charon keeps no SA (wrong PSK, charon initiates)" "$(swan --list-sas --ike badr | grep -c ESTABLISHED)" 0
pass "wrong PSK, strongSwan initiates"

# strongSwan's charon as a real IKEv2 peer (sourced after lib.sh; see
# ../shared/notes/machine.md): one charon in namespace NS with its own /run,
# user-space ESP (kernel-libipsec) and a vici socket in $DIR.
#
#   charon_start NS     # writes $DIR/strongswan.conf, starts charon: CPID
#   swan CMD ARGS...    # swanctl against that charon
#   swan_conf CONN CHILD LOCAL_TS REMOTE_TS [CHILD LOCAL_TS REMOTE_TS]...
#                       # writes $DIR/swanctl.conf: connection CONN, A to B
#   swan_load           # loads $DIR/swanctl.conf into charon
#   charon_bench NS NAME LOCAL REMOTE IKE ESP
#                       # the benchmarks' charon NAME: one PSK connection c

CHARON=/usr/lib/ipsec/charon

charon_start() {
	[ -x "$CHARON" ] || skip "needs strongSwan's charon"
	cat > "$DIR/strongswan.conf" <<CONF
charon {
  load = random nonce openssl kdf aes sha1 sha2 hmac gcm gmp curve25519 kernel-libipsec kernel-netlink socket-default vici
  retransmit_tries = 2
  retransmit_timeout = 1
  filelog {
    test {
      path = $DIR/charon.log
      default = 1
      ike = 2
      flush_line = yes
    }
  }
  plugins {
    socket-default { fwmark = 0x42 }
    kernel-netlink { fwmark = !0x42 }
    kernel-libipsec { allow_peer_ts = yes }
    vici { socket = unix://$DIR/charon.vici }
  }
}
CONF
	ip netns exec "$1" unshare -m --propagation private sh -c \
		"mount -t tmpfs none /run && STRONGSWAN_CONF=$DIR/strongswan.conf exec $CHARON" \
		> "$DIR/charon.out" 2>&1 &
	CPID=$!
	at_exit "kill $CPID; wait $CPID"
	wait_for 10 swan --stats || fail "charon did not start: $(cat "$DIR/charon.out")"
}

swan() {
	local cmd=$1; shift
	timeout 15 nsenter -t "$CPID" -m -n swanctl "$cmd" --uri "unix://$DIR/charon.vici" "$@"
}

# swan_conf CONN CHILD LOCAL_TS REMOTE_TS [CHILD LOCAL_TS REMOTE_TS]...:
# writes $DIR/swanctl.conf: one IKEv2 connection CONN from A_ADDR to B_ADDR
# (PSK $PSK, the addresses as ids, AES-GCM-128 with ECP-256) with its
# tunnel-mode CHILD SAs, started by no one; an empty LOCAL_TS or
# REMOTE_TS is left out (charon's default: its own or the peer's address)
swan_conf() {
	local conn=$1; shift
	{
		cat <<CONF
connections {
  $conn {
    version = 2
    local_addrs = $A_ADDR
    remote_addrs = $B_ADDR
    proposals = aes128gcm16-prfsha256-ecp256
    local { auth = psk
      id = $A_ADDR }
    remote { auth = psk
      id = $B_ADDR }
    children {
CONF
		while [ $# -ge 3 ]; do
			echo "      $1 {"
			[ -z "$2" ] || echo "        local_ts = $2"
			[ -z "$3" ] || echo "        remote_ts = $3"
			cat <<CONF
        esp_proposals = aes128gcm16
        mode = tunnel
        start_action = none
      }
CONF
			shift 3
		done
		cat <<CONF
    }
  }
}
secrets {
  ike-$conn {
    id-a = $A_ADDR
    id-b = $B_ADDR
    secret = "$PSK"
  }
}
CONF
	} > "$DIR/swanctl.conf"
}

# swan_load: loads $DIR/swanctl.conf into charon; fails the test if it can't
swan_load() {
	swan --load-all --file "$DIR/swanctl.conf" > "$DIR/load.out" 2>&1 ||
		fail "swanctl --load-all: $(cat "$DIR/load.out")"
}

# charon_bench NS NAME LOCAL REMOTE IKE ESP: for the benchmarks, a charon
# NAME in NS (no log file, default retransmissions; vici $DIR/NAME.vici,
# pid in NAME_PID) with one connection c from LOCAL to REMOTE: PSK
# "bench", IKE and ESP proposals as given, a tunnel-mode CHILD SA c for
# LOCAL/32 <-> REMOTE/32. False if it did not start or load.
charon_bench() {
	cat > "$DIR/$2.conf" <<CONF
charon {
  load = random nonce openssl kdf aes sha1 sha2 hmac gcm gmp curve25519 kernel-libipsec kernel-netlink socket-default vici
  plugins {
    socket-default { fwmark = 0x42 }
    kernel-netlink { fwmark = !0x42 }
    kernel-libipsec { allow_peer_ts = yes }
    vici { socket = unix://$DIR/$2.vici }
  }
}
CONF
	cat > "$DIR/$2.swanctl" <<CONF
connections { c { version = 2
  local_addrs = $3
  remote_addrs = $4
  proposals = $5
  local { auth = psk
    id = $3 }
  remote { auth = psk
    id = $4 }
  children { c { local_ts = $3/32
    remote_ts = $4/32
    mode = tunnel
    esp_proposals = $6 } } } }
secrets { ike { id-a = $3
  id-b = $4
  secret = bench } }
CONF
	ip netns exec "$1" unshare -m --propagation private sh -c \
		"mount -t tmpfs none /run && STRONGSWAN_CONF=$DIR/$2.conf exec $CHARON" \
		> "$DIR/$2.out" 2>&1 &
	eval "${2}_PID=$!"
	at_exit "kill $!; wait $!"
	wait_for 10 timeout 5 swanctl --stats --uri "unix://$DIR/$2.vici" &&
	timeout 10 swanctl --load-all --file "$DIR/$2.swanctl" \
	    --uri "unix://$DIR/$2.vici" > /dev/null 2>&1
}

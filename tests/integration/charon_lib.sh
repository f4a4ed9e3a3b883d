# strongSwan's charon as a real IKEv2 peer (sourced after lib.sh; see
# ../shared/notes/machine.md): one charon in namespace NS with its own /run,
# user-space ESP (kernel-libipsec) and a vici socket in $DIR.
#
#   charon_start NS     # writes $DIR/strongswan.conf, starts charon: CPID
#   swan CMD ARGS...    # swanctl against that charon

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

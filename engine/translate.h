/* Translation (the paper's §3.4): one socket's state and its application
 * policy give that socket's SPD entries. Pure: no kernel, no locks. */
#ifndef IPSECFS_TRANSLATE_H
#define IPSECFS_TRANSLATE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/ipaddr.h"
#include "engine/policy.h"
#include "engine/spd.h"

/* A UDP destination the socket sent to; its outbound entry lives until
 * expires (monotonic milliseconds), which each send pushes back. */
struct xdest {
	struct ipaddr	addr;
	int		port;
	uint64_t	expires;
};

/* What translation needs to know of a socket. Addresses are plain IPv4
 * when the socket saw IPv4-mapped ones. local with family AF_UNSPEC-like
 * all-zero bytes means "any local address". */
struct xsock {
	int		 family;	/* AF_INET, AF_INET6 */
	int		 proto;		/* IPPROTO_TCP, IPPROTO_UDP */
	struct ipaddr	 local;
	bool		 local_any;	/* bound to 0.0.0.0 or :: */
	int		 lport;
	bool		 listening;	/* TCP listen */
	bool		 connected;	/* TCP connect, UDP connect */
	bool		 accepted;	/* TCP, from a listener */
	bool		 recv;		/* UDP receive seen */
	struct ipaddr	 peer;		/* connected, accepted */
	int		 rport;
	struct xdest	*dests;		/* UDP sends */
	size_t		 ndests, capdests;
};

struct xlate_conf {
	bool	tunnel;		/* [ike] mode = tunnel */
	/* The userspace datapath carries ESP. Outbound protected flows to
	 * what it steers into its TUN device (steer[0..nsteer)) are written
	 * as allow (the datapath protects them; an ESP template without a
	 * kernel SA would drop them); to any other destination, mandatory
	 * ones as block (nothing would protect them), optional ones as
	 * allow (in the clear). A prefix only partly steered is a block with
	 * an allow twin, one priority below, per steered prefix inside it.
	 * Inbound mandatory ones keep their template and, with dp_mask set,
	 * get an allow twin for packets carrying dp_mark (what the datapath
	 * decrypted). */
	bool	userspace;
	uint32_t dp_mark, dp_mask;
	/* Packets carrying bypass_mark never go through the TUN device (the
	 * monitor gives it to the sockets of trusted flows): outbound
	 * mandatory entries are a block whose allow twins match only packets
	 * without it, so such a packet of a mandatory flow is dropped. */
	uint32_t bypass_mark;
	const struct prefix *steer;
	size_t	nsteer;
	/* Per-peer mode for exact entries (a [peer.*] section may override
	 * the mode); NULL: tunnel for every peer. */
	bool	(*tunnel_for)(const struct ipaddr *peer, void *arg);
	void	*arg;
};

/* Appends the entries of s under policy p to out. listener is the
 * listening socket an accepted one came from (or NULL): the accepted
 * connection gets its own exact entries only when the listener's would
 * decide its flow differently. Returns 0, -ENOMEM, or -E2BIG when the
 * policy has more networks and items than the priority band holds. */
int translate(const struct policy *p, const struct xsock *s,
    const struct xsock *listener, const struct xlate_conf *c,
    struct spd_vec *out);

#endif

/* A small UDP transport for crypto/ike.h: sockets on ports 500 and 4500
 * of one address family, bypassing the IPsec policies ipsecfs writes
 * (per-socket XFRM bypass policies and an optional fwmark), with the
 * destination address of every datagram (IP_PKTINFO). */
#ifndef IPSECFS_IKE_NET_H
#define IPSECFS_IKE_NET_H

#include <stdint.h>

#include "crypto/ike.h"

struct ike_net {
	int		fd;		/* port 500 (or the port given) */
	int		fd_natt;	/* port 4500 (or the port given) */
	int		family;
	uint16_t	port, port_natt;
};

/* Opens both sockets bound to local (any address if NULL) of family.
 * port/port_natt 0 mean 500/4500. mark 0: no fwmark. 0 or -1 (errno). */
int ike_net_open(struct ike_net *n, int family, const struct ipaddr *local,
    uint16_t port, uint16_t port_natt, uint32_t mark);
void ike_net_close(struct ike_net *n);

/* Sends d from the socket of d->src.port, from address d->src.addr. */
int ike_net_send(struct ike_net *n, const struct ike_dgram *d);

/* Reads one datagram from fd (one of n's) into d (src: the peer, dst: us).
 * Returns its length, or -1 (errno; EAGAIN when none is waiting). */
ssize_t ike_net_recv(struct ike_net *n, int fd, struct ike_dgram *d);

#endif

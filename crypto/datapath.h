/* The user-space ESP datapath: IP packets from a TUN device go out as ESP
 * to the peer, in UDP (RFC 3948) when the SA says so, else as IP protocol
 * 50 on a raw socket; what arrives on the UDP socket is demultiplexed
 * (ESP, IKE, NAT keepalive), what arrives on the raw socket is ESP; both
 * are decapsulated and written to the TUN device. Sockets are read and
 * written in batches (recvmmsg, sendmmsg).
 *
 * The outbound SA of a packet comes from a router callback (the daemon's
 * SPD lookup) or, without one, from a single default SA and peer; inbound
 * SAs are found by SPI in an esp_sadb. The caller owns the fds, SAs and
 * table. */
#ifndef IPSECFS_DATAPATH_H
#define IPSECFS_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "crypto/esp.h"
#include "crypto/esp_sadb.h"
#include "engine/ipaddr.h"

#define DP_BATCH	64

struct dp_stats {
	uint64_t	tun_rx;		/* packets read from the TUN device */
	uint64_t	tun_tx;		/* decapsulated packets written to it */
	uint64_t	udp_rx;		/* datagrams received */
	uint64_t	udp_tx;		/* ESP packets sent (UDP or raw) */
	uint64_t	raw_rx;		/* ESP packets from the raw socket */
	uint64_t	keepalives;	/* NAT keepalives ignored */
	uint64_t	ike;		/* non-ESP-marker datagrams passed on */
	uint64_t	invalid;	/* datagrams too short for anything */
	uint64_t	no_sa;		/* TUN packets with no outbound SA */
	uint64_t	dummies;	/* next header 59 */
	uint64_t	policy;		/* decapsulated packets the SA may not carry */
	uint64_t	errors;		/* failed reads and writes */
};

/* Called with an IKE message (the non-ESP marker removed) and its sender. */
typedef void (*dp_ike_fn)(const uint8_t *msg, size_t len,
    const struct sockaddr_storage *from, void *arg);

struct datapath;

/* tun: from tun_open() with tun_flags; udp: a bound UDP socket, preferably
 * from dp_udp_socket(). local is the address the peer sends to (transport
 * mode rebuilds IP headers with it); its family is the datapath's first. */
struct datapath	*dp_new(int tun, int tun_flags, int udp, struct esp_sadb *in,
		    const struct ipaddr *local);
/* The UDP socket and local address of local's family: dp_new gives the
 * first family's, this adds (or replaces) the other's. ESP to a peer
 * leaves from the sockets of the peer's family. */
void		 dp_set_udp(struct datapath *dp, int udp,
		    const struct ipaddr *local);
void		 dp_free(struct datapath *dp);
/* The outbound SA and where its packets go (NULL: none; TUN packets are
 * then counted as no_sa). */
void		 dp_set_outbound(struct datapath *dp, struct esp_sa *out,
		    const struct sockaddr_storage *peer);
/* Picks the outbound SA for an IP packet read from the TUN device and
 * fills *peer (address and UDP port). NULL: no SA (counted as no_sa; this
 * is where the daemon starts an IKE negotiation, as an XFRM ACQUIRE
 * would). Replaces the default SA of dp_set_outbound(). */
typedef struct esp_sa *(*dp_route_fn)(const uint8_t *ip, size_t len,
    struct sockaddr_storage *peer, void *arg);
void		 dp_set_router(struct datapath *dp, dp_route_fn fn, void *arg);
/* Says whether sa may carry the decapsulated packet ip (its traffic
 * selectors, RFC 4301 §5.2); refused packets are counted as policy drops.
 * Without one every authenticated packet is accepted. */
typedef bool (*dp_accept_fn)(const struct esp_sa *sa, const uint8_t *ip,
    size_t len, void *arg);
void		 dp_set_inbound_check(struct datapath *dp, dp_accept_fn fn,
		    void *arg);
void		 dp_set_ike_handler(struct datapath *dp, dp_ike_fn fn, void *arg);
const struct dp_stats *dp_stats(const struct datapath *dp);

/* Sends and receives ESP that is not UDP-encapsulated on fd, from
 * dp_esp_socket() (-1: none; packets of such SAs are then errors), for
 * fd's address family (one raw socket per family). */
void		 dp_set_raw_esp(struct datapath *dp, int fd);

/* Moves what is ready now, at most DP_BATCH packets each way: call when
 * the TUN fd or the UDP fd is readable. Return packets handled, or -1 on
 * a failure of the fd itself. */
int		 dp_tun_input(struct datapath *dp);
/* Encapsulates one plaintext IP packet on sa and sends it to peer (a
 * packet held while its SA was negotiated). Same thread as dp_tun_input.
 * 0, or -1 when it could not be sent (counted). */
int		 dp_send(struct datapath *dp, struct esp_sa *sa, const uint8_t *ip,
		    size_t len, const struct sockaddr_storage *peer);
/* The first family's UDP and raw ESP sockets. */
int		 dp_udp_input(struct datapath *dp);
int		 dp_esp_input(struct datapath *dp);
/* Any of its UDP or raw ESP sockets, fd; -1 when fd is none of them. */
int		 dp_sock_input(struct datapath *dp, int fd);

/* 4 MB receive and send buffers on fd (past rmem_max/wmem_max as root):
 * a short stall of the thread must not make the kernel drop ESP. */
void		 dp_socket_buffers(int fd);
/* A non-blocking raw IP socket for protocol 50 (ESP) of this family. */
int		 dp_esp_socket(int family, char *err, size_t errlen);
/* A non-blocking UDP socket bound to addr:port, with large buffers. */
int		 dp_udp_socket(const struct ipaddr *addr, int port, char *err,
		    size_t errlen);

#endif

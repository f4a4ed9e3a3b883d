/* ipsecfs's IKEv2 (RFC 7296): a state machine that does no I/O.
 *
 * The caller feeds it datagrams (ike_input) and the time (ike_tick), and
 * takes from it the datagrams to send (ike_output) and, through one
 * callback, the IKE and CHILD SAs that come up or go away, CHILD SA keys
 * included. crypto/ike_net.h is a small UDP transport for it.
 *
 * What it does: IKE_SA_INIT and IKE_AUTH with pre-shared keys, as
 * initiator and responder, with the first CHILD SA (ESP, transport or
 * tunnel mode, traffic-selector narrowing); retransmission with back-off;
 * NAT detection and the move to port 4500; cookies under load;
 * CREATE_CHILD_SA (more CHILD SAs, CHILD SA and IKE SA rekeying);
 * INFORMATIONAL (delete, liveness). See docs/ike.md. */
#ifndef IPSECFS_IKE_H
#define IPSECFS_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/ike_msg.h"
#include "engine/conf.h"
#include "engine/ipaddr.h"
#include "engine/proposal.h"

#define IKE_PORT		500
#define IKE_NATT_PORT		4500
#define IKE_ID_MAX		128
#define IKE_PSK_MAX		256
#define IKE_KEY_MAX		64	/* one CHILD SA key, salt included */

struct ike;

struct ike_endpoint {
	struct ipaddr	addr;
	uint16_t	port;
};

/* One peer's configuration (what [peer.*] of ipsecfs.conf gives). */
struct ike_peer {
	struct prefix		remote;		/* addresses this entry covers */
	uint8_t			local_id_type;	/* 0: our address (ID_IPV4/6_ADDR) */
	uint8_t			local_id[IKE_ID_MAX];
	size_t			local_id_len;
	uint8_t			remote_id_type;	/* 0: the peer's address */
	uint8_t			remote_id[IKE_ID_MAX];
	size_t			remote_id_len;
	uint8_t			psk[IKE_PSK_MAX];
	size_t			psk_len;
	struct proposal_list	ike;		/* IKE SA proposals */
	struct proposal_list	esp;		/* CHILD SA proposals */
	bool			transport;	/* ask for / accept USE_TRANSPORT_MODE */
	bool			force_encap;	/* UDP-encapsulate even without NAT */
	/* As responder: what the initiator's selectors are narrowed to.
	 * type 0: the peer's / our own address, any protocol and port. */
	struct ike_ts		ts_local, ts_remote;
	/* Rekey after this many seconds (0: only when asked). The side that
	 * set an SA up rekeys it at its lifetime, the other side at 110 %,
	 * so that the two do not collide. */
	unsigned		child_lifetime, ike_lifetime;
};

/* A CHILD SA as negotiated: what the datapath needs to install it. */
struct ike_child_keys {
	uint64_t		ike_ispi, ike_rspi;	/* the IKE SA it belongs to */
	uint32_t		spi_in, spi_out;	/* host order */
	uint32_t		replaces_spi_in;	/* rekey: the old CHILD SA, or 0 */
	bool			we_initiated;	/* we sent the request that made it */
	uint16_t		encr, keybits, integ;
	bool			esn;
	bool			transport;
	bool			encap;		/* ESP in UDP (RFC 3948) */
	struct ike_endpoint	local, remote;	/* outer addresses and ports */
	struct ike_ts		ts_local, ts_remote;
	uint8_t			enc_in[IKE_KEY_MAX], enc_out[IKE_KEY_MAX];
	size_t			enclen;		/* salt included for AEAD */
	uint8_t			auth_in[IKE_KEY_MAX], auth_out[IKE_KEY_MAX];
	size_t			authlen;
};

enum ike_event_type {
	IKE_EV_IKE_UP,		/* IKE SA established */
	IKE_EV_IKE_DOWN,	/* IKE SA deleted (by us, the peer, or rekeyed away) */
	IKE_EV_FAILED,		/* a negotiation failed: notify says why */
	IKE_EV_CHILD_UP,	/* child holds the keys; wipe them after use */
	IKE_EV_CHILD_DOWN,	/* spi_in/spi_out: that CHILD SA is gone */
};

struct ike_event {
	enum ike_event_type		 type;
	uint64_t			 ispi, rspi;
	struct ike_endpoint		 remote;
	uint16_t			 notify;	/* IKE_EV_FAILED: N_* or 0 (timeout) */
	const char			*reason;	/* IKE_EV_FAILED: words */
	const struct ike_child_keys	*child;		/* IKE_EV_CHILD_UP */
	uint32_t			 spi_in, spi_out; /* IKE_EV_CHILD_DOWN */
	/* IKE_EV_IKE_UP: the negotiated IKE SA transforms */
	uint16_t			 encr, keybits, integ, prf, dh;
};

typedef void (*ike_event_fn)(void *arg, const struct ike_event *ev);

/* A datagram to send: UDP payload (with the non-ESP marker on port 4500). */
struct ike_dgram {
	struct ike_endpoint	src, dst;
	size_t			len;
	uint8_t			data[IKE_MSG_MAX + 4];
};

/* Counters for the sas/status files. */
struct ike_stats {
	uint64_t	rx, tx, retransmits;
	uint64_t	dropped_parse;		/* malformed messages */
	uint64_t	dropped_integrity;	/* SK payload failed its check */
	uint64_t	dropped_nosa;		/* no such IKE SA */
	uint64_t	dropped_msgid;		/* unexpected message ID */
	uint64_t	cookies_sent;
	uint64_t	dropped_busy;		/* half-open limit reached */
	uint64_t	half_open;
};

/* As responder: picks a new CHILD SA's selectors from the initiator's
 * (tsi: the peer's side, tsr: ours, most specific first, RFC 7296 §2.9).
 * Fills local/remote with what to accept (each within one of the offered
 * ones, narrowed as needed) and returns true, or returns false for
 * TS_UNACCEPTABLE. Without a hook, each peer's ts_local/ts_remote apply. */
typedef bool (*ike_ts_fn)(void *arg, const struct ike_endpoint *peer,
    const struct ike_ts *tsi, size_t ni, const struct ike_ts *tsr, size_t nr,
    struct ike_ts *local, struct ike_ts *remote);

struct ike *ike_new(ike_event_fn fn, void *arg);
void ike_set_ts_hook(struct ike *ike, ike_ts_fn fn, void *arg);
void ike_free(struct ike *ike);

/* Adds a peer (copied). As responder the most specific entry covering the
 * sender's address is used. 0 or -1 (no room). */
int ike_add_peer(struct ike *ike, const struct ike_peer *peer);
/* Fills p from an ipsecfs.conf [peer.*] entry (IDs: an address literal,
 * user@domain as RFC822, anything else as FQDN). 0, or -1 when an ID or
 * the PSK is missing or too long. */
int ike_peer_from_conf(struct ike_peer *p, const struct peer_conf *pc);
/* Half-open IKE SAs above which IKE_SA_INIT needs a cookie (default 30). */
void ike_set_cookie_threshold(struct ike *ike, unsigned n);
/* Half-open IKE SAs beyond which new IKE_SA_INIT requests are dropped,
 * cookies or not (default 1024): memory stays bounded under a flood. */
void ike_set_half_open_limit(struct ike *ike, unsigned n);
/* First retransmission timeout (default 1000 ms) and tries (default 5). */
void ike_set_retransmit(struct ike *ike, unsigned first_ms, unsigned tries);

/* Negotiates a CHILD SA for the selectors (ours, the peer's) with the peer
 * at remote, from local: under the IKE SA with that peer if one exists or
 * is being set up (CREATE_CHILD_SA, queued until it is up), otherwise by
 * setting one up. The peer configuration is the one covering remote->addr.
 * 0, or -1 (no peer entry, queue full). */
int ike_initiate(struct ike *ike, uint64_t now_ms,
    const struct ike_endpoint *local, const struct ike_endpoint *remote,
    const struct ike_ts *ts_local, const struct ike_ts *ts_remote);

/* One received UDP payload (src: the peer; dst: us). Port 4500 payloads
 * must start with the non-ESP marker; others (ESP) return -1. */
int ike_input(struct ike *ike, uint64_t now_ms, const struct ike_endpoint *src,
    const struct ike_endpoint *dst, const uint8_t *data, size_t len);

/* Retransmissions, give-ups, cookie secret rotation. */
void ike_tick(struct ike *ike, uint64_t now_ms);
/* When ike_tick next has work, in ms (UINT64_MAX: nothing pending). */
uint64_t ike_next_timeout(const struct ike *ike);

/* Takes the next datagram to send. true if there was one. */
bool ike_output(struct ike *ike, struct ike_dgram *d);

/* Requests on an established IKE SA (found by its initiator SPI, or by a
 * CHILD SA's inbound SPI). Queued behind any exchange in flight. 0 or -1. */
int ike_rekey_child(struct ike *ike, uint64_t now_ms, uint32_t spi_in);
int ike_delete_child(struct ike *ike, uint64_t now_ms, uint32_t spi_in);
int ike_rekey_ike(struct ike *ike, uint64_t now_ms, uint64_t ispi);
int ike_delete_ike(struct ike *ike, uint64_t now_ms, uint64_t ispi);
int ike_liveness(struct ike *ike, uint64_t now_ms, uint64_t ispi);

const struct ike_stats *ike_get_stats(const struct ike *ike);
/* Established IKE SAs, for the sas file: calls fn for each. */
void ike_foreach_sa(const struct ike *ike,
    void (*fn)(void *arg, uint64_t ispi, uint64_t rspi, bool initiator,
    const struct ike_endpoint *local, const struct ike_endpoint *remote,
    size_t nchildren), void *arg);

#endif

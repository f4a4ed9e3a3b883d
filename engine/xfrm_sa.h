/* The SA side of XFRM, for the IKE and ESP parts: CHILD SAs into the
 * kernel (kernel datapath), the kernel's ACQUIRE and EXPIRE messages, and
 * a per-socket ALLOW policy that keeps ipsecfs's own IKE and ESP sockets
 * out of every SPD entry. Each function opens what it needs; none takes
 * the engine lock. */
#ifndef IPSECFS_XFRM_SA_H
#define IPSECFS_XFRM_SA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/ipaddr.h"
#include "engine/spd.h"

#define XFRM_SA_KEY_MAX	64
#define XFRM_SA_REPLAY_MAX	4096	/* packets */
#define XFRM_SA_MSG_MAX	2048	/* bytes: room for any NEWSA message */

/* One direction of a CHILD SA. Algorithms use the kernel's crypto names:
 * AEAD "rfc4106(gcm(aes))" (key + 4-byte salt) or
 * "rfc7539esp(chacha20,poly1305)"; else enc "cbc(aes)" / "ecb(cipher_null)"
 * plus auth "hmac(sha1)", "hmac(sha256)". */
struct xfrm_sa_params {
	struct ipaddr	src, dst;	/* outer addresses; dst + spi name the SA */
	uint32_t	spi;		/* host order */
	uint32_t	reqid;
	bool		tunnel;		/* else transport */
	uint32_t	replay_window;	/* packets; 0: none (outbound) */
	bool		esn;		/* 64-bit sequence numbers (RFC 4304) */
	const char	*aead;		/* NULL: enc + auth */
	unsigned	icv_bits;
	const char	*enc, *auth;
	unsigned	auth_trunc_bits;
	uint8_t		enc_key[XFRM_SA_KEY_MAX], auth_key[XFRM_SA_KEY_MAX];
	size_t		enc_keylen, auth_keylen;	/* bytes; aead: enc_key */
	uint16_t	encap_sport, encap_dport;	/* UDP encapsulation (RFC 3948); 0: none */
	uint64_t	soft_seconds, hard_seconds;	/* 0: none */
	bool		has_sel;	/* restrict the SA to sel (transport) */
	struct spd_sel	sel;
};

/* Installs (or with update, replaces) a CHILD SA. 0 or -errno; on an
 * error, why (if not NULL) gets the kernel's extended ACK text or "". */
int xfrm_sa_install(const struct xfrm_sa_params *p, bool update, char *why,
    size_t whylen);
/* Writes the XFRM_MSG_NEWSA (update: UPDSA) message xfrm_sa_install sends
 * into buf (len >= XFRM_SA_MSG_MAX). Its length, or -EINVAL. */
int xfrm_sa_message(const struct xfrm_sa_params *p, bool update, void *buf,
    size_t len);
/* Removes the SA named by dst, spi and ESP. 0 or -errno. */
int xfrm_sa_remove(const struct ipaddr *dst, uint32_t spi);

/* Whether this kernel accepts an ESP SA (installs and removes a probe SA
 * with a TEST-NET address and a random SPI). */
bool xfrm_probe_esp(void);

enum xfrm_sa_event_type { XFRM_EV_ACQUIRE, XFRM_EV_EXPIRE };

struct xfrm_sa_event {
	enum xfrm_sa_event_type type;
	/* ACQUIRE: the packet's flow, the template's wish, the policy. */
	struct spd_sel	sel;
	struct ipaddr	src, dst;	/* SA end points (template or flow) */
	bool		tunnel;
	bool		auth_only;	/* the entry wants integrity only */
	bool		optional;	/* level use */
	int		dir;
	uint32_t	priority;
	uint32_t	policy_index;
	bool		owned;		/* an ipsecfs entry asked */
	uint32_t	seq;
	/* EXPIRE */
	uint32_t	spi;		/* host order */
	bool		hard;
	uint32_t	reqid;
};

typedef void (*xfrm_sa_cb)(const struct xfrm_sa_event *ev, void *arg);

struct xfrm_mon;

/* Subscribes to ACQUIRE and EXPIRE. Poll xfrm_mon_fd() for input and call
 * xfrm_mon_dispatch(), which hands each message to cb. */
int xfrm_mon_open(struct xfrm_mon **out, xfrm_sa_cb cb, void *arg);
int xfrm_mon_fd(const struct xfrm_mon *m);
/* Reads what is pending (non-blocking). Returns messages handled or -errno. */
int xfrm_mon_dispatch(struct xfrm_mon *m);
void xfrm_mon_close(struct xfrm_mon *m);

/* Gives socket fd of family AF_INET or AF_INET6 an ALLOW policy in both
 * directions (IP_XFRM_POLICY / IPV6_XFRM_POLICY), as strongSwan does for
 * its IKE sockets: no SPD entry ever applies to it. Needs CAP_NET_ADMIN. */
int xfrm_socket_bypass(int fd, int family);

#endif

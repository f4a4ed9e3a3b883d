/* What the ipsec glue's files share: one struct ipsec, owned by its thread. */
#ifndef IPSECFS_IPSEC_INT_H
#define IPSECFS_IPSEC_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "crypto/datapath.h"
#include "crypto/esp.h"
#include "crypto/esp_sadb.h"
#include "crypto/ike.h"
#include "crypto/ike_net.h"
#include "engine/ipsec.h"
#include "engine/strbuf.h"
#include "engine/xfrm_sa.h"

/* Marks of the user-space datapath (bits of the packet mark):
 * IPSEC_MARK_BYPASS on ipsecfs's own IKE/ESP sockets and on the flows it
 * sends in the clear, so the rule sending peers' traffic into the TUN
 * device skips them; IPSEC_MARK_DECRYPTED on what it writes into the TUN
 * device (nftables), for the engine's inbound allow twins. */
#define IPSEC_MARK_BYPASS	0x00100000u
#define IPSEC_MARK_DECRYPTED	0x00200000u
#define IPSEC_RULE_PREF		100	/* ip rule priority */
#define IPSEC_TABLE		0x6970	/* routing table of the TUN routes */
#define IPSEC_PENDING_MAX	64	/* flows waiting for a CHILD SA */
#define IPSEC_PENDING_MS	3000	/* before asking again for one flow */
#define IPSEC_HELD_MAX		32	/* mandatory packets held for a CHILD SA */
#define IPSEC_RETIRE_MS		5000	/* a deleted CHILD SA's inbound SA stays */

/* The 5-tuple of a packet (ipsec_flow.c). */
struct ipsec_flow {
	int		proto, sport, dport;	/* ports 0 when none */
	struct ipaddr	src, dst;
	bool		later_fragment;		/* fragment offset > 0 */
};

/* A mandatory packet that found no CHILD SA, held until IKE makes one
 * (sent then) or IPSEC_PENDING_MS pass (dropped, counted). */
struct ipsec_held {
	uint8_t			*ip;		/* NULL: free slot */
	size_t			 len;
	uint64_t		 at_ms;
	struct ipsec_flow	 f;
};

struct ipsec_child {
	struct ipsec_child	*next;
	struct ike_child_keys	 k;		/* keys wiped after install */
	struct esp_sa		*in, *out;	/* userspace; in lives in the SADB */
	uint64_t		 born_ms;
	bool			 dead;		/* hard-expired: sweep it */
	bool			 installed;	/* kernel datapath */
	bool			 out_ok;	/* may carry outbound traffic */
	uint64_t		 retired_ms;	/* deleted: inbound only, until swept */
	uint64_t		 retired_pkts;	/* inbound packets when it was deleted */
};

struct ipsec_pending {
	int		proto;
	struct ipaddr	src, dst;
	int		sport, dport;
	uint64_t	at_ms;
};

struct ipsec {
	struct engine		*e;
	const struct conf	*cfg;
	bool			 kernel;	/* datapath=kernel */
	struct ike		*ike;
	struct ike_net		 net4, net6;	/* net6.fd -1: no IPv6 */
	int			 epfd, stopfd, timerfd, rekeyfd;
	pthread_t		 thread;
	bool			 running;
	/* kernel datapath */
	struct xfrm_mon		*mon;
	/* user-space datapath */
	int			 tun, rawfd, clearfd, rawfd6, clearfd6;
	char			 tunname[IF_NAMESIZE];
	struct ipaddr		 local, local6;	/* transport mode's, per family */
	struct esp_sadb		*sadb;
	struct datapath		*dp;
	bool			 routed, nft;
	struct prefix		*steer;		/* the peers' prefixes routed */
	size_t			 nsteer;
	struct ipsec_child	*children;
	struct ipsec_pending	 pending[IPSEC_PENDING_MAX];
	struct ipsec_held	 held[IPSEC_HELD_MAX];
	uint64_t		 held_sent;	/* held packets sent on their new SA */
	uint64_t		 late_rx;	/* received on a deleted CHILD SA */
	/* the sas file, rendered by the thread after each change and each
	 * second, copied out by the renderer (which holds the engine lock) */
	pthread_mutex_t		 text_mu;
	char			*text;
	uint64_t		 dropped_clear;	/* mandatory packets without SA */
	uint64_t		 clear_sent, clear_errors;
	uint64_t		 unowned_sent;	/* no owned entry: on a CHILD SA */
};

uint64_t ipsec_now_ms(void);
void	 ipsec_flush(struct ipsec *s);	/* ike_output to the sockets */

/* ipsec_ike.c */
void	 ipsec_ike_event(void *arg, const struct ike_event *ev);
void	 ipsec_ike_input(struct ipsec *s, struct ike_net *n, int fd);
bool	 ipsec_ts_hook(void *arg, const struct ike_endpoint *peer,
	    const struct ike_ts *tsi, size_t ni, const struct ike_ts *tsr,
	    size_t nr, struct ike_ts *local, struct ike_ts *remote);
void	 ipsec_ike_from_dp(const uint8_t *msg, size_t len,
	    const struct sockaddr_storage *from, void *arg);
int	 ipsec_initiate(struct ipsec *s, int proto, const struct ipaddr *src,
	    int sport, const struct ipaddr *dst, int dport, const char *why);

/* ipsec_child.c: the CHILD SA list */
void	 ipsec_child_free(struct ipsec *s, struct ipsec_child *c);
void	 ipsec_child_retire(struct ipsec *s, struct ipsec_child *c);
/* true when c may carry outbound traffic now (see ipsec_child.c) */
bool	 ipsec_child_sendable(const struct ipsec *s, struct ipsec_child *c);
void	 ipsec_rekey_all(struct ipsec *s);
void	 ipsec_sweep(struct ipsec *s);

/* ipsec_flow.c (struct ipsec_flow above) */
/* 0, or -1 when ip[0..len) does not start with a whole IPv4/IPv6 header. */
int	 ipsec_parse_flow(const uint8_t *ip, size_t len, struct ipsec_flow *f);
bool	 ipsec_ts_has_addr(const struct ike_ts *ts, const struct ipaddr *a);
bool	 ipsec_ts_covers(const struct ike_ts *ts, int proto,
	    const struct ipaddr *a, int port);

/* ipsec_dp.c: the user-space datapath */
int	 ipsec_dp_open(struct ipsec *s, char *err, size_t errlen);
void	 ipsec_dp_close(struct ipsec *s);
void	 ipsec_dp_release_held(struct ipsec *s);
int	 ipsec_dp_child_up(struct ipsec *s, struct ipsec_child *c,
	    char *err, size_t errlen);
/* ipsec_route.c: rules, routes and the nftables mark for the TUN device */
int	 ipsec_route_setup(struct ipsec *s, char *err, size_t errlen);
void	 ipsec_route_teardown(struct ipsec *s);
int	 ipsec_local_for(const struct ipaddr *dst, struct ipaddr *local);

/* ipsec_kernel.c: the kernel datapath */
#define IPSEC_REPLAY_WINDOW	1024	/* packets, inbound kernel SAs */
/* The XFRM SA for one direction of a CHILD SA (life: IKE lifetime, s). */
int	 ipsec_kernel_params(const struct ike_child_keys *k, bool in,
	    uint64_t life, struct xfrm_sa_params *p);
int	 ipsec_kernel_open(struct ipsec *s);
void	 ipsec_kernel_close(struct ipsec *s);
int	 ipsec_kernel_child_up(struct ipsec *s, struct ipsec_child *c,
	    char *err, size_t errlen);
void	 ipsec_kernel_child_down(struct ipsec *s, struct ipsec_child *c);

/* ipsec_sas.c */
void	 ipsec_sas_update(struct ipsec *s);
void	 ipsec_sas_render(void *arg, struct strbuf *sb);

#endif

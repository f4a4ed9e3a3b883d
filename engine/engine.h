/* The engine: application policies by name, live sockets of matched
 * programs, their translated SPD entries, and their reconciliation into
 * the kernel's XFRM SPD. One event-loop thread owns this state; the FUSE
 * threads call in through the functions below, which take the engine lock.
 * Functions return 0 or a negative errno. */
#ifndef IPSECFS_ENGINE_H
#define IPSECFS_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/conf.h"
#include "engine/policy.h"
#include "engine/sockev.h"
#include "engine/strbuf.h"

struct engine;

/* Creates the engine for cfg (which must outlive it). Probes the kernel
 * datapath and removes ipsecfs's own SPD leftovers of an earlier run. */
int engine_new(const struct conf *cfg, struct engine **out);
/* Starts the event loop thread. */
int engine_start(struct engine *e);
/* Stops the loop, removes (or, with keep_policies, keeps) owned entries. */
void engine_stop(struct engine *e);
void engine_free(struct engine *e);

/* Installs or replaces the policy of app NAME (the engine takes p, and
 * frees it on failure) and re-translates that application's live sockets,
 * all or nothing: on failure the old policy and entries stay. */
int engine_set_policy(struct engine *e, const char *name, struct policy *p);
/* Forgets the policy; its sockets fall back to no policy. */
int engine_remove_policy(struct engine *e, const char *name);

/* Copies the name of the policy naming program exe into name; false when
 * no policy names it. */
bool engine_app_for_exe(struct engine *e, const char *exe, char *name, size_t len);

/* A socket event; returns once the entries are in the kernel (0), or
 * -errno when they could not be written (why says so). */
int engine_socket_event(struct engine *e, const struct sock_event *ev,
    char *why, size_t whylen);

/* A burst of socket events (e.g. all the monitor read in one wake-up),
 * applied as one batch: one netlink round trip when the kernel takes it
 * all. Returns once every event's entries are in the kernel; results[i]
 * gets each event's 0 or -errno (when the batch is refused the events are
 * retried one at a time, to tell which). Returns how many failed. */
int engine_socket_events(struct engine *e, const struct sock_event *evs,
    size_t n, int *results);

/* Reads the kernel's owned SPD entries and makes them exactly what the
 * live sockets want: adds what is missing, removes what is stale, fixes
 * what differs (e.g. after someone removed or added a tagged entry by
 * hand). Returns 0 or -errno. */
int engine_reconcile(struct engine *e);

/* What ipsecfs's entries decide for one packet, for the userspace
 * datapath (its router and inbound check): out = true for a packet the
 * host sends. Returns false when no owned entry matches (the system SPD
 * decides); else fills *f. */
struct engine_flow {
	enum { FLOW_ALLOW, FLOW_BLOCK, FLOW_PROTECT } action;
	enum prot_type	 type;		/* PROTECT */
	enum prot_level	 level;		/* PROTECT */
	bool		 tunnel;	/* PROTECT */
	char		 app[64];
	uint64_t	 sock_id;
};
bool engine_flow_lookup(struct engine *e, bool out, int proto,
    const struct ipaddr *src, int sport, const struct ipaddr *dst, int dport,
    struct engine_flow *f);

/* Whether an owned entry protects some of the traffic with peer: a
 * protected entry (either direction, any datapath form) whose remote end
 * holds peer, for protocol proto (0: any). What the IKE responder asks
 * before it grants a CHILD SA wider than one flow. */
bool engine_peer_protected(struct engine *e, int proto,
    const struct ipaddr *peer);

/* With the userspace datapath, what it does:
 * - it steers the traffic to steer[0..nsteer) into its TUN device:
 *   outbound protected flows to there are left to it (written as allow);
 *   to anywhere else, a mandatory one is written as block, since nothing
 *   would protect it (an events line says so), an optional one as allow
 *   (it leaves in the clear);
 * - the packets it decrypts and writes into its TUN device carry
 *   mark/mask (an nftables rule on the TUN sets it), and inbound
 *   mandatory entries get an allow twin for them.
 * Re-translates every socket, all or nothing. (0, 0, NULL, 0): no
 * datapath, as before the first call: nothing is steered, no twins. */
int engine_set_datapath(struct engine *e, uint32_t mark, uint32_t mask,
    const struct prefix *steer, size_t nsteer);

/* With the userspace datapath: packets carrying mark never go through
 * its TUN device (ip rule); outbound mandatory entries drop those that
 * would (see struct xlate_conf). Takes effect at the next translation:
 * call it before engine_set_datapath. */
void engine_set_bypass_mark(struct engine *e, uint32_t mark);
/* The mark a traced socket should carry after event ev (its entries in
 * place): the bypass mark when the flow it names is one the policies
 * leave in the clear (trusted), so it never passes through the TUN
 * device; else 0. */
uint32_t engine_socket_mark(struct engine *e, const struct sock_event *ev);

/* Renderers for the tree: append whole file contents to sb. */
void engine_render_spd(struct engine *e, struct strbuf *sb);
void engine_render_sockets(struct engine *e, const char *name, struct strbuf *sb);
void engine_render_app_status(struct engine *e, const char *name, struct strbuf *sb);
/* The sas file comes from the IKE part: it registers its renderer here
 * (NULL: the file shows nothing); fn is called with the engine lock held. */
void engine_set_sa_renderer(struct engine *e,
    void (*fn)(void *arg, struct strbuf *sb), void *arg);
void engine_render_sas(struct engine *e, struct strbuf *sb);
void engine_render_status(struct engine *e, struct strbuf *sb);

#endif

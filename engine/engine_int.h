/* Inside the engine: its state, shared by engine.c (API, policies),
 * sockets.c (socket state from events), reconcile.c (owned entries and
 * the kernel diff), render.c and loop.c. Everything here runs with
 * e->lock held. */
#ifndef IPSECFS_ENGINE_INT_H
#define IPSECFS_ENGINE_INT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/spd.h"
#include "engine/translate.h"
#include "engine/xfrm.h"

#define SOCK_MAX_DESTS	4096	/* UDP destinations tracked per socket */

struct app {
	char		*name;
	struct policy	*pol;
	struct app	*next;		/* sorted by name */
	uint64_t	 nevents, nerrors, nsets;
};

struct sock {
	uint64_t	 id;
	pid_t		 pid;
	int		 fd;
	char		*exe;
	struct app	*app;		/* NULL: no policy names exe */
	uint64_t	 listener;	/* accepted: the listening sock id, or 0 */
	struct xsock	 xs;
	struct spd_vec	 entries;	/* as translated, all owned by this sock */
	struct sock	*hnext;		/* hash chain */
	struct sock	*prev, *next;	/* all sockets, oldest first */
	struct sock	*lnext;		/* listening sockets */
	bool		 in_llist;
	struct sock	*pnext;		/* sockets by local port */
	bool		 in_ph;
	int		 ph_port;
};

#define PORT_BUCKETS	4096

/* One kernel SPD slot (selector + direction) and the sockets wanting it. */
struct owner {
	struct sock	*s;
	struct spd_entry e;
};

struct slot {
	struct spd_key	 key;
	uint32_t	 hash;
	bool		 in_kernel;
	struct spd_entry installed;	/* valid when in_kernel */
	struct owner	*own;
	size_t		 nown, capown;
	struct slot	*hnext;
	/* reconcile scratch */
	bool		 touched;
	bool		 before_in;
	struct spd_entry before;
	struct slot	*tnext;
};

struct counters {
	uint64_t	events[SOCK_CLOSE + 1];
	uint64_t	added, removed, updated;
	uint64_t	failed_events, failed_ops, dropped;
	uint64_t	expired, leftovers, resyncs;
};

struct engine {
	pthread_mutex_t		 lock;
	const struct conf	*cfg;
	struct xlate_conf	 xc;
	struct app		*apps;
	/* sockets */
	struct sock		**sh;
	size_t			 nsh, nsocks;
	struct sock		*first, *last;
	struct sock		*listeners;	/* sockets that ever listened */
	struct sock		*ph[PORT_BUCKETS];	/* by local port */
	/* owned slots */
	struct slot		**slh;
	size_t			 nslh, nslots, ninstalled;
	struct slot		*touched;
	struct xfrm_nl		*nl;
	int			*errs;
	size_t			 caperrs;
	bool			 kernel_esp;	/* probe result */
	bool			 datapath_kernel;
	/* engine_set_datapath: what the userspace datapath steers (xc.steer
	 * points here) and whether one runs at all */
	struct prefix		*steer;
	bool			 dp_running;
	void			(*sa_render)(void *, struct strbuf *);
	void			*sa_render_arg;
	struct counters		 c;
	time_t			 started;
	/* the loop thread */
	pthread_t		 thread;
	pthread_cond_t		 cond;
	bool			 running, stopping;
	uint64_t		 next_expiry;	/* ms, 0: none */
};

/* A socket and the entries it is to have. */
struct change {
	struct sock	*s;
	struct spd_vec	 next;	/* the socket's new entries (taken on success) */
};

uint64_t now_ms(void);

/* sockets.c */
struct sock *sock_find(struct engine *e, uint64_t id);
struct sock *sock_add(struct engine *e, const struct sock_event *ev);
void sock_unlink(struct engine *e, struct sock *s);
void sock_free(struct sock *s);
struct app *app_for(struct engine *e, const char *exe);
int sock_translate(struct engine *e, struct sock *s, struct spd_vec *out);
/* Earliest UDP entry expiry among all sockets, ms; 0 when none. */
uint64_t socks_next_expiry(struct engine *e);
/* Drops expired UDP destinations and re-translates those sockets. */
void socks_expire(struct engine *e, uint64_t now);
int sock_event(struct engine *e, const struct sock_event *ev, char *why,
    size_t whylen);
/* The owned entry XFRM would pick for a packet, among the sockets on its
 * local port; *who is its socket. */
const struct spd_entry *flow_lookup(struct engine *e, int dir, int proto,
    const struct ipaddr *src, int sport, const struct ipaddr *dst, int dport,
    const struct sock **who);
/* Pieces of sock_event() that burst.c shares. */
int event_check(const struct sock_event *ev);
int update(struct engine *e, struct sock *s, const struct sock_event *ev);
size_t dependents(struct engine *e, const struct sock *l, struct change **out);
void emit(struct engine *e, const struct sock_event *ev, const struct sock *s,
    const struct counters *before, int rc);
/* An events line for each mandatory flow of s that next blocks and its
 * current entries did not (SPD_DP_BLOCKED: nothing steers it). */
void note_blocked(struct engine *e, const struct sock *s,
    const struct spd_vec *next);
int sock_events(struct engine *e, const struct sock_event *evs, size_t n,
    int *results);

/* reconcile.c: sockets' new entries into the kernel, all or nothing. */
int apply(struct engine *e, struct change *ch, size_t n);
/* Reads the kernel's owned entries and makes them what the sockets want. */
int reconcile_full(struct engine *e);
/* Forgets socket s's entries here (the kernel is left to a resync). */
void disown(struct engine *e, struct sock *s);
/* Removes every owned entry of the kernel (leftovers, or at stop). */
int remove_all_owned(struct engine *e);
struct slot *slot_find(struct engine *e, const struct spd_key *k);
void slots_free(struct engine *e);

/* loop.c */
int loop_start(struct engine *e);
void loop_stop(struct engine *e);
void loop_wake(struct engine *e);

#endif

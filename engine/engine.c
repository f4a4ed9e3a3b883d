/* The engine's API: creation, the loop thread, application policies.
 * Every public function takes the engine lock. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/events.h"
#include "engine/log.h"
#include "engine/xfrm_sa.h"

static struct app *
app_find(struct engine *e, const char *name)
{
	struct app *a;

	for (a = e->apps; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

/* The mode for a peer: its [peer.*] section's, else [ike]'s. */
static bool
peer_tunnel(const struct ipaddr *peer, void *arg)
{
	const struct conf *cfg = arg;
	const struct peer_conf *pc = conf_find_peer(cfg, peer);

	return (pc != NULL ? pc->ike.mode : cfg->ike.mode) == MODE_TUNNEL;
}

static void
pick_datapath(struct engine *e)
{
	e->kernel_esp = xfrm_probe_esp();
	switch (e->cfg->datapath) {
	case DATAPATH_KERNEL:
		e->datapath_kernel = true;
		if (!e->kernel_esp)
			log_warn("engine: datapath=kernel forced, but this kernel "
			    "refuses ESP SAs");
		break;
	case DATAPATH_USERSPACE:
		e->datapath_kernel = false;
		break;
	default:
		e->datapath_kernel = e->kernel_esp;
		break;
	}
}

int
engine_new(const struct conf *cfg, struct engine **out)
{
	pthread_condattr_t ca;
	struct engine *e;
	int rc;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cond, &ca);
	pthread_condattr_destroy(&ca);
	e->cfg = cfg;
	e->xc.tunnel = cfg->ike.mode == MODE_TUNNEL;
	e->xc.tunnel_for = peer_tunnel;
	e->xc.arg = (void *)cfg;
	e->started = time(NULL);
	if ((rc = xfrm_open(&e->nl)) != 0) {
		log_err("engine: XFRM netlink: %s", strerror(-rc));
		engine_free(e);
		return rc;
	}
	if ((rc = remove_all_owned(e)) < 0) {
		log_err("engine: cannot read the SPD: %s", strerror(-rc));
		engine_free(e);
		return rc;
	}
	e->c.leftovers = rc;
	if (rc > 0) {
		log_info("engine: removed %d SPD entries left by an earlier run", rc);
		events_emit("engine leftovers removed=%d", rc);
	}
	pick_datapath(e);
	e->xc.userspace = !e->datapath_kernel;
	events_emit("engine datapath=%s kernel_esp=%s",
	    e->datapath_kernel ? "kernel" : "userspace",
	    e->kernel_esp ? "yes" : "no");
	*out = e;
	return 0;
}

int
engine_start(struct engine *e)
{
	return loop_start(e);
}

void
engine_stop(struct engine *e)
{
	int rc;

	loop_stop(e);
	pthread_mutex_lock(&e->lock);
	if (e->cfg->keep_policies) {
		events_emit("engine stop kept=%zu", e->ninstalled);
	} else if ((rc = remove_all_owned(e)) < 0) {
		log_warn("engine: removing owned SPD entries: %s", strerror(-rc));
	} else {
		events_emit("engine stop removed=%d", rc);
	}
	pthread_mutex_unlock(&e->lock);
}

void
engine_free(struct engine *e)
{
	struct app *a, *na;
	struct sock *s, *ns;

	if (e == NULL)
		return;
	loop_stop(e);		/* in case engine_stop was not called */
	for (s = e->first; s != NULL; s = ns) {
		ns = s->next;
		sock_free(s);
	}
	free(e->sh);
	slots_free(e);
	for (a = e->apps; a != NULL; a = na) {
		na = a->next;
		policy_free(a->pol);
		free(a->name);
		free(a);
	}
	xfrm_close(e->nl);
	free(e->errs);
	free(e->steer);
	pthread_cond_destroy(&e->cond);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static struct app *
app_insert(struct engine *e, const char *name)
{
	struct app *a, **pp;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->name = strdup(name)) == NULL) {
		free(a);
		return NULL;
	}
	for (pp = &e->apps; *pp != NULL && strcmp((*pp)->name, name) < 0;
	    pp = &(*pp)->next)
		;
	a->next = *pp;
	*pp = a;
	return a;
}

static void
app_unlink(struct engine *e, struct app *a)
{
	struct app **pp;

	for (pp = &e->apps; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
}

/* Re-translates, all or nothing, every socket that belonged to a or that
 * now belongs to it. olds[] receives each socket's previous app. */
static int
retranslate(struct engine *e, struct app *a)
{
	struct change *ch = NULL;
	struct app **olds = NULL;
	struct sock *s;
	size_t n = 0, i = 0;
	int rc = 0;

	for (s = e->first; s != NULL; s = s->next)
		n += s->app == a || app_for(e, s->exe) == a;
	if (n == 0)
		return 0;
	if ((ch = calloc(n, sizeof(*ch))) == NULL ||
	    (olds = calloc(n, sizeof(*olds))) == NULL) {
		free(ch);
		return -ENOMEM;
	}
	for (s = e->first; s != NULL && i < n; s = s->next) {
		struct app *na = app_for(e, s->exe);

		if (s->app != a && na != a)
			continue;
		olds[i] = s->app;
		s->app = na;
		ch[i].s = s;
		i++;
	}
	for (i = 0; rc == 0 && i < n; i++)
		rc = sock_translate(e, ch[i].s, &ch[i].next);
	if (rc == 0)
		rc = apply(e, ch, n);
	for (i = 0; i < n; i++) {
		if (rc != 0)
			ch[i].s->app = olds[i];
		spd_vec_free(&ch[i].next);
	}
	free(olds);
	free(ch);
	return rc;
}

int
engine_set_policy(struct engine *e, const char *name, struct policy *p)
{
	struct policy *old = NULL;
	struct app *a;
	bool created = false;
	int rc;

	pthread_mutex_lock(&e->lock);
	if ((a = app_find(e, name)) == NULL) {
		if ((a = app_insert(e, name)) == NULL) {
			pthread_mutex_unlock(&e->lock);
			policy_free(p);
			return -ENOMEM;
		}
		created = true;
	}
	old = a->pol;
	a->pol = p;
	if ((rc = retranslate(e, a)) != 0) {
		a->pol = old;
		policy_free(p);
		if (created) {
			app_unlink(e, a);
			free(a->name);
			free(a);
		} else {
			a->nerrors++;
		}
		events_emit("policy app=%s set error=%s", name, strerror(-rc));
	} else {
		policy_free(old);
		a->nsets++;
		events_emit("policy app=%s set sockets=%zu entries=%zu", name,
		    e->nsocks, e->ninstalled);
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int
engine_remove_policy(struct engine *e, const char *name)
{
	struct policy *old;
	struct app *a;
	int rc;

	pthread_mutex_lock(&e->lock);
	if ((a = app_find(e, name)) == NULL) {
		pthread_mutex_unlock(&e->lock);
		return -ENOENT;
	}
	old = a->pol;
	a->pol = NULL;		/* app_for() skips it now */
	if ((rc = retranslate(e, a)) != 0) {
		a->pol = old;
		events_emit("policy app=%s remove error=%s", name, strerror(-rc));
	} else {
		app_unlink(e, a);
		policy_free(old);
		free(a->name);
		free(a);
		events_emit("policy app=%s removed", name);
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

bool
engine_app_for_exe(struct engine *e, const char *exe, char *name, size_t len)
{
	struct app *a;

	pthread_mutex_lock(&e->lock);
	if ((a = app_for(e, exe)) != NULL)
		snprintf(name, len, "%s", a->name);
	pthread_mutex_unlock(&e->lock);
	return a != NULL;
}

int
engine_socket_event(struct engine *e, const struct sock_event *ev,
    char *why, size_t whylen)
{
	int rc;

	if (whylen > 0)
		why[0] = '\0';
	pthread_mutex_lock(&e->lock);
	rc = sock_event(e, ev, why, whylen);
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int
engine_socket_events(struct engine *e, const struct sock_event *evs,
    size_t n, int *results)
{
	int rc;

	pthread_mutex_lock(&e->lock);
	rc = sock_events(e, evs, n, results);
	pthread_mutex_unlock(&e->lock);
	return rc;
}

int
engine_reconcile(struct engine *e)
{
	int rc;

	pthread_mutex_lock(&e->lock);
	rc = reconcile_full(e);
	pthread_mutex_unlock(&e->lock);
	events_emit("engine reconcile entries=%zu%s%s", e->ninstalled,
	    rc != 0 ? " error=" : "", rc != 0 ? strerror(-rc) : "");
	return rc;
}

bool
engine_flow_lookup(struct engine *e, bool out, int proto,
    const struct ipaddr *src, int sport, const struct ipaddr *dst, int dport,
    struct engine_flow *f)
{
	const struct spd_entry *m;
	const struct sock *who = NULL;

	pthread_mutex_lock(&e->lock);
	m = flow_lookup(e, out ? SPD_OUT : SPD_IN, proto, src, sport, dst, dport,
	    &who);
	if (m != NULL) {
		memset(f, 0, sizeof(*f));
		f->action = m->dp == SPD_DP_PROTECT ||
		    m->action == SPD_PROTECT ? FLOW_PROTECT :
		    m->action == SPD_ALLOW ? FLOW_ALLOW : FLOW_BLOCK;
		f->type = m->type;
		f->level = m->level;
		f->tunnel = m->tunnel;
		snprintf(f->app, sizeof(f->app), "%s",
		    who->app != NULL ? who->app->name : "-");
		f->sock_id = who->id;
	}
	pthread_mutex_unlock(&e->lock);
	return m != NULL;
}

void
engine_set_bypass_mark(struct engine *e, uint32_t mark)
{
	pthread_mutex_lock(&e->lock);
	e->xc.bypass_mark = mark;
	pthread_mutex_unlock(&e->lock);
}

uint32_t
engine_socket_mark(struct engine *e, const struct sock_event *ev)
{
	const struct spd_entry *m;
	const struct sock *who = NULL;
	struct ipaddr src, dst;
	int sport, dport;
	uint32_t mark = 0;

	if ((ev->op != SOCK_CONNECT && ev->op != SOCK_SEND &&
	    ev->op != SOCK_ACCEPT) ||
	    ipaddr_from_sockaddr(&src, &sport,
	    (const struct sockaddr *)&ev->local) < 0 ||
	    ipaddr_from_sockaddr(&dst, &dport,
	    (const struct sockaddr *)&ev->peer) < 0)
		return 0;
	pthread_mutex_lock(&e->lock);
	if (e->xc.bypass_mark != 0 &&	/* a datapath that steers */
	    (m = flow_lookup(e, SPD_OUT, ev->proto, &src, sport, &dst, dport,
	    &who)) != NULL && m->action == SPD_ALLOW && m->dp == SPD_DP_NONE)
		mark = e->xc.bypass_mark;
	pthread_mutex_unlock(&e->lock);
	return mark;
}

/* Whether entry x protects traffic of proto with peer at its remote end. */
static bool
protects_peer(const struct spd_entry *x, int proto, const struct ipaddr *peer)
{
	const struct spd_sel *sel = &x->key.sel;
	struct prefix remote;

	if (x->action != SPD_PROTECT && x->dp == SPD_DP_NONE)
		return false;
	if (x->key.mask != 0)
		return false;	/* a twin: its entry answers */
	if (proto != 0 && sel->proto != 0 && sel->proto != proto)
		return false;
	remote.addr = x->key.dir == SPD_OUT ? sel->dst : sel->src;
	remote.len = x->key.dir == SPD_OUT ? sel->dlen : sel->slen;
	return ipaddr_in_prefix(peer, &remote);
}

bool
engine_peer_protected(struct engine *e, int proto, const struct ipaddr *peer)
{
	const struct sock *s;
	bool yes = false;
	size_t i;

	pthread_mutex_lock(&e->lock);
	for (s = e->first; s != NULL && !yes; s = s->next)
		for (i = 0; i < s->entries.n && !yes; i++)
			yes = protects_peer(&s->entries.v[i], proto, peer);
	pthread_mutex_unlock(&e->lock);
	return yes;
}

/* Re-translates every socket under e->xc, all or nothing. */
static int
retranslate_all(struct engine *e)
{
	struct change *ch;
	struct sock *s;
	size_t i = 0;
	int rc = 0;

	if (e->nsocks == 0)
		return 0;
	if ((ch = calloc(e->nsocks, sizeof(*ch))) == NULL)
		return -ENOMEM;
	for (s = e->first; rc == 0 && s != NULL; s = s->next, i++) {
		ch[i].s = s;
		rc = sock_translate(e, s, &ch[i].next);
	}
	if (rc == 0)
		rc = apply(e, ch, e->nsocks);
	for (i = 0; i < e->nsocks; i++)
		spd_vec_free(&ch[i].next);
	free(ch);
	return rc;
}

int
engine_set_datapath(struct engine *e, uint32_t mark, uint32_t mask,
    const struct prefix *steer, size_t nsteer)
{
	struct prefix *copy = NULL;
	struct xlate_conf old;
	int rc;

	if (nsteer > 0 && (copy = calloc(nsteer, sizeof(*copy))) == NULL)
		return -ENOMEM;
	if (nsteer > 0)
		memcpy(copy, steer, nsteer * sizeof(*copy));
	pthread_mutex_lock(&e->lock);
	old = e->xc;
	e->xc.dp_mark = mark;
	e->xc.dp_mask = mask;
	e->xc.steer = copy;
	e->xc.nsteer = nsteer;
	e->dp_running = mask != 0 || nsteer > 0;
	if ((rc = retranslate_all(e)) != 0) {
		e->xc = old;
		e->dp_running = old.dp_mask != 0 || old.nsteer > 0;
		free(copy);
	} else {
		free(e->steer);
		e->steer = copy;
	}
	events_emit("engine datapath_mark=0x%x/0x%x steered=%zu%s%s", mark,
	    mask, nsteer, rc != 0 ? " error=" : "",
	    rc != 0 ? strerror(-rc) : "");
	pthread_mutex_unlock(&e->lock);
	return rc;
}

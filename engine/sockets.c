/* Live sockets of monitored programs: their state, built from socket
 * events, and their translation. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine_int.h"
#include "engine/events.h"

uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
sock_hash(uint64_t id, size_t n)
{
	id ^= id >> 29;
	id *= 0xbf58476d1ce4e5b9ull;
	id ^= id >> 32;
	return id & (n - 1);
}

struct sock *
sock_find(struct engine *e, uint64_t id)
{
	struct sock *s;

	if (e->nsh == 0)
		return NULL;
	for (s = e->sh[sock_hash(id, e->nsh)]; s != NULL; s = s->hnext)
		if (s->id == id)
			return s;
	return NULL;
}

static int
socks_grow(struct engine *e)
{
	size_t n = e->nsh ? e->nsh * 2 : 1024;
	struct sock **h, *s;

	if ((h = calloc(n, sizeof(*h))) == NULL)
		return -ENOMEM;
	for (s = e->first; s != NULL; s = s->next) {
		s->hnext = h[sock_hash(s->id, n)];
		h[sock_hash(s->id, n)] = s;
	}
	free(e->sh);
	e->sh = h;
	e->nsh = n;
	return 0;
}

struct app *
app_for(struct engine *e, const char *exe)
{
	struct app *a;

	for (a = e->apps; a != NULL; a = a->next)
		if (a->pol != NULL && exe != NULL && policy_names_program(a->pol, exe))
			return a;
	return NULL;
}

struct sock *
sock_add(struct engine *e, const struct sock_event *ev)
{
	struct sock *s;
	size_t b;

	if (e->nsocks >= e->nsh && socks_grow(e) != 0)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->exe = strdup(ev->exe != NULL ? ev->exe : "")) == NULL) {
		free(s);
		return NULL;
	}
	s->id = ev->sock_id;
	s->pid = ev->pid;
	s->fd = ev->fd;
	s->app = app_for(e, s->exe);
	s->xs.family = ev->family;
	s->xs.proto = ev->proto;
	b = sock_hash(s->id, e->nsh);
	s->hnext = e->sh[b];
	e->sh[b] = s;
	s->prev = e->last;
	if (e->last != NULL)
		e->last->next = s;
	else
		e->first = s;
	e->last = s;
	e->nsocks++;
	return s;
}

static void
port_unindex(struct engine *e, struct sock *s)
{
	struct sock **pp;

	if (!s->in_ph)
		return;
	for (pp = &e->ph[s->ph_port % PORT_BUCKETS]; *pp != NULL;
	    pp = &(*pp)->pnext) {
		if (*pp == s) {
			*pp = s->pnext;
			break;
		}
	}
	s->in_ph = false;
}

/* Files s under its local port, for engine_flow_lookup(). */
static void
port_index(struct engine *e, struct sock *s)
{
	if (s->in_ph && s->ph_port == s->xs.lport)
		return;
	port_unindex(e, s);
	s->ph_port = s->xs.lport;
	s->pnext = e->ph[s->ph_port % PORT_BUCKETS];
	e->ph[s->ph_port % PORT_BUCKETS] = s;
	s->in_ph = true;
}

void
sock_unlink(struct engine *e, struct sock *s)
{
	struct sock **pp;

	port_unindex(e, s);
	if (s->in_llist) {
		for (pp = &e->listeners; *pp != NULL; pp = &(*pp)->lnext) {
			if (*pp == s) {
				*pp = s->lnext;
				break;
			}
		}
	}
	for (pp = &e->sh[sock_hash(s->id, e->nsh)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == s) {
			*pp = s->hnext;
			break;
		}
	}
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		e->first = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	else
		e->last = s->prev;
	e->nsocks--;
}

void
sock_free(struct sock *s)
{
	if (s == NULL)
		return;
	spd_vec_free(&s->entries);
	free(s->xs.dests);
	free(s->exe);
	free(s);
}

int
sock_translate(struct engine *e, struct sock *s, struct spd_vec *out)
{
	struct sock *l = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (s->app == NULL)
		return 0;
	if (s->listener != 0)
		l = sock_find(e, s->listener);
	rc = translate(s->app->pol, &s->xs, l != NULL ? &l->xs : NULL,
	    &e->xc, out);
	if (rc == 0)
		spd_vec_shrink(out);	/* thousands of sockets live long */
	return rc;
}

/* An address from the event: IPv4-mapped IPv6 becomes plain IPv4. */
static int
event_addr(const struct sockaddr_storage *ss, struct ipaddr *a, int *port)
{
	static const uint8_t mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

	if (ipaddr_from_sockaddr(a, port, (const struct sockaddr *)ss) != 0)
		return -EAFNOSUPPORT;
	if (a->family == AF_INET6 && memcmp(a->a, mapped, 12) == 0) {
		memmove(a->a, a->a + 12, 4);
		memset(a->a + 4, 0, 12);
		a->family = AF_INET;
	}
	return 0;
}

static bool
addr_is_any(const struct ipaddr *a)
{
	size_t i;

	for (i = 0; i < ipaddr_len(a->family); i++)
		if (a->a[i] != 0)
			return false;
	return true;
}

static int
set_local(struct sock *s, const struct sock_event *ev)
{
	struct ipaddr a;
	int port, rc;

	if ((rc = event_addr(&ev->local, &a, &port)) != 0)
		return rc;
	s->xs.local = a;
	s->xs.local_any = addr_is_any(&a);
	if (a.family == AF_INET && !s->xs.local_any)
		s->xs.family = AF_INET;	/* bound to a (mapped) IPv4 address */
	s->xs.lport = port;
	return 0;
}

/* Records a UDP destination or pushes its expiry back. 1 when new. */
static int
dest_touch(struct engine *e, struct sock *s, const struct ipaddr *a, int port)
{
	struct xdest *d;
	size_t i;
	uint64_t exp = now_ms() + (uint64_t)e->cfg->udp_ttl * 1000;

	for (i = 0; i < s->xs.ndests; i++) {
		d = &s->xs.dests[i];
		if (d->port == port && ipaddr_equal(&d->addr, a)) {
			d->expires = exp;
			return 0;
		}
	}
	if (s->xs.ndests >= SOCK_MAX_DESTS)
		return -ENOSPC;
	if (s->xs.ndests == s->xs.capdests) {
		size_t nc = s->xs.capdests ? s->xs.capdests * 2 : 4;

		if ((d = reallocarray(s->xs.dests, nc, sizeof(*d))) == NULL)
			return -ENOMEM;
		s->xs.dests = d;
		s->xs.capdests = nc;
	}
	d = &s->xs.dests[s->xs.ndests++];
	d->addr = *a;
	d->port = port;
	d->expires = exp;
	if (e->next_expiry == 0 || exp < e->next_expiry) {
		e->next_expiry = exp;
		loop_wake(e);
	}
	return 1;
}

uint64_t
socks_next_expiry(struct engine *e)
{
	struct sock *s;
	uint64_t m = 0;
	size_t i;

	for (s = e->first; s != NULL; s = s->next)
		for (i = 0; i < s->xs.ndests; i++)
			if (m == 0 || s->xs.dests[i].expires < m)
				m = s->xs.dests[i].expires;
	return m;
}

/* Drops s's expired destinations; *keep gets a copy of them all first,
 * to put back if the kernel refuses the change. */
static size_t
drop_expired(struct sock *s, uint64_t now, struct xdest **keep, size_t *nkeep)
{
	size_t i, j, n = 0;

	*nkeep = s->xs.ndests;
	if ((*keep = calloc(s->xs.ndests, sizeof(**keep))) == NULL)
		return 0;	/* tried again next tick */
	memcpy(*keep, s->xs.dests, s->xs.ndests * sizeof(**keep));
	for (i = j = 0; i < s->xs.ndests; i++) {
		if (s->xs.dests[i].expires <= now) {
			n++;
			continue;
		}
		s->xs.dests[j++] = s->xs.dests[i];
	}
	s->xs.ndests = j;
	return n;
}

void
socks_expire(struct engine *e, uint64_t now)
{
	struct sock *s;
	struct change c;
	struct xdest *keep = NULL;
	size_t n, nkeep;

	for (s = e->first; s != NULL; s = s->next, free(keep), keep = NULL) {
		if (s->xs.ndests == 0 ||
		    (n = drop_expired(s, now, &keep, &nkeep)) == 0)
			continue;
		c.s = s;
		if (sock_translate(e, s, &c.next) != 0 || apply(e, &c, 1) != 0) {
			spd_vec_free(&c.next);
			/* put back as it was; tried again next tick */
			memcpy(s->xs.dests, keep, nkeep * sizeof(*keep));
			s->xs.ndests = nkeep;
			continue;
		}
		e->c.expired += n;
		events_emit("expire app=%s sock=%llu udp destinations=%zu entries=%zu",
		    s->app != NULL ? s->app->name : "-",
		    (unsigned long long)s->id, n, s->entries.n);
	}
	e->next_expiry = socks_next_expiry(e);
	if (e->next_expiry != 0 && e->next_expiry <= now)
		e->next_expiry = now + 1000;	/* the kernel refused: retry later */
}

/* The listening socket (same program's policy, protocol and local port)
 * an accepted connection came from. */
static uint64_t
find_listener(struct engine *e, const struct sock *acc)
{
	struct sock *s;

	for (s = e->listeners; s != NULL; s = s->lnext)
		if (s->xs.listening && s->xs.proto == acc->xs.proto &&
		    s->xs.lport == acc->xs.lport && s->app == acc->app)
			return s->id;
	return 0;
}

static const char *
proto_str(int proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "other";
}

void
emit(struct engine *e, const struct sock_event *ev, const struct sock *s,
    const struct counters *before, int rc)
{
	char l[IPADDR_STRLEN + 8], p[IPADDR_STRLEN + 8];
	struct ipaddr a;
	int port;

	l[0] = p[0] = '-';
	l[1] = p[1] = '\0';
	if (event_addr(&ev->local, &a, &port) == 0)
		ipaddr_str(&a, l, sizeof(l));
	else
		port = 0;
	snprintf(l + strlen(l), sizeof(l) - strlen(l), ":%d", port);
	if (event_addr(&ev->peer, &a, &port) == 0) {
		ipaddr_str(&a, p, sizeof(p));
		snprintf(p + strlen(p), sizeof(p) - strlen(p), ":%d", port);
	}
	events_emit("sock op=%s app=%s pid=%d fd=%d sock=%llu proto=%s local=%s"
	    " peer=%s entries=%zu added=%llu updated=%llu removed=%llu%s%s",
	    sock_op_name(ev->op), s && s->app ? s->app->name : "-",
	    (int)ev->pid, ev->fd, (unsigned long long)ev->sock_id,
	    proto_str(ev->proto), l, p, s != NULL ? s->entries.n : 0,
	    (unsigned long long)(e->c.added - before->added),
	    (unsigned long long)(e->c.updated - before->updated),
	    (unsigned long long)(e->c.removed - before->removed),
	    rc != 0 ? " error=" : "", rc != 0 ? strerror(-rc) : "");
}

static bool
was_blocked(const struct spd_vec *v, const struct spd_entry *x)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->v[i].dp == SPD_DP_BLOCKED &&
		    spd_key_equal(&v->v[i].key, &x->key))
			return true;
	return false;
}

void
note_blocked(struct engine *e, const struct sock *s,
    const struct spd_vec *next)
{
	char dst[IPADDR_STRLEN + 8], why[IPADDR_STRLEN + 32];
	const struct spd_entry *x;
	struct prefix p;
	size_t i;

	for (i = 0; i < next->n; i++) {
		x = &next->v[i];
		if (x->dp != SPD_DP_BLOCKED || was_blocked(&s->entries, x))
			continue;
		p.addr = x->key.sel.dst;
		p.len = x->key.sel.dlen;
		prefix_str(&p, dst, sizeof(dst));
		if (e->dp_running)
			snprintf(why, sizeof(why), "no [peer.*] covers %s", dst);
		else
			snprintf(why, sizeof(why), "no user-space datapath runs");
		events_emit("engine flow blocked app=%s sock=%llu dst=%s "
		    "reason=\"%s: mandatory flow blocked\"",
		    s->app != NULL ? s->app->name : "-",
		    (unsigned long long)s->id, dst, why);
	}
}

/* Sockets whose translation depends on listener l (its accepted ones). */
size_t
dependents(struct engine *e, const struct sock *l, struct change **out)
{
	struct sock *s;
	size_t n = 0, i = 0;

	*out = NULL;
	if (!l->xs.listening)
		return 0;
	for (s = e->first; s != NULL; s = s->next)
		n += s->listener == l->id;
	if (n == 0 || (*out = calloc(n, sizeof(**out))) == NULL)
		return 0;
	for (s = e->first; s != NULL; s = s->next)
		if (s->listener == l->id)
			(*out)[i++].s = s;
	return n;
}

static int
close_sock(struct engine *e, struct sock *s)
{
	struct change *ch, *dep;
	size_t nd, i;
	int rc = 0;

	nd = dependents(e, s, &dep);
	if ((ch = calloc(nd + 1, sizeof(*ch))) == NULL) {
		free(dep);
		return -ENOMEM;
	}
	ch[0].s = s;
	for (i = 0; i < nd; i++) {
		ch[i + 1].s = dep[i].s;
		dep[i].s->listener = 0;
		if ((rc = sock_translate(e, dep[i].s, &ch[i + 1].next)) != 0)
			break;
	}
	if (rc == 0)
		rc = apply(e, ch, nd + 1);
	for (i = 0; i <= nd; i++)
		spd_vec_free(&ch[i].next);
	if (rc != 0) {	/* the socket is gone whatever the kernel said */
		disown(e, s);
		(void)reconcile_full(e);
	}
	free(ch);
	free(dep);
	return rc;
}

/* Checks what can be checked of ev before it touches any state. */
int
event_check(const struct sock_event *ev)
{
	struct ipaddr a;
	int port;

	if ((unsigned)ev->op > SOCK_CLOSE)
		return -EINVAL;
	if (ev->op == SOCK_CLOSE)
		return 0;
	if ((ev->family != AF_INET && ev->family != AF_INET6) ||
	    (ev->proto != IPPROTO_TCP && ev->proto != IPPROTO_UDP))
		return -EAFNOSUPPORT;
	if (event_addr(&ev->local, &a, &port) != 0)
		return -EAFNOSUPPORT;
	if (port == 0)
		return -EADDRNOTAVAIL;	/* the monitor binds before telling */
	if ((ev->op == SOCK_ACCEPT || ev->op == SOCK_CONNECT ||
	    (ev->op == SOCK_SEND && ev->proto == IPPROTO_UDP)) &&
	    event_addr(&ev->peer, &a, &port) != 0)
		return -EDESTADDRREQ;
	return 0;
}

/* Updates s from ev. 1 when its entries may change, 0 when not, -errno. */
int
update(struct engine *e, struct sock *s, const struct sock_event *ev)
{
	struct ipaddr a;
	int port, rc;

	if (ev->proto != s->xs.proto)
		return -EPROTOTYPE;
	if ((rc = set_local(s, ev)) != 0)
		return rc;
	if (s->xs.lport == 0)
		return -EADDRNOTAVAIL;	/* the monitor binds before telling */
	port_index(e, s);
	switch (ev->op) {
	case SOCK_LISTEN:
		if (ev->proto != IPPROTO_TCP)
			return -EOPNOTSUPP;
		s->xs.listening = true;
		if (!s->in_llist) {
			s->lnext = e->listeners;
			e->listeners = s;
			s->in_llist = true;
		}
		return 1;
	case SOCK_ACCEPT:
	case SOCK_CONNECT:
		if ((rc = event_addr(&ev->peer, &a, &port)) != 0)
			return rc;
		s->xs.peer = a;
		s->xs.rport = port;
		if (ev->op == SOCK_ACCEPT) {
			s->xs.accepted = true;
			s->listener = find_listener(e, s);
		} else {
			s->xs.connected = true;
		}
		return 1;
	case SOCK_SEND:
		if (ev->proto != IPPROTO_UDP)
			return 0;
		if ((rc = event_addr(&ev->peer, &a, &port)) != 0)
			return rc;
		if (s->xs.connected && port == s->xs.rport &&
		    ipaddr_equal(&a, &s->xs.peer))
			return 0;
		return dest_touch(e, s, &a, port);
	case SOCK_RECV:
		if (ev->proto != IPPROTO_UDP || s->xs.recv)
			return 0;
		s->xs.recv = true;
		return 1;
	default:
		return -EINVAL;
	}
}

int
sock_event(struct engine *e, const struct sock_event *ev, char *why,
    size_t whylen)
{
	struct counters before = e->c;
	struct sock *s = sock_find(e, ev->sock_id);
	struct xsock saved;
	struct change c;
	bool created = false, translated = false;
	int rc;

	if ((rc = event_check(ev)) != 0) {
		e->c.dropped++;
		snprintf(why, whylen, "%s: bad event: %s", sock_op_name(ev->op),
		    strerror(-rc));
		return rc;
	}
	e->c.events[ev->op]++;
	if (ev->op == SOCK_CLOSE) {
		if (s == NULL)
			return 0;
		rc = close_sock(e, s);
		emit(e, ev, s, &before, rc);
		sock_unlink(e, s);
		sock_free(s);
		return rc;
	}
	if (s == NULL) {
		if ((s = sock_add(e, ev)) == NULL)
			return -ENOMEM;
		created = true;
	}
	saved = s->xs;
	if ((rc = update(e, s, ev)) > 0) {
		translated = true;
		c.s = s;
		if ((rc = sock_translate(e, s, &c.next)) == 0)
			rc = apply(e, &c, 1);
		spd_vec_free(&c.next);
	}
	if (rc < 0) {
		if (ev->op == SOCK_SEND && s->xs.ndests > saved.ndests)
			s->xs.ndests = saved.ndests;
		saved.dests = s->xs.dests;
		saved.ndests = s->xs.ndests;
		saved.capdests = s->xs.capdests;
		s->xs = saved;
		e->c.failed_events++;
		if (s->app != NULL)
			s->app->nerrors++;
		snprintf(why, whylen, "%s %s: %s", sock_op_name(ev->op),
		    s->app ? s->app->name : "-", strerror(-rc));
	}
	if (s->app != NULL)
		s->app->nevents++;
	if (rc != 0 || translated)
		emit(e, ev, s, &before, rc < 0 ? rc : 0);
	if (rc < 0 && created) {
		sock_unlink(e, s);
		sock_free(s);
	}
	return rc < 0 ? rc : 0;
}

const struct spd_entry *
flow_lookup(struct engine *e, int dir, int proto, const struct ipaddr *src,
    int sport, const struct ipaddr *dst, int dport, const struct sock **who)
{
	const struct spd_entry *best = NULL, *m;
	int lport = dir == SPD_OUT ? sport : dport;
	struct sock *s;

	for (s = e->ph[lport % PORT_BUCKETS]; s != NULL; s = s->pnext) {
		if (s->xs.lport != lport || s->xs.proto != proto)
			continue;
		m = spd_lookup(&s->entries, dir, proto, src, sport, dst, dport);
		if (m != NULL && (best == NULL || m->priority < best->priority)) {
			best = m;
			*who = s;
		}
	}
	return best;
}

/* A burst of socket events as one batch: every event updates its socket,
 * the touched sockets are translated, and the whole diff goes to the
 * kernel in one apply() (one netlink round trip). When the kernel refuses
 * anything, every socket is put back as it was and the events are replayed
 * one at a time, so each gets its own answer. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

struct touched {
	struct sock	*s;
	struct xsock	 saved;
	uint64_t	 listener;
	bool		 created, closing;
};

struct burst {
	struct touched	*t;
	size_t		 n, cap;
};

static struct touched *
find(struct burst *b, const struct sock *s)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (b->t[i].s == s)
			return &b->t[i];
	return NULL;
}

/* Remembers s as it is before the burst changes it. */
static struct touched *
remember(struct burst *b, struct sock *s, bool created)
{
	struct touched *t;

	if ((t = find(b, s)) != NULL)
		return t;
	if (b->n == b->cap) {
		size_t nc = b->cap ? b->cap * 2 : 16;

		if ((t = reallocarray(b->t, nc, sizeof(*t))) == NULL)
			return NULL;
		b->t = t;
		b->cap = nc;
	}
	t = &b->t[b->n++];
	t->s = s;
	t->saved = s->xs;
	t->listener = s->listener;
	t->created = created;
	t->closing = false;
	return t;
}

/* Puts every socket back as it was before the burst. */
static void
restore(struct engine *e, struct burst *b)
{
	size_t i = b->n;

	while (i-- > 0) {
		struct touched *t = &b->t[i];
		struct sock *s = t->s;

		if (t->created) {
			sock_unlink(e, s);
			sock_free(s);
			continue;
		}
		t->saved.dests = s->xs.dests;
		t->saved.capdests = s->xs.capdests;
		if (t->saved.ndests > s->xs.ndests)
			t->saved.ndests = s->xs.ndests;
		s->xs = t->saved;
		s->listener = t->listener;
	}
	b->n = 0;
}

static int
close_in_burst(struct engine *e, struct burst *b, struct sock *s)
{
	struct change *dep;
	struct touched *t;
	size_t nd, i;

	if ((t = remember(b, s, false)) == NULL)
		return -ENOMEM;
	t->closing = true;
	nd = dependents(e, s, &dep);
	for (i = 0; i < nd; i++) {
		if (remember(b, dep[i].s, false) == NULL) {
			free(dep);
			return -ENOMEM;
		}
		dep[i].s->listener = 0;
	}
	free(dep);
	return 0;
}

/* Applies the touched sockets' new entries in one batch. */
static int
commit(struct engine *e, struct burst *b)
{
	struct change *ch;
	size_t i;
	int rc = 0;

	if (b->n == 0)
		return 0;
	if ((ch = calloc(b->n, sizeof(*ch))) == NULL)
		return -ENOMEM;
	for (i = 0; rc == 0 && i < b->n; i++) {
		ch[i].s = b->t[i].s;
		if (!b->t[i].closing)
			rc = sock_translate(e, ch[i].s, &ch[i].next);
	}
	if (rc == 0)
		rc = apply(e, ch, b->n);
	for (i = 0; i < b->n; i++)
		spd_vec_free(&ch[i].next);
	free(ch);
	return rc;
}

static void
finish(struct engine *e, struct burst *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		if (b->t[i].closing) {
			sock_unlink(e, b->t[i].s);
			sock_free(b->t[i].s);
		}
	}
	b->n = 0;
}

/* One event into the burst; a socket closed earlier in it ends it first. */
static int
one(struct engine *e, struct burst *b, const struct sock_event *ev)
{
	struct sock *s = sock_find(e, ev->sock_id);
	struct touched *t;
	bool created = false;

	e->c.events[ev->op]++;
	if (ev->op == SOCK_CLOSE)
		return s == NULL ? 0 : close_in_burst(e, b, s);
	if (s == NULL) {
		if ((s = sock_add(e, ev)) == NULL)
			return -ENOMEM;
		created = true;
	}
	if ((t = remember(b, s, created)) == NULL)
		return -ENOMEM;
	if (s->app != NULL)
		s->app->nevents++;
	return update(e, s, ev) < 0 ? -EINVAL : 0;
}

static bool
closes_in_burst(struct burst *b, struct engine *e, const struct sock_event *ev)
{
	struct sock *s = sock_find(e, ev->sock_id);
	struct touched *t;

	return s != NULL && (t = find(b, s)) != NULL && t->closing;
}

/* Replays events lo..hi-1 one at a time after the burst was undone. */
static int
replay(struct engine *e, struct burst *b, const struct sock_event *evs,
    size_t lo, size_t hi, int *results, const struct counters *before)
{
	char why[128];
	int failed = 0;
	size_t k;

	memcpy(e->c.events, before->events, sizeof(e->c.events));
	e->c.dropped = before->dropped;
	restore(e, b);
	for (k = lo; k < hi; k++) {
		if (event_check(&evs[k]) != 0)
			continue;	/* answered and counted already */
		results[k] = sock_event(e, &evs[k], why, sizeof(why));
		failed += results[k] != 0;
	}
	return failed;
}

int
sock_events(struct engine *e, const struct sock_event *evs, size_t n,
    int *results)
{
	struct burst b = { 0 };
	struct counters before;
	size_t i, start = 0, k;
	int rc, failed = 0;

	while (start < n) {
		before = e->c;
		rc = 0;
		/* Cut the burst before an event on a socket it closes. */
		for (i = start; i < n && !closes_in_burst(&b, e, &evs[i]); i++) {
			if ((results[i] = event_check(&evs[i])) != 0) {
				e->c.dropped++;		/* fails alone */
				failed++;
				continue;
			}
			if ((rc = one(e, &b, &evs[i])) != 0)
				break;
		}
		if (rc != 0) {		/* event i is bad: replay up to it */
			failed += replay(e, &b, evs, start, i + 1, results,
			    &before);
			start = i + 1;
			continue;
		}
		if (commit(e, &b) != 0) {
			failed += replay(e, &b, evs, start, i, results, &before);
			start = i;
			continue;
		}
		for (k = start; k < i; k++)
			if (results[k] == 0)
				emit(e, &evs[k], sock_find(e, evs[k].sock_id),
				    &before, 0);
		finish(e, &b);
		start = i;
	}
	free(b.t);
	return failed;
}

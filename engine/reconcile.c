/* Owned SPD slots and their reconciliation with the kernel.
 *
 * A slot is one kernel SPD entry (selector + direction). Sockets own
 * slots; the first owner's entry is the one the kernel should hold. A
 * change (sockets' new entries) is applied as a diff of the touched slots:
 * adds and updates first (so a flow never meets a gap), then deletes, all
 * in one netlink batch. When the kernel refuses any operation the batch
 * is undone, in the kernel and here: all or nothing. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/log.h"

enum undo_kind { U_ADDED, U_REPLACED, U_REMOVED };

struct undo {
	enum undo_kind	 kind;
	struct slot	*sl;
	struct sock	*s;
	size_t		 idx;
	struct spd_entry old;
};

struct undolog {
	struct undo	*v;
	size_t		 n, cap;
};

static int
undo_push(struct undolog *u, enum undo_kind k, struct slot *sl,
    struct sock *s, size_t idx, const struct spd_entry *old)
{
	struct undo *nv;

	if (u->n == u->cap) {
		size_t nc = u->cap ? u->cap * 2 : 64;

		if ((nv = reallocarray(u->v, nc, sizeof(*nv))) == NULL)
			return -ENOMEM;
		u->v = nv;
		u->cap = nc;
	}
	u->v[u->n].kind = k;
	u->v[u->n].sl = sl;
	u->v[u->n].s = s;
	u->v[u->n].idx = idx;
	if (old != NULL)
		u->v[u->n].old = *old;
	u->n++;
	return 0;
}

static int
slots_grow(struct engine *e)
{
	size_t n = e->nslh ? e->nslh * 2 : 1024, i;
	struct slot **h, *sl, *nx;

	if ((h = calloc(n, sizeof(*h))) == NULL)
		return -ENOMEM;
	for (i = 0; i < e->nslh; i++) {
		for (sl = e->slh[i]; sl != NULL; sl = nx) {
			nx = sl->hnext;
			sl->hnext = h[sl->hash & (n - 1)];
			h[sl->hash & (n - 1)] = sl;
		}
	}
	free(e->slh);
	e->slh = h;
	e->nslh = n;
	return 0;
}

struct slot *
slot_find(struct engine *e, const struct spd_key *k)
{
	struct slot *sl;
	uint32_t h;

	if (e->nslh == 0)
		return NULL;
	h = spd_key_hash(k);
	for (sl = e->slh[h & (e->nslh - 1)]; sl != NULL; sl = sl->hnext)
		if (sl->hash == h && spd_key_equal(&sl->key, k))
			return sl;
	return NULL;
}

static struct slot *
slot_get(struct engine *e, const struct spd_key *k)
{
	struct slot *sl;

	if ((sl = slot_find(e, k)) != NULL)
		return sl;
	if (e->nslots >= e->nslh && slots_grow(e) != 0)
		return NULL;
	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return NULL;
	sl->key = *k;
	sl->hash = spd_key_hash(k);
	sl->hnext = e->slh[sl->hash & (e->nslh - 1)];
	e->slh[sl->hash & (e->nslh - 1)] = sl;
	e->nslots++;
	return sl;
}

static void
slot_drop(struct engine *e, struct slot *sl)
{
	struct slot **pp;

	for (pp = &e->slh[sl->hash & (e->nslh - 1)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == sl) {
			*pp = sl->hnext;
			break;
		}
	}
	free(sl->own);
	free(sl);
	e->nslots--;
}

void
slots_free(struct engine *e)
{
	size_t i;
	struct slot *sl, *nx;

	for (i = 0; i < e->nslh; i++) {
		for (sl = e->slh[i]; sl != NULL; sl = nx) {
			nx = sl->hnext;
			free(sl->own);
			free(sl);
		}
	}
	free(e->slh);
	e->slh = NULL;
	e->nslh = e->nslots = e->ninstalled = 0;
}

static void
touch(struct engine *e, struct slot *sl)
{
	if (sl->touched)
		return;
	sl->touched = true;
	sl->before_in = sl->in_kernel;
	sl->before = sl->installed;
	sl->tnext = e->touched;
	e->touched = sl;
}

static ssize_t
owner_index(const struct slot *sl, const struct sock *s)
{
	size_t i;

	for (i = 0; i < sl->nown; i++)
		if (sl->own[i].s == s)
			return (ssize_t)i;
	return -1;
}

static int
owner_insert(struct slot *sl, size_t idx, struct sock *s,
    const struct spd_entry *en)
{
	struct owner *no;

	if (sl->nown == sl->capown) {
		size_t nc = sl->capown ? sl->capown * 2 : 1;

		if ((no = reallocarray(sl->own, nc, sizeof(*no))) == NULL)
			return -ENOMEM;
		sl->own = no;
		sl->capown = nc;
	}
	memmove(&sl->own[idx + 1], &sl->own[idx],
	    (sl->nown - idx) * sizeof(*sl->own));
	sl->own[idx].s = s;
	sl->own[idx].e = *en;
	sl->nown++;
	return 0;
}

static void
owner_remove(struct slot *sl, size_t idx)
{
	memmove(&sl->own[idx], &sl->own[idx + 1],
	    (sl->nown - idx - 1) * sizeof(*sl->own));
	sl->nown--;
}

/* Records socket s's new entries as owners; logs how to undo it. */
static int
own_new(struct engine *e, struct change *c, struct undolog *u)
{
	size_t i;
	ssize_t k;
	struct slot *sl;

	for (i = 0; i < c->next.n; i++) {
		const struct spd_entry *en = &c->next.v[i];

		if ((sl = slot_get(e, &en->key)) == NULL)
			return -ENOMEM;
		touch(e, sl);
		if ((k = owner_index(sl, c->s)) >= 0) {
			if (undo_push(u, U_REPLACED, sl, c->s, k,
			    &sl->own[k].e) != 0)
				return -ENOMEM;
			sl->own[k].e = *en;
			continue;
		}
		if (undo_push(u, U_ADDED, sl, c->s, sl->nown, NULL) != 0 ||
		    owner_insert(sl, sl->nown, c->s, en) != 0)
			return -ENOMEM;
	}
	return 0;
}

static bool
in_vec(const struct spd_vec *v, const struct spd_key *k)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (spd_key_equal(&v->v[i].key, k))
			return true;
	return false;
}

/* Drops socket s's entries that its new set no longer has. */
static int
own_old(struct engine *e, struct change *c, struct undolog *u)
{
	size_t i;
	ssize_t k;
	struct slot *sl;

	for (i = 0; i < c->s->entries.n; i++) {
		const struct spd_key *key = &c->s->entries.v[i].key;

		if (in_vec(&c->next, key) || (sl = slot_find(e, key)) == NULL ||
		    (k = owner_index(sl, c->s)) < 0)
			continue;
		touch(e, sl);
		if (undo_push(u, U_REMOVED, sl, c->s, k, &sl->own[k].e) != 0)
			return -ENOMEM;
		owner_remove(sl, k);
	}
	return 0;
}

static void
undo_owners(struct undolog *u)
{
	size_t i = u->n;

	while (i-- > 0) {
		struct undo *x = &u->v[i];

		switch (x->kind) {
		case U_ADDED:
			owner_remove(x->sl, x->idx);
			break;
		case U_REPLACED:
			x->sl->own[x->idx].e = x->old;
			break;
		case U_REMOVED:
			/* room exists: the array only shrank since */
			(void)owner_insert(x->sl, x->idx, x->s, &x->old);
			break;
		}
	}
}

static const struct spd_entry *
desired(const struct slot *sl)
{
	return sl->nown > 0 ? &sl->own[0].e : NULL;
}

struct op {
	struct slot	*sl;
	int		 kind;	/* 0 add, 1 update, 2 delete */
};

static int
ops_push(struct op **ops, size_t *n, size_t *cap, struct slot *sl, int kind)
{
	struct op *no;

	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;

		if ((no = reallocarray(*ops, nc, sizeof(*no))) == NULL)
			return -ENOMEM;
		*ops = no;
		*cap = nc;
	}
	(*ops)[*n].sl = sl;
	(*ops)[(*n)++].kind = kind;
	return 0;
}

/* Queues the diff of the touched slots: adds/updates, then deletes. */
static int
queue_diff(struct engine *e, struct op **ops, size_t *nops, size_t *cap)
{
	struct slot *sl;
	const struct spd_entry *d;
	int pass, rc;

	for (pass = 0; pass < 2; pass++) {
		for (sl = e->touched; sl != NULL; sl = sl->tnext) {
			d = desired(sl);
			if (pass == 0 && d != NULL && !sl->in_kernel)
				rc = ops_push(ops, nops, cap, sl, 0);
			else if (pass == 0 && d != NULL &&
			    !spd_entry_equal(d, &sl->installed))
				rc = ops_push(ops, nops, cap, sl, 1);
			else if (pass == 1 && d == NULL && sl->in_kernel)
				rc = ops_push(ops, nops, cap, sl, 2);
			else
				continue;
			if (rc != 0)
				return rc;
			if ((*ops)[*nops - 1].kind == 2)
				rc = xfrm_queue_del(e->nl, &sl->key);
			else
				rc = xfrm_queue_add(e->nl, d,
				    (*ops)[*nops - 1].kind == 1);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

static int
errs_room(struct engine *e, size_t n)
{
	int *ne;

	if (n <= e->caperrs)
		return 0;
	if ((ne = reallocarray(e->errs, n, sizeof(*ne))) == NULL)
		return -ENOMEM;
	e->errs = ne;
	e->caperrs = n;
	return 0;
}

/* Puts back in the kernel what the successful ops of a failed batch
 * changed. Best effort: on failure a full reconcile is due. */
static void
kernel_undo(struct engine *e, const struct op *ops, size_t n, int rc)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct slot *sl = ops[i].sl;

		if (rc >= 0 && e->errs[i] != 0)
			continue;	/* this one did not happen */
		if (sl->before_in)
			(void)xfrm_queue_add(e->nl, &sl->before, 1);
		else
			(void)xfrm_queue_del(e->nl, &sl->key);
	}
	if (xfrm_commit(e->nl, NULL) < 0)
		log_warn("engine: undoing a failed batch failed; resync due");
}

static void
untouch(struct engine *e, bool commit)
{
	struct slot *sl, *nx;

	for (sl = e->touched; sl != NULL; sl = nx) {
		nx = sl->tnext;
		sl->touched = false;
		sl->tnext = NULL;
		if (commit) {
			const struct spd_entry *d = desired(sl);

			if (sl->in_kernel && d == NULL)
				e->ninstalled--;
			else if (!sl->in_kernel && d != NULL)
				e->ninstalled++;
			sl->in_kernel = d != NULL;
			if (d != NULL)
				sl->installed = *d;
		}
		if (sl->nown == 0 && !sl->in_kernel)
			slot_drop(e, sl);
	}
	e->touched = NULL;
}

static void
count_ops(struct engine *e, const struct op *ops, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ops[i].kind == 0)
			e->c.added++;
		else if (ops[i].kind == 1)
			e->c.updated++;
		else
			e->c.removed++;
	}
}

static int
first_error(struct engine *e, size_t n, int rc)
{
	size_t i;

	if (rc < 0)
		return rc;
	for (i = 0; i < n; i++)
		if (e->errs[i] != 0)
			return e->errs[i];
	return -EIO;
}

int
apply(struct engine *e, struct change *ch, size_t n)
{
	struct undolog u = { 0 };
	struct op *ops = NULL;
	size_t nops = 0, cap = 0, i;
	bool unknown = false;
	int rc = 0;

	for (i = 0; rc == 0 && i < n; i++)
		rc = own_new(e, &ch[i], &u);
	for (i = 0; rc == 0 && i < n; i++)
		rc = own_old(e, &ch[i], &u);
	if (rc == 0)
		rc = queue_diff(e, &ops, &nops, &cap);
	if (rc == 0)
		rc = errs_room(e, nops);
	if (rc == 0 && nops > 0) {
		rc = xfrm_commit(e->nl, e->errs);
		if (rc != 0) {
			e->c.failed_ops += rc > 0 ? (uint64_t)rc : nops;
			unknown = rc < 0;	/* no answer: the kernel's state is unsure */
			kernel_undo(e, ops, nops, rc);
			rc = first_error(e, nops, rc);
		}
	} else if (rc != 0) {
		xfrm_discard(e->nl);
	}
	if (rc != 0) {
		undo_owners(&u);
		untouch(e, false);
		if (unknown)
			(void)reconcile_full(e);
	} else {
		count_ops(e, ops, nops);
		untouch(e, true);
		for (i = 0; i < n; i++) {
			note_blocked(e, ch[i].s, &ch[i].next);
			spd_vec_free(&ch[i].s->entries);
			ch[i].s->entries = ch[i].next;
			memset(&ch[i].next, 0, sizeof(ch[i].next));
		}
	}
	free(u.v);
	free(ops);
	return rc;
}

/* Applies the queued full-table ops; marks what went in. */
static int
commit_marks(struct engine *e, struct op *ops, size_t nops)
{
	size_t i;
	int rc;

	if (nops == 0)
		return 0;
	if ((rc = errs_room(e, nops)) != 0) {
		xfrm_discard(e->nl);
		return rc;
	}
	rc = xfrm_commit(e->nl, e->errs);
	for (i = 0; rc >= 0 && i < nops; i++) {
		struct slot *sl = ops[i].sl;

		if (e->errs[i] != 0) {
			e->c.failed_ops++;
			continue;
		}
		if (sl == NULL) {
			e->c.removed++;
			continue;
		}
		if (!sl->in_kernel)
			e->ninstalled++;
		sl->in_kernel = true;
		sl->installed = *desired(sl);
		ops[i].kind == 0 ? e->c.added++ : e->c.updated++;
	}
	return rc < 0 ? rc : (rc > 0 ? -EIO : 0);
}

static void
mark_all_out(struct engine *e)
{
	size_t i;
	struct slot *sl;

	for (i = 0; i < e->nslh; i++)
		for (sl = e->slh[i]; sl != NULL; sl = sl->hnext)
			sl->in_kernel = false;
	e->ninstalled = 0;
}

/* Drops slots nobody wants and the kernel does not hold. */
static void
sweep(struct engine *e)
{
	struct slot *sl, *nx;
	size_t i;

	for (i = 0; i < e->nslh; i++) {
		for (sl = e->slh[i]; sl != NULL; sl = nx) {
			nx = sl->hnext;
			if (sl->nown == 0 && !sl->in_kernel)
				slot_drop(e, sl);
		}
	}
}

void
disown(struct engine *e, struct sock *s)
{
	struct slot *sl;
	ssize_t k;
	size_t i;

	for (i = 0; i < s->entries.n; i++)
		if ((sl = slot_find(e, &s->entries.v[i].key)) != NULL &&
		    (k = owner_index(sl, s)) >= 0)
			owner_remove(sl, k);
	spd_vec_free(&s->entries);
}

int
reconcile_full(struct engine *e)
{
	struct spd_vec kv = { 0 };
	struct op *ops = NULL;
	size_t nops = 0, cap = 0, i;
	struct slot *sl;
	int rc;

	e->c.resyncs++;
	if ((rc = xfrm_dump_owned(e->nl, &kv)) != 0)
		goto out;
	mark_all_out(e);
	for (i = 0; rc == 0 && i < kv.n; i++) {
		const struct spd_entry *d;

		sl = slot_find(e, &kv.v[i].key);
		d = sl != NULL ? desired(sl) : NULL;
		if (d == NULL) {
			if ((rc = ops_push(&ops, &nops, &cap, NULL, 2)) == 0)
				rc = xfrm_queue_del(e->nl, &kv.v[i].key);
		} else if (spd_entry_equal(d, &kv.v[i])) {
			sl->in_kernel = true;
			sl->installed = kv.v[i];
			e->ninstalled++;
		} else if ((rc = ops_push(&ops, &nops, &cap, sl, 1)) == 0) {
			rc = xfrm_queue_add(e->nl, d, 1);
		}
	}
	for (i = 0; rc == 0 && i < e->nslh; i++) {
		for (sl = e->slh[i]; rc == 0 && sl != NULL; sl = sl->hnext) {
			if (sl->in_kernel || desired(sl) == NULL)
				continue;
			if ((rc = ops_push(&ops, &nops, &cap, sl, 0)) == 0)
				rc = xfrm_queue_add(e->nl, desired(sl), 0);
		}
	}
	if (rc == 0)
		rc = commit_marks(e, ops, nops);
	else
		xfrm_discard(e->nl);
	sweep(e);
out:
	spd_vec_free(&kv);
	free(ops);
	return rc;
}

int
remove_all_owned(struct engine *e)
{
	struct spd_vec kv = { 0 };
	struct op *ops = NULL;
	size_t nops = 0, cap = 0, i, n = 0;
	int rc;

	if ((rc = xfrm_dump_owned(e->nl, &kv)) != 0)
		goto out;
	n = kv.n;
	for (i = 0; rc == 0 && i < kv.n; i++)
		if ((rc = ops_push(&ops, &nops, &cap, NULL, 2)) == 0)
			rc = xfrm_queue_del(e->nl, &kv.v[i].key);
	if (rc == 0)
		rc = commit_marks(e, ops, nops);
	else
		xfrm_discard(e->nl);
	mark_all_out(e);
out:
	spd_vec_free(&kv);
	free(ops);
	return rc < 0 ? rc : (int)n;
}

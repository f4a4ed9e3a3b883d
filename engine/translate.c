/* Translation of one socket into SPD entries (the paper's §3.4).
 *
 * Priorities (lower wins in XFRM), all inside the owned band:
 *   SPD_PRIO_BASE + 1                   exact 5-tuple entries (connect,
 *                                       accept, UDP send)
 *   SPD_PRIO_BASE + 3 + 2*(rank*stride + i)
 *                                       network entries (listen, UDP recv):
 *                                       rank = place in by_specificity,
 *                                       i = protection item index
 * so the more specific network wins, and inside a protected network the
 * first matching item wins, exactly as policy_decide() chooses. Every
 * entry leaves the value below it free for its userspace-datapath twin. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "engine/translate.h"

struct half {
	struct ipaddr	addr;
	int		len;
	int		port;
};

static bool
key_taken(const struct spd_vec *out, const struct spd_key *k)
{
	size_t i;

	for (i = 0; i < out->n; i++)
		if (spd_key_equal(&out->v[i].key, k))
			return true;
	return false;
}

/* Whether a/len lies inside prefix p. */
static bool
within(const struct ipaddr *a, int len, const struct prefix *p)
{
	return a->family == p->addr.family && len >= p->len &&
	    ipaddr_in_prefix(a, p);
}

/* An outbound protected entry e in the datapath's form: allow when all
 * its destinations are steered; else block (mandatory) or clear allow
 * (optional), with an allow twin for each steered prefix inside it. With
 * a bypass mark, a mandatory entry is always the block, and its twins
 * (the whole entry when it is all steered) match only packets without
 * the mark. */
static int
outbound_form(struct spd_vec *out, struct spd_entry *e,
    const struct xlate_conf *c)
{
	const struct spd_sel *sel = &e->key.sel;
	bool mandatory = e->level == LEVEL_MANDATORY;
	struct spd_entry twin;
	struct prefix d;
	size_t i;

	e->tunnel = 0;
	memset(&e->tsrc, 0, sizeof(e->tsrc));
	memset(&e->tdst, 0, sizeof(e->tdst));
	twin = *e;
	twin.action = SPD_ALLOW;
	twin.dp = SPD_DP_PROTECT;
	twin.priority = e->priority - 1;
	if (mandatory && c->bypass_mark != 0) {
		twin.key.mark = 0;
		twin.key.mask = c->bypass_mark;
	}
	e->action = mandatory ? SPD_BLOCK : SPD_ALLOW;
	e->dp = mandatory ? SPD_DP_BLOCKED : SPD_DP_CLEAR;
	for (i = 0; i < c->nsteer; i++) {
		if (!within(&sel->dst, sel->dlen, &c->steer[i]))
			continue;
		/* all steered: the datapath's allow, or (guarded by the
		 * bypass mark) a block with the allow as its twin */
		e->dp = SPD_DP_PROTECT;
		if (twin.key.mask == 0) {
			e->action = SPD_ALLOW;
			return 0;
		}
		return key_taken(out, &twin.key) || spd_vec_push(out, &twin) == 0 ?
		    0 : -ENOMEM;
	}
	d.addr = sel->dst;
	d.len = sel->dlen;
	for (i = 0; i < c->nsteer; i++) {
		if (!within(&c->steer[i].addr, c->steer[i].len, &d))
			continue;
		twin.key.sel.dst = c->steer[i].addr;
		twin.key.sel.dlen = (uint8_t)c->steer[i].len;
		if (!key_taken(out, &twin.key) && spd_vec_push(out, &twin) != 0)
			return -ENOMEM;
	}
	return 0;
}

/* The userspace datapath's forms: see struct xlate_conf. */
static int
userspace_form(struct spd_vec *out, struct spd_entry *e,
    const struct xlate_conf *c)
{
	struct spd_entry twin;

	if (!c->userspace || e->action != SPD_PROTECT)
		return 0;
	if (e->key.dir == SPD_OUT)
		return outbound_form(out, e, c);
	if (c->dp_mask == 0 || e->level != LEVEL_MANDATORY)
		return 0;
	twin = *e;
	twin.key.mark = c->dp_mark & c->dp_mask;
	twin.key.mask = c->dp_mask;
	twin.action = SPD_ALLOW;
	twin.dp = SPD_DP_PROTECT;
	twin.tunnel = 0;
	twin.priority = e->priority - 1;
	if (key_taken(out, &twin.key))
		return 0;
	return spd_vec_push(out, &twin) == 0 ? 0 : -ENOMEM;
}

static int
add_entry(struct spd_vec *out, int family, int proto, int dir,
    const struct half *src, const struct half *dst, const struct spd_entry *how,
    const struct xlate_conf *c)
{
	struct spd_entry e;

	memset(&e, 0, sizeof(e));
	e.key.dir = dir;
	e.key.sel.family = family;
	e.key.sel.proto = proto;
	e.key.sel.src = src->addr;
	e.key.sel.slen = src->len;
	e.key.sel.sport = src->port;
	e.key.sel.dst = dst->addr;
	e.key.sel.dlen = dst->len;
	e.key.sel.dport = dst->port;
	e.key.sel.src.family = e.key.sel.dst.family = family;
	e.action = how->action;
	e.type = how->type;
	e.level = how->level;
	e.tunnel = how->tunnel;
	e.tsrc = how->tsrc;
	e.tdst = how->tdst;
	e.priority = how->priority;
	/* The kernel refuses an optional tunnel template on an outbound
	 * entry (validate_tmpl): such a flow goes out as it is, and only a
	 * tunnel the peer starts is used inbound. See docs/engine.md. The
	 * userspace datapath writes no template outbound: it protects them. */
	if (e.action == SPD_PROTECT && e.tunnel && e.level == LEVEL_OPTIONAL &&
	    dir == SPD_OUT && !c->userspace) {
		e.action = SPD_ALLOW;
		e.type = e.level = e.tunnel = 0;
		memset(&e.tsrc, 0, sizeof(e.tsrc));
		memset(&e.tdst, 0, sizeof(e.tdst));
	}
	/* Two networks covering the same prefix: the first (more specific
	 * in by_specificity) one keeps the kernel's only slot. */
	if (key_taken(out, &e.key))
		return 0;
	if (userspace_form(out, &e, c) != 0)
		return -ENOMEM;
	return spd_vec_push(out, &e) == 0 ? 0 : -ENOMEM;
}

/* The local end of a socket for a selector of family fam. */
static void
local_half(const struct xsock *s, int fam, struct half *h)
{
	memset(h, 0, sizeof(*h));
	h->addr.family = fam;
	if (!s->local_any && s->local.family == fam) {
		h->addr = s->local;
		h->len = ipaddr_bits(fam);
	}
	h->port = s->lport;
}

/* Whether a network prefix of family fam applies to socket s: same
 * family, or an IPv4 prefix on an IPv6 socket bound to :: (dual stack). */
static bool
family_fits(const struct xsock *s, int fam)
{
	if (fam == s->family)
		return true;
	return s->family == AF_INET6 && fam == AF_INET && s->local_any;
}

static int
mirror(struct spd_vec *out, const struct xsock *s, int fam, bool in, bool outb,
    const struct half *loc, const struct half *rem, const struct spd_entry *how,
    const struct xlate_conf *c)
{
	int rc = 0;

	if (outb)
		rc = add_entry(out, fam, s->proto, SPD_OUT, loc, rem, how, c);
	if (rc == 0 && in)
		rc = add_entry(out, fam, s->proto, SPD_IN, rem, loc, how, c);
	return rc;
}

static size_t
item_stride(const struct policy *p)
{
	size_t i, m = 1;

	for (i = 0; i < p->nprots; i++)
		if (p->prots[i].nitems + 1 > m)
			m = p->prots[i].nitems + 1;
	return m;
}

/* Entries for every network of p around local port lport: listen (in and
 * out) or UDP recv (in only). */
static int
network_entries(const struct policy *p, const struct xsock *s,
    const struct xlate_conf *c, bool outb, struct spd_vec *out)
{
	size_t stride = item_stride(p), r, k, i;
	struct spd_entry how;
	struct half loc, rem;
	int rc;

	if (p->nnets > (SPD_PRIO_SPAN - 4) / 2 / stride)
		return -E2BIG;
	for (r = 0; r < p->nnets; r++) {
		const struct pnet *n = &p->nets[p->by_specificity[r]];
		uint32_t prio = SPD_PRIO_BASE + 3 + 2 * r * stride;

		for (k = 0; k < n->nprefixes; k++) {
			const struct prefix *pf = &n->prefixes[k];
			int fam = pf->addr.family;

			if (!family_fits(s, fam))
				continue;
			local_half(s, fam, &loc);
			memset(&rem, 0, sizeof(rem));
			rem.addr = pf->addr;
			rem.len = pf->len;
			memset(&how, 0, sizeof(how));
			how.priority = prio;
			if (n->kind != NET_PROTECTED) {
				how.action = n->kind == NET_TRUSTED ?
				    SPD_ALLOW : SPD_BLOCK;
				if ((rc = mirror(out, s, fam, true, outb, &loc,
				    &rem, &how, c)) != 0)
					return rc;
				continue;
			}
			const struct protection *pr = &p->prots[n->prot];
			for (i = 0; i < pr->nitems; i++) {
				const struct pitem *it = &pr->items[i];

				if (it->lport != POLICY_PORT_ANY &&
				    it->lport != s->lport)
					continue;
				how.action = SPD_PROTECT;
				how.type = it->type;
				how.level = it->level;
				how.tunnel = c->tunnel;
				how.priority = prio + 2 * i;
				rem.port = it->rport == POLICY_PORT_ANY ?
				    0 : it->rport;
				if ((rc = mirror(out, s, fam, true, outb, &loc,
				    &rem, &how, c)) != 0)
					return rc;
				if (it->rport == POLICY_PORT_ANY)
					break;	/* later items are shadowed */
			}
		}
	}
	return 0;
}

static void
decision_entry(const struct decision *d, struct spd_entry *how)
{
	memset(how, 0, sizeof(*how));
	how->priority = SPD_PRIO_BASE + 1;
	switch (d->action) {
	case DECIDE_BYPASS:
		how->action = SPD_ALLOW;
		break;
	case DECIDE_DISCARD:
		how->action = SPD_BLOCK;
		break;
	default:
		how->action = SPD_PROTECT;
		how->type = d->type;
		how->level = d->level;
		break;
	}
}

/* One exact 5-tuple entry set (in and/or out) for the flow to peer:rport. */
static int
exact_entries(const struct policy *p, const struct xsock *s,
    const struct xlate_conf *c, const struct ipaddr *peer, int rport,
    bool in, bool outb, struct spd_vec *out)
{
	struct decision d;
	struct spd_entry how;
	struct half loc, rem;
	int fam = peer->family;

	if (!family_fits(s, fam))
		return 0;
	policy_decide(p, peer, s->lport, rport, s->proto, &d);
	if (d.action == DECIDE_NONE)
		return 0;
	decision_entry(&d, &how);
	local_half(s, fam, &loc);
	memset(&rem, 0, sizeof(rem));
	rem.addr = *peer;
	rem.len = ipaddr_bits(fam);
	rem.port = rport;
	if (how.action == SPD_PROTECT &&
	    (c->tunnel_for != NULL ? c->tunnel_for(peer, c->arg) : c->tunnel)) {
		how.tunnel = 1;
		how.tsrc = loc.addr;
		how.tdst = *peer;
	}
	return mirror(out, s, fam, in, outb, &loc, &rem, &how, c);
}

static bool
same_outcome(const struct spd_entry *e, const struct decision *d)
{
	struct spd_entry how;

	if (d->action == DECIDE_NONE)
		return true;	/* nothing to add; see docs/engine.md */
	if (e == NULL)
		return false;
	decision_entry(d, &how);
	if ((e->dp ? SPD_PROTECT : e->action) != how.action)
		return false;
	return how.action != SPD_PROTECT ||
	    (e->type == how.type && e->level == how.level);
}

/* Whether the listener's entries already decide the accepted flow the way
 * the policy does. */
static int
covered(const struct policy *p, const struct xsock *s,
    const struct xsock *listener, const struct xlate_conf *c, bool *yes)
{
	struct spd_vec lv = { 0 };
	struct decision d;
	const struct spd_entry *in, *outb;
	int rc;

	*yes = false;
	if (listener == NULL || c->tunnel ||
	    (c->tunnel_for != NULL && c->tunnel_for(&s->peer, c->arg)))
		return 0;	/* tunnel templates need this peer's end points */
	if ((rc = network_entries(p, listener, c, true, &lv)) != 0)
		return rc;
	policy_decide(p, &s->peer, s->lport, s->rport, s->proto, &d);
	in = spd_lookup(&lv, SPD_IN, s->proto, &s->peer, s->rport,
	    &s->local, s->lport);
	outb = spd_lookup(&lv, SPD_OUT, s->proto, &s->local, s->lport,
	    &s->peer, s->rport);
	*yes = same_outcome(in, &d) && same_outcome(outb, &d);
	spd_vec_free(&lv);
	return 0;
}

int
translate(const struct policy *p, const struct xsock *s,
    const struct xsock *listener, const struct xlate_conf *c,
    struct spd_vec *out)
{
	bool cov;
	size_t i;
	int rc = 0;

	if (p == NULL)
		return 0;
	if (s->proto == IPPROTO_TCP) {
		if (s->listening)
			return network_entries(p, s, c, true, out);
		if (s->accepted) {
			if ((rc = covered(p, s, listener, c, &cov)) != 0 || cov)
				return rc;
			return exact_entries(p, s, c, &s->peer, s->rport,
			    true, true, out);
		}
		if (s->connected)
			return exact_entries(p, s, c, &s->peer, s->rport,
			    true, true, out);
		return 0;
	}
	/* UDP: exact entries first so that they win key clashes too. */
	if (s->connected)
		rc = exact_entries(p, s, c, &s->peer, s->rport, true, true, out);
	for (i = 0; rc == 0 && i < s->ndests; i++)
		rc = exact_entries(p, s, c, &s->dests[i].addr, s->dests[i].port,
		    false, true, out);
	if (rc == 0 && s->recv)
		rc = network_entries(p, s, c, false, out);
	return rc;
}

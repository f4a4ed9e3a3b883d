/* SPD entries: comparison, hashing, printing, and the kernel's choice. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/spd.h"

int
spd_vec_push(struct spd_vec *vec, const struct spd_entry *e)
{
	struct spd_entry *nv;
	size_t ncap;

	if (vec->n == vec->cap) {
		ncap = vec->cap ? vec->cap * 2 : 8;
		if ((nv = reallocarray(vec->v, ncap, sizeof(*nv))) == NULL)
			return -1;
		vec->v = nv;
		vec->cap = ncap;
	}
	vec->v[vec->n++] = *e;
	return 0;
}

void
spd_vec_free(struct spd_vec *vec)
{
	free(vec->v);
	vec->v = NULL;
	vec->n = vec->cap = 0;
}

static bool
addr_eq(const struct ipaddr *a, const struct ipaddr *b, int family)
{
	return memcmp(a->a, b->a, ipaddr_len(family)) == 0;
}

void
spd_vec_shrink(struct spd_vec *vec)
{
	struct spd_entry *nv;

	if (vec->n == vec->cap)
		return;
	if (vec->n == 0) {
		spd_vec_free(vec);
		return;
	}
	if ((nv = reallocarray(vec->v, vec->n, sizeof(*nv))) != NULL) {
		vec->v = nv;
		vec->cap = vec->n;
	}
}

bool
spd_key_equal(const struct spd_key *a, const struct spd_key *b)
{
	const struct spd_sel *x = &a->sel, *y = &b->sel;

	return a->dir == b->dir && a->mark == b->mark && a->mask == b->mask &&
	    x->family == y->family &&
	    x->proto == y->proto && x->slen == y->slen && x->dlen == y->dlen &&
	    x->sport == y->sport && x->dport == y->dport &&
	    addr_eq(&x->src, &y->src, x->family) &&
	    addr_eq(&x->dst, &y->dst, x->family);
}

bool
spd_entry_equal(const struct spd_entry *a, const struct spd_entry *b)
{
	if (!spd_key_equal(&a->key, &b->key) || a->action != b->action ||
	    a->priority != b->priority)
		return false;
	if (a->action != SPD_PROTECT)
		return true;
	return a->type == b->type && a->level == b->level &&
	    a->tunnel == b->tunnel &&
	    (!a->tunnel || (addr_eq(&a->tsrc, &b->tsrc, a->key.sel.family) &&
	    addr_eq(&a->tdst, &b->tdst, a->key.sel.family)));
}

static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n-- > 0) {
		h ^= *b++;
		h *= 16777619u;
	}
	return h;
}

uint32_t
spd_key_hash(const struct spd_key *k)
{
	const struct spd_sel *s = &k->sel;
	size_t al = ipaddr_len(s->family);
	uint32_t h = 2166136261u;
	uint8_t small[8] = { k->dir, s->proto, s->slen, s->dlen,
	    s->sport >> 8, s->sport & 0xff, s->dport >> 8, s->dport & 0xff };

	h = fnv(h, small, sizeof(small));
	h = fnv(h, &k->mark, sizeof(k->mark));
	h = fnv(h, s->src.a, al);
	h = fnv(h, s->dst.a, al);
	return h;
}

bool
spd_prio_owned(uint32_t prio)
{
	return prio >= SPD_PRIO_BASE && prio - SPD_PRIO_BASE < SPD_PRIO_SPAN;
}

static void
print_end(struct strbuf *sb, const struct ipaddr *a, int len, int port)
{
	char buf[IPADDR_STRLEN];

	ipaddr_str(a, buf, sizeof(buf));
	if (port)
		strbuf_printf(sb, "%s/%d:%d", buf, len, port);
	else
		strbuf_printf(sb, "%s/%d:any", buf, len);
}

static const char *
proto_name(int proto)
{
	switch (proto) {
	case 6:		return "tcp";
	case 17:	return "udp";
	case 0:		return "any";
	}
	return "other";
}

void
spd_entry_print(const struct spd_entry *e, struct strbuf *sb)
{
	const struct spd_sel *s = &e->key.sel;
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	strbuf_printf(sb, "dir=%s src=", e->key.dir == SPD_IN ? "in" : "out");
	print_end(sb, &s->src, s->slen, s->sport);
	strbuf_printf(sb, " dst=");
	print_end(sb, &s->dst, s->dlen, s->dport);
	strbuf_printf(sb, " proto=%s", proto_name(s->proto));
	if (e->key.mask != 0)
		strbuf_printf(sb, " mark=0x%x/0x%x", e->key.mark, e->key.mask);
	switch (e->action) {
	case SPD_ALLOW:
	case SPD_BLOCK:
		strbuf_printf(sb, " action=%s", e->action == SPD_ALLOW ?
		    "allow" : "block");
		if (e->dp != SPD_DP_NONE)
			strbuf_printf(sb, " datapath=%s protection=%s level=%s",
			    e->dp == SPD_DP_PROTECT ? "userspace" : "none",
			    e->type == PROT_AUTHENTICATION ?
			    "authentication" : "encryption",
			    e->level == LEVEL_MANDATORY ? "required" : "use");
		break;
	default:
		strbuf_printf(sb, " action=protect tmpl=esp protection=%s level=%s",
		    e->type == PROT_AUTHENTICATION ? "authentication" : "encryption",
		    e->level == LEVEL_MANDATORY ? "required" : "use");
		if (e->tunnel)
			strbuf_printf(sb, " mode=tunnel tunnel=%s-%s",
			    ipaddr_str(&e->tsrc, a, sizeof(a)),
			    ipaddr_str(&e->tdst, b, sizeof(b)));
		else
			strbuf_printf(sb, " mode=transport");
		break;
	}
	strbuf_printf(sb, " priority=%u", e->priority);
}

static bool
in_prefix(const struct ipaddr *a, const struct ipaddr *net, int len, int family)
{
	struct prefix p;

	if (a->family != family)
		return false;
	memset(&p, 0, sizeof(p));
	p.addr = *net;
	p.addr.family = family;
	p.len = len;
	return ipaddr_in_prefix(a, &p);
}

static bool
sel_match(const struct spd_sel *s, int proto, const struct ipaddr *src,
    int sport, const struct ipaddr *dst, int dport)
{
	return (s->proto == 0 || s->proto == proto) &&
	    (s->sport == 0 || s->sport == sport) &&
	    (s->dport == 0 || s->dport == dport) &&
	    in_prefix(src, &s->src, s->slen, s->family) &&
	    in_prefix(dst, &s->dst, s->dlen, s->family);
}

const struct spd_entry *
spd_lookup(const struct spd_vec *v, int dir, int proto,
    const struct ipaddr *src, int sport, const struct ipaddr *dst, int dport)
{
	const struct spd_entry *best = NULL;
	size_t i;

	for (i = 0; i < v->n; i++) {
		const struct spd_entry *e = &v->v[i];

		if (e->key.dir != dir || e->key.mark != 0 ||	/* unmarked */
		    !sel_match(&e->key.sel, proto, src, sport, dst, dport))
			continue;
		if (best == NULL || e->priority < best->priority)
			best = e;
	}
	return best;
}

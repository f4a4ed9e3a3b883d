/* Proposal selection, traffic selectors, CHILD SA keys (§2.17) and
 * CREATE_CHILD_SA (§1.3): new CHILD SAs, CHILD SA and IKE SA rekeying. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <tomcrypt.h>

#include "crypto/ike_int.h"
#include "engine/events.h"

static const uint8_t ttypes[] = { TT_ENCR, TT_PRF, TT_INTEG, TT_DH, TT_ESN };

int
ike_prop_get(const struct ike_prop *p, uint8_t type, uint16_t *id,
    uint16_t *keylen)
{
	return proposal_get(&p->p, type, id, keylen);
}

static bool
has(const struct proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	size_t i;

	for (i = 0; i < p->nt; i++)
		if (p->t[i].type == type && p->t[i].id == id &&
		    p->t[i].keylen == keylen)
			return true;
	return false;
}

static bool
is_aead(uint16_t encr)
{
	return encr == ENCR_AES_GCM_16 || encr == ENCR_CHACHA20_POLY1305;
}

/* The value a missing transform type stands for, or -1 if it is needed. */
static int
implied(uint8_t type, uint8_t protoid, bool want_dh)
{
	switch (type) {
	case TT_INTEG:	return AUTH_NONE;
	case TT_ESN:	return protoid == PROTO_IKE ? -2 : ESN_NO;
	case TT_DH:	return protoid == PROTO_IKE ? -1 : want_dh ? DH_NONE : -2;
	case TT_PRF:	return protoid == PROTO_IKE ? -1 : -2;
	}
	return -1;	/* ENCR */
}

static bool
match(const struct ike_prop *op, const struct proposal *ours, uint8_t protoid,
    bool want_dh, struct ike_prop *out)
{
	struct transform pick;
	uint16_t encr = 0;
	size_t k, i;
	int imp;

	memset(out, 0, sizeof(*out));
	out->num = op->num;
	out->protoid = op->protoid;
	out->spisize = op->spisize;
	memcpy(out->spi, op->spi, op->spisize);
	for (k = 0; k < sizeof(ttypes); k++) {
		uint8_t t = ttypes[k];
		bool found = false;

		imp = implied(t, protoid, want_dh);
		if (imp == -2)
			continue;	/* not negotiated here */
		for (i = 0; i < op->p.nt && !found; i++) {
			const struct transform *o = &op->p.t[i];

			if (o->type != t)
				continue;
			if (has(ours, t, o->id, o->keylen) ||
			    (!proposal_has_type(ours, t) && imp >= 0 && o->id == imp)) {
				pick = *o;
				found = true;
			}
		}
		if (!found) {
			/* neither side lists the type: its implied value */
			if (proposal_has_type(&op->p, t) || proposal_has_type(ours, t) || imp < 0)
				return false;
			continue;
		}
		if (t == TT_ENCR)
			encr = pick.id;
		if (t == TT_INTEG && pick.id == AUTH_NONE)
			continue;	/* left out, as AEAD proposals do */
		if (t == TT_DH && pick.id == DH_NONE)
			continue;
		out->p.t[out->p.nt++] = pick;
	}
	/* AEAD takes no integrity, anything else needs one */
	for (i = 0; i < out->p.nt; i++)
		if (out->p.t[i].type == TT_INTEG)
			return !is_aead(encr);
	return is_aead(encr) || encr == 0;
}

int
ike_select(const struct ike_sa_pl *offer, const struct proposal_list *ours,
    uint8_t protoid, bool want_dh, struct ike_prop *chosen)
{
	size_t i, j;

	for (i = 0; i < offer->n; i++) {
		if (offer->prop[i].protoid != protoid)
			continue;
		for (j = 0; j < ours->n; j++)
			if (match(&offer->prop[i], &ours->p[j], protoid, want_dh,
			    chosen))
				return 0;
	}
	return -1;
}

void
ike_esp_props(const struct ike_sa *sa, uint32_t spi, bool with_dh,
    uint16_t dhg, struct ike_prop *props, size_t *n)
{
	const struct proposal_list *l = &sa->peer->esp;
	size_t i, j;

	*n = 0;
	for (i = 0; i < l->n && i < PROPOSAL_MAX; i++) {
		struct ike_prop *p = &props[(*n)++];

		memset(p, 0, sizeof(*p));
		p->num = (uint8_t)*n;
		p->protoid = PROTO_ESP;
		p->spisize = 4;
		p->spi[0] = spi >> 24;
		p->spi[1] = (spi >> 16) & 0xff;
		p->spi[2] = (spi >> 8) & 0xff;
		p->spi[3] = spi & 0xff;
		for (j = 0; j < l->p[i].nt; j++) {
			const struct transform *t = &l->p[i].t[j];

			if (t->type == TT_DH && (!with_dh || t->id != dhg))
				continue;
			if (p->p.nt < PROPOSAL_MAX_TRANSFORMS)
				p->p.t[p->p.nt++] = *t;
		}
		if (with_dh && dhg != DH_NONE && !proposal_has_type(&p->p, TT_DH) &&
		    p->p.nt < PROPOSAL_MAX_TRANSFORMS)
			p->p.t[p->p.nt++] = (struct transform){ TT_DH, dhg, 0 };
		if (!proposal_has_type(&p->p, TT_ESN) && p->p.nt < PROPOSAL_MAX_TRANSFORMS)
			p->p.t[p->p.nt++] = (struct transform){ TT_ESN, ESN_NO, 0 };
	}
}

/* --- traffic selectors --- */

void
ike_ts_default(struct ike_ts *ts, const struct ipaddr *a)
{
	memset(ts, 0, sizeof(*ts));
	ts->type = a->family == AF_INET ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE;
	ts->ipproto = 0;
	ts->sport = 0;
	ts->eport = 65535;
	ts->start = *a;
	ts->end = *a;
}

bool
ike_ts_narrow(const struct ike_ts *offer, const struct ike_ts *limit,
    struct ike_ts *out)
{
	if (offer->type != limit->type)
		return false;
	*out = *offer;
	if (offer->ipproto != limit->ipproto) {
		if (offer->ipproto != 0 && limit->ipproto != 0)
			return false;
		out->ipproto = offer->ipproto ? offer->ipproto : limit->ipproto;
	}
	out->sport = offer->sport > limit->sport ? offer->sport : limit->sport;
	out->eport = offer->eport < limit->eport ? offer->eport : limit->eport;
	if (out->sport > out->eport)
		return false;
	out->start = ipaddr_cmp(&offer->start, &limit->start) > 0 ?
	    offer->start : limit->start;
	out->end = ipaddr_cmp(&offer->end, &limit->end) < 0 ?
	    offer->end : limit->end;
	return ipaddr_cmp(&out->start, &out->end) <= 0;
}

bool
ike_ts_within(const struct ike_ts *in, const struct ike_ts *outer)
{
	return in->type == outer->type &&
	    (outer->ipproto == 0 || in->ipproto == outer->ipproto) &&
	    in->sport >= outer->sport && in->eport <= outer->eport &&
	    in->sport <= in->eport &&
	    ipaddr_cmp(&in->start, &outer->start) >= 0 &&
	    ipaddr_cmp(&in->end, &outer->end) <= 0 &&
	    ipaddr_cmp(&in->start, &in->end) <= 0;
}

static bool
within_any(const struct ike_ts *t, const struct ike_ts_pl *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (ike_ts_within(t, &l->ts[i]))
			return true;
	return false;
}

bool
ike_ts_choose(struct ike *ike, struct ike_sa *sa,
    const struct ike_payload *pi, const struct ike_payload *pr,
    struct ike_ts *local, struct ike_ts *remote)
{
	struct ike_ts_pl tsi, tsr;
	struct ike_ts ll, lr;
	size_t i, j;

	if (pi == NULL || pr == NULL || ike_parse_ts(pi, &tsi) != IKE_OK ||
	    ike_parse_ts(pr, &tsr) != IKE_OK || tsi.n == 0 || tsr.n == 0)
		return false;
	if (ike->ts_fn != NULL)
		/* the hook's answer must stay inside the offer */
		return ike->ts_fn(ike->ts_arg, &sa->remote, tsi.ts, tsi.n,
		    tsr.ts, tsr.n, local, remote) &&
		    within_any(remote, &tsi) && within_any(local, &tsr);
	ll = sa->peer->ts_local;
	lr = sa->peer->ts_remote;
	if (ll.type == 0)
		ike_ts_default(&ll, &sa->local.addr);
	if (lr.type == 0)
		ike_ts_default(&lr, &sa->remote.addr);
	for (i = 0; i < tsi.n; i++)
		for (j = 0; j < tsr.n; j++)
			if (ike_ts_narrow(&tsi.ts[i], &lr, remote) &&
			    ike_ts_narrow(&tsr.ts[j], &ll, local))
				return true;
	return false;
}

/* A rekey keeps the old CHILD SA's selectors when the offer holds them
 * (RFC 7296 §2.9.2: the new one SHOULD NOT have different ones), though
 * the initiator may offer wider ones: strongSwan offers its configured
 * selectors again, and kernel-libipsec drops its route to the peer when
 * the old CHILD SA, with other selectors, is deleted. */
static bool
rekey_ts(const struct ike_payload *pi, const struct ike_payload *pr,
    const struct ike_child *old, struct ike_ts *local, struct ike_ts *remote)
{
	struct ike_ts_pl tsi, tsr;

	if (pi == NULL || pr == NULL || ike_parse_ts(pi, &tsi) != IKE_OK ||
	    ike_parse_ts(pr, &tsr) != IKE_OK ||
	    !within_any(&old->ts_remote, &tsi) ||
	    !within_any(&old->ts_local, &tsr))
		return false;
	*local = old->ts_local;
	*remote = old->ts_remote;
	return true;
}

/* --- CHILD SAs --- */

struct ike_child *
ike_child_find(struct ike_sa *sa, uint32_t spi_in)
{
	size_t i;

	for (i = 0; i < sa->nchild; i++)
		if (sa->child[i].spi_in == spi_in)
			return &sa->child[i];
	return NULL;
}

static struct ike_child *
child_by_out(struct ike_sa *sa, uint32_t spi_out)
{
	size_t i;

	for (i = 0; i < sa->nchild; i++)
		if (sa->child[i].spi_out == spi_out)
			return &sa->child[i];
	return NULL;
}

void
ike_child_remove(struct ike *ike, struct ike_sa *sa, uint32_t spi_in)
{
	struct ike_child *c = ike_child_find(sa, spi_in);
	struct ike_event ev;

	if (c == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = IKE_EV_CHILD_DOWN;
	ev.ispi = sa->ispi;
	ev.rspi = sa->rspi;
	ev.remote = sa->remote;
	ev.spi_in = c->spi_in;
	ev.spi_out = c->spi_out;
	*c = sa->child[--sa->nchild];
	events_emit("child down ispi=%016llx spi_in=%08x spi_out=%08x",
	    (unsigned long long)sa->ispi, ev.spi_in, ev.spi_out);
	if (ike->fn != NULL)
		ike->fn(ike->arg, &ev);
}

/* true when our own rekey of the CHILD SA spi_in has completed: we are
 * deleting it. */
static bool
rekeyed_by_us(const struct ike_sa *sa, uint32_t spi_in)
{
	size_t i;

	for (i = 0; i < sa->nchild; i++)
		if (sa->child[i].rekey_of == spi_in && sa->child[i].we_initiated)
			return true;
	return false;
}

/* Nonces compared as byte strings, a prefix being the lower. */
static bool
nonce_lt(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c < 0 || (c == 0 && alen < blen);
}

/* Our rekey of old just completed. If the peer rekeyed old at the same
 * time (RFC 7296 §2.8.1), the new CHILD SA whose exchange had the lowest
 * nonce is redundant and is deleted by the side that made it: returns the
 * spi_in to delete, ours or old. */
static uint32_t
rekey_loser(struct ike_sa *sa, uint32_t old, uint32_t ours)
{
	struct ike_child *mine = ike_child_find(sa, ours), *theirs = NULL;
	size_t i;

	for (i = 0; i < sa->nchild; i++)
		if (sa->child[i].rekey_of == old && !sa->child[i].we_initiated)
			theirs = &sa->child[i];
	if (mine == NULL || theirs == NULL)
		return old;		/* no collision */
	if (nonce_lt(mine->min_nonce, mine->min_nonce_len, theirs->min_nonce,
	    theirs->min_nonce_len))
		return ours;		/* ours is redundant */
	return old;			/* theirs is: they delete it, we delete old */
}

int
ike_child_up(struct ike *ike, struct ike_sa *sa, const struct ike_prop *chosen,
    uint32_t spi_in, uint32_t spi_out, const struct ike_ts *tsl,
    const struct ike_ts *tsr, bool transport, bool we_initiated,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint32_t replaces)
{
	struct ike_child_keys *k = calloc(1, sizeof(*k));
	uint8_t km[4 * IKE_KEY_MAX];
	uint16_t id, kl;
	size_t el, il;
	const uint8_t *ei, *ai, *er, *ar;
	struct ike_event ev;
	struct ike_child *c;

	if (k == NULL)
		return -1;
	if (ike_prop_get(chosen, TT_ENCR, &id, &kl) != 0)
		goto fail;
	k->encr = id;
	k->keybits = kl;
	k->integ = ike_prop_get(chosen, TT_INTEG, &id, &kl) == 0 ? id : AUTH_NONE;
	k->esn = ike_prop_get(chosen, TT_ESN, &id, &kl) == 0 && id == ESN_YES;
	if (cipher_keylen(k->encr, k->keybits, k->integ, &el, &il) != 0 ||
	    el > IKE_KEY_MAX || il > IKE_KEY_MAX)
		goto fail;
	if (ike_child_keymat(sa->prf, sa->skd, sa->prflen, gir, girlen, ni,
	    nilen, nr, nrlen, km, 2 * (el + il)) != 0)
		goto fail;
	ei = km;
	ai = km + el;
	er = km + el + il;
	ar = km + 2 * el + il;
	memcpy(k->enc_out, we_initiated ? ei : er, el);
	memcpy(k->enc_in, we_initiated ? er : ei, el);
	memcpy(k->auth_out, we_initiated ? ai : ar, il);
	memcpy(k->auth_in, we_initiated ? ar : ai, il);
	k->enclen = el;
	k->authlen = il;
	zeromem(km, sizeof(km));
	k->ike_ispi = sa->ispi;
	k->ike_rspi = sa->rspi;
	k->spi_in = spi_in;
	k->spi_out = spi_out;
	k->replaces_spi_in = replaces;
	k->we_initiated = we_initiated;
	k->transport = transport;
	k->encap = sa->natt;
	k->local = sa->local;
	k->remote = sa->remote;
	k->ts_local = *tsl;
	k->ts_remote = *tsr;
	if (sa->nchild < IKE_MAX_CHILDREN) {
		c = &sa->child[sa->nchild++];
		c->spi_in = spi_in;
		c->spi_out = spi_out;
		c->ts_local = *tsl;
		c->ts_remote = *tsr;
		c->transport = transport;
		c->we_initiated = we_initiated;
		c->rekeying = false;
		c->created = ike->now;
		c->rekey_of = replaces;
		if (nonce_lt(nr, nrlen, ni, nilen)) {
			ni = nr;
			nilen = nrlen;
		}
		c->min_nonce_len = nilen < sizeof(c->min_nonce) ?
		    nilen : sizeof(c->min_nonce);
		memcpy(c->min_nonce, ni, c->min_nonce_len);
	}
	memset(&ev, 0, sizeof(ev));
	events_emit("child up ispi=%016llx spi_in=%08x spi_out=%08x encr=%u/%u "
	    "integ=%u mode=%s encap=%s%s", (unsigned long long)sa->ispi,
	    spi_in, spi_out, k->encr, k->keybits, k->integ,
	    transport ? "transport" : "tunnel", k->encap ? "yes" : "no",
	    replaces ? " rekey" : "");
	ev.type = IKE_EV_CHILD_UP;
	ev.ispi = sa->ispi;
	ev.rspi = sa->rspi;
	ev.remote = sa->remote;
	ev.child = k;
	if (ike->fn != NULL)
		ike->fn(ike->arg, &ev);
	zeromem(k, sizeof(*k));
	free(k);
	return 0;
fail:
	free(k);
	return -1;
}

/* --- CREATE_CHILD_SA --- */

static uint16_t
pfs_group(const struct ike_peer *peer)
{
	size_t i, j;

	for (i = 0; i < peer->esp.n; i++)
		for (j = 0; j < peer->esp.p[i].nt; j++)
			if (peer->esp.p[i].t[j].type == TT_DH &&
			    peer->esp.p[i].t[j].id != DH_NONE)
				return peer->esp.p[i].t[j].id;
	return DH_NONE;
}

static void
put_spi32(uint8_t *b, uint32_t v)
{
	b[0] = v >> 24;
	b[1] = (v >> 16) & 0xff;
	b[2] = (v >> 8) & 0xff;
	b[3] = v & 0xff;
}

static void
put_spi64(uint8_t *b, uint64_t v)
{
	put_spi32(b, v >> 32);
	put_spi32(b + 4, v & 0xffffffff);
}

static int
add_ke(struct ike_pending *pd, uint16_t group, struct ike_wbuf *in)
{
	uint8_t pub[DH_MAX_PUB];
	size_t publen;

	ike_dh_free(pd->dh);
	if ((pd->dh = ike_dh_new(group)) == NULL ||
	    ike_dh_public(pd->dh, pub, &publen) != 0)
		return -1;
	ike_add_ke(in, group, pub, publen);
	return 0;
}

int
ike_create_child_start(struct ike *ike, struct ike_sa *sa,
    enum ike_req_kind kind, uint32_t spi, const struct ike_ts *tsl,
    const struct ike_ts *tsr)
{
	struct ike_pending *pd = &sa->pend;
	struct ike_prop props[PROPOSAL_MAX];
	struct ike_wbuf *in;
	struct ike_child *old = NULL;
	uint16_t g = DH_NONE;
	bool transport = sa->peer->transport;
	size_t n, i;
	int rc = -1;

	if ((in = malloc(sizeof(*in))) == NULL)
		return -1;
	ike_wbuf_init(in);
	ike_dh_free(pd->dh);
	memset(pd, 0, sizeof(*pd));
	ike_random(pd->nonce, sizeof(pd->nonce));
	if (kind == REQ_REKEY_IKE) {
		pd->new_spi = ike_new_spi64();
		for (i = 0; i < sa->peer->ike.n && i < PROPOSAL_MAX; i++) {
			memset(&props[i], 0, sizeof(props[i]));
			props[i].num = (uint8_t)(i + 1);
			props[i].protoid = PROTO_IKE;
			props[i].spisize = 8;
			put_spi64(props[i].spi, pd->new_spi);
			props[i].p = sa->peer->ike.p[i];
		}
		ike_add_sa(in, props, i);
		ike_add_nonce(in, pd->nonce, sizeof(pd->nonce));
		if (add_ke(pd, sa->dhg, in) != 0)
			goto out;
	} else {
		if (kind == REQ_REKEY_CHILD) {
			if ((old = ike_child_find(sa, spi)) == NULL)
				goto out;
			pd->rekey_spi_in = spi;
			pd->ts_local = old->ts_local;
			pd->ts_remote = old->ts_remote;
			transport = old->transport;
			put_spi32(props[0].spi, spi);
			ike_add_notify(in, PROTO_ESP, props[0].spi, 4, N_REKEY_SA,
			    NULL, 0);
		} else {
			pd->ts_local = *tsl;
			pd->ts_remote = *tsr;
		}
		if (transport)
			ike_add_notify(in, 0, NULL, 0, N_USE_TRANSPORT_MODE, NULL, 0);
		pd->spi_in = ike_new_spi32();
		g = pfs_group(sa->peer);
		ike_esp_props(sa, pd->spi_in, g != DH_NONE, g, props, &n);
		ike_add_sa(in, props, n);
		ike_add_nonce(in, pd->nonce, sizeof(pd->nonce));
		if (g != DH_NONE && add_ke(pd, g, in) != 0)
			goto out;
		ike_add_ts(in, PL_TSi, &pd->ts_local, 1);
		ike_add_ts(in, PL_TSr, &pd->ts_remote, 1);
	}
	rc = ike_send_sk(ike, sa, CREATE_CHILD_SA, false, 0, in, kind);
out:
	free(in);
	if (rc != 0)
		ike_fail(ike, sa, 0, "cannot build CREATE_CHILD_SA");
	return rc;
}

/* g^ir from a KE payload of m with our pending key, if both exist. */
static int
pfs_secret(struct ike_dh *dh, const struct ike_msg *m, uint8_t *gir,
    size_t *girlen)
{
	const struct ike_payload *pk = ike_msg_find(m, PL_KE);
	struct ike_ke_pl ke;

	*girlen = 0;
	if (dh == NULL)
		return pk == NULL ? 0 : -1;
	if (pk == NULL || ike_parse_ke(pk, &ke) != IKE_OK ||
	    ke.group != ike_dh_group(dh))
		return -1;
	return ike_dh_shared(dh, ke.data, ke.len, gir, girlen);
}

/* A new IKE SA from a rekey: takes over the CHILD SAs of old. */
static struct ike_sa *
rekeyed_sa(struct ike *ike, struct ike_sa *old, bool we_initiated,
    uint64_t ispi, uint64_t rspi, const struct ike_prop *chosen,
    const uint8_t *ni, size_t nilen, const uint8_t *nr, size_t nrlen,
    const uint8_t *gir, size_t girlen)
{
	struct ike_sa *sa = ike_sa_new(ike, old->peer, we_initiated, &old->local,
	    &old->remote);
	uint16_t id, kl;

	if (sa == NULL)
		return NULL;
	sa->natt = old->natt;
	sa->ispi = ispi;
	sa->rspi = rspi;
	ike_prop_get(chosen, TT_ENCR, &sa->encr, &sa->keybits);
	ike_prop_get(chosen, TT_PRF, &sa->prf, &kl);
	sa->integ = ike_prop_get(chosen, TT_INTEG, &id, &kl) == 0 ? id : AUTH_NONE;
	ike_prop_get(chosen, TT_DH, &sa->dhg, &kl);
	memcpy(sa->ni, ni, nilen);
	sa->nilen = nilen;
	memcpy(sa->nr, nr, nrlen);
	sa->nrlen = nrlen;
	if (ike_derive_ike_keys(sa, gir, girlen, old->skd) != 0) {
		sa->st = S_DEAD;
		return NULL;
	}
	sa->rekey_of_ispi = old->ispi;
	sa->rekey_of_rspi = old->rspi;
	if (nonce_lt(nr, nrlen, ni, nilen)) {
		ni = nr;
		nilen = nrlen;
	}
	sa->min_nonce_len = nilen < sizeof(sa->min_nonce) ? nilen :
	    sizeof(sa->min_nonce);
	memcpy(sa->min_nonce, ni, sa->min_nonce_len);
	memcpy(sa->child, old->child, sizeof(sa->child));
	sa->nchild = old->nchild;
	old->nchild = 0;
	sa->st = S_ESTABLISHED;
	ike_event(ike, sa, IKE_EV_IKE_UP);
	return sa;
}

/* Our rekey of old made ours. If the peer rekeyed old at the same time
 * (RFC 7296 §2.8.2), the new IKE SA whose exchange had the lowest nonce is
 * redundant and deleted by its maker; the CHILD SAs go to the survivor.
 * Returns the IKE SA we must delete: ours, or old. */
static struct ike_sa *
ike_rekey_loser(struct ike *ike, struct ike_sa *old, struct ike_sa *ours)
{
	struct ike_sa *t;

	for (t = ike->sas; t != NULL; t = t->next)
		if (t != ours && t->st == S_ESTABLISHED && !t->initiator &&
		    t->rekey_of_ispi == old->ispi && t->rekey_of_rspi == old->rspi)
			break;
	if (t == NULL)
		return old;		/* no collision */
	if (nonce_lt(ours->min_nonce, ours->min_nonce_len, t->min_nonce,
	    t->min_nonce_len))
		return ours;		/* ours is redundant, theirs has the children */
	memcpy(ours->child, t->child, sizeof(ours->child));
	ours->nchild = t->nchild;	/* theirs is: they will delete it */
	t->nchild = 0;
	return old;
}

void
ike_create_child_response(struct ike *ike, struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_pending *pd = &sa->pend;
	enum ike_req_kind kind = sa->req.kind;
	const struct ike_payload *ps = ike_msg_find(m, PL_SA);
	const struct ike_payload *pn = ike_msg_find(m, PL_NONCE);
	const struct ike_payload *pi = ike_msg_find(m, PL_TSi);
	const struct ike_payload *pr = ike_msg_find(m, PL_TSr);
	struct ike_sa_pl offer;
	struct ike_ts_pl tsi, tsr;
	struct ike_prop chosen;
	struct ike_notify_pl n;
	const uint8_t *nr;
	uint8_t gir[DH_MAX_SECRET];
	size_t nrlen, girlen, i;

	sa->req.kind = REQ_NONE;
	for (i = 0; i < m->npl; i++)
		if (m->pl[i].type == PL_NOTIFY &&
		    ike_parse_notify(&m->pl[i], &n) == IKE_OK && n.type < 16384) {
			ike_fail(ike, sa, n.type, "CREATE_CHILD_SA refused");
			return;
		}
	if (ps == NULL || pn == NULL || ike_parse_sa(ps, &offer) != IKE_OK ||
	    offer.n != 1 || ike_parse_nonce(pn, &nr, &nrlen) != IKE_OK ||
	    pfs_secret(pd->dh, m, gir, &girlen) != 0)
		goto bad;
	if (kind == REQ_REKEY_IKE) {
		struct ike_sa *nsa;

		if (ike_select(&offer, &sa->peer->ike, PROTO_IKE, true,
		    &chosen) != 0 || chosen.spisize != 8)
			goto bad;
		nsa = rekeyed_sa(ike, sa, true, pd->new_spi,
		    ike_get64(chosen.spi), &chosen, pd->nonce,
		    sizeof(pd->nonce), nr, nrlen, gir, girlen);
		zeromem(gir, sizeof(gir));
		if (nsa == NULL)
			goto bad;
		ike_info_start(ike, ike_rekey_loser(ike, sa, nsa),
		    REQ_DELETE_IKE, 0);
		return;
	}
	if (ike_select(&offer, &sa->peer->esp, PROTO_ESP, pd->dh != NULL,
	    &chosen) != 0 || chosen.spisize != 4 || pi == NULL || pr == NULL ||
	    ike_parse_ts(pi, &tsi) != IKE_OK || ike_parse_ts(pr, &tsr) != IKE_OK ||
	    !ike_ts_within(&tsi.ts[0], &pd->ts_local) ||
	    !ike_ts_within(&tsr.ts[0], &pd->ts_remote))
		goto bad;
	ike_child_up(ike, sa, &chosen, pd->spi_in, ike_get32(chosen.spi),
	    &tsi.ts[0], &tsr.ts[0],
	    ike_msg_find_notify(m, N_USE_TRANSPORT_MODE) != NULL, true,
	    girlen ? gir : NULL, girlen, pd->nonce, sizeof(pd->nonce), nr, nrlen,
	    pd->rekey_spi_in);
	zeromem(gir, sizeof(gir));
	if (kind == REQ_REKEY_CHILD)
		ike_info_start(ike, sa, REQ_DELETE_CHILD,
		    rekey_loser(sa, pd->rekey_spi_in, pd->spi_in));
	return;
bad:
	zeromem(gir, sizeof(gir));
	ike_fail(ike, sa, N_NO_PROPOSAL_CHOSEN, "bad CREATE_CHILD_SA response");
}

static void
respond_rekey_ike(struct ike *ike, struct ike_sa *sa, const struct ike_msg *m,
    const struct ike_sa_pl *offer, const uint8_t *ni, size_t nilen,
    struct ike_wbuf *out)
{
	const struct ike_payload *pk = ike_msg_find(m, PL_KE);
	struct ike_prop chosen;
	struct ike_ke_pl ke;
	struct ike_dh *dh = NULL;
	uint8_t nr[IKE_NONCE_LEN], pub[DH_MAX_PUB], gir[DH_MAX_SECRET], g[2];
	size_t publen, girlen;
	uint16_t id = DH_NONE, kl;
	uint64_t spi = ike_new_spi64();

	if (ike_select(offer, &sa->peer->ike, PROTO_IKE, true, &chosen) != 0 ||
	    chosen.spisize != 8 || pk == NULL || ike_parse_ke(pk, &ke) != IKE_OK) {
		ike_add_notify(out, 0, NULL, 0, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	ike_prop_get(&chosen, TT_DH, &id, &kl);
	if (ke.group != id) {
		g[0] = id >> 8;
		g[1] = id & 0xff;
		ike_add_notify(out, 0, NULL, 0, N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	ike_random(nr, sizeof(nr));
	if ((dh = ike_dh_new(id)) == NULL || ike_dh_public(dh, pub, &publen) != 0 ||
	    ike_dh_shared(dh, ke.data, ke.len, gir, &girlen) != 0) {
		ike_dh_free(dh);
		ike_add_notify(out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	ike_dh_free(dh);
	if (rekeyed_sa(ike, sa, false, ike_get64(chosen.spi), spi, &chosen, ni,
	    nilen, nr, sizeof(nr), gir, girlen) == NULL) {
		zeromem(gir, sizeof(gir));
		ike_add_notify(out, 0, NULL, 0, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	zeromem(gir, sizeof(gir));
	put_spi64(chosen.spi, spi);
	ike_add_sa(out, &chosen, 1);
	ike_add_nonce(out, nr, sizeof(nr));
	ike_add_ke(out, id, pub, publen);
}

static void
respond_child(struct ike *ike, struct ike_sa *sa, const struct ike_msg *m,
    const struct ike_sa_pl *offer, const uint8_t *ni, size_t nilen,
    struct ike_wbuf *out)
{
	const struct ike_payload *pi = ike_msg_find(m, PL_TSi);
	const struct ike_payload *pr = ike_msg_find(m, PL_TSr);
	const struct ike_payload *pk = ike_msg_find(m, PL_KE);
	const struct ike_payload *prk = ike_msg_find_notify(m, N_REKEY_SA);
	struct ike_ts nl, nrs;
	struct ike_prop chosen;
	struct ike_notify_pl rn;
	struct ike_ke_pl ke;
	struct ike_child *old = NULL;
	struct ike_dh *dh = NULL;
	uint8_t nr[IKE_NONCE_LEN], pub[DH_MAX_PUB], gir[DH_MAX_SECRET], spib[4];
	size_t publen = 0, girlen = 0;
	uint16_t g = DH_NONE, kl;
	uint32_t spi_in;
	bool transport;

	if (prk != NULL) {
		if (ike_parse_notify(prk, &rn) != IKE_OK || rn.spisize != 4 ||
		    (old = child_by_out(sa, ike_get32(rn.spi))) == NULL) {
			ike_add_notify(out, PROTO_ESP, rn.spi, 4,
			    N_CHILD_SA_NOT_FOUND, NULL, 0);
			return;
		}
		if (rekeyed_by_us(sa, old->spi_in)) {
			/* we are closing it (RFC 7296 §2.8.1): the peer's
			 * rekey crossed ours, which ended first */
			ike_add_notify(out, 0, NULL, 0, N_TEMPORARY_FAILURE,
			    NULL, 0);
			return;
		}
	}
	if (ike_select(offer, &sa->peer->esp, PROTO_ESP, pk != NULL, &chosen) != 0 ||
	    chosen.spisize != 4) {
		ike_add_notify(out, 0, NULL, 0, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (ike_prop_get(&chosen, TT_DH, &g, &kl) == 0) {
		if (pk == NULL || ike_parse_ke(pk, &ke) != IKE_OK || ke.group != g) {
			spib[0] = g >> 8;
			spib[1] = g & 0xff;
			ike_add_notify(out, 0, NULL, 0, N_INVALID_KE_PAYLOAD, spib, 2);
			return;
		}
		if ((dh = ike_dh_new(g)) == NULL ||
		    ike_dh_public(dh, pub, &publen) != 0 ||
		    ike_dh_shared(dh, ke.data, ke.len, gir, &girlen) != 0) {
			ike_dh_free(dh);
			ike_add_notify(out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
			return;
		}
		ike_dh_free(dh);
	}
	if (!(old != NULL && rekey_ts(pi, pr, old, &nl, &nrs)) &&
	    !ike_ts_choose(ike, sa, pi, pr, &nl, &nrs)) {
		ike_add_notify(out, 0, NULL, 0, N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	transport = sa->peer->transport &&
	    ike_msg_find_notify(m, N_USE_TRANSPORT_MODE) != NULL;
	ike_random(nr, sizeof(nr));
	spi_in = ike_new_spi32();
	{
		uint32_t spi_out = ike_get32(chosen.spi);

		put_spi32(chosen.spi, spi_in);
		if (transport)
			ike_add_notify(out, 0, NULL, 0, N_USE_TRANSPORT_MODE, NULL, 0);
		ike_add_sa(out, &chosen, 1);
		ike_add_nonce(out, nr, sizeof(nr));
		if (publen)
			ike_add_ke(out, g, pub, publen);
		ike_add_ts(out, PL_TSi, &nrs, 1);
		ike_add_ts(out, PL_TSr, &nl, 1);
		ike_child_up(ike, sa, &chosen, spi_in, spi_out, &nl, &nrs,
		    transport, false, girlen ? gir : NULL, girlen, ni, nilen,
		    nr, sizeof(nr), old ? old->spi_in : 0);
	}
	zeromem(gir, sizeof(gir));
}

void
ike_create_child_request(struct ike *ike, struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_payload *ps = ike_msg_find(m, PL_SA);
	const struct ike_payload *pn = ike_msg_find(m, PL_NONCE);
	struct ike_wbuf *out = malloc(sizeof(*out));
	struct ike_sa_pl offer;
	const uint8_t *ni;
	size_t nilen;

	if (out == NULL)
		return;
	ike_wbuf_init(out);
	if (ps == NULL || pn == NULL || ike_parse_sa(ps, &offer) != IKE_OK ||
	    offer.n == 0 || ike_parse_nonce(pn, &ni, &nilen) != IKE_OK)
		ike_add_notify(out, 0, NULL, 0, N_INVALID_SYNTAX, NULL, 0);
	else if (offer.prop[0].protoid == PROTO_IKE)
		respond_rekey_ike(ike, sa, m, &offer, ni, nilen, out);
	else
		respond_child(ike, sa, m, &offer, ni, nilen, out);
	ike_send_sk(ike, sa, CREATE_CHILD_SA, true, m->hdr.msgid, out, REQ_NONE);
	free(out);
}

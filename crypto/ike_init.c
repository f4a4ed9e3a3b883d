/* IKE_SA_INIT (RFC 7296 §1.2, §2.6 cookies, §2.23 NAT detection). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <tomcrypt.h>

#include "crypto/ike_int.h"
#include "engine/log.h"

void
ike_natd_hash(uint64_t ispi, uint64_t rspi, const struct ike_endpoint *e,
    uint8_t out[20])
{
	uint8_t b[16 + 16 + 2];
	size_t al = ipaddr_len(e->addr.family), i;
	unsigned long ol = 20;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(ispi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(rspi >> (56 - 8 * i));
	}
	memcpy(b + 16, e->addr.a, al);
	b[16 + al] = e->port >> 8;
	b[17 + al] = e->port & 0xff;
	hash_memory(find_hash("sha1"), b, 18 + al, out, &ol);
}

static void
cookie_value(const uint8_t secret[32], const uint8_t *ni, size_t nilen,
    const struct ipaddr *ip, uint64_t ispi, uint8_t out[32])
{
	hash_state h;
	uint8_t spi[8];
	size_t i;

	for (i = 0; i < 8; i++)
		spi[i] = (uint8_t)(ispi >> (56 - 8 * i));
	sha256_init(&h);
	sha256_process(&h, secret, 32);
	sha256_process(&h, ni, nilen);
	sha256_process(&h, ip->a, ipaddr_len(ip->family));
	sha256_process(&h, spi, 8);
	sha256_done(&h, out);
}

/* Our IKE proposals, numbered, DH transforms kept. */
static size_t
ike_props(const struct ike_peer *peer, struct ike_prop *props)
{
	size_t i;

	for (i = 0; i < peer->ike.n && i < PROPOSAL_MAX; i++) {
		memset(&props[i], 0, sizeof(props[i]));
		props[i].num = (uint8_t)(i + 1);
		props[i].protoid = PROTO_IKE;
		props[i].p = peer->ike.p[i];
	}
	return i;
}

static uint16_t
first_group(const struct ike_peer *peer)
{
	size_t i, j;

	for (i = 0; i < peer->ike.n; i++)
		for (j = 0; j < peer->ike.p[i].nt; j++)
			if (peer->ike.p[i].t[j].type == TT_DH &&
			    ike_dh_pub_len(peer->ike.p[i].t[j].id) > 0)
				return peer->ike.p[i].t[j].id;
	return DH_NONE;
}

static bool
group_offered(const struct ike_peer *peer, uint16_t g)
{
	size_t i, j;

	for (i = 0; i < peer->ike.n; i++)
		for (j = 0; j < peer->ike.p[i].nt; j++)
			if (peer->ike.p[i].t[j].type == TT_DH &&
			    peer->ike.p[i].t[j].id == g)
				return true;
	return false;
}

static void
add_natd(struct ike_sa *sa, struct ike_wbuf *w)
{
	uint8_t h[20];

	if (sa->peer->force_encap)
		ike_random(h, sizeof(h));	/* make the peer see a NAT */
	else
		ike_natd_hash(sa->ispi, sa->rspi, &sa->local, h);
	ike_add_notify(w, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, h, 20);
	ike_natd_hash(sa->ispi, sa->rspi, &sa->remote, h);
	ike_add_notify(w, 0, NULL, 0, N_NAT_DETECTION_DESTINATION_IP, h, 20);
}

/* Compares the peer's NAT_DETECTION_* with what we see. The hashes cover
 * the SPIs as that message's header has them (SPIr is 0 in a request). */
static void
check_natd(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_notify_pl n;
	uint8_t src[20], dst[20];
	bool have_src = false, src_ok = false, dst_ok = true;
	size_t i;

	ike_natd_hash(m->hdr.ispi, m->hdr.rspi, &sa->remote, src);
	ike_natd_hash(m->hdr.ispi, m->hdr.rspi, &sa->local, dst);
	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != PL_NOTIFY ||
		    ike_parse_notify(&m->pl[i], &n) != IKE_OK || n.len != 20)
			continue;
		if (n.type == N_NAT_DETECTION_SOURCE_IP) {
			have_src = true;
			if (memcmp(n.data, src, 20) == 0)
				src_ok = true;
		} else if (n.type == N_NAT_DETECTION_DESTINATION_IP) {
			dst_ok = memcmp(n.data, dst, 20) == 0;
		}
	}
	if (!have_src)
		return;		/* the peer does not do NAT-T */
	sa->nat_there = !src_ok;
	sa->nat_here = !dst_ok;
}

int
ike_init_start(struct ike *ike, struct ike_sa *sa)
{
	struct ike_prop props[PROPOSAL_MAX];
	struct ike_wbuf *w;
	uint8_t pub[DH_MAX_PUB];
	size_t n, publen;

	if (sa->dhg == DH_NONE)
		sa->dhg = first_group(sa->peer);
	ike_dh_free(sa->dh);
	if ((sa->dh = ike_dh_new(sa->dhg)) == NULL ||
	    ike_dh_public(sa->dh, pub, &publen) != 0)
		return -1;
	if ((w = malloc(sizeof(*w))) == NULL)
		return -1;
	if (sa->nilen == 0) {	/* a retry (cookie, group) keeps Ni */
		sa->nilen = IKE_NONCE_LEN;
		ike_random(sa->ni, sa->nilen);
	}
	sa->st = S_I_INIT;
	sa->rspi = 0;
	ike_begin(sa, w, IKE_SA_INIT, false, 0);
	if (sa->cookie_len > 0)
		ike_add_notify(w, 0, NULL, 0, N_COOKIE, sa->cookie, sa->cookie_len);
	n = ike_props(sa->peer, props);
	ike_add_sa(w, props, n);
	ike_add_ke(w, sa->dhg, pub, publen);
	ike_add_nonce(w, sa->ni, sa->nilen);
	add_natd(sa, w);
	ike_msg_end(w);
	if (w->failed) {
		free(w);
		return -1;
	}
	free(sa->init_req);
	if ((sa->init_req = malloc(w->len)) == NULL) {
		free(w);
		return -1;
	}
	memcpy(sa->init_req, w->buf, w->len);
	sa->init_req_len = w->len;
	sa->next_msgid = 1;
	ike_send(ike, sa, w, true, REQ_INIT, 0);
	free(w);
	return 0;
}

/* Takes the chosen IKE transforms into sa. */
static int
take_transforms(struct ike_sa *sa, const struct ike_prop *p)
{
	uint16_t id, kl;

	if (ike_prop_get(p, TT_ENCR, &id, &kl) != 0)
		return -1;
	sa->encr = id;
	sa->keybits = kl;
	if (ike_prop_get(p, TT_PRF, &id, &kl) != 0)
		return -1;
	sa->prf = id;
	sa->integ = ike_prop_get(p, TT_INTEG, &id, &kl) == 0 ? id : AUTH_NONE;
	if (ike_prop_get(p, TT_DH, &id, &kl) != 0)
		return -1;
	sa->dhg = id;
	return 0;
}

/* Finds KE and nonce, computes g^ir and the keys. */
static int
kex(struct ike_sa *sa, const struct ike_msg *m, uint8_t *nonce, size_t *nlen,
    uint16_t *group)
{
	const struct ike_payload *pk = ike_msg_find(m, PL_KE);
	const struct ike_payload *pn = ike_msg_find(m, PL_NONCE);
	struct ike_ke_pl ke;
	const uint8_t *n;
	uint8_t gir[DH_MAX_SECRET];
	size_t girlen;
	int rc;

	if (pk == NULL || pn == NULL || ike_parse_ke(pk, &ke) != IKE_OK ||
	    ike_parse_nonce(pn, &n, nlen) != IKE_OK)
		return -1;
	*group = ke.group;
	if (ke.group != sa->dhg)
		return -2;
	memcpy(nonce, n, *nlen);
	if (!sa->initiator) {
		sa->nrlen = IKE_NONCE_LEN;
		ike_random(sa->nr, sa->nrlen);
	}
	if (sa->dh == NULL && (sa->dh = ike_dh_new(sa->dhg)) == NULL)
		return -1;
	if (ike_dh_shared(sa->dh, ke.data, ke.len, gir, &girlen) != 0)
		return -1;
	rc = ike_derive_ike_keys(sa, gir, girlen, NULL);
	zeromem(gir, sizeof(gir));
	return rc;
}

void
ike_init_response(struct ike *ike, struct ike_sa *sa, struct ike_msg *m,
    const struct ike_endpoint *src, const struct ike_endpoint *dst)
{
	const struct ike_payload *p;
	struct ike_notify_pl n;
	struct ike_sa_pl offer;
	struct ike_prop chosen;
	uint16_t group;
	size_t i;

	if (sa->req.kind != REQ_INIT)
		return;
	if ((p = ike_msg_find_notify(m, N_COOKIE)) != NULL &&
	    ike_parse_notify(p, &n) == IKE_OK && n.len >= 1 && n.len <= 64 &&
	    sa->cookie_len == 0) {
		memcpy(sa->cookie, n.data, n.len);
		sa->cookie_len = n.len;
		if (ike_init_start(ike, sa) != 0)
			ike_sa_kill(ike, sa, false);
		return;
	}
	if ((p = ike_msg_find_notify(m, N_INVALID_KE_PAYLOAD)) != NULL &&
	    ike_parse_notify(p, &n) == IKE_OK && n.len == 2) {
		group = ike_get16(n.data);
		if (group != sa->dhg && group_offered(sa->peer, group) &&
		    ike_dh_pub_len(group) > 0) {
			sa->dhg = group;
			if (ike_init_start(ike, sa) == 0)
				return;
		}
		ike_fail(ike, sa, N_INVALID_KE_PAYLOAD, "no common DH group");
		ike_sa_kill(ike, sa, false);
		return;
	}
	for (i = 0; i < m->npl; i++)
		if (m->pl[i].type == PL_NOTIFY &&
		    ike_parse_notify(&m->pl[i], &n) == IKE_OK && n.type < 16384) {
			ike_fail(ike, sa, n.type, "IKE_SA_INIT refused");
			ike_sa_kill(ike, sa, false);
			return;
		}
	p = ike_msg_find(m, PL_SA);
	if (p == NULL || ike_parse_sa(p, &offer) != IKE_OK || offer.n != 1 ||
	    ike_select(&offer, &sa->peer->ike, PROTO_IKE, true, &chosen) != 0 ||
	    take_transforms(sa, &chosen) != 0 || m->hdr.rspi == 0) {
		ike_fail(ike, sa, N_NO_PROPOSAL_CHOSEN, "bad IKE_SA_INIT response");
		ike_sa_kill(ike, sa, false);
		return;
	}
	sa->rspi = m->hdr.rspi;
	if (kex(sa, m, sa->nr, &sa->nrlen, &group) != 0) {
		ike_fail(ike, sa, N_INVALID_SYNTAX, "bad key exchange");
		ike_sa_kill(ike, sa, false);
		return;
	}
	check_natd(sa, m);
	if (sa->nat_here || sa->nat_there || sa->peer->force_encap) {
		sa->natt = true;
		sa->local.port = IKE_NATT_PORT;
		sa->remote.port = IKE_NATT_PORT;
	}
	free(sa->init_resp);
	if ((sa->init_resp = malloc(m->rawlen)) == NULL) {
		ike_sa_kill(ike, sa, false);
		return;
	}
	memcpy(sa->init_resp, m->raw, m->rawlen);
	sa->init_resp_len = m->rawlen;
	sa->req.kind = REQ_NONE;
	(void)src;
	(void)dst;
	ike_auth_start(ike, sa);
}

/* An unencrypted notify answering an IKE_SA_INIT request, keeping no state. */
static void
init_notify(struct ike *ike, const struct ike_msg *m,
    const struct ike_endpoint *src, const struct ike_endpoint *dst,
    uint16_t type, const uint8_t *data, size_t len)
{
	struct ike_wbuf *w = malloc(sizeof(*w));
	struct ike_hdr h;

	if (w == NULL)
		return;
	memset(&h, 0, sizeof(h));
	h.ispi = m->hdr.ispi;
	h.exchange = IKE_SA_INIT;
	h.flags = IKE_FLAG_R;
	ike_msg_begin(w, &h);
	ike_add_notify(w, 0, NULL, 0, type, data, len);
	ike_msg_end(w);
	ike_send_raw(ike, dst, src, w);
	free(w);
}

static bool
cookie_ok(struct ike *ike, const struct ike_msg *m, const uint8_t *ni,
    size_t nilen, const struct ipaddr *ip)
{
	struct ike_notify_pl n;
	uint8_t v[32];

	if (m->npl == 0 || m->pl[0].type != PL_NOTIFY ||
	    ike_parse_notify(&m->pl[0], &n) != IKE_OK || n.type != N_COOKIE ||
	    n.len != 33)
		return false;
	if (n.data[0] == ike->cookie_ver)
		cookie_value(ike->cookie_secret, ni, nilen, ip, m->hdr.ispi, v);
	else if (n.data[0] == (uint8_t)(ike->cookie_ver - 1))
		cookie_value(ike->cookie_old, ni, nilen, ip, m->hdr.ispi, v);
	else
		return false;
	return memcmp(v, n.data + 1, 32) == 0;
}

static struct ike_sa *
find_half_open(struct ike *ike, const struct ike_msg *m,
    const struct ike_endpoint *src)
{
	struct ike_sa *sa;

	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (!sa->initiator && sa->ispi == m->hdr.ispi &&
		    ipaddr_equal(&sa->remote.addr, &src->addr) && sa->st != S_DEAD)
			return sa;
	return NULL;
}

void
ike_init_request(struct ike *ike, struct ike_msg *m,
    const struct ike_endpoint *src, const struct ike_endpoint *dst)
{
	const struct ike_peer *peer;
	const struct ike_payload *p, *pn;
	struct ike_sa_pl offer;
	struct ike_prop chosen;
	struct ike_sa *sa;
	struct ike_wbuf *w;
	const uint8_t *ni;
	size_t nilen, publen;
	uint8_t pub[DH_MAX_PUB], cv[33], g[2];
	struct ike_ke_pl ke;
	uint16_t group, kl;
	int rc;

	if ((sa = find_half_open(ike, m, src)) != NULL) {
		/* a retransmission: the same answer again */
		if (sa->st == S_R_INIT && sa->last_resp != NULL)
			ike_resend(ike, sa->last_resp);
		return;
	}
	if ((peer = ike_find_peer(ike, &src->addr)) == NULL) {
		ike->stats.dropped_nosa++;
		return;
	}
	p = ike_msg_find(m, PL_SA);
	pn = ike_msg_find(m, PL_NONCE);
	if (p == NULL || pn == NULL || ike_msg_find(m, PL_KE) == NULL ||
	    ike_parse_sa(p, &offer) != IKE_OK ||
	    ike_parse_nonce(pn, &ni, &nilen) != IKE_OK) {
		ike->stats.dropped_parse++;
		init_notify(ike, m, src, dst, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (ike->stats.half_open >= ike->cookie_threshold &&
	    !cookie_ok(ike, m, ni, nilen, &src->addr)) {
		cv[0] = ike->cookie_ver;
		cookie_value(ike->cookie_secret, ni, nilen, &src->addr,
		    m->hdr.ispi, cv + 1);
		ike->stats.cookies_sent++;
		init_notify(ike, m, src, dst, N_COOKIE, cv, sizeof(cv));
		return;
	}
	if (ike_select(&offer, &peer->ike, PROTO_IKE, true, &chosen) != 0) {
		init_notify(ike, m, src, dst, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (ike_prop_get(&chosen, TT_DH, &group, &kl) != 0 ||
	    ike_parse_ke(ike_msg_find(m, PL_KE), &ke) != IKE_OK) {
		init_notify(ike, m, src, dst, N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	if (ke.group != group) {
		/* the group we chose, asked for without keeping state */
		g[0] = group >> 8;
		g[1] = group & 0xff;
		init_notify(ike, m, src, dst, N_INVALID_KE_PAYLOAD, g, 2);
		return;
	}
	if (ike->stats.half_open >= ike->half_open_limit) {
		ike->stats.dropped_busy++;
		return;
	}
	if ((sa = ike_sa_new(ike, peer, false, dst, src)) == NULL)
		return;
	sa->ispi = m->hdr.ispi;
	sa->rspi = ike_new_spi64();
	sa->st = S_R_INIT;
	ike->stats.half_open++;
	if (take_transforms(sa, &chosen) != 0) {
		ike_sa_kill(ike, sa, false);
		return;
	}
	memcpy(sa->ni, ni, nilen);
	sa->nilen = nilen;
	rc = kex(sa, m, sa->ni, &sa->nilen, &group);
	if (rc != 0 || ike_dh_public(sa->dh, pub, &publen) != 0) {
		init_notify(ike, m, src, dst, N_INVALID_SYNTAX, NULL, 0);
		ike_sa_kill(ike, sa, false);
		return;
	}
	check_natd(sa, m);
	if ((w = malloc(sizeof(*w))) == NULL ||
	    (sa->init_req = malloc(m->rawlen)) == NULL) {
		free(w);
		ike_sa_kill(ike, sa, false);
		return;
	}
	memcpy(sa->init_req, m->raw, m->rawlen);
	sa->init_req_len = m->rawlen;
	ike_begin(sa, w, IKE_SA_INIT, true, 0);
	ike_add_sa(w, &chosen, 1);
	ike_add_ke(w, sa->dhg, pub, publen);
	ike_add_nonce(w, sa->nr, sa->nrlen);
	add_natd(sa, w);
	ike_msg_end(w);
	if (!w->failed && (sa->init_resp = malloc(w->len)) != NULL) {
		memcpy(sa->init_resp, w->buf, w->len);
		sa->init_resp_len = w->len;
		sa->peer_msgid = 1;
		sa->next_msgid = 0;
		ike_send(ike, sa, w, false, REQ_NONE, 0);
	} else {
		ike_sa_kill(ike, sa, false);
	}
	free(w);
}

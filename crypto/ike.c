#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <tomcrypt.h>

#include "crypto/ike_int.h"
#include "crypto/ike_sk.h"
#include "engine/events.h"
#include "engine/log.h"

void
ike_random(void *buf, size_t len)
{
	uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n <= 0)
			abort();	/* no entropy: nothing safe to do */
		p += n;
		len -= (size_t)n;
	}
}

uint64_t
ike_new_spi64(void)
{
	uint64_t v = 0;

	while (v == 0)
		ike_random(&v, sizeof(v));
	return v;
}

uint32_t
ike_new_spi32(void)
{
	uint32_t v = 0;

	while (v < 256)		/* 1..255 are reserved (RFC 4303 §2.1) */
		ike_random(&v, sizeof(v));
	return v;
}

struct ike *
ike_new(ike_event_fn fn, void *arg)
{
	struct ike *ike = calloc(1, sizeof(*ike));

	if (ike == NULL)
		return NULL;
	ike_crypto_init();
	ike->fn = fn;
	ike->arg = arg;
	ike->cookie_threshold = 30;
	ike->half_open_limit = 1024;
	ike->rt_first_ms = 1000;
	ike->rt_tries = 5;
	ike_random(ike->cookie_secret, sizeof(ike->cookie_secret));
	return ike;
}

static void
sa_free(struct ike_sa *sa)
{
	ike_dh_free(sa->dh);
	ike_dh_free(sa->pend.dh);
	ike_dh_free(sa->first.dh);
	cipher_free(sa->c_in);
	cipher_free(sa->c_out);
	free(sa->init_req);
	free(sa->init_resp);
	free(sa->req.dg);
	free(sa->last_resp);
	memset(sa, 0, sizeof(*sa));
	free(sa);
}

void
ike_free(struct ike *ike)
{
	struct ike_sa *sa;
	size_t i;

	if (ike == NULL)
		return;
	while ((sa = ike->sas) != NULL) {
		ike->sas = sa->next;
		sa_free(sa);
	}
	for (i = 0; i < ike->npeers; i++) {
		memset(ike->peers[i], 0, sizeof(*ike->peers[i]));
		free(ike->peers[i]);
	}
	for (i = 0; i < ike->outq_len; i++)
		free(ike->outq[(ike->outq_head + i) % IKE_OUTQ]);
	memset(ike, 0, sizeof(*ike));
	free(ike);
}

int
ike_add_peer(struct ike *ike, const struct ike_peer *peer)
{
	struct ike_peer *p;

	if (peer->local_id_len > IKE_ID_MAX || peer->remote_id_len > IKE_ID_MAX ||
	    peer->psk_len > IKE_PSK_MAX || peer->psk_len == 0)
		return -1;
	if (ike->npeers == IKE_MAX_PEERS || (p = malloc(sizeof(*p))) == NULL)
		return -1;
	*p = *peer;
	ike->peers[ike->npeers++] = p;
	return 0;
}

void
ike_set_ts_hook(struct ike *ike, ike_ts_fn fn, void *arg)
{
	ike->ts_fn = fn;
	ike->ts_arg = arg;
}

void ike_set_cookie_threshold(struct ike *ike, unsigned n) { ike->cookie_threshold = n; }
void ike_set_half_open_limit(struct ike *ike, unsigned n) { ike->half_open_limit = n; }

void
ike_set_retransmit(struct ike *ike, unsigned first_ms, unsigned tries)
{
	ike->rt_first_ms = first_ms ? first_ms : 1;
	ike->rt_tries = tries ? tries : 1;
}

const struct ike_stats *ike_get_stats(const struct ike *ike) { return &ike->stats; }

const struct ike_peer *
ike_find_peer(const struct ike *ike, const struct ipaddr *a)
{
	const struct ike_peer *best = NULL;
	size_t i;

	for (i = 0; i < ike->npeers; i++) {
		const struct ike_peer *p = ike->peers[i];

		if (p->remote.addr.family == a->family &&
		    ipaddr_in_prefix(a, &p->remote) &&
		    (best == NULL || p->remote.len > best->remote.len))
			best = p;
	}
	return best;
}

struct ike_sa *
ike_sa_new(struct ike *ike, const struct ike_peer *peer, bool initiator,
    const struct ike_endpoint *local, const struct ike_endpoint *remote)
{
	struct ike_sa *sa = calloc(1, sizeof(*sa));

	if (sa == NULL)
		return NULL;
	sa->peer = peer;
	sa->initiator = initiator;
	sa->local = *local;
	sa->remote = *remote;
	sa->natt = local->port == IKE_NATT_PORT;
	sa->created = ike->now;
	sa->next = ike->sas;
	ike->sas = sa;
	return sa;
}

void
ike_event(struct ike *ike, const struct ike_sa *sa, enum ike_event_type t)
{
	char peer[IPADDR_STRLEN];
	struct ike_event ev;

	ipaddr_str(&sa->remote.addr, peer, sizeof(peer));
	events_emit("ike %s peer=%s ispi=%016llx rspi=%016llx encr=%u/%u "
	    "integ=%u prf=%u dh=%u", t == IKE_EV_IKE_UP ? "up" : "down", peer,
	    (unsigned long long)sa->ispi, (unsigned long long)sa->rspi,
	    sa->encr, sa->keybits, sa->integ, sa->prf, sa->dhg);

	memset(&ev, 0, sizeof(ev));
	ev.type = t;
	ev.ispi = sa->ispi;
	ev.rspi = sa->rspi;
	ev.remote = sa->remote;
	ev.encr = sa->encr;
	ev.keybits = sa->keybits;
	ev.integ = sa->integ;
	ev.prf = sa->prf;
	ev.dh = sa->dhg;
	if (ike->fn != NULL)
		ike->fn(ike->arg, &ev);
}

/* Marks the SA dead (freed at the next tick); reports its CHILD SAs down. */
void
ike_sa_kill(struct ike *ike, struct ike_sa *sa, bool notify_children)
{
	bool was_up = sa->st == S_ESTABLISHED;

	if (sa->st == S_DEAD)
		return;
	if (sa->st == S_R_INIT && ike->stats.half_open > 0)
		ike->stats.half_open--;
	while (sa->nchild > 0) {
		if (notify_children)
			ike_child_remove(ike, sa, sa->child[0].spi_in);
		else
			sa->child[0] = sa->child[--sa->nchild];
	}
	sa->st = S_DEAD;
	sa->req.kind = REQ_NONE;
	if (was_up)
		ike_event(ike, sa, IKE_EV_IKE_DOWN);
}

void
ike_fail(struct ike *ike, struct ike_sa *sa, uint16_t notify, const char *reason)
{
	struct ike_event ev;

	char peer[IPADDR_STRLEN];

	log_info("ike: %016llx: %s", (unsigned long long)sa->ispi, reason);
	events_emit("ike failed peer=%s ispi=%016llx notify=%u reason=\"%s\"",
	    ipaddr_str(&sa->remote.addr, peer, sizeof(peer)),
	    (unsigned long long)sa->ispi, notify, reason);
	memset(&ev, 0, sizeof(ev));
	ev.type = IKE_EV_FAILED;
	ev.ispi = sa->ispi;
	ev.rspi = sa->rspi;
	ev.remote = sa->remote;
	ev.notify = notify;
	ev.reason = reason;
	if (ike->fn != NULL)
		ike->fn(ike->arg, &ev);
}

static struct ike_dgram *
make_dgram(const struct ike_endpoint *src, const struct ike_endpoint *dst,
    const struct ike_wbuf *w)
{
	struct ike_dgram *d = malloc(sizeof(*d));
	size_t off = 0;

	if (d == NULL)
		return NULL;
	d->src = *src;
	d->dst = *dst;
	if (dst->port == IKE_NATT_PORT || src->port == IKE_NATT_PORT) {
		memset(d->data, 0, 4);		/* non-ESP marker */
		off = 4;
	}
	memcpy(d->data + off, w->buf, w->len);
	d->len = off + w->len;
	return d;
}

static void
enqueue(struct ike *ike, const struct ike_dgram *d)
{
	struct ike_dgram *c;

	if (ike->outq_len == IKE_OUTQ || (c = malloc(sizeof(*c))) == NULL)
		return;		/* the peer will retransmit, or we will */
	memcpy(c, d, sizeof(*c));
	ike->outq[(ike->outq_head + ike->outq_len++) % IKE_OUTQ] = c;
	ike->stats.tx++;
}

void
ike_resend(struct ike *ike, const struct ike_dgram *d)
{
	enqueue(ike, d);
}

bool
ike_output(struct ike *ike, struct ike_dgram *d)
{
	struct ike_dgram *c;

	if (ike->outq_len == 0)
		return false;
	c = ike->outq[ike->outq_head];
	ike->outq_head = (ike->outq_head + 1) % IKE_OUTQ;
	ike->outq_len--;
	memcpy(d, c, sizeof(*d));
	free(c);
	return true;
}

void
ike_send_raw(struct ike *ike, const struct ike_endpoint *src,
    const struct ike_endpoint *dst, const struct ike_wbuf *w)
{
	struct ike_dgram *d;

	if (w->failed || (d = make_dgram(src, dst, w)) == NULL)
		return;
	enqueue(ike, d);
	free(d);
}

void
ike_send(struct ike *ike, struct ike_sa *sa, const struct ike_wbuf *w,
    bool request, enum ike_req_kind kind, uint32_t msgid)
{
	struct ike_dgram *d;

	if (w->failed || (d = make_dgram(&sa->local, &sa->remote, w)) == NULL)
		return;
	enqueue(ike, d);
	if (request) {
		free(sa->req.dg);
		sa->req.dg = d;
		sa->req.kind = kind;
		sa->req.msgid = msgid;
		sa->req.tries = 1;
		sa->req.due = ike->now + ike->rt_first_ms;
	} else {
		free(sa->last_resp);
		sa->last_resp = d;
	}
}

void
ike_begin(struct ike_sa *sa, struct ike_wbuf *w, uint8_t exchange,
    bool response, uint32_t msgid)
{
	struct ike_hdr h;

	memset(&h, 0, sizeof(h));
	h.ispi = sa->ispi;
	h.rspi = sa->rspi;
	h.exchange = exchange;
	h.flags = (sa->initiator ? IKE_FLAG_I : 0) | (response ? IKE_FLAG_R : 0);
	h.msgid = msgid;
	ike_msg_begin(w, &h);
}

int
ike_send_sk(struct ike *ike, struct ike_sa *sa, uint8_t exchange,
    bool response, uint32_t msgid, const struct ike_wbuf *inner,
    enum ike_req_kind kind)
{
	struct ike_wbuf *w = malloc(sizeof(*w));
	int rc = -1;

	if (w == NULL)
		return -1;
	if (!response)
		msgid = sa->next_msgid++;
	ike_begin(sa, w, exchange, response, msgid);
	if (ike_sk_seal(sa->c_out, &sa->ivctr, w, inner) == 0) {
		ike_send(ike, sa, w, !response, kind, msgid);
		rc = 0;
	}
	free(w);
	return rc;
}

int
ike_derive_ike_keys(struct ike_sa *sa, const uint8_t *gir, size_t girlen,
    const uint8_t *skd_old)
{
	uint8_t skeyseed[PRF_MAX_LEN], dkm[7 * 64];
	size_t el, il, pl = prf_len(sa->prf), off = 0, need;
	const uint8_t *ai, *ar, *ei, *er;
	char err[128];
	int rc;

	if (pl == 0 || cipher_keylen(sa->encr, sa->keybits, sa->integ, &el, &il) != 0)
		return -1;
	need = 3 * pl + 2 * il + 2 * el;
	if (skd_old != NULL)
		rc = ike_skeyseed_rekey(sa->prf, skd_old, pl, gir, girlen,
		    sa->ni, sa->nilen, sa->nr, sa->nrlen, skeyseed);
	else
		rc = ike_skeyseed(sa->prf, sa->ni, sa->nilen, sa->nr, sa->nrlen,
		    gir, girlen, skeyseed);
	if (rc != 0 || ike_dkm(sa->prf, skeyseed, sa->ni, sa->nilen, sa->nr,
	    sa->nrlen, sa->ispi, sa->rspi, dkm, need) != 0) {
		zeromem(skeyseed, sizeof(skeyseed));
		return -1;
	}
	sa->prflen = pl;
	memcpy(sa->skd, dkm, pl);
	off = pl;
	ai = dkm + off;
	off += il;
	ar = dkm + off;
	off += il;
	ei = dkm + off;
	off += el;
	er = dkm + off;
	off += el;
	memcpy(sa->skpi, dkm + off, pl);
	memcpy(sa->skpr, dkm + off + pl, pl);
	cipher_free(sa->c_in);
	cipher_free(sa->c_out);
	sa->c_out = cipher_new(sa->encr, sa->keybits, sa->integ,
	    sa->initiator ? ei : er, el, il ? (sa->initiator ? ai : ar) : NULL, il,
	    err, sizeof(err));
	sa->c_in = cipher_new(sa->encr, sa->keybits, sa->integ,
	    sa->initiator ? er : ei, el, il ? (sa->initiator ? ar : ai) : NULL, il,
	    err, sizeof(err));
	zeromem(skeyseed, sizeof(skeyseed));
	zeromem(dkm, sizeof(dkm));
	sa->ivctr = 0;
	return sa->c_in != NULL && sa->c_out != NULL ? 0 : -1;
}

static struct ike_sa *
find_sa(struct ike *ike, const struct ike_hdr *h)
{
	struct ike_sa *sa;
	bool from_initiator = (h->flags & IKE_FLAG_I) != 0;

	for (sa = ike->sas; sa != NULL; sa = sa->next) {
		if (sa->st == S_DEAD || sa->ispi != h->ispi)
			continue;
		/* the sender is the original initiator: we are not */
		if (from_initiator == sa->initiator)
			continue;
		if (sa->rspi == h->rspi || (sa->st == S_I_INIT && h->rspi != 0))
			return sa;
	}
	return NULL;
}

static void
handle_response(struct ike *ike, struct ike_sa *sa, struct ike_msg *m)
{
	switch (sa->req.kind) {
	case REQ_AUTH:
		ike_auth_response(ike, sa, m);
		break;
	case REQ_CHILD:
	case REQ_REKEY_CHILD:
	case REQ_REKEY_IKE:
		ike_create_child_response(ike, sa, m);
		break;
	case REQ_DELETE_CHILD:
	case REQ_DELETE_IKE:
	case REQ_LIVENESS:
		ike_info_response(ike, sa, m);
		break;
	default:
		ike->stats.dropped_msgid++;
		return;
	}
	if (sa->st != S_DEAD)
		ike_run_queue(ike, sa);
}

static void
handle_request(struct ike *ike, struct ike_sa *sa, struct ike_msg *m)
{
	switch (m->hdr.exchange) {
	case IKE_AUTH:
		if (sa->st == S_R_INIT)
			ike_auth_request(ike, sa, m);
		break;
	case CREATE_CHILD_SA:
		if (sa->st == S_ESTABLISHED)
			ike_create_child_request(ike, sa, m);
		break;
	case INFORMATIONAL:
		if (sa->st == S_ESTABLISHED)
			ike_info_request(ike, sa, m);
		break;
	}
}

static void
unsupported_critical(struct ike *ike, struct ike_sa *sa, const struct ike_msg *m,
    uint8_t type)
{
	struct ike_wbuf *out = malloc(sizeof(*out));

	if (out == NULL)
		return;
	ike_wbuf_init(out);
	ike_add_notify(out, 0, NULL, 0, N_UNSUPPORTED_CRITICAL_PAYLOAD, &type, 1);
	ike_send_sk(ike, sa, m->hdr.exchange, true, m->hdr.msgid, out, REQ_NONE);
	free(out);
}

static int
input_sa(struct ike *ike, uint8_t *buf, struct ike_msg *m,
    const struct ike_endpoint *src, const struct ike_endpoint *dst)
{
	struct ike_sa *sa = find_sa(ike, &m->hdr);
	bool response = (m->hdr.flags & IKE_FLAG_R) != 0;
	uint8_t bad = 0;
	int rc;

	if (sa == NULL || sa->c_in == NULL) {
		ike->stats.dropped_nosa++;
		return 0;
	}
	if (response ? sa->req.kind == REQ_NONE || m->hdr.msgid != sa->req.msgid :
	    m->hdr.msgid != sa->peer_msgid) {
		/* a retransmitted request: answer it again */
		if (!response && sa->last_resp != NULL &&
		    m->hdr.msgid + 1 == sa->peer_msgid) {
			enqueue(ike, sa->last_resp);
			return 0;
		}
		ike->stats.dropped_msgid++;
		return 0;
	}
	rc = ike_sk_open(sa->c_in, buf, m, &bad);
	if (rc < 0) {
		ike->stats.dropped_integrity++;
		return 0;
	}
	if (rc == IKE_ERR_CRITICAL && !response) {
		/* authenticated, but with a critical payload we do not know:
		 * answer UNSUPPORTED_CRITICAL_PAYLOAD (RFC 7296 §2.5) */
		sa->peer_msgid++;
		unsupported_critical(ike, sa, m, bad);
		return 0;
	}
	if (rc != IKE_OK) {
		ike->stats.dropped_parse++;
		return 0;
	}
	/* authenticated: follow the peer to port 4500 (RFC 7296 §2.23) */
	if (dst->port == IKE_NATT_PORT && !sa->natt) {
		sa->natt = true;
		sa->local.port = IKE_NATT_PORT;
	}
	if (sa->natt)
		sa->remote.port = src->port;
	if (response) {
		handle_response(ike, sa, m);
	} else {
		sa->peer_msgid++;
		handle_request(ike, sa, m);
	}
	return 0;
}

int
ike_input(struct ike *ike, uint64_t now_ms, const struct ike_endpoint *src,
    const struct ike_endpoint *dst, const uint8_t *data, size_t len)
{
	static const uint8_t marker[4];
	struct ike_msg *m;
	uint8_t *buf;
	struct ike_sa *sa;
	int rc;

	ike->now = now_ms;
	if (dst->port == IKE_NATT_PORT || src->port == IKE_NATT_PORT) {
		if (len < 4 || memcmp(data, marker, 4) != 0)
			return -1;	/* ESP in UDP: not for us */
		data += 4;
		len -= 4;
	}
	ike->stats.rx++;
	if (len > IKE_MSG_MAX) {
		ike->stats.dropped_parse++;
		return 0;
	}
	buf = malloc(len ? len : 1);
	m = malloc(sizeof(*m));
	if (buf == NULL || m == NULL) {
		free(buf);
		free(m);
		return 0;
	}
	memcpy(buf, data, len);
	if ((rc = ike_msg_parse(buf, len, m)) != IKE_OK) {
		ike->stats.dropped_parse++;
		log_debug("ike: dropped message: %s", ike_perr_str(rc));
	} else if (m->hdr.exchange == IKE_SA_INIT) {
		if (!(m->hdr.flags & IKE_FLAG_R) && (m->hdr.flags & IKE_FLAG_I) &&
		    m->hdr.rspi == 0 && m->hdr.msgid == 0)
			ike_init_request(ike, m, src, dst);
		else if ((m->hdr.flags & IKE_FLAG_R) &&
		    (sa = find_sa(ike, &m->hdr)) != NULL && sa->st == S_I_INIT)
			ike_init_response(ike, sa, m, src, dst);
		else
			ike->stats.dropped_nosa++;
	} else {
		input_sa(ike, buf, m, src, dst);
	}
	memset(buf, 0, len);
	free(buf);
	free(m);
	return 0;
}

/* When an SA set up at created, by us or not, is due for a rekey. */
static uint64_t
rekey_due(uint64_t created, unsigned lifetime_s, bool ours)
{
	uint64_t ms = (uint64_t)lifetime_s * 1000;

	return created + (ours ? ms : ms + ms / 10);
}

static int queue_req(struct ike *ike, struct ike_sa *sa, enum ike_req_kind kind,
    uint32_t spi, const struct ike_ts *tsl, const struct ike_ts *tsr);

static void
lifetimes(struct ike *ike, struct ike_sa *sa)
{
	const struct ike_peer *p = sa->peer;
	size_t i;

	if (p->ike_lifetime && !sa->rekeying &&
	    ike->now >= rekey_due(sa->created, p->ike_lifetime, sa->initiator) &&
	    queue_req(ike, sa, REQ_REKEY_IKE, 0, NULL, NULL) == 0)
		sa->rekeying = true;
	for (i = 0; p->child_lifetime && i < sa->nchild && sa->st == S_ESTABLISHED;
	    i++) {
		struct ike_child *c = &sa->child[i];

		if (!c->rekeying && ike->now >= rekey_due(c->created,
		    p->child_lifetime, c->we_initiated) &&
		    queue_req(ike, sa, REQ_REKEY_CHILD, c->spi_in, NULL, NULL) == 0)
			c->rekeying = true;
	}
}

/* Behind a NAT, a 0xFF byte to the peer's port 4500 every 20 s keeps
 * the NAT's mapping (RFC 3948 §4). */
static void
keepalive(struct ike *ike, struct ike_sa *sa)
{
	struct ike_dgram *d;

	if (sa->keepalive_due == 0)
		sa->keepalive_due = ike->now + IKE_KEEPALIVE_MS;
	if (ike->now < sa->keepalive_due || (d = malloc(sizeof(*d))) == NULL)
		return;
	d->src = sa->local;
	d->dst = sa->remote;
	d->data[0] = 0xff;
	d->len = 1;
	enqueue(ike, d);
	free(d);
	sa->keepalive_due = ike->now + IKE_KEEPALIVE_MS;
}

static void
retransmit(struct ike *ike, struct ike_sa *sa)
{
	if (sa->req.tries >= ike->rt_tries) {
		ike_fail(ike, sa, 0, "peer does not answer");
		ike_sa_kill(ike, sa, true);
		return;
	}
	enqueue(ike, sa->req.dg);
	ike->stats.retransmits++;
	sa->req.due = ike->now + ((uint64_t)ike->rt_first_ms << sa->req.tries);
	sa->req.tries++;
}

void
ike_tick(struct ike *ike, uint64_t now_ms)
{
	struct ike_sa **pp, *sa;

	ike->now = now_ms;
	if (now_ms - ike->cookie_rotated >= IKE_COOKIE_ROTATE_MS) {
		memcpy(ike->cookie_old, ike->cookie_secret, 32);
		ike_random(ike->cookie_secret, 32);
		ike->cookie_ver++;
		ike->cookie_rotated = now_ms;
	}
	for (sa = ike->sas; sa != NULL; sa = sa->next) {
		if (sa->st == S_DEAD)
			continue;
		if (sa->st == S_R_INIT &&
		    now_ms - sa->created >= IKE_HALF_OPEN_TIMEOUT_MS) {
			ike_sa_kill(ike, sa, false);
			continue;
		}
		if (sa->req.kind != REQ_NONE && sa->req.dg != NULL &&
		    now_ms >= sa->req.due)
			retransmit(ike, sa);
		if (sa->st == S_ESTABLISHED)
			lifetimes(ike, sa);
		if (sa->st == S_ESTABLISHED && sa->natt && sa->nat_here)
			keepalive(ike, sa);
	}
	for (pp = &ike->sas; (sa = *pp) != NULL; ) {
		if (sa->st == S_DEAD) {
			*pp = sa->next;
			sa_free(sa);
		} else {
			pp = &sa->next;
		}
	}
}

static uint64_t
lifetime_timeout(const struct ike_sa *sa, uint64_t t)
{
	const struct ike_peer *p = sa->peer;
	uint64_t d;
	size_t i;

	if (p->ike_lifetime && !sa->rekeying &&
	    (d = rekey_due(sa->created, p->ike_lifetime, sa->initiator)) < t)
		t = d;
	for (i = 0; p->child_lifetime && i < sa->nchild; i++)
		if (!sa->child[i].rekeying && (d = rekey_due(sa->child[i].created,
		    p->child_lifetime, sa->child[i].we_initiated)) < t)
			t = d;
	return t;
}

uint64_t
ike_next_timeout(const struct ike *ike)
{
	const struct ike_sa *sa;
	uint64_t t = UINT64_MAX;

	for (sa = ike->sas; sa != NULL; sa = sa->next) {
		if (sa->st == S_DEAD)
			return ike->now;	/* to be freed */
		if (sa->req.kind != REQ_NONE && sa->req.due < t)
			t = sa->req.due;
		if (sa->st == S_R_INIT &&
		    sa->created + IKE_HALF_OPEN_TIMEOUT_MS < t)
			t = sa->created + IKE_HALF_OPEN_TIMEOUT_MS;
		if (sa->st == S_ESTABLISHED)
			t = lifetime_timeout(sa, t);
		if (sa->st == S_ESTABLISHED && sa->natt && sa->nat_here) {
			uint64_t k = sa->keepalive_due ? sa->keepalive_due :
			    ike->now;

			if (k < t)
				t = k;
		}
	}
	return t;
}

void
ike_foreach_sa(const struct ike *ike,
    void (*fn)(void *arg, uint64_t ispi, uint64_t rspi, bool initiator,
    const struct ike_endpoint *local, const struct ike_endpoint *remote,
    size_t nchildren), void *arg)
{
	const struct ike_sa *sa;

	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (sa->st == S_ESTABLISHED)
			fn(arg, sa->ispi, sa->rspi, sa->initiator, &sa->local,
			    &sa->remote, sa->nchild);
}

/* --- requests from the caller --- */

static struct ike_sa *
find_up(struct ike *ike, const struct ipaddr *remote, uint64_t ispi,
    uint32_t child_spi)
{
	struct ike_sa *sa;
	size_t i;

	for (sa = ike->sas; sa != NULL; sa = sa->next) {
		if (sa->st == S_DEAD)
			continue;
		if (remote != NULL && ipaddr_equal(&sa->remote.addr, remote) &&
		    sa->st != S_R_INIT)
			return sa;
		if (ispi != 0 && sa->ispi == ispi && sa->st == S_ESTABLISHED)
			return sa;
		if (child_spi != 0 && sa->st == S_ESTABLISHED)
			for (i = 0; i < sa->nchild; i++)
				if (sa->child[i].spi_in == child_spi)
					return sa;
	}
	return NULL;
}

static int
queue_req(struct ike *ike, struct ike_sa *sa, enum ike_req_kind kind,
    uint32_t spi, const struct ike_ts *tsl, const struct ike_ts *tsr)
{
	struct ike_queued *q;

	if (sa->nqueue == sizeof(sa->queue) / sizeof(sa->queue[0]))
		return -1;
	q = &sa->queue[sa->nqueue++];
	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->spi = spi;
	if (tsl != NULL)
		q->tsl = *tsl;
	if (tsr != NULL)
		q->tsr = *tsr;
	ike_run_queue(ike, sa);
	return 0;
}

void
ike_run_queue(struct ike *ike, struct ike_sa *sa)
{
	struct ike_queued q;

	while (sa->st == S_ESTABLISHED && sa->req.kind == REQ_NONE &&
	    sa->nqueue > 0) {
		q = sa->queue[0];
		memmove(sa->queue, sa->queue + 1, --sa->nqueue * sizeof(q));
		switch (q.kind) {
		case REQ_CHILD:
		case REQ_REKEY_CHILD:
		case REQ_REKEY_IKE:
			ike_create_child_start(ike, sa, q.kind, q.spi, &q.tsl, &q.tsr);
			break;
		default:
			ike_info_start(ike, sa, q.kind, q.spi);
			break;
		}
	}
}

int
ike_initiate(struct ike *ike, uint64_t now_ms,
    const struct ike_endpoint *local, const struct ike_endpoint *remote,
    const struct ike_ts *ts_local, const struct ike_ts *ts_remote)
{
	const struct ike_peer *peer;
	struct ike_sa *sa;

	ike->now = now_ms;
	if ((peer = ike_find_peer(ike, &remote->addr)) == NULL)
		return -1;
	if ((sa = find_up(ike, &remote->addr, 0, 0)) != NULL)
		/* runs once the IKE SA is up (at once if it is) */
		return queue_req(ike, sa, REQ_CHILD, 0, ts_local, ts_remote);
	if ((sa = ike_sa_new(ike, peer, true, local, remote)) == NULL)
		return -1;
	sa->ispi = ike_new_spi64();
	sa->first.ts_local = *ts_local;
	sa->first.ts_remote = *ts_remote;
	if (ike_init_start(ike, sa) != 0) {
		sa->st = S_DEAD;
		return -1;
	}
	return 0;
}

int
ike_rekey_child(struct ike *ike, uint64_t now_ms, uint32_t spi_in)
{
	struct ike_sa *sa = find_up(ike, NULL, 0, spi_in);
	struct ike_child *c;

	ike->now = now_ms;
	if (sa == NULL ||
	    queue_req(ike, sa, REQ_REKEY_CHILD, spi_in, NULL, NULL) != 0)
		return -1;
	/* the lifetime need not queue another */
	if ((c = ike_child_find(sa, spi_in)) != NULL)
		c->rekeying = true;
	return 0;
}

int
ike_delete_child(struct ike *ike, uint64_t now_ms, uint32_t spi_in)
{
	struct ike_sa *sa = find_up(ike, NULL, 0, spi_in);

	ike->now = now_ms;
	return sa ? queue_req(ike, sa, REQ_DELETE_CHILD, spi_in, NULL, NULL) : -1;
}

int
ike_rekey_ike(struct ike *ike, uint64_t now_ms, uint64_t ispi)
{
	struct ike_sa *sa = find_up(ike, NULL, ispi, 0);

	ike->now = now_ms;
	return sa ? queue_req(ike, sa, REQ_REKEY_IKE, 0, NULL, NULL) : -1;
}

int
ike_delete_ike(struct ike *ike, uint64_t now_ms, uint64_t ispi)
{
	struct ike_sa *sa = find_up(ike, NULL, ispi, 0);

	ike->now = now_ms;
	return sa ? queue_req(ike, sa, REQ_DELETE_IKE, 0, NULL, NULL) : -1;
}

int
ike_liveness(struct ike *ike, uint64_t now_ms, uint64_t ispi)
{
	struct ike_sa *sa = find_up(ike, NULL, ispi, 0);

	ike->now = now_ms;
	return sa ? queue_req(ike, sa, REQ_LIVENESS, 0, NULL, NULL) : -1;
}

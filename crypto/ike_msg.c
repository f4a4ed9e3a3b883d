#include "config.h"

#include <string.h>

#include "crypto/ike_msg.h"

const char *
ike_perr_str(int err)
{
	switch (err) {
	case IKE_OK:		return "ok";
	case IKE_ERR_SHORT:	return "message too short";
	case IKE_ERR_LENGTH:	return "length field does not match";
	case IKE_ERR_VERSION:	return "unsupported major version";
	case IKE_ERR_CHAIN:	return "bad payload chain";
	case IKE_ERR_TOO_MANY:	return "too many payloads";
	case IKE_ERR_CRITICAL:	return "unsupported critical payload";
	case IKE_ERR_SK_NOT_LAST: return "SK payload is not last";
	case IKE_ERR_SYNTAX:	return "invalid syntax";
	}
	return "?";
}

int
ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h)
{
	if (len < IKE_HDR_LEN)
		return IKE_ERR_SHORT;
	h->ispi = ike_get64(buf);
	h->rspi = ike_get64(buf + 8);
	h->next = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msgid = ike_get32(buf + 20);
	h->length = ike_get32(buf + 24);
	if ((h->version >> 4) != 2)
		return IKE_ERR_VERSION;
	if (h->length != len)
		return IKE_ERR_LENGTH;
	return IKE_OK;
}

static bool
payload_known(uint8_t t)
{
	return (t >= PL_SA && t <= PL_EAP) || t == PL_SKF;
}

int
ike_chain_parse(uint8_t first, const uint8_t *buf, size_t len,
    struct ike_msg *m, uint8_t *bad_type)
{
	uint8_t type = first;
	size_t off = 0;

	while (type != PL_NONE) {
		const uint8_t *b = buf + off;
		size_t plen;
		uint8_t next;

		if (len - off < IKE_GEN_HDR_LEN)
			return IKE_ERR_CHAIN;
		next = b[0];
		plen = ike_get16(b + 2);
		if (plen < IKE_GEN_HDR_LEN || plen > len - off)
			return IKE_ERR_CHAIN;
		if (payload_known(type)) {
			struct ike_payload *p;

			if (m->npl == IKE_MAX_PAYLOADS)
				return IKE_ERR_TOO_MANY;
			p = &m->pl[m->npl++];
			p->type = type;
			p->critical = (b[1] & 0x80) != 0;
			p->body = b + IKE_GEN_HDR_LEN;
			p->len = plen - IKE_GEN_HDR_LEN;
		} else if (b[1] & 0x80) {
			if (bad_type != NULL)
				*bad_type = type;
			return IKE_ERR_CRITICAL;
		}
		off += plen;
		if (type == PL_SK || type == PL_SKF) {
			/* "next" names the first encrypted payload */
			if (off != len)
				return IKE_ERR_SK_NOT_LAST;
			return IKE_OK;
		}
		type = next;
	}
	return off == len ? IKE_OK : IKE_ERR_CHAIN;
}

int
ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = ike_hdr_parse(buf, len, &m->hdr)) != IKE_OK)
		return rc;
	m->raw = buf;
	m->rawlen = len;
	return ike_chain_parse(m->hdr.next, buf + IKE_HDR_LEN,
	    len - IKE_HDR_LEN, m, NULL);
}

uint8_t
ike_msg_sk_inner(const struct ike_msg *m)
{
	const struct ike_payload *p = ike_msg_find(m, PL_SK);

	return p == NULL ? PL_NONE : p->body[-IKE_GEN_HDR_LEN];
}

const struct ike_payload *
ike_msg_find(const struct ike_msg *m, uint8_t type)
{
	size_t i;

	for (i = 0; i < m->npl; i++)
		if (m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

const struct ike_payload *
ike_msg_find_notify(const struct ike_msg *m, uint16_t type)
{
	struct ike_notify_pl n;
	size_t i;

	for (i = 0; i < m->npl; i++)
		if (m->pl[i].type == PL_NOTIFY &&
		    ike_parse_notify(&m->pl[i], &n) == IKE_OK && n.type == type)
			return &m->pl[i];
	return NULL;
}

/* --- SA payload --- */

static bool
transform_known(uint8_t type, uint16_t id)
{
	switch (type) {
	case TT_ENCR:
		return id == ENCR_NULL || id == ENCR_AES_CBC ||
		    id == ENCR_AES_GCM_16 || id == ENCR_CHACHA20_POLY1305;
	case TT_PRF:
		return id == PRF_HMAC_SHA1 || id == PRF_HMAC_SHA2_256 ||
		    id == PRF_HMAC_SHA2_384;
	case TT_INTEG:
		return id == AUTH_NONE || id == AUTH_HMAC_SHA1_96 ||
		    id == AUTH_HMAC_SHA2_256_128 || id == AUTH_HMAC_SHA2_384_192;
	case TT_DH:
		return id == DH_NONE || id == DH_MODP_2048 || id == DH_ECP_256 ||
		    id == DH_ECP_384;
	case TT_ESN:
		return id == ESN_NO || id == ESN_YES;
	}
	return false;
}

/* One transform substructure at b (len bytes available). Sets *tlen.
 * Returns 1 to keep *t, 0 to skip it (unknown algorithm or attribute),
 * or an IKE_ERR_*. */
static int
parse_transform(const uint8_t *b, size_t len, bool last, size_t *tlen,
    struct transform *t)
{
	size_t l, off;
	bool keep;

	if (len < 8)
		return -IKE_ERR_SYNTAX;
	l = ike_get16(b + 2);
	if (l < 8 || l > len || (b[0] != 0 && b[0] != 3) ||
	    (b[0] == 0) != last)
		return -IKE_ERR_SYNTAX;
	*tlen = l;
	t->type = b[4];
	t->id = ike_get16(b + 6);
	t->keylen = 0;
	keep = transform_known(t->type, t->id);
	for (off = 8; off < l; ) {
		uint16_t at;
		size_t alen;

		if (l - off < 4)
			return -IKE_ERR_SYNTAX;
		at = ike_get16(b + off);
		if (at & 0x8000) {
			alen = 4;
			if ((at & 0x7fff) == 14)	/* Key Length */
				t->keylen = ike_get16(b + off + 2);
			else
				keep = false;
		} else {
			alen = 4 + (size_t)ike_get16(b + off + 2);
			if (alen > l - off)
				return -IKE_ERR_SYNTAX;
			keep = false;
		}
		off += alen;
	}
	if (t->type == TT_ENCR && t->id == ENCR_AES_CBC &&
	    t->keylen != 128 && t->keylen != 192 && t->keylen != 256)
		keep = false;
	if (t->type == TT_ENCR && t->id == ENCR_AES_GCM_16 &&
	    t->keylen != 128 && t->keylen != 192 && t->keylen != 256)
		keep = false;
	return keep ? 1 : 0;
}

static int
parse_proposal(const uint8_t *b, size_t len, bool last, size_t *plen,
    struct ike_prop *pr)
{
	size_t l, off, i, nt, tlen;
	int rc;

	if (len < 8)
		return IKE_ERR_SYNTAX;
	l = ike_get16(b + 2);
	if (l < 8 || l > len || (b[0] != 0 && b[0] != 2) ||
	    (b[0] == 0) != last)
		return IKE_ERR_SYNTAX;
	*plen = l;
	memset(pr, 0, sizeof(*pr));
	pr->num = b[4];
	pr->protoid = b[5];
	pr->spisize = b[6];
	nt = b[7];
	if (pr->spisize > IKE_SPI_MAX || 8 + (size_t)pr->spisize > l)
		return IKE_ERR_SYNTAX;
	memcpy(pr->spi, b + 8, pr->spisize);
	off = 8 + pr->spisize;
	for (i = 0; i < nt; i++) {
		struct transform t;

		rc = parse_transform(b + off, l - off, i + 1 == nt, &tlen, &t);
		if (rc < 0)
			return -rc;
		off += tlen;
		if (rc == 1 && pr->p.nt < PROPOSAL_MAX_TRANSFORMS)
			pr->p.t[pr->p.nt++] = t;
	}
	return off == l ? IKE_OK : IKE_ERR_SYNTAX;
}

int
ike_parse_sa(const struct ike_payload *p, struct ike_sa_pl *out)
{
	size_t off = 0, plen;
	struct ike_prop pr;
	uint8_t prev = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (p->len == 0)
		return IKE_ERR_SYNTAX;
	while (off < p->len) {
		bool last = p->body[off] == 0;

		rc = parse_proposal(p->body + off, p->len - off, last, &plen, &pr);
		if (rc != IKE_OK)
			return rc;
		if (off == 0 ? pr.num != 1 :
		    pr.num != prev && pr.num != prev + 1)
			return IKE_ERR_SYNTAX;
		prev = pr.num;
		off += plen;
		if (last != (off == p->len))
			return IKE_ERR_SYNTAX;
		if (out->n < PROPOSAL_MAX)
			out->prop[out->n++] = pr;
		else
			out->truncated = true;
	}
	return IKE_OK;
}

int
ike_parse_ke(const struct ike_payload *p, struct ike_ke_pl *out)
{
	if (p->len < 5)
		return IKE_ERR_SYNTAX;
	out->group = ike_get16(p->body);
	out->data = p->body + 4;
	out->len = p->len - 4;
	return IKE_OK;
}

int
ike_parse_nonce(const struct ike_payload *p, const uint8_t **n, size_t *len)
{
	if (p->len < 16 || p->len > 256)
		return IKE_ERR_SYNTAX;
	*n = p->body;
	*len = p->len;
	return IKE_OK;
}

int
ike_parse_notify(const struct ike_payload *p, struct ike_notify_pl *out)
{
	if (p->len < 4)
		return IKE_ERR_SYNTAX;
	out->protoid = p->body[0];
	out->spisize = p->body[1];
	out->type = ike_get16(p->body + 2);
	if (out->spisize > IKE_SPI_MAX || 4 + (size_t)out->spisize > p->len)
		return IKE_ERR_SYNTAX;
	out->spi = p->body + 4;
	out->data = p->body + 4 + out->spisize;
	out->len = p->len - 4 - out->spisize;
	return IKE_OK;
}

int
ike_parse_id(const struct ike_payload *p, struct ike_id_pl *out)
{
	if (p->len < 5)
		return IKE_ERR_SYNTAX;
	out->type = p->body[0];
	out->data = p->body + 4;
	out->len = p->len - 4;
	out->body = p->body;
	out->bodylen = p->len;
	if ((out->type == ID_IPV4_ADDR && out->len != 4) ||
	    (out->type == ID_IPV6_ADDR && out->len != 16))
		return IKE_ERR_SYNTAX;
	return IKE_OK;
}

int
ike_parse_auth(const struct ike_payload *p, struct ike_auth_pl *out)
{
	if (p->len < 5)
		return IKE_ERR_SYNTAX;
	out->method = p->body[0];
	out->data = p->body + 4;
	out->len = p->len - 4;
	return IKE_OK;
}

int
ike_parse_ts(const struct ike_payload *p, struct ike_ts_pl *out)
{
	size_t off = 4, i, n;

	memset(out, 0, sizeof(*out));
	if (p->len < 4)
		return IKE_ERR_SYNTAX;
	n = p->body[0];
	if (n == 0)
		return IKE_ERR_SYNTAX;
	for (i = 0; i < n; i++) {
		const uint8_t *b = p->body + off;
		size_t l, alen;
		struct ike_ts ts;

		if (p->len - off < 8)
			return IKE_ERR_SYNTAX;
		l = ike_get16(b + 2);
		if (l < 8 || l > p->len - off)
			return IKE_ERR_SYNTAX;
		off += l;
		memset(&ts, 0, sizeof(ts));
		ts.type = b[0];
		if (ts.type == TS_IPV4_ADDR_RANGE) {
			alen = 4;
			ts.start.family = ts.end.family = AF_INET;
		} else if (ts.type == TS_IPV6_ADDR_RANGE) {
			alen = 16;
			ts.start.family = ts.end.family = AF_INET6;
		} else {
			continue;	/* a type we do not know: never chosen */
		}
		if (l != 8 + 2 * alen)
			return IKE_ERR_SYNTAX;
		ts.ipproto = b[1];
		ts.sport = ike_get16(b + 4);
		ts.eport = ike_get16(b + 6);
		memcpy(ts.start.a, b + 8, alen);
		memcpy(ts.end.a, b + 8 + alen, alen);
		if (out->n < IKE_MAX_TS)
			out->ts[out->n++] = ts;
	}
	return off == p->len ? IKE_OK : IKE_ERR_SYNTAX;
}

int
ike_parse_delete(const struct ike_payload *p, struct ike_delete_pl *out)
{
	size_t n, i;

	memset(out, 0, sizeof(*out));
	if (p->len < 4)
		return IKE_ERR_SYNTAX;
	out->protoid = p->body[0];
	out->spisize = p->body[1];
	n = ike_get16(p->body + 2);
	if (out->protoid == PROTO_IKE)
		return out->spisize == 0 && n == 0 && p->len == 4 ?
		    IKE_OK : IKE_ERR_SYNTAX;
	if ((out->protoid != PROTO_ESP && out->protoid != PROTO_AH) ||
	    out->spisize != 4 || p->len != 4 + 4 * n)
		return IKE_ERR_SYNTAX;
	for (i = 0; i < n && i < IKE_MAX_DEL; i++)
		out->spi[i] = ike_get32(p->body + 4 + 4 * i);
	out->n = i;
	return IKE_OK;
}

/* --- building --- */

void
ike_wbuf_init(struct ike_wbuf *w)
{
	w->len = 0;
	w->next_at = SIZE_MAX;
	w->pl_at = SIZE_MAX;
	w->failed = false;
	w->buf[0] = PL_NONE;
}

void
ike_put(struct ike_wbuf *w, const void *p, size_t n)
{
	if (w->failed || n > sizeof(w->buf) - w->len) {
		w->failed = true;
		return;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void ike_put8(struct ike_wbuf *w, uint8_t v) { ike_put(w, &v, 1); }

void
ike_put16(struct ike_wbuf *w, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	ike_put(w, b, 2);
}

void
ike_put32(struct ike_wbuf *w, uint32_t v)
{
	ike_put16(w, v >> 16);
	ike_put16(w, v & 0xffff);
}

void
ike_put64(struct ike_wbuf *w, uint64_t v)
{
	ike_put32(w, v >> 32);
	ike_put32(w, v & 0xffffffff);
}

static void
set16(struct ike_wbuf *w, size_t at, size_t v)
{
	w->buf[at] = (v >> 8) & 0xff;
	w->buf[at + 1] = v & 0xff;
}

void
ike_msg_begin(struct ike_wbuf *w, const struct ike_hdr *h)
{
	ike_wbuf_init(w);
	ike_put64(w, h->ispi);
	ike_put64(w, h->rspi);
	ike_put8(w, PL_NONE);
	ike_put8(w, IKE_VERSION);
	ike_put8(w, h->exchange);
	ike_put8(w, h->flags);
	ike_put32(w, h->msgid);
	ike_put32(w, 0);
	w->next_at = 16;
}

uint8_t
ike_chain_first(const struct ike_wbuf *w)
{
	return w->len > 0 ? w->first : PL_NONE;
}

void
ike_pl_begin(struct ike_wbuf *w, uint8_t type)
{
	if (w->failed)
		return;
	if (w->next_at == SIZE_MAX)
		w->first = type;
	else
		w->buf[w->next_at] = type;
	w->pl_at = w->len;
	w->next_at = w->len;
	ike_put8(w, PL_NONE);
	ike_put8(w, 0);
	ike_put16(w, 0);
}

void
ike_pl_end(struct ike_wbuf *w)
{
	size_t l = w->len - w->pl_at;

	if (w->failed)
		return;
	if (l > 0xffff) {
		w->failed = true;
		return;
	}
	set16(w, w->pl_at + 2, l);
}

void
ike_msg_end(struct ike_wbuf *w)
{
	if (w->failed || w->len < IKE_HDR_LEN)
		return;
	w->buf[24] = (w->len >> 24) & 0xff;
	w->buf[25] = (w->len >> 16) & 0xff;
	w->buf[26] = (w->len >> 8) & 0xff;
	w->buf[27] = w->len & 0xff;
}

static void
put_prop(struct ike_wbuf *w, const struct ike_prop *pr, bool last)
{
	size_t start = w->len, i;

	ike_put8(w, last ? 0 : 2);
	ike_put8(w, 0);
	ike_put16(w, 0);
	ike_put8(w, pr->num);
	ike_put8(w, pr->protoid);
	ike_put8(w, pr->spisize);
	ike_put8(w, (uint8_t)pr->p.nt);
	ike_put(w, pr->spi, pr->spisize);
	for (i = 0; i < pr->p.nt; i++) {
		const struct transform *t = &pr->p.t[i];

		ike_put8(w, i + 1 == pr->p.nt ? 0 : 3);
		ike_put8(w, 0);
		ike_put16(w, t->keylen ? 12 : 8);
		ike_put8(w, t->type);
		ike_put8(w, 0);
		ike_put16(w, t->id);
		if (t->keylen) {
			ike_put16(w, 0x8000 | 14);
			ike_put16(w, t->keylen);
		}
	}
	if (!w->failed)
		set16(w, start + 2, w->len - start);
}

void
ike_add_sa(struct ike_wbuf *w, const struct ike_prop *props, size_t n)
{
	size_t i;

	ike_pl_begin(w, PL_SA);
	for (i = 0; i < n; i++)
		put_prop(w, &props[i], i + 1 == n);
	ike_pl_end(w);
}

void
ike_add_ke(struct ike_wbuf *w, uint16_t group, const uint8_t *d, size_t n)
{
	ike_pl_begin(w, PL_KE);
	ike_put16(w, group);
	ike_put16(w, 0);
	ike_put(w, d, n);
	ike_pl_end(w);
}

void
ike_add_nonce(struct ike_wbuf *w, const uint8_t *n, size_t len)
{
	ike_pl_begin(w, PL_NONCE);
	ike_put(w, n, len);
	ike_pl_end(w);
}

void
ike_add_notify(struct ike_wbuf *w, uint8_t protoid, const uint8_t *spi,
    size_t spisize, uint16_t type, const uint8_t *data, size_t len)
{
	ike_pl_begin(w, PL_NOTIFY);
	ike_put8(w, protoid);
	ike_put8(w, (uint8_t)spisize);
	ike_put16(w, type);
	ike_put(w, spi, spisize);
	ike_put(w, data, len);
	ike_pl_end(w);
}

void
ike_add_id(struct ike_wbuf *w, uint8_t ptype, uint8_t idtype,
    const uint8_t *d, size_t n)
{
	ike_pl_begin(w, ptype);
	ike_put8(w, idtype);
	ike_put8(w, 0);
	ike_put16(w, 0);
	ike_put(w, d, n);
	ike_pl_end(w);
}

void
ike_add_auth(struct ike_wbuf *w, uint8_t method, const uint8_t *d, size_t n)
{
	ike_pl_begin(w, PL_AUTH);
	ike_put8(w, method);
	ike_put8(w, 0);
	ike_put16(w, 0);
	ike_put(w, d, n);
	ike_pl_end(w);
}

void
ike_add_ts(struct ike_wbuf *w, uint8_t ptype, const struct ike_ts *ts, size_t n)
{
	size_t i, alen;

	ike_pl_begin(w, ptype);
	ike_put8(w, (uint8_t)n);
	ike_put8(w, 0);
	ike_put16(w, 0);
	for (i = 0; i < n; i++) {
		alen = ts[i].type == TS_IPV4_ADDR_RANGE ? 4 : 16;
		ike_put8(w, ts[i].type);
		ike_put8(w, ts[i].ipproto);
		ike_put16(w, (uint16_t)(8 + 2 * alen));
		ike_put16(w, ts[i].sport);
		ike_put16(w, ts[i].eport);
		ike_put(w, ts[i].start.a, alen);
		ike_put(w, ts[i].end.a, alen);
	}
	ike_pl_end(w);
}

void
ike_add_delete(struct ike_wbuf *w, uint8_t protoid, const uint32_t *spis,
    size_t n)
{
	size_t i;

	ike_pl_begin(w, PL_DELETE);
	ike_put8(w, protoid);
	ike_put8(w, protoid == PROTO_IKE ? 0 : 4);
	ike_put16(w, (uint16_t)n);
	for (i = 0; i < n; i++)
		ike_put32(w, spis[i]);
	ike_pl_end(w);
}

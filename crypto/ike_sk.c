#include "config.h"

#include <string.h>

#include "crypto/ike_sk.h"

int
ike_sk_seal(struct cipher *c, uint64_t *ivctr, struct ike_wbuf *w,
    const struct ike_wbuf *inner)
{
	size_t ivlen = cipher_ivlen(c), icvlen = cipher_icvlen(c);
	size_t blk = cipher_blocklen(c), plen, pad, iv_at, data_at;
	struct cipher_aad aad;
	uint8_t zero[16] = { 0 };

	if (inner->failed || w->failed)
		return -1;
	ike_pl_begin(w, PL_SK);
	if (w->failed)
		return -1;
	w->buf[w->pl_at] = ike_chain_first(inner);
	aad.a = w->buf;
	aad.alen = w->len;		/* header through the SK header */
	aad.b = NULL;
	aad.blen = 0;
	iv_at = w->len;
	ike_put(w, zero, ivlen);
	data_at = w->len;
	plen = inner->len + 1;
	pad = (blk - plen % blk) % blk;
	ike_put(w, inner->buf, inner->len);
	ike_put(w, zero, pad);
	ike_put8(w, (uint8_t)pad);
	ike_put(w, zero, icvlen);
	if (w->failed)
		return -1;
	ike_pl_end(w);
	ike_msg_end(w);
	cipher_make_iv(c, (*ivctr)++, w->buf + iv_at);
	return cipher_seal(c, &aad, w->buf + iv_at, w->buf + data_at,
	    plen + pad, w->buf + data_at + plen + pad);
}

int
ike_sk_open(struct cipher *c, uint8_t *raw, struct ike_msg *m,
    uint8_t *bad_type)
{
	const struct ike_payload *p = ike_msg_find(m, PL_SK);
	size_t ivlen = cipher_ivlen(c), icvlen = cipher_icvlen(c);
	size_t blk = cipher_blocklen(c), at, len, pad;
	struct cipher_aad aad;
	uint8_t *body;

	if (p == NULL || p->len < ivlen + icvlen + 1)
		return -1;
	at = (size_t)(p->body - m->raw);
	body = raw + at;
	len = p->len - ivlen - icvlen;
	if (len % blk != 0)
		return -1;
	aad.a = raw;
	aad.alen = at;
	aad.b = NULL;
	aad.blen = 0;
	if (cipher_open(c, &aad, body, body + ivlen, len, body + ivlen + len) != 0)
		return -1;
	pad = body[ivlen + len - 1];
	if (pad + 1 > len)
		return -1;
	return ike_chain_parse(ike_msg_sk_inner(m), body + ivlen,
	    len - pad - 1, m, bad_type);
}

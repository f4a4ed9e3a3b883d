/* ESP encapsulation and decapsulation (RFC 4303); see esp.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/cipher.h"
#include "crypto/esp.h"

struct esp_sa {
	struct cipher		*c;
	uint32_t		 spi;
	bool			 inbound;
	bool			 esn;
	bool			 udp_encap;
	enum esp_mode		 mode;
	uint64_t		 seq;		/* outbound: last sent */
	struct replay		 replay;	/* inbound */
	struct esp_lifetime	 soft, hard;
	uint64_t		 created;
	bool			 soft_done;
	bool			 dead;
	esp_expire_fn		 expire;
	void			*arg;
	struct esp_stats	 st;
};

static const char *drop_names[ESP_DROP_MAX] = {
	[ESP_DROP_REPLAY] = "replay", [ESP_DROP_AUTH] = "auth",
	[ESP_DROP_PAD] = "padding", [ESP_DROP_TRUNC] = "truncated",
	[ESP_DROP_SPI] = "unknown-spi", [ESP_DROP_EXPIRED] = "expired",
	[ESP_DROP_INNER] = "bad-inner", [ESP_DROP_NOROOM] = "no-room",
};

const char *
esp_drop_name(enum esp_drop d)
{
	return (unsigned)d < ESP_DROP_MAX ? drop_names[d] : "?";
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

uint32_t
esp_spi_of(const uint8_t *pkt, size_t len)
{
	return len < ESP_HDR_LEN ? 0 : get32(pkt);
}

struct esp_sa *
esp_sa_new(const struct esp_sa_conf *conf, bool inbound, uint64_t now,
    esp_expire_fn expire, void *arg, char *err, size_t errlen)
{
	struct esp_sa *sa;

	if (conf->spi == 0) {
		snprintf(err, errlen, "SPI 0 is reserved");
		return NULL;
	}
	if ((sa = calloc(1, sizeof(*sa))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	sa->c = cipher_new(conf->encr, conf->keybits, conf->integ, conf->ekey,
	    conf->ekeylen, conf->akey, conf->akeylen, err, errlen);
	if (sa->c == NULL) {
		free(sa);
		return NULL;
	}
	if (replay_init(&sa->replay, conf->replay_window, conf->esn) != 0) {
		snprintf(err, errlen, "replay window %u above %u",
		    conf->replay_window, REPLAY_WINDOW_MAX);
		esp_sa_free(sa);
		return NULL;
	}
	sa->spi = conf->spi;
	sa->inbound = inbound;
	sa->esn = conf->esn;
	sa->udp_encap = conf->udp_encap;
	sa->mode = conf->mode;
	sa->soft = conf->soft;
	sa->hard = conf->hard;
	sa->created = now;
	sa->expire = expire;
	sa->arg = arg;
	return sa;
}

void
esp_sa_free(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	cipher_free(sa->c);
	free(sa);
}

uint32_t esp_sa_spi(const struct esp_sa *sa) { return sa->spi; }
enum esp_mode esp_sa_mode(const struct esp_sa *sa) { return sa->mode; }
bool esp_sa_udp_encap(const struct esp_sa *sa) { return sa->udp_encap; }
bool esp_sa_dead(const struct esp_sa *sa) { return sa->dead; }
const struct esp_stats *esp_sa_stats(const struct esp_sa *sa) { return &sa->st; }
const char *esp_sa_cipher_name(const struct esp_sa *sa) { return cipher_name(sa->c); }

uint64_t
esp_sa_seq(const struct esp_sa *sa)
{
	return sa->inbound ? sa->replay.top : sa->seq;
}

static void
expire_soft(struct esp_sa *sa)
{
	if (sa->soft_done || sa->dead)
		return;
	sa->soft_done = true;
	if (sa->expire != NULL)
		sa->expire(sa, false, sa->arg);
}

static void
expire_hard(struct esp_sa *sa)
{
	if (sa->dead)
		return;
	sa->dead = true;
	sa->soft_done = true;
	if (sa->expire != NULL)
		sa->expire(sa, true, sa->arg);
}

static bool
reached(uint64_t limit, uint64_t value)
{
	return limit != 0 && value >= limit;
}

/* Counts a good packet and applies the byte and packet lifetimes. */
static void
account(struct esp_sa *sa, size_t len)
{
	sa->st.packets++;
	sa->st.bytes += len;
	if (reached(sa->hard.packets, sa->st.packets) ||
	    reached(sa->hard.bytes, sa->st.bytes))
		expire_hard(sa);
	else if (reached(sa->soft.packets, sa->st.packets) ||
	    reached(sa->soft.bytes, sa->st.bytes))
		expire_soft(sa);
}

void
esp_sa_tick(struct esp_sa *sa, uint64_t now)
{
	uint64_t age = now > sa->created ? now - sa->created : 0;

	if (reached(sa->hard.seconds, age))
		expire_hard(sa);
	else if (reached(sa->soft.seconds, age))
		expire_soft(sa);
}

static int
drop(struct esp_sa *sa, enum esp_drop d, enum esp_drop *why)
{
	sa->st.drops[d]++;
	if (why != NULL)
		*why = d;
	return -1;
}

void
esp_sa_set_seq(struct esp_sa *sa, uint64_t seq)
{
	if (seq <= esp_sa_seq(sa))
		return;
	if (sa->inbound) {
		memset(sa->replay.ring, 0, sizeof(sa->replay.ring));
		sa->replay.top = seq;
	} else {
		sa->seq = seq;
	}
}

void
esp_sa_count_drop(struct esp_sa *sa, enum esp_drop d)
{
	if ((unsigned)d < ESP_DROP_MAX)
		sa->st.drops[d]++;
}

/* The authenticated data of one packet: hdr is the packet's SPI and
 * sequence number; aad12 is room for the ESN form of the AEAD AAD. */
static void
make_aad(const struct esp_sa *sa, const uint8_t *hdr, uint64_t seq,
    uint8_t *aad12, uint8_t *hi, struct cipher_aad *a)
{
	memset(a, 0, sizeof(*a));
	put32(hi, (uint32_t)(seq >> 32));
	if (!sa->esn) {
		a->a = hdr;
		a->alen = ESP_HDR_LEN;
	} else if (cipher_is_aead(sa->c)) {
		/* RFC 4106 §5, RFC 7634 §2.1: SPI, seq high, seq low */
		memcpy(aad12, hdr, 4);
		memcpy(aad12 + 4, hi, 4);
		memcpy(aad12 + 8, hdr + 4, 4);
		a->a = aad12;
		a->alen = 12;
	} else {
		/* RFC 4303 §2.2.1: high bits after the payload */
		a->a = hdr;
		a->alen = ESP_HDR_LEN;
		a->b = hi;
		a->blen = 4;
	}
}

static size_t
padded_len(const struct esp_sa *sa, size_t len)
{
	size_t align = cipher_alignlen(sa->c);

	return (len + ESP_TRAILER_MIN + align - 1) / align * align;
}

size_t
esp_hdrlen(const struct esp_sa *sa)
{
	return ESP_HDR_LEN + cipher_ivlen(sa->c);
}

size_t
esp_encap_len(const struct esp_sa *sa, size_t len)
{
	return ESP_HDR_LEN + cipher_ivlen(sa->c) + padded_len(sa, len) +
	    cipher_icvlen(sa->c);
}

int
esp_encap(struct esp_sa *sa, uint8_t next_header, const uint8_t *payload,
    size_t len, uint8_t *out, size_t outcap, size_t *outlen,
    enum esp_drop *why)
{
	size_t ivlen = cipher_ivlen(sa->c), plen = padded_len(sa, len), i, pad;
	uint8_t *body = out + ESP_HDR_LEN + ivlen, aad12[12], hi[4];
	struct cipher_aad a;

	if (sa->dead || sa->inbound)
		return drop(sa, ESP_DROP_EXPIRED, why);
	if (sa->seq == (sa->esn ? UINT64_MAX : UINT32_MAX)) {
		/* RFC 4303 §3.3.3: never cycle; the SA must be rekeyed */
		expire_hard(sa);
		return drop(sa, ESP_DROP_EXPIRED, why);
	}
	if (len > SIZE_MAX / 2 || esp_encap_len(sa, len) > outcap)
		return drop(sa, ESP_DROP_NOROOM, why);
	sa->seq++;
	if (body != payload)
		memmove(body, payload, len);
	pad = plen - len - ESP_TRAILER_MIN;
	for (i = 0; i < pad; i++)
		body[len + i] = (uint8_t)(i + 1);	/* RFC 4303 §2.4 */
	body[plen - 2] = (uint8_t)pad;
	body[plen - 1] = next_header;
	put32(out, sa->spi);
	put32(out + 4, (uint32_t)sa->seq);
	cipher_make_iv(sa->c, sa->seq, out + ESP_HDR_LEN);
	make_aad(sa, out, sa->seq, aad12, hi, &a);
	if (cipher_seal(sa->c, &a, out + ESP_HDR_LEN, body, plen,
	    body + plen) != 0) {
		/* cannot happen with a padded length; count it anyway */
		return drop(sa, ESP_DROP_TRUNC, why);
	}
	*outlen = esp_encap_len(sa, len);
	account(sa, len);
	return 0;
}

/* RFC 4303 §2.4: the default padding is 1, 2, 3, ... */
static bool
pad_ok(const uint8_t *pad, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pad[i] != (uint8_t)(i + 1))
			return false;
	return true;
}

int
esp_decap(struct esp_sa *sa, uint8_t *pkt, size_t len,
    struct esp_payload *out, enum esp_drop *why)
{
	size_t ivlen = cipher_ivlen(sa->c), icvlen = cipher_icvlen(sa->c);
	size_t clen, pad;
	uint8_t *body, aad12[12], hi[4];
	struct cipher_aad a;
	uint64_t seq;

	if (sa->dead || !sa->inbound)
		return drop(sa, ESP_DROP_EXPIRED, why);
	if (len < ESP_HDR_LEN + ivlen + ESP_TRAILER_MIN + icvlen)
		return drop(sa, ESP_DROP_TRUNC, why);
	clen = len - ESP_HDR_LEN - ivlen - icvlen;
	if (clen % cipher_blocklen(sa->c) != 0)
		return drop(sa, ESP_DROP_TRUNC, why);
	if (get32(pkt) != sa->spi)
		return drop(sa, ESP_DROP_SPI, why);
	if (replay_check(&sa->replay, get32(pkt + 4), &seq) != 0)
		return drop(sa, ESP_DROP_REPLAY, why);
	body = pkt + ESP_HDR_LEN + ivlen;
	make_aad(sa, pkt, seq, aad12, hi, &a);
	if (cipher_open(sa->c, &a, pkt + ESP_HDR_LEN, body, clen,
	    body + clen) != 0)
		return drop(sa, ESP_DROP_AUTH, why);
	pad = body[clen - 2];
	if (pad + ESP_TRAILER_MIN > clen ||
	    !pad_ok(body + clen - ESP_TRAILER_MIN - pad, pad))
		return drop(sa, ESP_DROP_PAD, why);
	replay_update(&sa->replay, seq);
	out->data = body;
	out->len = clen - ESP_TRAILER_MIN - pad;
	out->next_header = body[clen - 1];
	out->seq = seq;
	account(sa, out->len);
	return 0;
}

/* Shared by fuzz_esp_decap and the generator of its seed corpus: the first
 * input byte picks the SA (algorithm, ESN, mode, family, UDP encapsulation)
 * and what the rest is: what arrived on UDP port 4500, or (FUZZ_ESP_SEAL)
 * the plaintext of an ESP packet -- payload, padding, pad length, next
 * header -- that the target seals with the SA's keys first, so that the
 * checks behind the ICV (padding, inner packet, transport header) see
 * arbitrary bytes too. Keys are fixed so that seeds are valid packets. */
#ifndef IPSECFS_ESP_FUZZ_SA_H
#define IPSECFS_ESP_FUZZ_SA_H

#include <stdint.h>
#include <string.h>

#include "crypto/cipher.h"
#include "crypto/esp.h"
#include "engine/proposal.h"

#define FUZZ_ESP_SPI	0x1000

static const struct {
	uint16_t encr, keybits, integ;
} fuzz_esp_algs[8] = {
	{ ENCR_AES_GCM_16, 128, AUTH_NONE },
	{ ENCR_AES_GCM_16, 256, AUTH_NONE },
	{ ENCR_CHACHA20_POLY1305, 256, AUTH_NONE },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_NULL, 0, AUTH_HMAC_SHA1_96 },
	{ ENCR_NULL, 0, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_GCM_16, 128, AUTH_NONE },
};

/* selector bits */
#define FUZZ_ESP_ALG(s)		((s) & 0x07)
#define FUZZ_ESP_SEAL(s)	(((s) & 0x08) != 0)
#define FUZZ_ESP_ESN(s)		(((s) & 0x10) != 0)
#define FUZZ_ESP_TUNNEL(s)	(((s) & 0x20) != 0)
#define FUZZ_ESP_V6(s)		(((s) & 0x40) != 0)
#define FUZZ_ESP_UDP(s)		(((s) & 0x80) != 0)

static const uint8_t fuzz_esp_key[36] = "fuzz-esp-encryption-key-and-salt!!!";
static const uint8_t fuzz_esp_akey[32] = "fuzz-esp-integrity-key-32-bytes";

static inline struct esp_sa *
fuzz_esp_sa(uint8_t sel, bool inbound)
{
	const uint8_t *key = fuzz_esp_key, *akey = fuzz_esp_akey;
	struct esp_sa_conf c = { .spi = FUZZ_ESP_SPI, .ekey = key, .akey = akey };
	char err[128];

	c.encr = fuzz_esp_algs[FUZZ_ESP_ALG(sel)].encr;
	c.keybits = fuzz_esp_algs[FUZZ_ESP_ALG(sel)].keybits;
	c.integ = fuzz_esp_algs[FUZZ_ESP_ALG(sel)].integ;
	c.esn = FUZZ_ESP_ESN(sel);
	c.mode = FUZZ_ESP_TUNNEL(sel) ? ESP_MODE_TUNNEL : ESP_MODE_TRANSPORT;
	if (cipher_keylen(c.encr, c.keybits, c.integ, &c.ekeylen,
	    &c.akeylen) != 0)
		return NULL;
	return esp_sa_new(&c, inbound, 0, NULL, NULL, err, sizeof(err));
}

/* Seals body[0..len) (cut to whole blocks) as the ESP packet with sequence
 * number 1 of the SA sel into out, as RFC 4303/4106/7634 say: the same
 * AAD rules as crypto/esp.c, written again here on purpose. Returns the
 * packet length, 0 when there is nothing to seal. */
static inline size_t
fuzz_esp_seal(uint8_t sel, const uint8_t *body, size_t len, uint8_t *out)
{
	static const uint8_t hdr[8] = { 0, 0, 0x10, 0, 0, 0, 0, 1 };
	static const uint8_t aad12[12] = { 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t hi[4] = { 0 };
	struct cipher_aad aad = { hdr, 8, NULL, 0 };
	size_t elen, alen, ivlen;
	struct cipher *c;
	char err[128];

	if (cipher_keylen(fuzz_esp_algs[FUZZ_ESP_ALG(sel)].encr,
	    fuzz_esp_algs[FUZZ_ESP_ALG(sel)].keybits,
	    fuzz_esp_algs[FUZZ_ESP_ALG(sel)].integ, &elen, &alen) != 0 ||
	    (c = cipher_new(fuzz_esp_algs[FUZZ_ESP_ALG(sel)].encr,
	    fuzz_esp_algs[FUZZ_ESP_ALG(sel)].keybits,
	    fuzz_esp_algs[FUZZ_ESP_ALG(sel)].integ, fuzz_esp_key, elen,
	    fuzz_esp_akey, alen, err, sizeof(err))) == NULL)
		return 0;
	len -= len % cipher_blocklen(c);
	if (FUZZ_ESP_ESN(sel) && cipher_is_aead(c))
		aad = (struct cipher_aad){ aad12, 12, NULL, 0 };
	else if (FUZZ_ESP_ESN(sel))
		aad.b = hi, aad.blen = 4;
	ivlen = cipher_ivlen(c);
	memcpy(out, hdr, 8);
	cipher_make_iv(c, 1, out + 8);
	memcpy(out + 8 + ivlen, body, len);
	if (cipher_seal(c, &aad, out + 8, out + 8 + ivlen, len,
	    out + 8 + ivlen + len) != 0)
		len = 0;
	else
		len += 8 + ivlen + cipher_icvlen(c);
	cipher_free(c);
	return len;
}

#endif

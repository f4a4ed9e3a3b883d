/* Shared by fuzz_esp_decap and the generator of its seed corpus: the first
 * input byte picks the SA (algorithm, ESN, mode, family, UDP encapsulation),
 * the rest is what arrived on UDP port 4500. Keys are fixed so that seeds
 * are valid packets and the fuzzer reaches past the ICV check. */
#ifndef IPSECFS_ESP_FUZZ_SA_H
#define IPSECFS_ESP_FUZZ_SA_H

#include <stdint.h>

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
#define FUZZ_ESP_ESN(s)		(((s) & 0x10) != 0)
#define FUZZ_ESP_TUNNEL(s)	(((s) & 0x20) != 0)
#define FUZZ_ESP_V6(s)		(((s) & 0x40) != 0)
#define FUZZ_ESP_UDP(s)		(((s) & 0x80) != 0)

static inline struct esp_sa *
fuzz_esp_sa(uint8_t sel, bool inbound)
{
	static const uint8_t key[36] = "fuzz-esp-encryption-key-and-salt!!!";
	static const uint8_t akey[32] = "fuzz-esp-integrity-key-32-bytes";
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

#endif

/* IKEv2 pseudo-random functions (RFC 7296 §2.13, RFC 4868) and the key
 * derivations built on them (§2.14, §2.17, §2.18). */
#ifndef IPSECFS_PRF_H
#define IPSECFS_PRF_H

#include <stddef.h>
#include <stdint.h>

#define PRF_MAX_LEN	48	/* HMAC-SHA2-384 */
#define PRFPLUS_MAX	(255 * PRF_MAX_LEN)

/* Registers the hashes, ciphers and the PRNG libtomcrypt needs and sets
 * its math provider; idempotent and thread-safe. */
void ike_crypto_init(void);

/* Output length of a PRF_* transform, 0 if unsupported. */
size_t prf_len(uint16_t prf);

/* out = prf(key, data). out has prf_len() bytes. 0 or -1. */
int prf(uint16_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *data, size_t len, uint8_t *out);
/* The same over data given in up to 4 pieces (NULL-terminated by len 0). */
int prf_v(uint16_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *const *d, const size_t *l, size_t n, uint8_t *out);
/* prf+ (§2.13): outlen bytes of T1 | T2 | ... ; outlen <= 255 * prf_len. */
int prf_plus(uint16_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen);

/* SKEYSEED = prf(Ni | Nr, g^ir) */
int ike_skeyseed(uint16_t alg, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
    uint8_t *out);
/* SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr) */
int ike_skeyseed_rekey(uint16_t alg, const uint8_t *skd, size_t skdlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out);
/* prf+(SKEYSEED, Ni | Nr | SPIi | SPIr): SK_d | SK_ai | ... | SK_pr */
int ike_dkm(uint16_t alg, const uint8_t *skeyseed, const uint8_t *ni,
    size_t nilen, const uint8_t *nr, size_t nrlen, uint64_t spii,
    uint64_t spir, uint8_t *out, size_t outlen);
/* KEYMAT = prf+(SK_d, [g^ir (new)] | Ni | Nr); gir may be NULL. */
int ike_child_keymat(uint16_t alg, const uint8_t *skd, size_t skdlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out, size_t outlen);

#endif

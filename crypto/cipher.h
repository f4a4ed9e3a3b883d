/* Per-SA cipher state for ESP (RFC 4303) and the IKEv2 SK payload
 * (RFC 7296 §3.14, RFC 5282): AES-GCM-16 (RFC 4106), ChaCha20-Poly1305
 * (RFC 7634), AES-CBC with HMAC-SHA1-96 (RFC 2404) or HMAC-SHA2-256-128
 * (RFC 4868), and NULL encryption with an HMAC (integrity only).
 *
 * One struct cipher per SA and direction, made once from the keys; every
 * packet then costs no key schedule, no GHASH table, no HMAC pad hashing.
 * A struct cipher is not thread-safe: one user at a time.
 *
 * Transform IDs and key sizes are those of engine/proposal.h. */
#ifndef IPSECFS_CIPHER_H
#define IPSECFS_CIPHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CIPHER_KEY_MAX		36	/* AES-256 key + 4-byte salt */
#define CIPHER_IV_MAX		16
#define CIPHER_ICV_MAX		16
#define CIPHER_SALT_LEN		4	/* RFC 4106 §8.1, RFC 7634 §2 */

struct cipher;

/* Key material lengths (bytes) for a transform pair: encr is ENCR_*, keybits
 * its key size in bits (128 or 256 for AES; 0 takes the only size for
 * ChaCha20-Poly1305 and NULL), integ is AUTH_* (AUTH_NONE with an AEAD).
 * For AES-GCM and ChaCha20-Poly1305 *enclen includes the 4 salt bytes that
 * follow the key (RFC 4106 §8.1, RFC 5282 §7.1, RFC 7634 §2). This is how
 * much KEYMAT to take, encryption key first (RFC 7296 §2.17).
 * Returns 0, or -1 when the combination is not supported. */
int cipher_keylen(uint16_t encr, uint16_t keybits, uint16_t integ,
    size_t *enclen, size_t *integlen);

/* Makes the state. ekey/ekeylen and akey/akeylen must have the lengths
 * cipher_keylen() gives (akey is NULL for an AEAD). Returns NULL with a
 * reason in err on an unsupported transform or a wrong key length. */
struct cipher *cipher_new(uint16_t encr, uint16_t keybits, uint16_t integ,
    const uint8_t *ekey, size_t ekeylen, const uint8_t *akey, size_t akeylen,
    char *err, size_t errlen);
/* Wipes the keys and frees. NULL is allowed. */
void cipher_free(struct cipher *c);

bool	cipher_is_aead(const struct cipher *c);
size_t	cipher_ivlen(const struct cipher *c);	/* 8 AEAD, 16 CBC, 0 NULL */
size_t	cipher_icvlen(const struct cipher *c);	/* 16, 12 for HMAC-SHA1-96 */
/* What the plaintext (with padding and trailer) must be a multiple of:
 * 16 for AES-CBC, 4 for the others (ESP's 4-byte alignment, RFC 4303 §2.4).
 * The IKE SK payload needs only the cipher's own block (cipher_blocklen). */
size_t	cipher_alignlen(const struct cipher *c);
size_t	cipher_blocklen(const struct cipher *c);	/* 16 CBC, 1 others */
/* "AES_GCM_16_128", "CHACHA20_POLY1305", "AES_CBC_256/HMAC_SHA2_256_128",
 * "NULL/HMAC_SHA1_96". */
const char *cipher_name(const struct cipher *c);

/* Makes the IV of the next packet. AEAD: the 64-bit counter, big-endian
 * (unique per key as RFC 4106 §3.1 asks; ESP passes its sequence number).
 * AES-CBC: unpredictable bytes from a per-SA ChaCha20 generator seeded
 * from getrandom() (RFC 4303 §3.3.2's requirement). NULL: nothing. */
void	cipher_make_iv(struct cipher *c, uint64_t counter, uint8_t *iv);

/* Data authenticated but not encrypted, in two pieces.
 * AEAD: the AAD is a || b.
 * Encrypt-then-MAC: the ICV is the truncated HMAC of a || iv || ciphertext || b
 *   (ESP: a = SPI and sequence number, b = the ESN high bits, RFC 4303
 *   §2.2.1; IKE: a = IKE header through the SK payload header, b empty). */
struct cipher_aad {
	const uint8_t	*a;
	size_t		 alen;
	const uint8_t	*b;
	size_t		 blen;
};

/* Encrypts data[0..len) in place and writes cipher_icvlen() bytes to icv
 * (which may directly follow the data). len must be a multiple of
 * cipher_blocklen(). iv has cipher_ivlen() bytes. Returns 0 or -1. */
int	cipher_seal(struct cipher *c, const struct cipher_aad *aad,
	    const uint8_t *iv, uint8_t *data, size_t len, uint8_t *icv);

/* Verifies icv, then decrypts data[0..len) in place (encrypt-then-MAC
 * checks before decrypting; AEAD checks the tag before the plaintext is
 * used). Returns 0, or -1 on a bad ICV or a length that is not a multiple
 * of the block; on -1 data holds garbage and must be dropped. The ICV is
 * compared in constant time. */
int	cipher_open(struct cipher *c, const struct cipher_aad *aad,
	    const uint8_t *iv, uint8_t *data, size_t len, const uint8_t *icv);

#endif

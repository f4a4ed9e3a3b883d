/* AES-GCM with the x86-64 AES-NI and PCLMULQDQ instructions, for
 * crypto/cipher.c when the CPU has them (libtomcrypt 1.18 has no AES-NI).
 * The GHASH multiplication follows Gueron and Kounavis, "Intel Carry-Less
 * Multiplication Instruction and its Usage for Computing the GCM Mode". */
#ifndef IPSECFS_AESNI_GCM_H
#define IPSECFS_AESNI_GCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aesni_gcm;

/* True when this build and this CPU can run it. */
bool	aesni_gcm_usable(void);

/* Expands a 16- or 32-byte key. NULL when unusable or out of memory. */
struct aesni_gcm *aesni_gcm_new(const uint8_t *key, size_t keylen);
void	aesni_gcm_free(struct aesni_gcm *g);

/* One GCM message with a 12-byte nonce: AAD a || b, data[0..len) en- or
 * decrypted in place, the 16-byte tag written to tag (to compare, for
 * decryption). */
void	aesni_gcm_run(const struct aesni_gcm *g, const uint8_t *nonce,
	    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
	    uint8_t *data, size_t len, bool encrypt, uint8_t *tag);

#endif

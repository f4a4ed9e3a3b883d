/* Per-SA cipher state on libtomcrypt; see cipher.h. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <tomcrypt.h>

#include "crypto/aesni_gcm.h"
#include "crypto/cipher.h"
#include "engine/proposal.h"

enum kind { K_GCM, K_CHACHA, K_CBC, K_NULL };

struct hmac_pre {
	int		 hash;		/* hash_descriptor index */
	hash_state	 inner;		/* after (K ^ ipad) */
	hash_state	 outer;		/* after (K ^ opad) */
	size_t		 icvlen;
};

struct cipher {
	/* gcm first: the GHASH tables like alignment */
	gcm_state		 gcm;
	struct aesni_gcm	*ni;		/* AES-GCM on AES-NI, when the CPU has it */
	chacha20poly1305_state	 chacha;	/* keyed template, copied per packet */
	symmetric_CBC		 cbc;
	chacha_state		 ivgen;		/* CBC IVs */
	struct hmac_pre		 hmac;
	enum kind		 kind;
	uint8_t			 salt[CIPHER_SALT_LEN];
	char			 name[48];
};

static int aes_idx = -1, sha1_idx = -1, sha256_idx = -1;
static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void
register_all(void)
{
	register_cipher(&aes_desc);
	register_hash(&sha1_desc);
	register_hash(&sha256_desc);
	aes_idx = find_cipher("aes");
	sha1_idx = find_hash("sha1");
	sha256_idx = find_hash("sha256");
}

int
cipher_keylen(uint16_t encr, uint16_t keybits, uint16_t integ,
    size_t *enclen, size_t *integlen)
{
	switch (encr) {
	case ENCR_AES_GCM_16:
		if ((keybits != 128 && keybits != 256) || integ != AUTH_NONE)
			return -1;
		*enclen = keybits / 8 + CIPHER_SALT_LEN;
		*integlen = 0;
		return 0;
	case ENCR_CHACHA20_POLY1305:
		if ((keybits != 0 && keybits != 256) || integ != AUTH_NONE)
			return -1;
		*enclen = 32 + CIPHER_SALT_LEN;
		*integlen = 0;
		return 0;
	case ENCR_AES_CBC:
		if (keybits != 128 && keybits != 256)
			return -1;
		*enclen = keybits / 8;
		break;
	case ENCR_NULL:
		if (keybits != 0)
			return -1;
		*enclen = 0;
		break;
	default:
		return -1;
	}
	switch (integ) {
	case AUTH_HMAC_SHA1_96:
		*integlen = 20;
		return 0;
	case AUTH_HMAC_SHA2_256_128:
		*integlen = 32;
		return 0;
	default:
		return -1;
	}
}

static int
hmac_setup(struct hmac_pre *h, uint16_t integ, const uint8_t *key, size_t len)
{
	uint8_t pad[MAXBLOCKSIZE];
	size_t i, block;

	h->hash = integ == AUTH_HMAC_SHA1_96 ? sha1_idx : sha256_idx;
	h->icvlen = integ == AUTH_HMAC_SHA1_96 ? 12 : 16;
	if (h->hash < 0)
		return -1;
	block = hash_descriptor[h->hash].blocksize;
	if (len > block)
		return -1;
	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, len);
	for (i = 0; i < block; i++)
		pad[i] ^= 0x36;
	hash_descriptor[h->hash].init(&h->inner);
	hash_descriptor[h->hash].process(&h->inner, pad, block);
	for (i = 0; i < block; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	hash_descriptor[h->hash].init(&h->outer);
	hash_descriptor[h->hash].process(&h->outer, pad, block);
	zeromem(pad, sizeof(pad));
	return 0;
}

static void
hmac_run(const struct hmac_pre *h, const struct cipher_aad *aad,
    const uint8_t *iv, size_t ivlen, const uint8_t *data, size_t len,
    uint8_t *mac)
{
	const struct ltc_hash_descriptor *d = &hash_descriptor[h->hash];
	uint8_t digest[MAXBLOCKSIZE];
	hash_state s = h->inner;

	if (aad->alen > 0)
		d->process(&s, aad->a, aad->alen);
	if (ivlen > 0)
		d->process(&s, iv, ivlen);
	if (len > 0)
		d->process(&s, data, len);
	if (aad->blen > 0)
		d->process(&s, aad->b, aad->blen);
	d->done(&s, digest);
	s = h->outer;
	d->process(&s, digest, d->hashsize);
	d->done(&s, digest);
	memcpy(mac, digest, h->icvlen);
	zeromem(digest, sizeof(digest));
	zeromem(&s, sizeof(s));
}

static int
setup_encr(struct cipher *c, uint16_t encr, uint16_t keybits,
    const uint8_t *key, size_t keylen)
{
	uint8_t seed[44];
	size_t klen = keylen - CIPHER_SALT_LEN;

	switch (encr) {
	case ENCR_AES_GCM_16:
		c->kind = K_GCM;
		memcpy(c->salt, key + klen, CIPHER_SALT_LEN);
		snprintf(c->name, sizeof(c->name), "AES_GCM_16_%u", keybits);
		if ((c->ni = aesni_gcm_new(key, klen)) != NULL)
			return 0;
		return gcm_init(&c->gcm, aes_idx, key, (int)klen) == CRYPT_OK ?
		    0 : -1;
	case ENCR_CHACHA20_POLY1305:
		c->kind = K_CHACHA;
		memcpy(c->salt, key + klen, CIPHER_SALT_LEN);
		snprintf(c->name, sizeof(c->name), "CHACHA20_POLY1305");
		return chacha20poly1305_init(&c->chacha, key, klen) ==
		    CRYPT_OK ? 0 : -1;
	case ENCR_AES_CBC:
		c->kind = K_CBC;
		snprintf(c->name, sizeof(c->name), "AES_CBC_%u", keybits);
		memset(seed, 0, sizeof(seed));
		if (getrandom(seed, sizeof(seed), 0) != sizeof(seed) ||
		    chacha_setup(&c->ivgen, seed, 32, 20) != CRYPT_OK ||
		    chacha_ivctr32(&c->ivgen, seed + 32, 12, 0) != CRYPT_OK ||
		    cbc_start(aes_idx, seed, key, (int)keylen, 0, &c->cbc) !=
		    CRYPT_OK) {
			zeromem(seed, sizeof(seed));
			return -1;
		}
		zeromem(seed, sizeof(seed));
		return 0;
	default:
		c->kind = K_NULL;
		snprintf(c->name, sizeof(c->name), "NULL");
		return 0;
	}
}

struct cipher *
cipher_new(uint16_t encr, uint16_t keybits, uint16_t integ,
    const uint8_t *ekey, size_t ekeylen, const uint8_t *akey, size_t akeylen,
    char *err, size_t errlen)
{
	struct cipher *c;
	size_t elen, alen, n;
	void *mem;

	pthread_once(&registered, register_all);
	if (aes_idx < 0 || sha1_idx < 0 || sha256_idx < 0) {
		snprintf(err, errlen, "libtomcrypt lacks AES, SHA-1 or SHA-256");
		return NULL;
	}
	if (encr == ENCR_CHACHA20_POLY1305 && keybits == 0)
		keybits = 256;
	if (cipher_keylen(encr, keybits, integ, &elen, &alen) != 0) {
		snprintf(err, errlen, "unsupported transform (encr %u/%u, "
		    "integ %u)", encr, keybits, integ);
		return NULL;
	}
	if (ekeylen != elen || akeylen != alen) {
		snprintf(err, errlen, "key lengths %zu/%zu, need %zu/%zu",
		    ekeylen, akeylen, elen, alen);
		return NULL;
	}
	if (posix_memalign(&mem, 64, sizeof(*c)) != 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c = mem;
	memset(c, 0, sizeof(*c));
	if (setup_encr(c, encr, keybits, ekey, ekeylen) != 0 ||
	    (alen > 0 && hmac_setup(&c->hmac, integ, akey, akeylen) != 0)) {
		snprintf(err, errlen, "cipher setup failed");
		cipher_free(c);
		return NULL;
	}
	if (alen > 0) {
		n = strlen(c->name);
		snprintf(c->name + n, sizeof(c->name) - n, "/%s",
		    integ == AUTH_HMAC_SHA1_96 ? "HMAC_SHA1_96" :
		    "HMAC_SHA2_256_128");
	}
	return c;
}

void
cipher_free(struct cipher *c)
{
	if (c == NULL)
		return;
	aesni_gcm_free(c->ni);
	zeromem(c, sizeof(*c));
	free(c);
}

bool
cipher_is_aead(const struct cipher *c)
{
	return c->kind == K_GCM || c->kind == K_CHACHA;
}

size_t
cipher_ivlen(const struct cipher *c)
{
	switch (c->kind) {
	case K_GCM:
	case K_CHACHA:
		return 8;
	case K_CBC:
		return 16;
	default:
		return 0;
	}
}

size_t
cipher_icvlen(const struct cipher *c)
{
	return cipher_is_aead(c) ? 16 : c->hmac.icvlen;
}

size_t
cipher_blocklen(const struct cipher *c)
{
	return c->kind == K_CBC ? 16 : 1;
}

size_t
cipher_alignlen(const struct cipher *c)
{
	return c->kind == K_CBC ? 16 : 4;
}

const char *
cipher_name(const struct cipher *c)
{
	return c->name;
}

void
cipher_make_iv(struct cipher *c, uint64_t counter, uint8_t *iv)
{
	int i;

	switch (c->kind) {
	case K_GCM:
	case K_CHACHA:
		for (i = 7; i >= 0; i--, counter >>= 8)
			iv[i] = counter & 0xff;
		break;
	case K_CBC:
		chacha_keystream(&c->ivgen, iv, 16);
		break;
	default:
		break;
	}
}

static void
nonce(const struct cipher *c, const uint8_t *iv, uint8_t *n)
{
	memcpy(n, c->salt, CIPHER_SALT_LEN);
	memcpy(n + CIPHER_SALT_LEN, iv, 8);
}

/* AEAD in one direction; the tag goes to tag. */
static int
aead_run(struct cipher *c, const struct cipher_aad *aad, const uint8_t *iv,
    uint8_t *data, size_t len, uint8_t *tag, int dir)
{
	chacha20poly1305_state st;
	unsigned long taglen = 16;
	uint8_t n[12];
	int rc;

	nonce(c, iv, n);
	if (c->ni != NULL) {
		aesni_gcm_run(c->ni, n, aad->a, aad->alen, aad->b, aad->blen,
		    data, len, dir == LTC_ENCRYPT, tag);
		return 0;
	}
	if (c->kind == K_GCM) {
		if (gcm_reset(&c->gcm) != CRYPT_OK ||
		    gcm_add_iv(&c->gcm, n, sizeof(n)) != CRYPT_OK ||
		    (aad->alen && gcm_add_aad(&c->gcm, aad->a, aad->alen)) ||
		    (aad->blen && gcm_add_aad(&c->gcm, aad->b, aad->blen)) ||
		    (len && gcm_process(&c->gcm, data, len, data, dir)) ||
		    gcm_done(&c->gcm, tag, &taglen) != CRYPT_OK)
			return -1;
		return taglen == 16 ? 0 : -1;
	}
	st = c->chacha;
	rc = chacha20poly1305_setiv(&st, n, sizeof(n)) != CRYPT_OK ||
	    (aad->alen && chacha20poly1305_add_aad(&st, aad->a, aad->alen)) ||
	    (aad->blen && chacha20poly1305_add_aad(&st, aad->b, aad->blen)) ||
	    (len && dir == CHACHA20POLY1305_ENCRYPT &&
	    chacha20poly1305_encrypt(&st, data, len, data)) ||
	    (len && dir == CHACHA20POLY1305_DECRYPT &&
	    chacha20poly1305_decrypt(&st, data, len, data)) ||
	    chacha20poly1305_done(&st, tag, &taglen) != CRYPT_OK ||
	    taglen != 16;
	zeromem(&st, sizeof(st));
	return rc ? -1 : 0;
}

int
cipher_seal(struct cipher *c, const struct cipher_aad *aad,
    const uint8_t *iv, uint8_t *data, size_t len, uint8_t *icv)
{
	if (len % cipher_blocklen(c) != 0)
		return -1;
	switch (c->kind) {
	case K_GCM:
	case K_CHACHA:
		return aead_run(c, aad, iv, data, len, icv, LTC_ENCRYPT);
	case K_CBC:
		if (cbc_setiv(iv, 16, &c->cbc) != CRYPT_OK ||
		    (len && cbc_encrypt(data, data, len, &c->cbc) != CRYPT_OK))
			return -1;
		break;
	default:
		break;
	}
	hmac_run(&c->hmac, aad, iv, cipher_ivlen(c), data, len, icv);
	return 0;
}

int
cipher_open(struct cipher *c, const struct cipher_aad *aad,
    const uint8_t *iv, uint8_t *data, size_t len, const uint8_t *icv)
{
	uint8_t mac[CIPHER_ICV_MAX];
	int bad;

	if (len % cipher_blocklen(c) != 0)
		return -1;
	if (cipher_is_aead(c)) {
		if (aead_run(c, aad, iv, data, len, mac, LTC_DECRYPT) != 0)
			return -1;
		return mem_neq(mac, icv, 16) ? -1 : 0;
	}
	hmac_run(&c->hmac, aad, iv, cipher_ivlen(c), data, len, mac);
	bad = mem_neq(mac, icv, c->hmac.icvlen);
	if (bad)
		return -1;
	if (c->kind == K_CBC && len > 0 &&
	    (cbc_setiv(iv, 16, &c->cbc) != CRYPT_OK ||
	    cbc_decrypt(data, data, len, &c->cbc) != CRYPT_OK))
		return -1;
	return 0;
}

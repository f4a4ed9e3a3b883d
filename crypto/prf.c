#include "config.h"

#include <pthread.h>
#include <string.h>
#include <tomcrypt.h>

#include "crypto/prf.h"
#include "engine/proposal.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void
do_init(void)
{
	ltc_mp = ltm_desc;
	register_hash(&sha1_desc);
	register_hash(&sha256_desc);
	register_hash(&sha384_desc);
	register_cipher(&aes_desc);
	register_prng(&sprng_desc);
}

void
ike_crypto_init(void)
{
	pthread_once(&init_once, do_init);
}

static int
prf_hash(uint16_t alg)
{
	switch (alg) {
	case PRF_HMAC_SHA1:	return find_hash("sha1");
	case PRF_HMAC_SHA2_256:	return find_hash("sha256");
	case PRF_HMAC_SHA2_384:	return find_hash("sha384");
	}
	return -1;
}

size_t
prf_len(uint16_t alg)
{
	switch (alg) {
	case PRF_HMAC_SHA1:	return 20;
	case PRF_HMAC_SHA2_256:	return 32;
	case PRF_HMAC_SHA2_384:	return 48;
	}
	return 0;
}

int
prf_v(uint16_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *const *d, const size_t *l, size_t n, uint8_t *out)
{
	unsigned long outlen = PRF_MAX_LEN;
	hmac_state h;
	size_t i;
	int idx;

	ike_crypto_init();
	if ((idx = prf_hash(alg)) < 0 || keylen == 0)
		return -1;
	if (hmac_init(&h, idx, key, keylen) != CRYPT_OK)
		return -1;
	for (i = 0; i < n; i++)
		if (l[i] > 0 && hmac_process(&h, d[i], l[i]) != CRYPT_OK)
			return -1;
	if (hmac_done(&h, out, &outlen) != CRYPT_OK)
		return -1;
	return 0;
}

int
prf(uint16_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *data, size_t len, uint8_t *out)
{
	return prf_v(alg, key, keylen, &data, &len, 1, out);
}

int
prf_plus(uint16_t alg, const uint8_t *key, size_t keylen,
    const uint8_t *seed, size_t seedlen, uint8_t *out, size_t outlen)
{
	size_t hl = prf_len(alg), done = 0, n;
	uint8_t t[PRF_MAX_LEN], ctr = 1;

	if (hl == 0 || outlen > 255 * hl)
		return -1;
	while (done < outlen) {
		const uint8_t *d[3] = { t, seed, &ctr };
		size_t l[3] = { ctr == 1 ? 0 : hl, seedlen, 1 };

		if (prf_v(alg, key, keylen, d, l, 3, t) != 0)
			return -1;
		n = outlen - done < hl ? outlen - done : hl;
		memcpy(out + done, t, n);
		done += n;
		ctr++;
	}
	zeromem(t, sizeof(t));
	return 0;
}

int
ike_skeyseed(uint16_t alg, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, const uint8_t *gir, size_t girlen,
    uint8_t *out)
{
	uint8_t key[512];
	int rc;

	if (nilen + nrlen > sizeof(key))
		return -1;
	memcpy(key, ni, nilen);
	memcpy(key + nilen, nr, nrlen);
	rc = prf(alg, key, nilen + nrlen, gir, girlen, out);
	zeromem(key, sizeof(key));
	return rc;
}

int
ike_skeyseed_rekey(uint16_t alg, const uint8_t *skd, size_t skdlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out)
{
	const uint8_t *d[3] = { gir, ni, nr };
	size_t l[3] = { girlen, nilen, nrlen };

	return prf_v(alg, skd, skdlen, d, l, 3, out);
}

int
ike_dkm(uint16_t alg, const uint8_t *skeyseed, const uint8_t *ni,
    size_t nilen, const uint8_t *nr, size_t nrlen, uint64_t spii,
    uint64_t spir, uint8_t *out, size_t outlen)
{
	uint8_t seed[512 + 16];
	size_t i, n = 0;

	if (nilen + nrlen > 512)
		return -1;
	memcpy(seed, ni, nilen);
	memcpy(seed + nilen, nr, nrlen);
	n = nilen + nrlen;
	for (i = 0; i < 8; i++)
		seed[n + i] = (uint8_t)(spii >> (56 - 8 * i));
	for (i = 0; i < 8; i++)
		seed[n + 8 + i] = (uint8_t)(spir >> (56 - 8 * i));
	return prf_plus(alg, skeyseed, prf_len(alg), seed, n + 16, out, outlen);
}

int
ike_child_keymat(uint16_t alg, const uint8_t *skd, size_t skdlen,
    const uint8_t *gir, size_t girlen, const uint8_t *ni, size_t nilen,
    const uint8_t *nr, size_t nrlen, uint8_t *out, size_t outlen)
{
	uint8_t seed[1024];
	size_t n = 0;
	int rc;

	if (gir == NULL)
		girlen = 0;
	if (girlen + nilen + nrlen > sizeof(seed))
		return -1;
	if (girlen)
		memcpy(seed, gir, girlen);
	n = girlen;
	memcpy(seed + n, ni, nilen);
	n += nilen;
	memcpy(seed + n, nr, nrlen);
	n += nrlen;
	rc = prf_plus(alg, skd, skdlen, seed, n, out, outlen);
	zeromem(seed, sizeof(seed));
	return rc;
}

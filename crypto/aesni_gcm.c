/* AES-GCM on AES-NI and PCLMULQDQ; see aesni_gcm.h. Checked against the
 * GCM known answers and against libtomcrypt in tests/unit/test_cipher.c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/aesni_gcm.h"

#if defined(__x86_64__) && defined(__GNUC__)

#include <immintrin.h>

#define TARGET	__attribute__((target("aes,pclmul,ssse3")))

struct aesni_gcm {
	__m128i	rk[15];
	__m128i	h;		/* AES_K(0), byte-reversed */
	__m128i	h2, h3, h4;	/* its powers, for four blocks at once */
	int	rounds;
};

/* GHASH state: the running value and a partial block. */
struct ghash {
	__m128i	x;
	uint8_t	part[16];
	size_t	n;
};

bool
aesni_gcm_usable(void)
{
	__builtin_cpu_init();
	return __builtin_cpu_supports("aes") && __builtin_cpu_supports("pclmul");
}

TARGET static inline __m128i
bswap(__m128i x)
{
	return _mm_shuffle_epi8(x, _mm_set_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
	    10, 11, 12, 13, 14, 15));
}

TARGET static inline __m128i
expand(__m128i k, __m128i t)
{
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	k = _mm_xor_si128(k, _mm_slli_si128(k, 4));
	return _mm_xor_si128(k, t);
}

#define K128(i, rc)	rk[i] = expand(rk[i - 1], _mm_shuffle_epi32(	\
	_mm_aeskeygenassist_si128(rk[i - 1], rc), 0xff))
#define K256A(i, rc)	rk[i] = expand(rk[i - 2], _mm_shuffle_epi32(	\
	_mm_aeskeygenassist_si128(rk[i - 1], rc), 0xff))
#define K256B(i)	rk[i] = expand(rk[i - 2], _mm_shuffle_epi32(	\
	_mm_aeskeygenassist_si128(rk[i - 1], 0), 0xaa))

TARGET static void
expand128(__m128i *rk, const uint8_t *key)
{
	rk[0] = _mm_loadu_si128((const __m128i *)key);
	K128(1, 0x01); K128(2, 0x02); K128(3, 0x04); K128(4, 0x08);
	K128(5, 0x10); K128(6, 0x20); K128(7, 0x40); K128(8, 0x80);
	K128(9, 0x1b); K128(10, 0x36);
}

TARGET static void
expand256(__m128i *rk, const uint8_t *key)
{
	rk[0] = _mm_loadu_si128((const __m128i *)key);
	rk[1] = _mm_loadu_si128((const __m128i *)(key + 16));
	K256A(2, 0x01); K256B(3); K256A(4, 0x02); K256B(5);
	K256A(6, 0x04); K256B(7); K256A(8, 0x08); K256B(9);
	K256A(10, 0x10); K256B(11); K256A(12, 0x20); K256B(13);
	K256A(14, 0x40);
}

TARGET static inline __m128i
aes(const struct aesni_gcm *g, __m128i x)
{
	int i;

	x = _mm_xor_si128(x, g->rk[0]);
	for (i = 1; i < g->rounds; i++)
		x = _mm_aesenc_si128(x, g->rk[i]);
	return _mm_aesenclast_si128(x, g->rk[g->rounds]);
}

/* Four blocks at once: the AES units pipeline them. */
TARGET static inline void
aes4(const struct aesni_gcm *g, __m128i *x)
{
	int i;

	x[0] = _mm_xor_si128(x[0], g->rk[0]);
	x[1] = _mm_xor_si128(x[1], g->rk[0]);
	x[2] = _mm_xor_si128(x[2], g->rk[0]);
	x[3] = _mm_xor_si128(x[3], g->rk[0]);
	for (i = 1; i < g->rounds; i++) {
		x[0] = _mm_aesenc_si128(x[0], g->rk[i]);
		x[1] = _mm_aesenc_si128(x[1], g->rk[i]);
		x[2] = _mm_aesenc_si128(x[2], g->rk[i]);
		x[3] = _mm_aesenc_si128(x[3], g->rk[i]);
	}
	x[0] = _mm_aesenclast_si128(x[0], g->rk[i]);
	x[1] = _mm_aesenclast_si128(x[1], g->rk[i]);
	x[2] = _mm_aesenclast_si128(x[2], g->rk[i]);
	x[3] = _mm_aesenclast_si128(x[3], g->rk[i]);
}

/* a * b in GF(2^128), both byte-reversed (Gueron-Kounavis, algorithm 5). */
TARGET static __m128i
gfmul(__m128i a, __m128i b)
{
	__m128i t2, t3, t4, t5, t6, t7, t8, t9;

	t3 = _mm_clmulepi64_si128(a, b, 0x00);
	t4 = _mm_clmulepi64_si128(a, b, 0x10);
	t5 = _mm_clmulepi64_si128(a, b, 0x01);
	t6 = _mm_clmulepi64_si128(a, b, 0x11);
	t4 = _mm_xor_si128(t4, t5);
	t5 = _mm_slli_si128(t4, 8);
	t4 = _mm_srli_si128(t4, 8);
	t3 = _mm_xor_si128(t3, t5);
	t6 = _mm_xor_si128(t6, t4);
	/* shift the 256-bit product left by one */
	t7 = _mm_srli_epi32(t3, 31);
	t8 = _mm_srli_epi32(t6, 31);
	t3 = _mm_slli_epi32(t3, 1);
	t6 = _mm_slli_epi32(t6, 1);
	t9 = _mm_srli_si128(t7, 12);
	t8 = _mm_slli_si128(t8, 4);
	t7 = _mm_slli_si128(t7, 4);
	t3 = _mm_or_si128(t3, t7);
	t6 = _mm_or_si128(t6, t8);
	t6 = _mm_or_si128(t6, t9);
	/* reduce modulo x^128 + x^7 + x^2 + x + 1 */
	t7 = _mm_slli_epi32(t3, 31);
	t8 = _mm_slli_epi32(t3, 30);
	t9 = _mm_slli_epi32(t3, 25);
	t7 = _mm_xor_si128(t7, t8);
	t7 = _mm_xor_si128(t7, t9);
	t8 = _mm_srli_si128(t7, 4);
	t7 = _mm_slli_si128(t7, 12);
	t3 = _mm_xor_si128(t3, t7);
	t2 = _mm_srli_epi32(t3, 1);
	t4 = _mm_srli_epi32(t3, 2);
	t5 = _mm_srli_epi32(t3, 7);
	t2 = _mm_xor_si128(t2, t4);
	t2 = _mm_xor_si128(t2, t5);
	t2 = _mm_xor_si128(t2, t8);
	t3 = _mm_xor_si128(t3, t2);
	return _mm_xor_si128(t6, t3);
}

TARGET static inline void
ghash_block(const struct aesni_gcm *g, struct ghash *s, __m128i block)
{
	s->x = gfmul(_mm_xor_si128(s->x, bswap(block)), g->h);
}

/* Four blocks at once: GHASH is linear, so
 * (((x ^ c0) h ^ c1) h ^ c2) h ^ c3) h = (x ^ c0) h^4 ^ c1 h^3 ^ c2 h^2 ^ c3 h,
 * four independent multiplications instead of a chain of four. */
TARGET static inline void
ghash4(const struct aesni_gcm *g, struct ghash *s, const __m128i *c)
{
	__m128i r;

	r = gfmul(_mm_xor_si128(s->x, bswap(c[0])), g->h4);
	r = _mm_xor_si128(r, gfmul(bswap(c[1]), g->h3));
	r = _mm_xor_si128(r, gfmul(bswap(c[2]), g->h2));
	s->x = _mm_xor_si128(r, gfmul(bswap(c[3]), g->h));
}

/* Hashes p[0..n) after what came before (the AAD pieces). */
TARGET static void
ghash_bytes(const struct aesni_gcm *g, struct ghash *s, const uint8_t *p,
    size_t n)
{
	size_t k;

	while (n > 0) {
		if (s->n == 0 && n >= 16) {
			ghash_block(g, s, _mm_loadu_si128((const __m128i *)p));
			p += 16;
			n -= 16;
			continue;
		}
		k = 16 - s->n < n ? 16 - s->n : n;
		memcpy(s->part + s->n, p, k);
		s->n += k;
		p += k;
		n -= k;
		if (s->n == 16) {
			ghash_block(g, s, _mm_loadu_si128((__m128i *)s->part));
			s->n = 0;
		}
	}
}

/* Zero-pads and hashes a partial block. */
TARGET static void
ghash_flush(const struct aesni_gcm *g, struct ghash *s)
{
	if (s->n == 0)
		return;
	memset(s->part + s->n, 0, 16 - s->n);
	ghash_block(g, s, _mm_loadu_si128((__m128i *)s->part));
	s->n = 0;
}

TARGET static inline __m128i
counter(const uint8_t *nonce, uint32_t c)
{
	uint8_t b[16];

	memcpy(b, nonce, 12);
	b[12] = c >> 24;
	b[13] = c >> 16;
	b[14] = c >> 8;
	b[15] = c;
	return _mm_loadu_si128((const __m128i *)b);
}

/* CTR over data in place from counter 2, hashing the ciphertext. */
TARGET static void
ctr_ghash(const struct aesni_gcm *g, struct ghash *s, const uint8_t *nonce,
    uint8_t *data, size_t len, bool encrypt)
{
	/* byte-reversed, the 32-bit counter is lane 0: add, reverse back */
	const __m128i one = _mm_set_epi32(0, 0, 0, 1);
	__m128i ks[4], in[4], ctr = bswap(counter(nonce, 2));
	uint8_t last[16];
	uint32_t c = 2;
	size_t off = 0, i, n;

	for (; off + 64 <= len; off += 64, c += 4) {
		for (i = 0; i < 4; i++) {
			ks[i] = bswap(ctr);
			ctr = _mm_add_epi32(ctr, one);
		}
		aes4(g, ks);
		for (i = 0; i < 4; i++)
			in[i] = _mm_loadu_si128((__m128i *)(data + off + 16 * i));
		if (!encrypt)
			ghash4(g, s, in);
		for (i = 0; i < 4; i++) {
			in[i] = _mm_xor_si128(in[i], ks[i]);
			_mm_storeu_si128((__m128i *)(data + off + 16 * i), in[i]);
		}
		if (encrypt)
			ghash4(g, s, in);
	}
	for (; off < len; off += n, c++) {
		n = len - off < 16 ? len - off : 16;
		memset(last, 0, sizeof(last));
		memcpy(last, data + off, n);
		if (!encrypt)
			ghash_bytes(g, s, last, n);
		_mm_storeu_si128((__m128i *)last, _mm_xor_si128(
		    _mm_loadu_si128((__m128i *)last), aes(g, counter(nonce, c))));
		memcpy(data + off, last, n);
		if (encrypt)
			ghash_bytes(g, s, last, n);
	}
	ghash_flush(g, s);
}

TARGET static void
run(const struct aesni_gcm *g, const uint8_t *nonce, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen, uint8_t *data, size_t len,
    bool encrypt, uint8_t *tag)
{
	struct ghash s;
	uint64_t abits = (uint64_t)(alen + blen) * 8, cbits = (uint64_t)len * 8;
	uint8_t lens[16];
	int i;

	memset(&s, 0, sizeof(s));
	s.x = _mm_setzero_si128();
	ghash_bytes(g, &s, a, alen);
	ghash_bytes(g, &s, b, blen);
	ghash_flush(g, &s);
	ctr_ghash(g, &s, nonce, data, len, encrypt);
	for (i = 0; i < 8; i++) {
		lens[i] = (uint8_t)(abits >> (56 - 8 * i));
		lens[8 + i] = (uint8_t)(cbits >> (56 - 8 * i));
	}
	ghash_block(g, &s, _mm_loadu_si128((__m128i *)lens));
	_mm_storeu_si128((__m128i *)tag, _mm_xor_si128(bswap(s.x),
	    aes(g, counter(nonce, 1))));
}

void
aesni_gcm_run(const struct aesni_gcm *g, const uint8_t *nonce,
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    uint8_t *data, size_t len, bool encrypt, uint8_t *tag)
{
	run(g, nonce, a, alen, b, blen, data, len, encrypt, tag);
}

TARGET static void
setup(struct aesni_gcm *g, const uint8_t *key, size_t keylen)
{
	if (keylen == 16) {
		expand128(g->rk, key);
		g->rounds = 10;
	} else {
		expand256(g->rk, key);
		g->rounds = 14;
	}
	g->h = bswap(aes(g, _mm_setzero_si128()));
	g->h2 = gfmul(g->h, g->h);
	g->h3 = gfmul(g->h2, g->h);
	g->h4 = gfmul(g->h3, g->h);
}

struct aesni_gcm *
aesni_gcm_new(const uint8_t *key, size_t keylen)
{
	void *mem;

	if ((keylen != 16 && keylen != 32) || !aesni_gcm_usable() ||
	    posix_memalign(&mem, 64, sizeof(struct aesni_gcm)) != 0)
		return NULL;
	setup(mem, key, keylen);
	return mem;
}

void
aesni_gcm_free(struct aesni_gcm *g)
{
	if (g == NULL)
		return;
	/* volatile stores so the key schedule is really wiped */
	memset(g, 0, sizeof(*g));
	__asm__ __volatile__("" : : "r"(g) : "memory");
	free(g);
}

#else	/* not x86-64 with GCC or clang */

bool aesni_gcm_usable(void) { return false; }
struct aesni_gcm *aesni_gcm_new(const uint8_t *k, size_t n) { return NULL; }
void aesni_gcm_free(struct aesni_gcm *g) { }
void aesni_gcm_run(const struct aesni_gcm *g, const uint8_t *nonce,
    const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    uint8_t *data, size_t len, bool encrypt, uint8_t *tag) { }

#endif

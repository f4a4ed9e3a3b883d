/* crypto/cipher.c against published known answers:
 * draft-mcgrew-gcm-test-01 (AES-GCM ESP packets, for RFC 4106),
 * RFC 7634 Appendix A (ChaCha20-Poly1305 ESP), RFC 3602 §4 (AES-CBC),
 * RFC 2404/2202 (HMAC-SHA1-96) and RFC 4868 §2.7.2 (HMAC-SHA2-256-128). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tomcrypt.h>

#include "crypto/aesni_gcm.h"
#include "crypto/cipher.h"
#include "engine/proposal.h"
#include "tests/unit/hex.h"

struct aead_kat {
	uint16_t	 encr;
	uint16_t	 keybits;
	const char	*key;		/* key || salt */
	const char	*aad;
	const char	*iv;
	const char	*pt;
	const char	*ct_tag;
};

static const struct aead_kat kats[] = {
	/* draft-mcgrew-gcm-test-01 case 2: AES-128, 32-bit sequence number */
	{ ENCR_AES_GCM_16, 128, "feffe9928665731c6d6a8f9467308308 cafebabe",
	  "0000a5f8 0000000a", "facedbaddecaf888",
	  "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
	  "0001000000000000037369700963796265726369747902646b00000100010001",
	  "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c"
	  "3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1"
	  "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
	/* case 1: AES-128, extended sequence number 0x8765432100000000 */
	{ ENCR_AES_GCM_16, 128, "4c80cdefbb5d10da906ac73c3613a634 2e443b68",
	  "00004321 87654321 00000000", "4956ed7e3b244cfe",
	  "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
	  "00000000045f736970045f756470037369700963796265726369747902646b00"
	  "0021000101020201",
	  "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
	  "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
	  "61bc17d768fd9732459018148f6cbe722fd04796562dfdb4" },
	/* case 3: AES-256 */
	{ ENCR_AES_GCM_16, 256,
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	  " 11223344",
	  "4a2cbfe3 00000002", "0102030405060708",
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	  "7002400020bf0000020405b40101040201020201",
	  "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	  "748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c49"
	  "15956c96" },
	/* the 4-byte payload case (sequence number ffffffff) */
	{ ENCR_AES_GCM_16, 128, "7d773d00c144c525ac619d18c84a3f47 d9664267",
	  "335467ae ffffffff", "43457e9182443bc6", "01020201",
	  "437f866bcb3f699fe9b0822bac961c4504bef270" },
	/* RFC 7634 Appendix A */
	{ ENCR_CHACHA20_POLY1305, 0,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  " a0a1a2a3",
	  "01020304 00000005", "1011121314151617",
	  "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	  "000736270809 0a0b0c0d0e0f10111213141516171819 1a1b1c1d1e1f20212223"
	  "2425262728292a2b2c2d2e2f303132333435363701020204",
	  "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
	  "14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
	  "cbec163fac469b502773f6fb94e664da9165b82829f641e0"
	  "76aaa8266b7fb0f7b11b369907e1ad43" },
};

static struct cipher *
make(uint16_t encr, uint16_t bits, uint16_t integ, const uint8_t *ek,
    size_t ekl, const uint8_t *ak, size_t akl)
{
	char err[128] = "";
	struct cipher *c = cipher_new(encr, bits, integ, ek, ekl, ak, akl,
	    err, sizeof(err));

	if (c == NULL)
		fail_msg("cipher_new: %s", err);
	return c;
}

static void
test_aead_kats(void **state)
{
	uint8_t key[64], aad[16], iv[8], pt[256], exp[256], buf[256];
	size_t i, kl, al, pl, el;
	int round;

	for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		const struct aead_kat *k = &kats[i];
		struct cipher *c;
		struct cipher_aad a = { aad, 0, NULL, 0 };

		kl = unhex(k->key, key, sizeof(key));
		al = unhex(k->aad, aad, sizeof(aad));
		unhex(k->iv, iv, sizeof(iv));
		pl = unhex(k->pt, pt, sizeof(pt));
		el = unhex(k->ct_tag, exp, sizeof(exp));
		assert_int_equal(el, pl + 16);
		a.alen = al;
		c = make(k->encr, k->keybits, AUTH_NONE, key, kl, NULL, 0);
		assert_true(cipher_is_aead(c));
		assert_int_equal(cipher_ivlen(c), 8);
		assert_int_equal(cipher_icvlen(c), 16);
		/* twice: the per-SA state must come back clean */
		for (round = 0; round < 2; round++) {
			memcpy(buf, pt, pl);
			assert_int_equal(cipher_seal(c, &a, iv, buf, pl,
			    buf + pl), 0);
			assert_memory_equal(buf, exp, el);
			assert_int_equal(cipher_open(c, &a, iv, buf, pl,
			    buf + pl), 0);
			assert_memory_equal(buf, pt, pl);
		}
		/* a flipped bit anywhere is refused */
		memcpy(buf, exp, el);
		buf[i % el] ^= 0x01;
		assert_int_equal(cipher_open(c, &a, iv, buf, pl, buf + pl), -1);
		memcpy(buf, exp, el);
		aad[al - 1] ^= 0x80;
		assert_int_equal(cipher_open(c, &a, iv, buf, pl, buf + pl), -1);
		cipher_free(c);
	}
}

struct hmac_kat {
	uint16_t	 integ;
	const char	*key;
	const char	*data;
	const char	*icv;
};

static const struct hmac_kat hmac_kats[] = {
	/* RFC 2202 test cases 1 and 2, truncated to 96 bits (RFC 2404) */
	{ AUTH_HMAC_SHA1_96, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "b617318655057264e28bc0b6" },
	/* RFC 4868 §2.7.2.1 AUTH256-1 and -2 (32-byte keys) */
	{ AUTH_HMAC_SHA2_256_128,
	  "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "Hi There", "198a607eb44bfbc69903a0f1cf2bbdc5" },
	{ AUTH_HMAC_SHA2_256_128,
	  "4a6566654a6566654a6566654a6566654a6566654a6566654a6566654a656665",
	  "what do ya want for nothing?", "167f928588c5cc2eef8e3093caa0e87c" },
};

static void
test_hmac_kats(void **state)
{
	uint8_t key[32], icv[16], exp[16], data[4] = { 0 };
	size_t i, kl, il;

	for (i = 0; i < sizeof(hmac_kats) / sizeof(hmac_kats[0]); i++) {
		const struct hmac_kat *k = &hmac_kats[i];
		struct cipher_aad a = { (const uint8_t *)k->data,
		    strlen(k->data), NULL, 0 };
		struct cipher *c;

		kl = unhex(k->key, key, sizeof(key));
		il = unhex(k->icv, exp, sizeof(exp));
		c = make(ENCR_NULL, 0, k->integ, NULL, 0, key, kl);
		assert_false(cipher_is_aead(c));
		assert_int_equal(cipher_icvlen(c), il);
		assert_int_equal(cipher_ivlen(c), 0);
		assert_int_equal(cipher_seal(c, &a, NULL, data, 0, icv), 0);
		assert_memory_equal(icv, exp, il);
		/* split between a and b gives the same MAC */
		a.alen = 3;
		a.b = (const uint8_t *)k->data + 3;
		a.blen = strlen(k->data) - 3;
		assert_int_equal(cipher_open(c, &a, NULL, data, 0, exp), 0);
		exp[il - 1] ^= 1;
		assert_int_equal(cipher_open(c, &a, NULL, data, 0, exp), -1);
		cipher_free(c);
	}
	/* RFC 2202 case 2 with the 20-byte SHA-1 key padded: wrong length */
	assert_null(cipher_new(ENCR_NULL, 0, AUTH_HMAC_SHA1_96, NULL, 0,
	    (const uint8_t *)"Jefe", 4, (char[64]){ 0 }, 64));
}

/* RFC 3602 §4 case #1, AES-128-CBC, then the HMAC over iv || ct. */
static void
test_cbc_kat(void **state)
{
	uint8_t key[16], iv[16], ct[16], buf[16], akey[20], icv[12];
	struct cipher_aad a = { (const uint8_t *)"\0\0\0\1\0\0\0\1", 8,
	    NULL, 0 };
	struct cipher *c;

	unhex("06a9214036b8a15b512e03d534120006", key, sizeof(key));
	unhex("3dafba429d9eb430b422da802c9fac41", iv, sizeof(iv));
	unhex("e353779c1079aeb82708942dbe77181a", ct, sizeof(ct));
	memset(akey, 0x11, sizeof(akey));
	c = make(ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96, key, 16, akey, 20);
	assert_int_equal(cipher_ivlen(c), 16);
	assert_int_equal(cipher_blocklen(c), 16);
	assert_int_equal(cipher_alignlen(c), 16);
	memcpy(buf, "Single block msg", 16);
	assert_int_equal(cipher_seal(c, &a, iv, buf, 16, icv), 0);
	assert_memory_equal(buf, ct, 16);
	assert_int_equal(cipher_open(c, &a, iv, buf, 16, icv), 0);
	assert_memory_equal(buf, "Single block msg", 16);
	/* not a whole block */
	assert_int_equal(cipher_seal(c, &a, iv, buf, 15, icv), -1);
	assert_int_equal(cipher_open(c, &a, iv, buf, 15, icv), -1);
	/* a flipped IV bit breaks the ICV */
	assert_int_equal(cipher_seal(c, &a, iv, buf, 16, icv), 0);
	iv[0] ^= 1;
	assert_int_equal(cipher_open(c, &a, iv, buf, 16, icv), -1);
	cipher_free(c);
}

static void
test_keylen_and_errors(void **state)
{
	size_t e, i;
	char err[128];
	uint8_t k[36] = { 0 };

	assert_int_equal(cipher_keylen(ENCR_AES_GCM_16, 128, AUTH_NONE, &e, &i), 0);
	assert_int_equal(e, 20);
	assert_int_equal(i, 0);
	assert_int_equal(cipher_keylen(ENCR_AES_GCM_16, 256, AUTH_NONE, &e, &i), 0);
	assert_int_equal(e, 36);
	assert_int_equal(cipher_keylen(ENCR_CHACHA20_POLY1305, 0, AUTH_NONE, &e, &i), 0);
	assert_int_equal(e, 36);
	assert_int_equal(cipher_keylen(ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, &e, &i), 0);
	assert_int_equal(e, 32);
	assert_int_equal(i, 32);
	assert_int_equal(cipher_keylen(ENCR_NULL, 0, AUTH_HMAC_SHA1_96, &e, &i), 0);
	assert_int_equal(e, 0);
	assert_int_equal(i, 20);
	assert_int_equal(cipher_keylen(ENCR_AES_GCM_16, 192, AUTH_NONE, &e, &i), -1);
	assert_int_equal(cipher_keylen(ENCR_AES_CBC, 128, AUTH_NONE, &e, &i), -1);
	assert_int_equal(cipher_keylen(ENCR_NULL, 0, AUTH_NONE, &e, &i), -1);
	assert_int_equal(cipher_keylen(99, 128, AUTH_NONE, &e, &i), -1);
	assert_null(cipher_new(ENCR_AES_GCM_16, 128, AUTH_NONE, k, 16, NULL, 0,
	    err, sizeof(err)));
	assert_non_null(strstr(err, "need 20"));
	assert_null(cipher_new(ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96, k, 16,
	    NULL, 0, err, sizeof(err)));
}

static void
test_ivs(void **state)
{
	uint8_t key[32] = { 1 }, akey[32] = { 2 }, a[16], b[16];
	struct cipher *c;

	c = make(ENCR_AES_GCM_16, 128, AUTH_NONE, key, 20, NULL, 0);
	cipher_make_iv(c, 0x0102030405060708ULL, a);
	assert_memory_equal(a, "\1\2\3\4\5\6\7\10", 8);
	assert_string_equal(cipher_name(c), "AES_GCM_16_128");
	cipher_free(c);
	c = make(ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128, key, 32, akey, 32);
	assert_string_equal(cipher_name(c), "AES_CBC_256/HMAC_SHA2_256_128");
	cipher_make_iv(c, 1, a);
	cipher_make_iv(c, 1, b);
	assert_memory_not_equal(a, b, 16);
	cipher_free(c);
	cipher_free(NULL);
}

/* The AES-NI GCM against libtomcrypt's on many lengths, AAD splits and
 * both key sizes (the KATs above already ran on it when the CPU has it). */
static void
test_aesni_vs_libtomcrypt(void **state)
{
	uint8_t key[32], nonce[12], aad[40], pt[300], ct[300], buf[300];
	uint8_t tag[16], ref[16];
	unsigned long taglen;
	struct aesni_gcm *g;
	size_t kl, len, al, split;
	unsigned x = 12345;
	int idx;

	if (!aesni_gcm_usable()) {
		print_message("no AES-NI here: nothing to compare\n");
		skip();
	}
	register_cipher(&aes_desc);
	idx = find_cipher("aes");
	for (kl = 16; kl <= 32; kl += 16) {
		for (len = 0; len < sizeof(pt); len += 1 + len / 8) {
			al = len % sizeof(aad);
			split = al ? x % al : 0;
			for (size_t i = 0; i < sizeof(key); i++)
				key[i] = (uint8_t)(x = x * 1103515245 + 12345) >> 8;
			for (size_t i = 0; i < sizeof(pt); i++)
				pt[i] = (uint8_t)(x = x * 1103515245 + 12345) >> 8;
			memcpy(aad, pt + 100, sizeof(aad));
			memcpy(nonce, pt + 200, sizeof(nonce));
			taglen = 16;
			assert_int_equal(gcm_memory(idx, key, (unsigned long)kl,
			    nonce, 12, aad, al, pt, len, ct, ref, &taglen,
			    GCM_ENCRYPT), CRYPT_OK);
			g = aesni_gcm_new(key, kl);
			assert_non_null(g);
			memcpy(buf, pt, len);
			aesni_gcm_run(g, nonce, aad, split, aad + split,
			    al - split, buf, len, true, tag);
			assert_memory_equal(buf, ct, len);
			assert_memory_equal(tag, ref, 16);
			aesni_gcm_run(g, nonce, aad, al, NULL, 0, buf, len,
			    false, tag);
			assert_memory_equal(buf, pt, len);
			assert_memory_equal(tag, ref, 16);
			aesni_gcm_free(g);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aead_kats),
		cmocka_unit_test(test_hmac_kats),
		cmocka_unit_test(test_cbc_kat),
		cmocka_unit_test(test_keylen_and_errors),
		cmocka_unit_test(test_ivs),
		cmocka_unit_test(test_aesni_vs_libtomcrypt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

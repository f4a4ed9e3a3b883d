/* prf, prf+ and the IKEv2 key derivations against published vectors:
 * RFC 4868 §2.7.1 (PRF-HMAC-SHA2) and NIST CAVP SP 800-135 IKEv2 KDF
 * (SHA-1, COUNT = 0 of the CAVS 14.x ikev2 file). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/prf.h"
#include "engine/proposal.h"
#include "tests/unit/hex.h"

static void
test_rfc4868_prf(void **state)
{
	uint8_t key[64], exp[64], out[PRF_MAX_LEN];
	const char *hi = "Hi There", *jefe = "what do ya want for nothing?";
	size_t n;

	memset(key, 0x0b, sizeof(key));
	n = unhex("198a607eb44bfbc69903a0f1cf2bbdc5ba0aa3f3d9ae3c1c7a3b1696a0b68cf7",
	    exp, sizeof(exp));
	assert_int_equal(prf(PRF_HMAC_SHA2_256, key, 32, (const uint8_t *)hi,
	    strlen(hi), out), 0);
	assert_memory_equal(out, exp, n);
	n = unhex("b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973"
	    "7a959796489bddbc4c5df61d5b3297b4fb68dab9f1b582c2", exp, sizeof(exp));
	assert_int_equal(prf(PRF_HMAC_SHA2_384, key, 48, (const uint8_t *)hi,
	    strlen(hi), out), 0);
	assert_memory_equal(out, exp, n);
	memcpy(key, "JefeJefeJefeJefeJefeJefeJefeJefe", 32);
	n = unhex("167f928588c5cc2eef8e3093caa0e87c9ff566a14794aa61648d81621a2a40c6",
	    exp, sizeof(exp));
	assert_int_equal(prf(PRF_HMAC_SHA2_256, key, 32, (const uint8_t *)jefe,
	    strlen(jefe), out), 0);
	assert_memory_equal(out, exp, n);
}

/* NIST CAVP IKEv2 KDF, SHA-1, Ni/Nr 64 bits, g^ir 256 bits, DKM 1056 bits */
static const char *cavp_gir =
    "4b2c1f971981a8ad8d0abeafabf38cf75fc8349c148142465ed9c8b516b8be52";
static const char *cavp_girnew =
    "863f3c9d06efd39d2b907b97f8699e5dd5251ef64a2a176f36ee40c87d4f9330";
static const char *cavp_skeyseed = "a9a7b222b59f8f48645f28a1db5b5f5d7479cba7";
static const char *cavp_dkm =
    "a14293677cc80ff8f9cc0eee30d895da9d8f405666e30ef0dfcb63c634a46002"
    "a2a63080e514a062768b76606f9fa5e992204fc5a670bde3f10d6b027113936a"
    "5c55b648a194ae587b0088d52204b702c979fa280870d2ed41efa9c549fd1119"
    "8af1670b143d384bd275c5f594cf266b05ebadca855e4249520a441a81157435"
    "a7a56cc4";
static const char *cavp_child =
    "8059e3ee8810e6c3a91bc8bcd2a7a41151b8d0e6ae239c7b38093ad85ef4c581"
    "1a8e7b5d1cdabd9560b2d5e092d1f24e2d4b85eccdf0ad0dc9abd94b51ee7181"
    "4ca6dbc8bb51b6309f5b9545c7eb35cf5580b1e521a8fe20754a2d883ba0c2cf"
    "285f524aea6545b33106bc03e614296d319d41d4b50b3f510b1c0a22f3e66499"
    "4d234cb4";
static const char *cavp_child_dh =
    "bb43244c1860ad65ee1e211ffe8bb3661750c8f89cb9f547df7f4fa61d373016"
    "28190e38c66232eab4b3ab14c400a5197dd3730ed4820a8a10394d51e1c04000"
    "52f63ebd36b0e7ef53aaed31eba4a5080d7d4b5666023a8bbb5ffb7857240f9a"
    "05884d1b7d2f933708450b7b3288f1fc863ab49fa901227cffc06e27899c7054"
    "d56fd74c";
static const char *cavp_rekey = "63e81194946ebd05df7df5ebf5d8750056bf1f1d";

static void
test_cavp_ikev2_kdf(void **state)
{
	uint8_t gir[32], girnew[32], ni[8], nr[8], exp[132], out[132];
	uint8_t skeyseed[PRF_MAX_LEN], dkm[132];
	size_t n;

	unhex(cavp_gir, gir, sizeof(gir));
	unhex(cavp_girnew, girnew, sizeof(girnew));
	unhex("32b50d5f4a3763f3", ni, sizeof(ni));
	unhex("9206a04b26564cb1", nr, sizeof(nr));

	assert_int_equal(ike_skeyseed(PRF_HMAC_SHA1, ni, 8, nr, 8, gir, 32,
	    skeyseed), 0);
	n = unhex(cavp_skeyseed, exp, sizeof(exp));
	assert_memory_equal(skeyseed, exp, n);

	assert_int_equal(ike_dkm(PRF_HMAC_SHA1, skeyseed, ni, 8, nr, 8,
	    0x34c9e7c188868785ULL, 0x3ff77d760d2b2199ULL, dkm, sizeof(dkm)), 0);
	n = unhex(cavp_dkm, exp, sizeof(exp));
	assert_int_equal(n, 132);
	assert_memory_equal(dkm, exp, n);

	/* SK_d is the first prf-length bytes of DKM */
	assert_int_equal(ike_child_keymat(PRF_HMAC_SHA1, dkm, 20, NULL, 0,
	    ni, 8, nr, 8, out, sizeof(out)), 0);
	n = unhex(cavp_child, exp, sizeof(exp));
	assert_memory_equal(out, exp, n);

	assert_int_equal(ike_child_keymat(PRF_HMAC_SHA1, dkm, 20, girnew, 32,
	    ni, 8, nr, 8, out, sizeof(out)), 0);
	n = unhex(cavp_child_dh, exp, sizeof(exp));
	assert_memory_equal(out, exp, n);

	assert_int_equal(ike_skeyseed_rekey(PRF_HMAC_SHA1, dkm, 20, girnew, 32,
	    ni, 8, nr, 8, out), 0);
	n = unhex(cavp_rekey, exp, sizeof(exp));
	assert_memory_equal(out, exp, n);
}

/* prf+ output is a prefix-stable stream, T1 = prf(K, S | 0x01) */
static void
test_prf_plus(void **state)
{
	uint8_t key[32] = { 1 }, seed[5] = { 'a', 'b', 'c', 'd', 'e' };
	uint8_t long_[100], short_[40], t1[32], s1[6];

	assert_int_equal(prf_plus(PRF_HMAC_SHA2_256, key, 32, seed, 5, long_,
	    sizeof(long_)), 0);
	assert_int_equal(prf_plus(PRF_HMAC_SHA2_256, key, 32, seed, 5, short_,
	    sizeof(short_)), 0);
	assert_memory_equal(long_, short_, sizeof(short_));
	memcpy(s1, seed, 5);
	s1[5] = 1;
	assert_int_equal(prf(PRF_HMAC_SHA2_256, key, 32, s1, 6, t1), 0);
	assert_memory_equal(long_, t1, 32);
	/* more than 255 blocks is refused */
	assert_int_equal(prf_plus(PRF_HMAC_SHA1, key, 20, seed, 5, long_,
	    256 * 20), -1);
	assert_int_equal(prf(99, key, 32, seed, 5, t1), -1);
	assert_int_equal(prf_len(99), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4868_prf),
		cmocka_unit_test(test_cavp_ikev2_kdf),
		cmocka_unit_test(test_prf_plus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

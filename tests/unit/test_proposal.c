/* Proposal strings in strongSwan's syntax: parsing rules, printing, names. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine/proposal.h"

static struct proposal_list pl;
static char err[256];

static void
parse_ok(const char *text, enum proposal_kind kind)
{
	err[0] = '\0';
	if (proposal_parse(text, kind, &pl, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", text, err);
}

static void
parse_bad(const char *text, enum proposal_kind kind, const char *reason)
{
	err[0] = '\0';
	assert_int_equal(proposal_parse(text, kind, &pl, err, sizeof(err)), -1);
	if (strstr(err, reason) == NULL)
		fail_msg("'%s': error \"%s\" lacks \"%s\"", text, err, reason);
	assert_int_equal(pl.n, 0);
}

/* Checks proposal i against a list of (type, id, keylen) triples. */
static void
expect(size_t i, size_t nt, ...)
{
	const struct proposal *p = &pl.p[i];
	va_list ap;
	size_t j;

	assert_true(i < pl.n);
	assert_int_equal(p->nt, nt);
	va_start(ap, nt);
	for (j = 0; j < nt; j++) {
		assert_int_equal(p->t[j].type, va_arg(ap, int));
		assert_int_equal(p->t[j].id, va_arg(ap, int));
		assert_int_equal(p->t[j].keylen, va_arg(ap, int));
	}
	va_end(ap);
}

static void
assert_same(const struct proposal_list *a, const struct proposal_list *b)
{
	size_t i, j;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->p[i].nt, b->p[i].nt);
		for (j = 0; j < a->p[i].nt; j++) {
			assert_int_equal(a->p[i].t[j].type, b->p[i].t[j].type);
			assert_int_equal(a->p[i].t[j].id, b->p[i].t[j].id);
			assert_int_equal(a->p[i].t[j].keylen,
			    b->p[i].t[j].keylen);
		}
	}
}

static char *
print(void)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	proposal_print(&pl, &sb);
	assert_false(strbuf_failed(&sb));
	s = strbuf_detach(&sb, NULL);
	assert_non_null(s);
	return s;
}

static void
test_design_ike_defaults(void **state)
{
	parse_ok("aes128gcm16-prfsha256-ecp256, aes128-sha1-modp2048",
	    PROPOSAL_IKE);
	assert_int_equal(pl.n, 2);
	expect(0, 3, TT_ENCR, ENCR_AES_GCM_16, 128,
	    TT_PRF, PRF_HMAC_SHA2_256, 0, TT_DH, DH_ECP_256, 0);
	/* the PRF comes from the integrity algorithm */
	expect(1, 4, TT_ENCR, ENCR_AES_CBC, 128,
	    TT_INTEG, AUTH_HMAC_SHA1_96, 0, TT_PRF, PRF_HMAC_SHA1, 0,
	    TT_DH, DH_MODP_2048, 0);
}

static void
test_design_esp_defaults(void **state)
{
	parse_ok("aes128gcm16, chacha20poly1305, aes128-sha1", PROPOSAL_ESP);
	assert_int_equal(pl.n, 3);
	expect(0, 2, TT_ENCR, ENCR_AES_GCM_16, 128, TT_ESN, ESN_NO, 0);
	expect(1, 2, TT_ENCR, ENCR_CHACHA20_POLY1305, 0, TT_ESN, ESN_NO, 0);
	expect(2, 3, TT_ENCR, ENCR_AES_CBC, 128,
	    TT_INTEG, AUTH_HMAC_SHA1_96, 0, TT_ESN, ESN_NO, 0);
}

static void
test_every_keyword(void **state)
{
	parse_ok("aes128-aes192-aes256-sha1-sha256-sha384-prfsha1-prfsha256-"
	    "prfsha384-modp2048-ecp256-ecp384", PROPOSAL_IKE);
	expect(0, 12, TT_ENCR, ENCR_AES_CBC, 128, TT_ENCR, ENCR_AES_CBC, 192,
	    TT_ENCR, ENCR_AES_CBC, 256, TT_INTEG, AUTH_HMAC_SHA1_96, 0,
	    TT_INTEG, AUTH_HMAC_SHA2_256_128, 0,
	    TT_INTEG, AUTH_HMAC_SHA2_384_192, 0, TT_PRF, PRF_HMAC_SHA1, 0,
	    TT_PRF, PRF_HMAC_SHA2_256, 0, TT_PRF, PRF_HMAC_SHA2_384, 0,
	    TT_DH, DH_MODP_2048, 0, TT_DH, DH_ECP_256, 0, TT_DH, DH_ECP_384, 0);
	parse_ok("aes128gcm16-aes192gcm16-aes256gcm16-chacha20poly1305-"
	    "modp2048-esn-noesn", PROPOSAL_ESP);
	expect(0, 7, TT_ENCR, ENCR_AES_GCM_16, 128,
	    TT_ENCR, ENCR_AES_GCM_16, 192, TT_ENCR, ENCR_AES_GCM_16, 256,
	    TT_ENCR, ENCR_CHACHA20_POLY1305, 0, TT_DH, DH_MODP_2048, 0,
	    TT_ESN, ESN_YES, 0, TT_ESN, ESN_NO, 0);
}

static void
test_ike_prf_from_integrity(void **state)
{
	parse_ok("aes256-sha384-ecp384", PROPOSAL_IKE);
	expect(0, 4, TT_ENCR, ENCR_AES_CBC, 256,
	    TT_INTEG, AUTH_HMAC_SHA2_384_192, 0,
	    TT_PRF, PRF_HMAC_SHA2_384, 0, TT_DH, DH_ECP_384, 0);
	/* one PRF per integrity algorithm, in the same order */
	parse_ok("aes128-sha256-sha1-modp2048", PROPOSAL_IKE);
	expect(0, 6, TT_ENCR, ENCR_AES_CBC, 128,
	    TT_INTEG, AUTH_HMAC_SHA2_256_128, 0, TT_INTEG, AUTH_HMAC_SHA1_96, 0,
	    TT_PRF, PRF_HMAC_SHA2_256, 0, TT_PRF, PRF_HMAC_SHA1, 0,
	    TT_DH, DH_MODP_2048, 0);
	/* an explicit PRF is kept alone */
	parse_ok("aes128-sha1-prfsha256-modp2048", PROPOSAL_IKE);
	expect(0, 4, TT_ENCR, ENCR_AES_CBC, 128,
	    TT_INTEG, AUTH_HMAC_SHA1_96, 0, TT_PRF, PRF_HMAC_SHA2_256, 0,
	    TT_DH, DH_MODP_2048, 0);
}

static void
test_ike_aead_needs_prf(void **state)
{
	parse_bad("aes128gcm16-ecp256", PROPOSAL_IKE,
	    "'aes128gcm16-ecp256': an AEAD algorithm needs a PRF");
	parse_bad("chacha20poly1305-modp2048", PROPOSAL_IKE, "needs a PRF");
	/* an integrity algorithm names the PRF, then goes (strongSwan) */
	parse_ok("aes128gcm16-sha256-ecp256", PROPOSAL_IKE);
	expect(0, 3, TT_ENCR, ENCR_AES_GCM_16, 128,
	    TT_PRF, PRF_HMAC_SHA2_256, 0, TT_DH, DH_ECP_256, 0);
}

static void
test_ike_needs_dh(void **state)
{
	parse_bad("aes128-sha256", PROPOSAL_IKE, "no DH group");
	parse_bad("aes128gcm16-prfsha256", PROPOSAL_IKE, "no DH group");
}

static void
test_needs_encryption(void **state)
{
	parse_bad("sha256-modp2048", PROPOSAL_IKE, "no encryption algorithm");
	parse_bad("sha256", PROPOSAL_ESP, "no encryption algorithm");
	parse_bad("prfsha256-esn", PROPOSAL_ESP, "no encryption algorithm");
}

static void
test_classic_needs_integrity(void **state)
{
	parse_bad("aes128-prfsha256-modp2048", PROPOSAL_IKE,
	    "needs an integrity algorithm");
	parse_bad("aes128", PROPOSAL_ESP, "needs an integrity algorithm");
	parse_bad("null", PROPOSAL_ESP, "needs an integrity algorithm");
}

static void
test_no_aead_classic_mix(void **state)
{
	parse_bad("aes128gcm16-aes128-sha256", PROPOSAL_ESP,
	    "AEAD and classic");
	parse_bad("aes128-sha1-chacha20poly1305-prfsha1-ecp256", PROPOSAL_IKE,
	    "AEAD and classic");
	parse_bad("null-aes256gcm16-sha1", PROPOSAL_ESP, "AEAD and classic");
}

static void
test_esp_aead_drops_integrity(void **state)
{
	parse_ok("aes256gcm16-sha256", PROPOSAL_ESP);
	expect(0, 2, TT_ENCR, ENCR_AES_GCM_16, 256, TT_ESN, ESN_NO, 0);
}

static void
test_esp_pfs_and_esn(void **state)
{
	parse_ok("aes128-sha256-modp2048", PROPOSAL_ESP);
	expect(0, 4, TT_ENCR, ENCR_AES_CBC, 128,
	    TT_INTEG, AUTH_HMAC_SHA2_256_128, 0, TT_DH, DH_MODP_2048, 0,
	    TT_ESN, ESN_NO, 0);
	parse_ok("esn-aes128gcm16-ecp384", PROPOSAL_ESP);
	expect(0, 3, TT_ENCR, ENCR_AES_GCM_16, 128, TT_DH, DH_ECP_384, 0,
	    TT_ESN, ESN_YES, 0);
	/* strongSwan drops PRFs from ESP proposals */
	parse_ok("aes128-sha1-prfsha256", PROPOSAL_ESP);
	expect(0, 3, TT_ENCR, ENCR_AES_CBC, 128,
	    TT_INTEG, AUTH_HMAC_SHA1_96, 0, TT_ESN, ESN_NO, 0);
}

static void
test_esp_null(void **state)
{
	parse_ok("null-sha256", PROPOSAL_ESP);
	expect(0, 3, TT_ENCR, ENCR_NULL, 0,
	    TT_INTEG, AUTH_HMAC_SHA2_256_128, 0, TT_ESN, ESN_NO, 0);
	parse_bad("null-sha256-modp2048", PROPOSAL_IKE,
	    "'null' is for ESP proposals only");
	parse_bad("aes128-sha256-modp2048-noesn", PROPOSAL_IKE,
	    "'noesn' is for ESP proposals only");
}

static void
test_aliases_and_case(void **state)
{
	struct proposal_list a;

	parse_ok("aes128gcm16-aes256gcm16", PROPOSAL_ESP);
	a = pl;
	parse_ok("AES128GCM-aes256gcm", PROPOSAL_ESP);
	assert_same(&a, &pl);
	parse_ok("aes128-sha1-sha256-sha384-modp2048", PROPOSAL_IKE);
	a = pl;
	parse_ok("aes128-sha-sha2_256-sha2_384-modp2048", PROPOSAL_IKE);
	assert_same(&a, &pl);
}

static void
test_whitespace_and_duplicates(void **state)
{
	parse_ok("  aes128 - sha1 -modp2048 ,\taes256gcm16-prfsha384-ecp384 ",
	    PROPOSAL_IKE);
	assert_int_equal(pl.n, 2);
	expect(1, 3, TT_ENCR, ENCR_AES_GCM_16, 256,
	    TT_PRF, PRF_HMAC_SHA2_384, 0, TT_DH, DH_ECP_384, 0);
	parse_ok("aes128-sha1-aes128-sha1", PROPOSAL_ESP);
	expect(0, 3, TT_ENCR, ENCR_AES_CBC, 128,
	    TT_INTEG, AUTH_HMAC_SHA1_96, 0, TT_ESN, ESN_NO, 0);
}

static void
test_unknown_and_empty(void **state)
{
	parse_bad("aes128-foo-modp2048", PROPOSAL_IKE,
	    "'aes128-foo-modp2048': unknown algorithm 'foo'");
	parse_bad("aes128-sha1-modp1024", PROPOSAL_IKE,
	    "unknown algorithm 'modp1024'");
	parse_bad("aes128gcm16, 3des-sha1", PROPOSAL_ESP,
	    "unknown algorithm '3des'");
	parse_bad("aes128-sha1\x01", PROPOSAL_ESP, "unknown algorithm 'sha1?'");
	parse_bad("", PROPOSAL_ESP, "empty proposal");
	parse_bad(" , ", PROPOSAL_ESP, "empty proposal");
	parse_bad("aes128gcm16,", PROPOSAL_ESP, "empty proposal");
	parse_bad("aes128--sha1", PROPOSAL_ESP, "empty algorithm name");
	parse_bad("-aes128gcm16", PROPOSAL_ESP, "empty algorithm name");
	parse_bad("default", PROPOSAL_IKE, "unknown algorithm 'default'");
}

static void
test_limits(void **state)
{
	char text[512] = "";
	int i;

	for (i = 0; i < PROPOSAL_MAX; i++)
		strcat(text, i ? ",aes128gcm16" : "aes128gcm16");
	parse_ok(text, PROPOSAL_ESP);
	assert_int_equal(pl.n, PROPOSAL_MAX);
	strcat(text, ",aes128gcm16");
	parse_bad(text, PROPOSAL_ESP, "too many proposals (max 8)");
}

static void
test_long_input_is_quoted_briefly(void **state)
{
	char text[4096];

	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	parse_bad(text, PROPOSAL_IKE, "unknown algorithm");
	assert_true(strlen(err) < 160);
	/* a small buffer only truncates */
	assert_int_equal(proposal_parse(text, PROPOSAL_IKE, &pl, err, 8), -1);
	assert_int_equal(strlen(err), 7);
}

static void
test_print(void **state)
{
	char *s;

	parse_ok("aes128gcm16-prfsha256-ecp256, aes128-sha1-modp2048",
	    PROPOSAL_IKE);
	s = print();
	assert_string_equal(s,
	    "aes128gcm16-prfsha256-ecp256, aes128-sha1-prfsha1-modp2048");
	free(s);
	parse_ok("aes128gcm, chacha20poly1305, null-sha2_384-ecp384-esn",
	    PROPOSAL_ESP);
	s = print();
	assert_string_equal(s, "aes128gcm16-noesn, chacha20poly1305-noesn, "
	    "null-sha384-ecp384-esn");
	free(s);
}

static void
test_round_trip(void **state)
{
	static const struct { const char *text; enum proposal_kind kind; } in[] = {
		{ "aes128gcm16-prfsha256-ecp256, aes128-sha1-modp2048",
		    PROPOSAL_IKE },
		{ "aes256-aes128-sha384-sha1-ecp384-modp2048", PROPOSAL_IKE },
		{ "chacha20poly1305-prfsha384-prfsha1-ecp256", PROPOSAL_IKE },
		{ "aes128gcm16-sha256-ecp256", PROPOSAL_IKE },
		{ "aes128gcm16, chacha20poly1305, aes128-sha1", PROPOSAL_ESP },
		{ "null-sha256, aes192-sha384-modp2048-esn-noesn", PROPOSAL_ESP },
		{ "AES256GCM-ecp384", PROPOSAL_ESP },
	};
	struct proposal_list first;
	size_t i;
	char *s1, *s2;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		parse_ok(in[i].text, in[i].kind);
		first = pl;
		s1 = print();
		parse_ok(s1, in[i].kind);
		assert_same(&first, &pl);
		s2 = print();
		assert_string_equal(s1, s2);
		free(s1);
		free(s2);
	}
}

static void
test_transform_names(void **state)
{
	static const struct { struct transform t; const char *name; } n[] = {
		{ { TT_ENCR, ENCR_AES_GCM_16, 128 }, "AES_GCM_16_128" },
		{ { TT_ENCR, ENCR_AES_CBC, 256 }, "AES_CBC_256" },
		{ { TT_ENCR, ENCR_CHACHA20_POLY1305, 0 }, "CHACHA20_POLY1305" },
		{ { TT_ENCR, ENCR_NULL, 0 }, "NULL" },
		{ { TT_PRF, PRF_HMAC_SHA2_256, 0 }, "PRF_HMAC_SHA2_256" },
		{ { TT_INTEG, AUTH_HMAC_SHA1_96, 0 }, "HMAC_SHA1_96" },
		{ { TT_INTEG, AUTH_HMAC_SHA2_256_128, 0 }, "HMAC_SHA2_256_128" },
		{ { TT_INTEG, AUTH_HMAC_SHA2_384_192, 0 }, "HMAC_SHA2_384_192" },
		{ { TT_DH, DH_ECP_256, 0 }, "ECP_256" },
		{ { TT_DH, DH_MODP_2048, 0 }, "MODP_2048" },
		{ { TT_ESN, ESN_NO, 0 }, "NO_EXT_SEQ" },
		{ { TT_ESN, ESN_YES, 0 }, "EXT_SEQ" },
		{ { TT_ENCR, 99, 0 }, "UNKNOWN_1_99" },
	};
	char buf[64], small[5];
	size_t i;

	for (i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		assert_string_equal(transform_name(&n[i].t, buf, sizeof(buf)),
		    n[i].name);
	assert_string_equal(transform_name(&n[0].t, small, sizeof(small)),
	    "AES_");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_ike_defaults),
		cmocka_unit_test(test_design_esp_defaults),
		cmocka_unit_test(test_every_keyword),
		cmocka_unit_test(test_ike_prf_from_integrity),
		cmocka_unit_test(test_ike_aead_needs_prf),
		cmocka_unit_test(test_ike_needs_dh),
		cmocka_unit_test(test_needs_encryption),
		cmocka_unit_test(test_classic_needs_integrity),
		cmocka_unit_test(test_no_aead_classic_mix),
		cmocka_unit_test(test_esp_aead_drops_integrity),
		cmocka_unit_test(test_esp_pfs_and_esn),
		cmocka_unit_test(test_esp_null),
		cmocka_unit_test(test_aliases_and_case),
		cmocka_unit_test(test_whitespace_and_duplicates),
		cmocka_unit_test(test_unknown_and_empty),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_long_input_is_quoted_briefly),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_transform_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

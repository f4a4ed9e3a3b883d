/* DH groups 14, 19, 20: agreement, wire lengths, and rejection of bad
 * public values (small subgroup, off-curve points, wrong lengths). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/dh.h"
#include "engine/proposal.h"

static void
agree(uint16_t group)
{
	struct ike_dh *a = ike_dh_new(group), *b = ike_dh_new(group);
	uint8_t pa[DH_MAX_PUB], pb[DH_MAX_PUB], sa[DH_MAX_SECRET], sb[DH_MAX_SECRET];
	size_t la, lb, ka, kb;

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(ike_dh_group(a), group);
	assert_int_equal(ike_dh_public(a, pa, &la), 0);
	assert_int_equal(ike_dh_public(b, pb, &lb), 0);
	assert_int_equal(la, ike_dh_pub_len(group));
	assert_int_equal(lb, ike_dh_pub_len(group));
	assert_memory_not_equal(pa, pb, la);
	assert_int_equal(ike_dh_shared(a, pb, lb, sa, &ka), 0);
	assert_int_equal(ike_dh_shared(b, pa, la, sb, &kb), 0);
	assert_int_equal(ka, ike_dh_secret_len(group));
	assert_int_equal(ka, kb);
	assert_memory_equal(sa, sb, ka);
	/* ECP: the secret is the x coordinate, not the whole point */
	if (group != DH_MODP_2048)
		assert_int_equal(ka, la / 2);
	/* a wrong length is refused */
	assert_int_equal(ike_dh_shared(a, pb, lb - 1, sa, &ka), -1);
	/* a point off the curve is refused */
	if (group != DH_MODP_2048) {
		pb[lb - 1] ^= 1;
		assert_int_equal(ike_dh_shared(a, pb, lb, sa, &ka), -1);
	}
	ike_dh_free(a);
	ike_dh_free(b);
}

static void test_modp2048(void **state) { agree(DH_MODP_2048); }
static void test_ecp256(void **state) { agree(DH_ECP_256); }
static void test_ecp384(void **state) { agree(DH_ECP_384); }

static void
test_modp_bad_values(void **state)
{
	struct ike_dh *a = ike_dh_new(DH_MODP_2048);
	uint8_t y[256], s[256];
	size_t k;

	assert_non_null(a);
	memset(y, 0, sizeof(y));
	assert_int_equal(ike_dh_shared(a, y, 256, s, &k), -1);	/* 0 */
	y[255] = 1;
	assert_int_equal(ike_dh_shared(a, y, 256, s, &k), -1);	/* 1 */
	memset(y, 0xff, sizeof(y));
	assert_int_equal(ike_dh_shared(a, y, 256, s, &k), -1);	/* > p */
	ike_dh_free(a);
}

static void
test_ecp_bad_values(void **state)
{
	struct ike_dh *a = ike_dh_new(DH_ECP_256);
	uint8_t p[64], s[64];
	size_t k;

	assert_non_null(a);
	memset(p, 0, sizeof(p));
	assert_int_equal(ike_dh_shared(a, p, 64, s, &k), -1);	/* (0,0) */
	memset(p, 0xff, sizeof(p));
	assert_int_equal(ike_dh_shared(a, p, 64, s, &k), -1);	/* >= p */
	ike_dh_free(a);
}

static void
test_unsupported(void **state)
{
	assert_null(ike_dh_new(1));
	assert_null(ike_dh_new(DH_NONE));
	assert_int_equal(ike_dh_pub_len(2), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modp2048),
		cmocka_unit_test(test_ecp256),
		cmocka_unit_test(test_ecp384),
		cmocka_unit_test(test_modp_bad_values),
		cmocka_unit_test(test_ecp_bad_values),
		cmocka_unit_test(test_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

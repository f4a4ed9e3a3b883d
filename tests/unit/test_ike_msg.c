/* The IKEv2 codec: what is built parses back to the same values; every
 * malformed header, chain and payload is refused with the right error. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/ike_msg.h"

static struct ike_wbuf w;
static struct ike_msg m;

static struct ike_prop
ike_prop_gcm(void)
{
	struct ike_prop p = { .num = 1, .protoid = PROTO_IKE };

	p.p.t[p.p.nt++] = (struct transform){ TT_ENCR, ENCR_AES_GCM_16, 128 };
	p.p.t[p.p.nt++] = (struct transform){ TT_PRF, PRF_HMAC_SHA2_256, 0 };
	p.p.t[p.p.nt++] = (struct transform){ TT_DH, DH_ECP_256, 0 };
	return p;
}

static void
build_init(void)
{
	struct ike_hdr h = { .ispi = 0x0102030405060708ULL, .exchange = IKE_SA_INIT,
	    .flags = IKE_FLAG_I };
	struct ike_prop p[2];
	uint8_t ke[64], nonce[32], nat[20];

	memset(ke, 0xaa, sizeof(ke));
	memset(nonce, 0xbb, sizeof(nonce));
	memset(nat, 0xcc, sizeof(nat));
	p[0] = ike_prop_gcm();
	p[1] = ike_prop_gcm();
	p[1].num = 2;
	p[1].p.t[0].keylen = 256;
	ike_msg_begin(&w, &h);
	ike_add_sa(&w, p, 2);
	ike_add_ke(&w, DH_ECP_256, ke, sizeof(ke));
	ike_add_nonce(&w, nonce, sizeof(nonce));
	ike_add_notify(&w, 0, NULL, 0, N_NAT_DETECTION_SOURCE_IP, nat, sizeof(nat));
	ike_msg_end(&w);
	assert_false(w.failed);
}

static void
test_roundtrip_init(void **state)
{
	struct ike_sa_pl sa;
	struct ike_ke_pl ke;
	struct ike_notify_pl n;
	const uint8_t *nonce;
	size_t nlen;

	build_init();
	assert_int_equal(ike_msg_parse(w.buf, w.len, &m), IKE_OK);
	assert_int_equal(m.hdr.ispi, 0x0102030405060708ULL);
	assert_int_equal(m.hdr.rspi, 0);
	assert_int_equal(m.hdr.exchange, IKE_SA_INIT);
	assert_int_equal(m.hdr.flags, IKE_FLAG_I);
	assert_int_equal(m.hdr.length, w.len);
	assert_int_equal(m.npl, 4);
	assert_int_equal(ike_parse_sa(ike_msg_find(&m, PL_SA), &sa), IKE_OK);
	assert_int_equal(sa.n, 2);
	assert_int_equal(sa.prop[1].num, 2);
	assert_int_equal(sa.prop[0].p.nt, 3);
	assert_int_equal(sa.prop[0].p.t[0].id, ENCR_AES_GCM_16);
	assert_int_equal(sa.prop[0].p.t[0].keylen, 128);
	assert_int_equal(sa.prop[1].p.t[0].keylen, 256);
	assert_int_equal(sa.prop[0].p.t[2].id, DH_ECP_256);
	assert_int_equal(ike_parse_ke(ike_msg_find(&m, PL_KE), &ke), IKE_OK);
	assert_int_equal(ke.group, DH_ECP_256);
	assert_int_equal(ke.len, 64);
	assert_int_equal(ke.data[0], 0xaa);
	assert_int_equal(ike_parse_nonce(ike_msg_find(&m, PL_NONCE), &nonce,
	    &nlen), IKE_OK);
	assert_int_equal(nlen, 32);
	assert_non_null(ike_msg_find_notify(&m, N_NAT_DETECTION_SOURCE_IP));
	assert_null(ike_msg_find_notify(&m, N_COOKIE));
	assert_int_equal(ike_parse_notify(ike_msg_find(&m, PL_NOTIFY), &n), IKE_OK);
	assert_int_equal(n.len, 20);
}

static void
test_roundtrip_auth_chain(void **state)
{
	struct ike_ts ts = { TS_IPV4_ADDR_RANGE, 6, 1024, 1024,
	    { AF_INET, { 10, 0, 0, 1 } }, { AF_INET, { 10, 0, 0, 1 } } };
	struct ike_ts_pl tsp;
	struct ike_id_pl id;
	struct ike_auth_pl au;
	struct ike_delete_pl del;
	uint32_t spis[2] = { 0xc0010001, 0xc0010002 };
	uint8_t addr[4] = { 10, 0, 0, 1 }, mac[32] = { 7 };

	/* a bare chain, as inside SK */
	ike_wbuf_init(&w);
	ike_add_id(&w, PL_IDi, ID_IPV4_ADDR, addr, 4);
	ike_add_auth(&w, AUTH_SHARED_KEY_MIC, mac, sizeof(mac));
	ike_add_ts(&w, PL_TSi, &ts, 1);
	ike_add_delete(&w, PROTO_ESP, spis, 2);
	assert_false(w.failed);
	assert_int_equal(ike_chain_first(&w), PL_IDi);
	memset(&m, 0, sizeof(m));
	assert_int_equal(ike_chain_parse(ike_chain_first(&w), w.buf, w.len, &m,
	    NULL), IKE_OK);
	assert_int_equal(m.npl, 4);
	assert_int_equal(ike_parse_id(&m.pl[0], &id), IKE_OK);
	assert_int_equal(id.type, ID_IPV4_ADDR);
	assert_memory_equal(id.data, addr, 4);
	assert_int_equal(id.bodylen, 8);
	assert_int_equal(ike_parse_auth(&m.pl[1], &au), IKE_OK);
	assert_int_equal(au.method, AUTH_SHARED_KEY_MIC);
	assert_int_equal(au.len, 32);
	assert_int_equal(ike_parse_ts(&m.pl[2], &tsp), IKE_OK);
	assert_int_equal(tsp.n, 1);
	assert_int_equal(tsp.ts[0].ipproto, 6);
	assert_int_equal(tsp.ts[0].sport, 1024);
	assert_true(ipaddr_equal(&tsp.ts[0].start, &ts.start));
	assert_int_equal(ike_parse_delete(&m.pl[3], &del), IKE_OK);
	assert_int_equal(del.n, 2);
	assert_int_equal(del.spi[1], 0xc0010002);
}

static void
test_bad_header(void **state)
{
	build_init();
	assert_int_equal(ike_msg_parse(w.buf, 27, &m), IKE_ERR_SHORT);
	assert_int_equal(ike_msg_parse(w.buf, w.len - 1, &m), IKE_ERR_LENGTH);
	w.buf[17] = 0x30;
	assert_int_equal(ike_msg_parse(w.buf, w.len, &m), IKE_ERR_VERSION);
	w.buf[17] = 0x21;	/* minor versions are fine */
	assert_int_equal(ike_msg_parse(w.buf, w.len, &m), IKE_OK);
}

static void
test_bad_chain(void **state)
{
	size_t sa_at = IKE_HDR_LEN;

	build_init();
	/* a payload length past the end */
	w.buf[sa_at + 2] = 0xff;
	assert_int_equal(ike_msg_parse(w.buf, w.len, &m), IKE_ERR_CHAIN);
	build_init();
	/* a payload length under 4 */
	w.buf[sa_at + 2] = 0;
	w.buf[sa_at + 3] = 3;
	assert_int_equal(ike_msg_parse(w.buf, w.len, &m), IKE_ERR_CHAIN);
	build_init();
	/* the last payload names a next one that is not there */
	m.npl = 0;
	{
		uint8_t chain[8] = { PL_NONCE, 0, 0, 8, 1, 2, 3, 4 };

		assert_int_equal(ike_chain_parse(PL_NONCE, chain, 8, &m, NULL),
		    IKE_ERR_CHAIN);
		/* unknown non-critical payloads are skipped */
		chain[0] = PL_NONE;
		m.npl = 0;
		assert_int_equal(ike_chain_parse(200, chain, 8, &m, NULL), IKE_OK);
		assert_int_equal(m.npl, 0);
		/* unknown critical ones are refused, naming the type */
		uint8_t bad = 0;
		chain[1] = 0x80;
		assert_int_equal(ike_chain_parse(200, chain, 8, &m, &bad),
		    IKE_ERR_CRITICAL);
		assert_int_equal(bad, 200);
	}
}

static void
test_sk_must_be_last(void **state)
{
	struct ike_hdr h = { .ispi = 1, .rspi = 2, .exchange = IKE_AUTH };
	uint8_t body[40] = { 0 };

	ike_msg_begin(&w, &h);
	ike_pl_begin(&w, PL_SK);
	ike_put(&w, body, sizeof(body));
	ike_pl_end(&w);
	w.buf[IKE_HDR_LEN] = PL_IDi;	/* first inner payload */
	ike_msg_end(&w);
	assert_int_equal(ike_msg_parse(w.buf, w.len, &m), IKE_OK);
	assert_int_equal(ike_msg_sk_inner(&m), PL_IDi);
	assert_int_equal(ike_msg_find(&m, PL_SK)->len, 40);
	/* bytes after SK */
	w.buf[IKE_HDR_LEN + 3] -= 4;
	assert_int_equal(ike_msg_parse(w.buf, w.len, &m), IKE_ERR_SK_NOT_LAST);
}

static void
test_bad_payloads(void **state)
{
	struct ike_payload p = { 0 };
	struct ike_sa_pl sa;
	struct ike_ke_pl ke;
	struct ike_ts_pl ts;
	struct ike_delete_pl del;
	struct ike_notify_pl n;
	const uint8_t *nonce;
	size_t nlen;
	uint8_t b[64] = { 0 };

	p.body = b;
	p.len = 0;
	assert_int_equal(ike_parse_sa(&p, &sa), IKE_ERR_SYNTAX);
	p.len = 4;
	assert_int_equal(ike_parse_ke(&p, &ke), IKE_ERR_SYNTAX);
	p.len = 15;
	assert_int_equal(ike_parse_nonce(&p, &nonce, &nlen), IKE_ERR_SYNTAX);
	p.len = 16;
	assert_int_equal(ike_parse_nonce(&p, &nonce, &nlen), IKE_OK);
	/* TS count 0 */
	p.len = 4;
	assert_int_equal(ike_parse_ts(&p, &ts), IKE_ERR_SYNTAX);
	/* TS says 1 selector, IPv4 type with an IPv6 length */
	b[0] = 1; b[4] = TS_IPV4_ADDR_RANGE; b[6] = 0; b[7] = 40;
	p.len = 44;
	assert_int_equal(ike_parse_ts(&p, &ts), IKE_ERR_SYNTAX);
	/* notify whose SPI size runs past the end */
	memset(b, 0, sizeof(b));
	b[1] = 8;
	p.len = 6;
	assert_int_equal(ike_parse_notify(&p, &n), IKE_ERR_SYNTAX);
	/* delete ESP with a count that does not match the length */
	b[0] = PROTO_ESP; b[1] = 4; b[3] = 3;
	p.len = 12;
	assert_int_equal(ike_parse_delete(&p, &del), IKE_ERR_SYNTAX);
	/* delete IKE with an SPI size */
	b[0] = PROTO_IKE; b[1] = 8; b[3] = 0;
	p.len = 4;
	assert_int_equal(ike_parse_delete(&p, &del), IKE_ERR_SYNTAX);
}

static void
test_bad_sa(void **state)
{
	struct ike_sa_pl sa;
	struct ike_payload p;
	struct ike_prop pr = ike_prop_gcm();

	ike_wbuf_init(&w);
	ike_add_sa(&w, &pr, 1);
	p.type = PL_SA;
	p.body = w.buf + 4;
	p.len = w.len - 4;
	assert_int_equal(ike_parse_sa(&p, &sa), IKE_OK);
	/* proposal number must start at 1 */
	w.buf[4 + 4] = 2;
	assert_int_equal(ike_parse_sa(&p, &sa), IKE_ERR_SYNTAX);
	w.buf[4 + 4] = 1;
	/* "more proposals" flag on the only one */
	w.buf[4] = 2;
	assert_int_equal(ike_parse_sa(&p, &sa), IKE_ERR_SYNTAX);
	w.buf[4] = 0;
	/* transform count larger than what is there */
	w.buf[4 + 7] = 4;
	assert_int_equal(ike_parse_sa(&p, &sa), IKE_ERR_SYNTAX);
	w.buf[4 + 7] = 3;
	/* an AES-GCM key length that does not exist drops the transform */
	w.buf[4 + 8 + 10] = 0x00;
	w.buf[4 + 8 + 11] = 100;
	assert_int_equal(ike_parse_sa(&p, &sa), IKE_OK);
	assert_int_equal(sa.prop[0].p.nt, 2);
	assert_int_equal(sa.prop[0].p.t[0].type, TT_PRF);
}

static void
test_build_overflow(void **state)
{
	uint8_t big[1000] = { 0 };
	int i;

	ike_wbuf_init(&w);
	for (i = 0; i < 10; i++)
		ike_add_nonce(&w, big, sizeof(big));
	assert_true(w.failed);
	assert_true(w.len <= sizeof(w.buf));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_init),
		cmocka_unit_test(test_roundtrip_auth_chain),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_chain),
		cmocka_unit_test(test_sk_must_be_last),
		cmocka_unit_test(test_bad_payloads),
		cmocka_unit_test(test_bad_sa),
		cmocka_unit_test(test_build_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The IKEv2 state machine, two instances back to back in memory: every
 * exchange and the failure paths (wrong PSK, no proposal, lost datagrams,
 * cookies, INVALID_KE_PAYLOAD, NAT-T, rekeying, deletes, bad input). */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/ike.h"
#include "crypto/ike_int.h"
#include "engine/events.h"
#include "tests/unit/ike_pair.h"

static struct ike_ts
ts5(const struct ipaddr *a, uint8_t proto, uint16_t port)
{
	struct ike_ts t;

	memset(&t, 0, sizeof(t));
	t.type = TS_IPV4_ADDR_RANGE;
	t.ipproto = proto;
	t.sport = t.eport = port;
	t.start = t.end = *a;
	return t;
}

static void
initiate(struct pair *pr)
{
	struct ike_ts l = ts5(&pr->a.ep.addr, 6, 40000);
	struct ike_ts r = ts5(&pr->b.ep.addr, 6, 21);

	assert_int_equal(ike_initiate(pr->a.ike, pr->now, &pr->a.ep, &pr->b.ep,
	    &l, &r), 0);
	pair_run(pr);
}

static size_t
nsas(struct ike *ike)
{
	size_t n = 0;

	void count(void *arg, uint64_t i, uint64_t r, bool init,
	    const struct ike_endpoint *l, const struct ike_endpoint *rm,
	    size_t nc) { (*(size_t *)arg)++; }
	ike_foreach_sa(ike, count, &n);
	return n;
}

/* Both sides have the same CHILD SA, seen from each end. */
static void
check_child_pair(const struct side *a, const struct side *b)
{
	size_t ia = 0, ib = 0;
	const struct ike_child_keys *ka, *kb;

	assert_non_null(last_ev(a, IKE_EV_CHILD_UP, &ia));
	assert_non_null(last_ev(b, IKE_EV_CHILD_UP, &ib));
	ka = &a->child[ia];
	kb = &b->child[ib];
	assert_int_equal(ka->spi_in, kb->spi_out);
	assert_int_equal(ka->spi_out, kb->spi_in);
	assert_int_equal(ka->encr, kb->encr);
	assert_int_equal(ka->enclen, kb->enclen);
	assert_true(ka->enclen > 0);
	assert_memory_equal(ka->enc_out, kb->enc_in, ka->enclen);
	assert_memory_equal(ka->enc_in, kb->enc_out, ka->enclen);
	assert_memory_not_equal(ka->enc_in, ka->enc_out, ka->enclen);
	assert_int_equal(ka->authlen, kb->authlen);
	if (ka->authlen)
		assert_memory_equal(ka->auth_out, kb->auth_in, ka->authlen);
	assert_true(ipaddr_equal(&ka->ts_local.start, &kb->ts_remote.start));
	assert_int_equal(ka->ts_local.sport, kb->ts_remote.sport);
	assert_int_equal(ka->ts_remote.sport, kb->ts_local.sport);
}

static void
test_gcm_ecp256(void **state)
{
	struct pair pr;
	size_t i = 0;
	uint64_t seq = events_next();
	char buf[8192];

	pair_init(&pr);
	pair_start(&pr);
	initiate(&pr);
	/* the events file hears of it: both IKE SAs and both CHILD SAs */
	memset(buf, 0, sizeof(buf));
	events_read(&seq, buf, sizeof(buf) - 1);
	assert_non_null(strstr(buf, "ike up peer=10.0.0.2 "));
	assert_non_null(strstr(buf, "ike up peer=10.0.0.1 "));
	assert_non_null(strstr(buf, "child up "));
	assert_non_null(strstr(strstr(buf, "child up ") + 1, "child up "));
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 1);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_UP), 1);
	assert_int_equal(last_ev(&pr.a, IKE_EV_IKE_UP, NULL)->dh, DH_ECP_256);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	assert_int_equal(pr.a.child[i].encr, ENCR_AES_GCM_16);
	assert_int_equal(pr.a.child[i].keybits, 128);
	assert_int_equal(pr.a.child[i].enclen, 20);
	assert_true(pr.a.child[i].transport);
	assert_false(pr.a.child[i].encap);
	assert_int_equal(pr.a.child[i].ts_remote.ipproto, 6);
	assert_int_equal(pr.a.child[i].ts_remote.sport, 21);
	assert_int_equal(pr.delivered, 4);
	assert_false(pr.saw_4500);	/* no NAT seen by either side */
	assert_int_equal(ike_next_timeout(pr.b.ike), UINT64_MAX);
	assert_int_equal(nsas(pr.a.ike), 1);
	assert_int_equal(nsas(pr.b.ike), 1);
	assert_int_equal(ike_get_stats(pr.b.ike)->half_open, 0);
	pair_free(&pr);
}

static void
test_cbc_sha1_modp2048(void **state)
{
	struct pair pr;
	size_t i = 0;

	pair_init(&pr);
	pair_peer(&pr.a.peer, "10.0.0.2", "aes128-sha1-modp2048", "aes128-sha1",
	    "psk");
	pair_peer(&pr.b.peer, "10.0.0.0/24", "aes128-sha1-modp2048",
	    "aes128-sha1", "psk");
	pair_start(&pr);
	initiate(&pr);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.b, IKE_EV_CHILD_UP, &i);
	assert_int_equal(pr.b.child[i].encr, ENCR_AES_CBC);
	assert_int_equal(pr.b.child[i].integ, AUTH_HMAC_SHA1_96);
	assert_int_equal(pr.b.child[i].authlen, 20);
	assert_int_equal(last_ev(&pr.b, IKE_EV_IKE_UP, NULL)->dh, DH_MODP_2048);
	pair_free(&pr);
}

static void
test_wrong_psk(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pair_peer(&pr.b.peer, "10.0.0.1", "aes128gcm16-prfsha256-ecp256",
	    "aes128gcm16", "another secret");
	pair_start(&pr);
	initiate(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 0);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_UP), 0);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 0);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_UP), 0);
	assert_int_equal(last_ev(&pr.a, IKE_EV_FAILED, NULL)->notify,
	    N_AUTHENTICATION_FAILED);
	assert_int_equal(last_ev(&pr.b, IKE_EV_FAILED, NULL)->notify,
	    N_AUTHENTICATION_FAILED);
	ike_tick(pr.a.ike, pr.now);
	ike_tick(pr.b.ike, pr.now);
	assert_int_equal(nsas(pr.a.ike), 0);
	assert_int_equal(nsas(pr.b.ike), 0);
	assert_int_equal(ike_next_timeout(pr.a.ike), UINT64_MAX);
	assert_int_equal(ike_next_timeout(pr.b.ike), UINT64_MAX);
	pair_free(&pr);
}

static void
test_no_proposal(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pair_peer(&pr.b.peer, "10.0.0.1", "aes256-sha256-modp2048",
	    "aes128gcm16", "a shared secret");
	pair_start(&pr);
	initiate(&pr);
	assert_int_equal(last_ev(&pr.a, IKE_EV_FAILED, NULL)->notify,
	    N_NO_PROPOSAL_CHOSEN);
	ike_tick(pr.b.ike, pr.now);
	assert_int_equal(nsas(pr.b.ike), 0);
	assert_int_equal(ike_get_stats(pr.b.ike)->half_open, 0);
	pair_free(&pr);
}

static void
test_child_no_proposal(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pair_peer(&pr.b.peer, "10.0.0.1", "aes128gcm16-prfsha256-ecp256",
	    "aes128-sha256", "a shared secret");
	pair_start(&pr);
	initiate(&pr);
	/* the IKE SA stands, the CHILD SA does not */
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 1);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 0);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_UP), 0);
	assert_int_equal(last_ev(&pr.a, IKE_EV_FAILED, NULL)->notify,
	    N_NO_PROPOSAL_CHOSEN);
	pair_free(&pr);
}

static void
test_invalid_ke(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pair_peer(&pr.a.peer, "10.0.0.2",
	    "aes128gcm16-prfsha256-ecp256-modp2048", "aes128gcm16", "k");
	pair_peer(&pr.b.peer, "10.0.0.1", "aes128gcm16-prfsha256-modp2048",
	    "aes128gcm16", "k");
	pair_start(&pr);
	initiate(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 1);
	assert_int_equal(last_ev(&pr.a, IKE_EV_IKE_UP, NULL)->dh, DH_MODP_2048);
	check_child_pair(&pr.a, &pr.b);
	assert_int_equal(pr.delivered, 6);
	/* the INVALID_KE_PAYLOAD answer kept no state at the responder */
	ike_tick(pr.b.ike, pr.now);
	assert_int_equal(nsas(pr.b.ike), 1);
	assert_int_equal(ike_get_stats(pr.b.ike)->half_open, 0);
	assert_int_equal(ike_next_timeout(pr.b.ike), UINT64_MAX);
	pair_free(&pr);
}

static void
test_cookie(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pair_start(&pr);
	ike_set_cookie_threshold(pr.b.ike, 0);
	initiate(&pr);
	assert_int_equal(ike_get_stats(pr.b.ike)->cookies_sent, 1);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_UP), 1);
	check_child_pair(&pr.a, &pr.b);
	pair_free(&pr);
}

static void
test_retransmit(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pair_start(&pr);
	pr.drop_next = 1;	/* IKE_SA_INIT request lost */
	initiate(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 0);
	assert_int_equal(ike_next_timeout(pr.a.ike), pr.now + 1000);
	pr.now += 999;
	ike_tick(pr.a.ike, pr.now);
	pair_run(&pr);
	assert_int_equal(ike_get_stats(pr.a.ike)->retransmits, 0);
	pr.now += 1;
	ike_tick(pr.a.ike, pr.now);
	pair_run(&pr);
	assert_int_equal(ike_get_stats(pr.a.ike)->retransmits, 1);
	check_child_pair(&pr.a, &pr.b);
	pair_free(&pr);
}

static void
test_retransmit_response_lost(void **state)
{
	struct pair pr;
	struct ike_dgram d;

	pair_init(&pr);
	pair_start(&pr);
	initiate(&pr);
	/* liveness check whose response is lost: the request is answered
	 * again from the responder's cache, not processed twice */
	assert_int_equal(ike_liveness(pr.a.ike, pr.now,
	    last_ev(&pr.a, IKE_EV_IKE_UP, NULL)->ispi), 0);
	assert_true(ike_output(pr.a.ike, &d));
	ike_input(pr.b.ike, pr.now, &d.src, &d.dst, d.data, d.len);
	assert_true(ike_output(pr.b.ike, &d));	/* lost */
	pr.now += 1000;
	ike_tick(pr.a.ike, pr.now);
	pair_run(&pr);
	assert_int_equal(ike_next_timeout(pr.a.ike), UINT64_MAX);
	assert_int_equal(ike_get_stats(pr.b.ike)->dropped_msgid, 0);
	pair_free(&pr);
}

static void
test_give_up(void **state)
{
	struct pair pr;
	struct ike_dgram d;
	int i;

	pair_init(&pr);
	pair_start(&pr);
	ike_set_retransmit(pr.a.ike, 500, 3);
	pr.drop_next = 1000;
	initiate(&pr);
	(void)d;
	for (i = 0; i < 3; i++) {
		pr.now = ike_next_timeout(pr.a.ike);
		ike_tick(pr.a.ike, pr.now);
		pair_run(&pr);
	}
	/* never delivered: 1 + 2 retransmissions, then failure */
	assert_int_equal(pr.delivered, 0);
	assert_int_equal(ike_get_stats(pr.a.ike)->retransmits, 2);
	assert_int_equal(count_ev(&pr.a, IKE_EV_FAILED), 1);
	assert_int_equal(last_ev(&pr.a, IKE_EV_FAILED, NULL)->notify, 0);
	ike_tick(pr.a.ike, pr.now);
	assert_int_equal(ike_next_timeout(pr.a.ike), UINT64_MAX);
	pair_free(&pr);
}

static void
test_nat_t(void **state)
{
	struct pair pr;
	size_t i = 0;

	pair_init(&pr);
	pr.b.peer.force_encap = true;	/* b pretends to be behind a NAT */
	pair_start(&pr);
	initiate(&pr);
	assert_true(pr.saw_4500);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	assert_true(pr.a.child[i].encap);
	assert_int_equal(pr.a.child[i].remote.port, IKE_NATT_PORT);
	last_ev(&pr.b, IKE_EV_CHILD_UP, &i);
	assert_true(pr.b.child[i].encap);
	pair_free(&pr);
}

static void
test_narrowing(void **state)
{
	struct pair pr;
	struct ike_ts l, r;
	size_t i = 0;

	pair_init(&pr);
	/* b accepts only TCP to its port 21 */
	pr.b.peer.ts_local = ts5(&pr.b.ep.addr, 6, 21);
	pair_start(&pr);
	memset(&l, 0, sizeof(l));
	l.type = TS_IPV4_ADDR_RANGE;
	l.eport = 65535;
	l.start = l.end = pr.a.ep.addr;
	r = l;
	r.start = r.end = pr.b.ep.addr;
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	pair_run(&pr);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	assert_int_equal(pr.a.child[i].ts_remote.ipproto, 6);
	assert_int_equal(pr.a.child[i].ts_remote.sport, 21);
	assert_int_equal(pr.a.child[i].ts_remote.eport, 21);
	/* and refuses what it cannot narrow */
	r.ipproto = 17;
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	pair_run(&pr);
	assert_int_equal(last_ev(&pr.a, IKE_EV_FAILED, NULL)->notify,
	    N_TS_UNACCEPTABLE);
	pair_free(&pr);
}

static void
test_create_rekey_delete(void **state)
{
	struct pair pr;
	struct ike_ts l, r;
	const struct ike_event *up;
	uint32_t first_in, second_in;
	uint64_t ispi;
	size_t i = 0;

	pair_init(&pr);
	pair_start(&pr);
	initiate(&pr);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	first_in = pr.a.child[i].spi_in;

	/* a second CHILD SA under the same IKE SA */
	l = ts5(&pr.a.ep.addr, 17, 5353);
	r = ts5(&pr.b.ep.addr, 17, 53);
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 2);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 1);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	second_in = pr.a.child[i].spi_in;
	assert_int_equal(pr.a.child[i].ts_remote.sport, 53);

	/* rekey the first: new SA replaces it, the old one is deleted */
	assert_int_equal(ike_rekey_child(pr.a.ike, pr.now, first_in), 0);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 3);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	assert_int_equal(pr.a.child[i].replaces_spi_in, first_in);
	assert_int_equal(pr.a.child[i].ts_remote.sport, 21);
	assert_int_equal(last_ev(&pr.a, IKE_EV_CHILD_DOWN, NULL)->spi_in, first_in);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_DOWN), 1);

	/* rekey the IKE SA: children stay, the old IKE SA goes */
	ispi = last_ev(&pr.a, IKE_EV_IKE_UP, NULL)->ispi;
	assert_int_equal(ike_rekey_ike(pr.a.ike, pr.now, ispi), 0);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 2);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_UP), 2);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_DOWN), 1);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_DOWN), 1);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_DOWN), 1);
	ike_tick(pr.a.ike, pr.now);
	ike_tick(pr.b.ike, pr.now);
	assert_int_equal(nsas(pr.a.ike), 1);
	assert_int_equal(nsas(pr.b.ike), 1);
	up = last_ev(&pr.a, IKE_EV_IKE_UP, NULL);
	assert_int_not_equal(up->ispi, ispi);

	/* the new IKE SA works: liveness, then deleting a CHILD SA */
	assert_int_equal(ike_liveness(pr.a.ike, pr.now, up->ispi), 0);
	pair_run(&pr);
	assert_int_equal(ike_delete_child(pr.a.ike, pr.now, second_in), 0);
	pair_run(&pr);
	assert_int_equal(last_ev(&pr.a, IKE_EV_CHILD_DOWN, NULL)->spi_in,
	    second_in);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_DOWN), 2);

	/* and deleting the IKE SA takes the last CHILD SA with it */
	assert_int_equal(ike_delete_ike(pr.a.ike, pr.now, up->ispi), 0);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_DOWN), 3);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_DOWN), 3);
	ike_tick(pr.a.ike, pr.now);
	ike_tick(pr.b.ike, pr.now);
	assert_int_equal(nsas(pr.a.ike), 0);
	assert_int_equal(nsas(pr.b.ike), 0);
	pair_free(&pr);
}

static void
test_responder_rekeys(void **state)
{
	struct pair pr;
	uint32_t spi;
	size_t i = 0;

	pair_init(&pr);
	pair_start(&pr);
	initiate(&pr);
	/* the responder rekeys the CHILD SA and then the IKE SA */
	last_ev(&pr.b, IKE_EV_CHILD_UP, &i);
	spi = pr.b.child[i].spi_in;
	assert_int_equal(ike_rekey_child(pr.b.ike, pr.now, spi), 0);
	pair_run(&pr);
	check_child_pair(&pr.a, &pr.b);
	assert_int_equal(last_ev(&pr.b, IKE_EV_CHILD_DOWN, NULL)->spi_in, spi);
	assert_int_equal(ike_rekey_ike(pr.b.ike, pr.now,
	    last_ev(&pr.b, IKE_EV_IKE_UP, NULL)->ispi), 0);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 2);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_DOWN), 1);
	/* and the rekeyed SA carries a new CHILD SA */
	assert_int_equal(ike_initiate(pr.b.ike, pr.now, &pr.b.ep, &pr.a.ep,
	    &pr.b.child[i].ts_local, &pr.b.child[i].ts_remote), 0);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_UP), 3);
	check_child_pair(&pr.a, &pr.b);
	pair_free(&pr);
}

/* A peer that rekeys with wider selectors than the CHILD SA has (as
 * strongSwan offers its configured ones again) gets the old ones back
 * (RFC 7296 §2.9.2); who initiated each CHILD SA is reported. */
static void
test_rekey_keeps_selectors(void **state)
{
	struct pair pr;
	struct ike_child *c;
	uint32_t spi;
	size_t i = 0, j = 0;

	pair_init(&pr);
	pair_start(&pr);
	initiate(&pr);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	last_ev(&pr.b, IKE_EV_CHILD_UP, &j);
	assert_true(pr.a.child[i].we_initiated);
	assert_false(pr.b.child[j].we_initiated);
	spi = pr.a.child[i].spi_in;
	assert_non_null(c = ike_child_find(pr.a.ike->sas, spi));
	c->ts_local.sport = c->ts_remote.sport = 0;
	c->ts_local.eport = c->ts_remote.eport = 65535;
	assert_int_equal(ike_rekey_child(pr.a.ike, pr.now, spi), 0);
	pair_run(&pr);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	last_ev(&pr.b, IKE_EV_CHILD_UP, &j);
	assert_int_equal(pr.a.child[i].replaces_spi_in, spi);
	assert_true(pr.a.child[i].we_initiated);
	assert_false(pr.b.child[j].we_initiated);
	assert_int_equal(pr.b.child[j].ts_local.sport, 21);
	assert_int_equal(pr.b.child[j].ts_local.eport, 21);
	assert_int_equal(pr.b.child[j].ts_remote.sport, 40000);
	assert_int_equal(pr.b.child[j].ts_remote.eport, 40000);
	assert_int_equal(pr.a.child[i].ts_remote.sport, 21);
	assert_int_equal(pr.a.child[i].ts_local.eport, 40000);
	assert_int_equal(last_ev(&pr.a, IKE_EV_CHILD_DOWN, NULL)->spi_in, spi);
	pair_free(&pr);
}

static void
test_bad_input(void **state)
{
	struct pair pr;
	struct ike_dgram d;
	uint8_t junk[100];

	pair_init(&pr);
	pair_start(&pr);
	memset(junk, 0x41, sizeof(junk));
	ike_input(pr.b.ike, pr.now, &pr.a.ep, &pr.b.ep, junk, sizeof(junk));
	assert_int_equal(ike_get_stats(pr.b.ike)->dropped_parse, 1);
	/* port 4500 without the non-ESP marker is ESP, not ours */
	pr.b.ep.port = IKE_NATT_PORT;
	assert_int_equal(ike_input(pr.b.ike, pr.now, &pr.a.ep, &pr.b.ep, junk,
	    sizeof(junk)), -1);
	pr.b.ep.port = IKE_PORT;
	/* a tampered IKE_AUTH is dropped, the exchange then retransmits */
	{
		struct ike_ts l = ts5(&pr.a.ep.addr, 6, 1), r = ts5(&pr.b.ep.addr, 6, 2);

		assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep,
		    &pr.b.ep, &l, &r), 0);
	}
	assert_true(ike_output(pr.a.ike, &d));
	ike_input(pr.b.ike, pr.now, &d.src, &d.dst, d.data, d.len);
	assert_true(ike_output(pr.b.ike, &d));
	ike_input(pr.a.ike, pr.now, &d.src, &d.dst, d.data, d.len);
	assert_true(ike_output(pr.a.ike, &d));	/* IKE_AUTH */
	d.data[d.len - 1] ^= 1;
	ike_input(pr.b.ike, pr.now, &d.src, &d.dst, d.data, d.len);
	assert_int_equal(ike_get_stats(pr.b.ike)->dropped_integrity, 1);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_UP), 0);
	pr.now += 1000;
	ike_tick(pr.a.ike, pr.now);
	pair_run(&pr);
	check_child_pair(&pr.a, &pr.b);
	pair_free(&pr);
}

/* [peer.*] entries become ike_peer: IDs typed, PSK and proposals kept */
static void
test_peer_from_conf(void **state)
{
	struct peer_conf pc;
	struct ike_peer p;
	char err[64];

	memset(&pc, 0, sizeof(pc));
	prefix_parse("10.77.0.0/24", &pc.remote);
	pc.local_id = "10.77.0.1";
	pc.remote_id = "gw.example.org";
	pc.psk = (unsigned char *)"long secret";
	pc.psk_len = 11;
	assert_int_equal(proposal_parse("aes128-sha1-modp2048", PROPOSAL_IKE,
	    &pc.ike.proposals, err, sizeof(err)), 0);
	pc.ike.mode = MODE_TRANSPORT;
	pc.ike.encap = ENCAP_YES;
	assert_int_equal(ike_peer_from_conf(&p, &pc), 0);
	assert_int_equal(p.local_id_type, ID_IPV4_ADDR);
	assert_int_equal(p.local_id_len, 4);
	assert_int_equal(p.remote_id_type, ID_FQDN);
	assert_memory_equal(p.remote_id, "gw.example.org", 14);
	assert_int_equal(p.psk_len, 11);
	assert_int_equal(p.ike.n, 1);
	assert_true(p.transport);
	assert_true(p.force_encap);
	pc.remote_id = "admin@example.org";
	assert_int_equal(ike_peer_from_conf(&p, &pc), 0);
	assert_int_equal(p.remote_id_type, ID_RFC822_ADDR);
	pc.remote_id = NULL;
	assert_int_equal(ike_peer_from_conf(&p, &pc), 0);
	assert_int_equal(p.remote_id_type, 0);
	pc.psk = NULL;
	assert_int_equal(ike_peer_from_conf(&p, &pc), -1);
}

/* FQDN identities both ways */
static void
test_fqdn_ids(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pr.a.peer.local_id_type = pr.b.peer.remote_id_type = ID_FQDN;
	memcpy(pr.a.peer.local_id, "a.example", 9);
	memcpy(pr.b.peer.remote_id, "a.example", 9);
	pr.a.peer.local_id_len = pr.b.peer.remote_id_len = 9;
	pair_start(&pr);
	initiate(&pr);
	check_child_pair(&pr.a, &pr.b);
	pair_free(&pr);
	/* an ID the responder does not expect is an authentication failure */
	pair_init(&pr);
	pr.a.peer.local_id_type = ID_FQDN;
	memcpy(pr.a.peer.local_id, "mallory", 7);
	pr.a.peer.local_id_len = 7;
	pair_start(&pr);
	initiate(&pr);
	assert_int_equal(last_ev(&pr.b, IKE_EV_FAILED, NULL)->notify,
	    N_AUTHENTICATION_FAILED);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_UP), 0);
	pair_free(&pr);
}

/* An authenticated request with an unknown critical payload is answered
 * with UNSUPPORTED_CRITICAL_PAYLOAD, not dropped (white box: the request
 * is built with the SA's own keys). */
static void
test_unsupported_critical(void **state)
{
	struct pair pr;
	struct ike_wbuf *in = malloc(sizeof(*in));
	struct ike_sa *sa;
	uint8_t body[4] = { 1, 2, 3, 4 };

	assert_non_null(in);
	pair_init(&pr);
	pair_start(&pr);
	initiate(&pr);
	sa = pr.a.ike->sas;
	assert_int_equal(sa->st, S_ESTABLISHED);
	ike_wbuf_init(in);
	ike_pl_begin(in, 200);
	in->buf[in->pl_at + 1] = 0x80;		/* critical */
	ike_put(in, body, sizeof(body));
	ike_pl_end(in);
	assert_int_equal(ike_send_sk(pr.a.ike, sa, INFORMATIONAL, false, 0, in,
	    REQ_LIVENESS), 0);
	pair_run(&pr);
	/* answered: nothing left to retransmit, and the SA still works */
	assert_int_equal(ike_next_timeout(pr.a.ike), UINT64_MAX);
	assert_int_equal(ike_get_stats(pr.b.ike)->dropped_parse, 0);
	assert_int_equal(ike_liveness(pr.a.ike, pr.now, sa->ispi), 0);
	pair_run(&pr);
	assert_int_equal(ike_next_timeout(pr.a.ike), UINT64_MAX);
	assert_int_equal(ike_get_stats(pr.b.ike)->dropped_msgid, 0);
	free(in);
	pair_free(&pr);
}

/* Lifetimes: the side that set an SA up rekeys it, the other does not
 * collide with it; time is fed, nothing else. */
static void
test_lifetimes(void **state)
{
	struct pair pr;
	uint64_t t0, ta, tb;
	int i;

	pair_init(&pr);
	pr.a.peer.child_lifetime = pr.b.peer.child_lifetime = 10;
	pr.a.peer.ike_lifetime = pr.b.peer.ike_lifetime = 25;
	pair_start(&pr);
	initiate(&pr);
	t0 = pr.now;
	assert_int_equal(ike_next_timeout(pr.a.ike), t0 + 10000);
	for (i = 0; i < 50; i++) {
		ta = ike_next_timeout(pr.a.ike);
		tb = ike_next_timeout(pr.b.ike);
		if ((ta < tb ? ta : tb) > t0 + 35000)
			break;
		pr.now = ta < tb ? ta : tb;
		ike_tick(pr.a.ike, pr.now);
		ike_tick(pr.b.ike, pr.now);
		pair_run(&pr);
	}
	/* CHILD SA rekeyed at 10, 20, 30 s; IKE SA at 25 s; all by a */
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 4);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_UP), 4);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_DOWN), 3);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 2);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_DOWN), 1);
	assert_int_equal(count_ev(&pr.a, IKE_EV_FAILED), 0);
	assert_int_equal(count_ev(&pr.b, IKE_EV_FAILED), 0);
	check_child_pair(&pr.a, &pr.b);
	pair_free(&pr);
}

/* IPv6 end to end: ID_IPV6_ADDR identities, IPv6 selectors, NAT-D hashes */
static void
test_ipv6(void **state)
{
	struct pair pr;
	struct ike_ts l, r;
	size_t i = 0;

	pair_init(&pr);
	ipaddr_parse("fd00::1", &pr.a.ep.addr);
	ipaddr_parse("fd00::2", &pr.b.ep.addr);
	prefix_parse("fd00::2", &pr.a.peer.remote);
	prefix_parse("fd00::/64", &pr.b.peer.remote);
	pair_start(&pr);
	memset(&l, 0, sizeof(l));
	l.type = TS_IPV6_ADDR_RANGE;
	l.ipproto = 6;
	l.sport = l.eport = 2000;
	l.start = l.end = pr.a.ep.addr;
	r = l;
	r.sport = 0;
	r.eport = 65535;
	r.start = r.end = pr.b.ep.addr;
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	pair_run(&pr);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	assert_int_equal(pr.a.child[i].ts_remote.type, TS_IPV6_ADDR_RANGE);
	assert_true(ipaddr_equal(&pr.a.child[i].ts_remote.start, &pr.b.ep.addr));
	assert_false(pr.a.child[i].encap);
	pair_free(&pr);
}

/* The initiator restarts: its INITIAL_CONTACT makes the responder drop
 * the IKE and CHILD SAs it still had with it. */
static void
test_initial_contact(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pair_start(&pr);
	initiate(&pr);
	assert_int_equal(nsas(pr.b.ike), 1);
	ike_free(pr.a.ike);
	pr.a.ike = ike_new(pair_record, &pr.a);
	assert_int_equal(ike_add_peer(pr.a.ike, &pr.a.peer), 0);
	initiate(&pr);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_UP), 2);
	assert_int_equal(count_ev(&pr.b, IKE_EV_IKE_DOWN), 1);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_DOWN), 1);
	ike_tick(pr.b.ike, pr.now);
	assert_int_equal(nsas(pr.b.ike), 1);
	check_child_pair(&pr.a, &pr.b);
	pair_free(&pr);
}

/* The responder's AUTH does not verify at the initiator (it expects
 * another identity): the initiator says so and neither side keeps an SA. */
static void
test_responder_auth_refused(void **state)
{
	struct pair pr;

	pair_init(&pr);
	pr.a.peer.remote_id_type = ID_FQDN;
	memcpy(pr.a.peer.remote_id, "b.example", 9);
	pr.a.peer.remote_id_len = 9;
	pair_start(&pr);
	initiate(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 0);
	assert_int_equal(last_ev(&pr.a, IKE_EV_FAILED, NULL)->notify,
	    N_AUTHENTICATION_FAILED);
	assert_int_equal(last_ev(&pr.b, IKE_EV_FAILED, NULL)->notify,
	    N_AUTHENTICATION_FAILED);
	assert_int_equal(last_ev(&pr.b, IKE_EV_CHILD_DOWN, NULL) != NULL, 1);
	ike_tick(pr.a.ike, pr.now);
	ike_tick(pr.b.ike, pr.now);
	assert_int_equal(nsas(pr.a.ike), 0);
	assert_int_equal(nsas(pr.b.ike), 0);
	pair_free(&pr);
}

/* Half-open SAs are capped: requests past the limit are dropped, and
 * half-open SAs expire after 30 s, making room again. */
static void
test_half_open_limit(void **state)
{
	struct ike *in[3];
	struct ike_dgram d;
	struct pair pr;
	struct ike_ts l, r;
	int i;

	pair_init(&pr);
	pair_start(&pr);
	ike_set_half_open_limit(pr.b.ike, 2);
	l = ts5(&pr.a.ep.addr, 6, 1);
	r = ts5(&pr.b.ep.addr, 6, 2);
	for (i = 0; i < 3; i++) {
		in[i] = ike_new(NULL, NULL);
		assert_int_equal(ike_add_peer(in[i], &pr.a.peer), 0);
		assert_int_equal(ike_initiate(in[i], pr.now, &pr.a.ep, &pr.b.ep,
		    &l, &r), 0);
		while (ike_output(in[i], &d))
			ike_input(pr.b.ike, pr.now, &d.src, &d.dst, d.data, d.len);
		while (ike_output(pr.b.ike, &d))
			;	/* answers lost: the SAs stay half open */
	}
	assert_int_equal(ike_get_stats(pr.b.ike)->half_open, 2);
	assert_int_equal(ike_get_stats(pr.b.ike)->dropped_busy, 1);
	pr.now += 30000;
	ike_tick(pr.b.ike, pr.now);
	assert_int_equal(ike_get_stats(pr.b.ike)->half_open, 0);
	for (i = 0; i < 3; i++)
		ike_free(in[i]);
	initiate(&pr);
	check_child_pair(&pr.a, &pr.b);
	pair_free(&pr);
}

/* CHILD SAs alive on a side, from its events */
static size_t
alive(const struct side *s, uint32_t *spi_in, uint32_t *spi_out)
{
	size_t i, j, n = 0;

	for (i = 0; i < s->nev; i++) {
		bool down = false;

		if (s->ev[i].type != IKE_EV_CHILD_UP)
			continue;
		for (j = i + 1; j < s->nev; j++)
			if (s->ev[j].type == IKE_EV_CHILD_DOWN &&
			    s->ev[j].spi_in == s->child[i].spi_in)
				down = true;
		if (!down) {
			*spi_in = s->child[i].spi_in;
			*spi_out = s->child[i].spi_out;
			n++;
		}
	}
	return n;
}

/* Both sides rekey the same CHILD SA at once (RFC 7296 §2.8.1): both
 * rekeys complete, the redundant new SA and the old one are deleted, and
 * the two sides end with the same single CHILD SA. */
static void
test_rekey_collision(void **state)
{
	struct pair pr;
	uint32_t ain = 0, aout = 0, bin = 0, bout = 0;
	size_t i = 0, j = 0;
	int round;

	for (round = 0; round < 8; round++) {	/* nonces decide: both ways */
		pair_init(&pr);
		pair_start(&pr);
		initiate(&pr);
		last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
		last_ev(&pr.b, IKE_EV_CHILD_UP, &j);
		assert_int_equal(ike_rekey_child(pr.a.ike, pr.now,
		    pr.a.child[i].spi_in), 0);
		assert_int_equal(ike_rekey_child(pr.b.ike, pr.now,
		    pr.b.child[j].spi_in), 0);
		pair_run(&pr);
		assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 3);
		assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_UP), 3);
		assert_int_equal(alive(&pr.a, &ain, &aout), 1);
		assert_int_equal(alive(&pr.b, &bin, &bout), 1);
		assert_int_equal(ain, bout);
		assert_int_equal(aout, bin);
		assert_int_equal(count_ev(&pr.a, IKE_EV_FAILED), 0);
		assert_int_equal(count_ev(&pr.b, IKE_EV_FAILED), 0);
		pair_free(&pr);
	}
}

/* Both sides rekey the IKE SA at once (RFC 7296 §2.8.2): one new IKE SA
 * survives on both sides, holding the CHILD SA, and it works. */
/* The two rekeys cross, but A's exchange ends before B's request
 * arrives: A is deleting the old CHILD SA and answers B with
 * TEMPORARY_FAILURE (RFC 7296 §2.8.1); A's new CHILD SA is the one left. */
static void
test_rekey_collision_late(void **state)
{
	struct pair pr;
	struct ike_dgram held, d;
	uint32_t ain = 0, aout = 0, bin = 0, bout = 0;
	size_t i = 0, j = 0;

	pair_init(&pr);
	pair_start(&pr);
	initiate(&pr);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	last_ev(&pr.b, IKE_EV_CHILD_UP, &j);
	assert_int_equal(ike_rekey_child(pr.a.ike, pr.now,
	    pr.a.child[i].spi_in), 0);
	assert_int_equal(ike_rekey_child(pr.b.ike, pr.now,
	    pr.b.child[j].spi_in), 0);
	assert_true(ike_output(pr.b.ike, &held));	/* B's request, late */
	assert_true(ike_output(pr.a.ike, &d));		/* A's request */
	ike_input(pr.b.ike, pr.now, &d.src, &d.dst, d.data, d.len);
	assert_true(ike_output(pr.b.ike, &d));		/* B's response */
	ike_input(pr.a.ike, pr.now, &d.src, &d.dst, d.data, d.len);
	ike_input(pr.a.ike, pr.now, &held.src, &held.dst, held.data, held.len);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 2);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_UP), 2);
	assert_int_equal(alive(&pr.a, &ain, &aout), 1);
	assert_int_equal(alive(&pr.b, &bin, &bout), 1);
	assert_int_equal(ain, bout);
	assert_int_equal(aout, bin);
	assert_int_equal(count_ev(&pr.a, IKE_EV_FAILED), 0);
	assert_int_equal(last_ev(&pr.b, IKE_EV_FAILED, NULL)->notify,
	    N_TEMPORARY_FAILURE);
	pair_free(&pr);
}

static void
test_ike_rekey_collision(void **state)
{
	struct pair pr;
	uint64_t ai = 0, bi = 0;
	int round;

	for (round = 0; round < 8; round++) {
		pair_init(&pr);
		pair_start(&pr);
		initiate(&pr);
		assert_int_equal(ike_rekey_ike(pr.a.ike, pr.now,
		    last_ev(&pr.a, IKE_EV_IKE_UP, NULL)->ispi), 0);
		assert_int_equal(ike_rekey_ike(pr.b.ike, pr.now,
		    last_ev(&pr.b, IKE_EV_IKE_UP, NULL)->ispi), 0);
		pair_run(&pr);
		ike_tick(pr.a.ike, pr.now);
		ike_tick(pr.b.ike, pr.now);
		assert_int_equal(nsas(pr.a.ike), 1);
		assert_int_equal(nsas(pr.b.ike), 1);
		assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_DOWN), 0);
		assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_DOWN), 0);
		assert_int_equal(count_ev(&pr.a, IKE_EV_FAILED), 0);
		assert_int_equal(count_ev(&pr.b, IKE_EV_FAILED), 0);
		/* the survivor is the same SA on both sides, with the child */
		void first(void *arg, uint64_t i, uint64_t r, bool init,
		    const struct ike_endpoint *l, const struct ike_endpoint *rm,
		    size_t nc) { *(uint64_t *)arg = i; assert_int_equal(nc, 1); }
		ike_foreach_sa(pr.a.ike, first, &ai);
		ike_foreach_sa(pr.b.ike, first, &bi);
		assert_int_equal(ai, bi);
		assert_int_equal(ike_liveness(pr.a.ike, pr.now, ai), 0);
		pair_run(&pr);
		assert_int_equal(ike_next_timeout(pr.a.ike), UINT64_MAX);
		pair_free(&pr);
	}
}

/* A real NAT in front of a: both sides detect it, move to 4500, the
 * CHILD SAs are UDP-encapsulated, and a sends NAT keepalives. */
static void
test_behind_nat(void **state)
{
	struct pair pr;
	size_t i = 0;

	pair_init(&pr);
	pr.nat_a = true;
	prefix_parse("192.0.2.99", &pr.b.peer.remote);
	pr.b.peer.remote_id_type = ID_IPV4_ADDR;	/* a's own address */
	memcpy(pr.b.peer.remote_id, pr.a.ep.addr.a, 4);
	pr.b.peer.remote_id_len = 4;
	/* a's selectors carry its private address: b must allow it */
	ike_ts_default(&pr.b.peer.ts_remote, &pr.a.ep.addr);
	pair_start(&pr);
	initiate(&pr);
	assert_true(pr.saw_4500);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.b, IKE_EV_CHILD_UP, &i);
	assert_true(pr.b.child[i].encap);
	assert_int_equal(pr.b.child[i].remote.port, IKE_NATT_PORT + 10000);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	assert_true(pr.a.child[i].encap);
	/* keepalives from the side behind the NAT only, every 20 s */
	assert_int_equal(ike_next_timeout(pr.b.ike), UINT64_MAX);
	ike_tick(pr.a.ike, pr.now);
	pr.now = ike_next_timeout(pr.a.ike);
	ike_tick(pr.a.ike, pr.now);
	pair_run(&pr);
	assert_int_equal(pr.keepalives, 1);
	assert_int_equal(ike_next_timeout(pr.a.ike), pr.now + 20000);
	/* and the SA still works through the NAT */
	assert_int_equal(ike_liveness(pr.a.ike, pr.now,
	    last_ev(&pr.a, IKE_EV_IKE_UP, NULL)->ispi), 0);
	pair_run(&pr);
	assert_int_equal(ike_next_timeout(pr.a.ike), pr.now + 20000);
	pair_free(&pr);
}

/* A second CHILD SA asked for while the IKE SA is still being set up
 * waits for it, then comes up under the same IKE SA. */
static void
test_initiate_while_connecting(void **state)
{
	struct pair pr;
	struct ike_ts l, r;

	pair_init(&pr);
	pair_start(&pr);
	l = ts5(&pr.a.ep.addr, 6, 40000);
	r = ts5(&pr.b.ep.addr, 6, 21);
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	r = ts5(&pr.b.ep.addr, 6, 22);
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_IKE_UP), 1);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 2);
	assert_int_equal(count_ev(&pr.b, IKE_EV_CHILD_UP), 2);
	check_child_pair(&pr.a, &pr.b);
	assert_int_equal(nsas(pr.a.ike), 1);
	pair_free(&pr);
}

/* The responder's selector hook: accepts TCP to our port 21 only,
 * narrowing the initiator's wider offer; refuses the rest. */
static bool
only_ftp(void *arg, const struct ike_endpoint *peer, const struct ike_ts *tsi,
    size_t ni, const struct ike_ts *tsr, size_t nr, struct ike_ts *local,
    struct ike_ts *remote)
{
	size_t i;

	(*(int *)arg)++;
	for (i = 0; i < nr; i++)
		if ((tsr[i].ipproto == 6 || tsr[i].ipproto == 0) &&
		    tsr[i].sport <= 21 && tsr[i].eport >= 21) {
			*local = tsr[i];
			local->ipproto = 6;
			local->sport = local->eport = 21;
			*remote = tsi[0];
			remote->ipproto = 6;
			return true;
		}
	return false;
}

/* A hook that answers outside the offer is not obeyed */
static bool
too_wide(void *arg, const struct ike_endpoint *peer, const struct ike_ts *tsi,
    size_t ni, const struct ike_ts *tsr, size_t nr, struct ike_ts *local,
    struct ike_ts *remote)
{
	*local = tsr[0];
	*remote = tsi[0];
	local->eport = 65535;
	local->sport = 0;
	return true;
}

static void
test_ts_hook(void **state)
{
	struct pair pr;
	struct ike_ts l, r;
	size_t i = 0;
	int calls = 0;

	pair_init(&pr);
	pair_start(&pr);
	ike_set_ts_hook(pr.b.ike, only_ftp, &calls);
	memset(&l, 0, sizeof(l));
	l.type = TS_IPV4_ADDR_RANGE;
	l.eport = 65535;
	l.start = l.end = pr.a.ep.addr;
	r = l;
	r.start = r.end = pr.b.ep.addr;
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	pair_run(&pr);
	assert_int_equal(calls, 1);
	check_child_pair(&pr.a, &pr.b);
	last_ev(&pr.a, IKE_EV_CHILD_UP, &i);
	assert_int_equal(pr.a.child[i].ts_remote.ipproto, 6);
	assert_int_equal(pr.a.child[i].ts_remote.sport, 21);
	assert_int_equal(pr.a.child[i].ts_remote.eport, 21);
	assert_int_equal(pr.a.child[i].ts_local.ipproto, 6);
	/* UDP to port 53 is refused, under the same IKE SA */
	r = ts5(&pr.b.ep.addr, 17, 53);
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	pair_run(&pr);
	assert_int_equal(calls, 2);
	assert_int_equal(last_ev(&pr.a, IKE_EV_FAILED, NULL)->notify,
	    N_TS_UNACCEPTABLE);
	/* a hook widening the offer is overruled */
	ike_set_ts_hook(pr.b.ike, too_wide, NULL);
	r = ts5(&pr.b.ep.addr, 6, 80);
	assert_int_equal(ike_initiate(pr.a.ike, pr.now, &pr.a.ep, &pr.b.ep,
	    &l, &r), 0);
	pair_run(&pr);
	assert_int_equal(count_ev(&pr.a, IKE_EV_FAILED), 2);
	assert_int_equal(count_ev(&pr.a, IKE_EV_CHILD_UP), 1);
	pair_free(&pr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_ecp256),
		cmocka_unit_test(test_cbc_sha1_modp2048),
		cmocka_unit_test(test_wrong_psk),
		cmocka_unit_test(test_no_proposal),
		cmocka_unit_test(test_child_no_proposal),
		cmocka_unit_test(test_invalid_ke),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_retransmit),
		cmocka_unit_test(test_retransmit_response_lost),
		cmocka_unit_test(test_give_up),
		cmocka_unit_test(test_nat_t),
		cmocka_unit_test(test_narrowing),
		cmocka_unit_test(test_create_rekey_delete),
		cmocka_unit_test(test_responder_rekeys),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_peer_from_conf),
		cmocka_unit_test(test_fqdn_ids),
		cmocka_unit_test(test_unsupported_critical),
		cmocka_unit_test(test_lifetimes),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_initial_contact),
		cmocka_unit_test(test_responder_auth_refused),
		cmocka_unit_test(test_half_open_limit),
		cmocka_unit_test(test_rekey_collision),
		cmocka_unit_test(test_rekey_collision_late),
		cmocka_unit_test(test_ike_rekey_collision),
		cmocka_unit_test(test_behind_nat),
		cmocka_unit_test(test_initiate_while_connecting),
		cmocka_unit_test(test_ts_hook),
		cmocka_unit_test(test_rekey_keeps_selectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

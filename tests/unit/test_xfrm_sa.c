/* The kernel datapath's netlink messages: a negotiated CHILD SA
 * (struct ike_child_keys) through ipsec_kernel_params and
 * xfrm_sa_message, read back attribute by attribute; then the same
 * messages sent to the real kernel in a private network namespace, which
 * must accept them (a kernel with ESP) or refuse them only for the
 * missing ESP type (these machines): never for their form. */
#define _GNU_SOURCE
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/ipsec_int.h"

struct msg {
	union {
		struct nlmsghdr	h;
		uint64_t	align;
		char		buf[XFRM_SA_MSG_MAX];
	} m;
	const struct xfrm_usersa_info	*si;
	const struct nlattr		*attr[XFRMA_MAX + 1];
};

static void
parse(struct msg *m)
{
	size_t off = NLMSG_LENGTH(sizeof(struct xfrm_usersa_info));
	const struct nlattr *a;

	memset(m->attr, 0, sizeof(m->attr));
	m->si = NLMSG_DATA(&m->m.h);
	while (off < m->m.h.nlmsg_len) {
		a = (const struct nlattr *)(m->m.buf + NLMSG_ALIGN(off));
		assert_true(a->nla_len >= NLA_HDRLEN);
		assert_true(NLMSG_ALIGN(off) + a->nla_len <= m->m.h.nlmsg_len);
		assert_true(a->nla_type <= XFRMA_MAX);
		assert_null(m->attr[a->nla_type]);	/* each at most once */
		m->attr[a->nla_type] = a;
		off = NLMSG_ALIGN(off) + NLA_ALIGN(a->nla_len);
	}
	assert_int_equal(off, m->m.h.nlmsg_len);
}

static const void *
payload(const struct msg *m, int type, size_t min)
{
	const struct nlattr *a = m->attr[type];

	assert_non_null(a);
	assert_true(a->nla_len >= NLA_HDRLEN + min);
	return (const char *)a + NLA_HDRLEN;
}

static void
addr(struct ipaddr *a, const char *s)
{
	assert_int_equal(ipaddr_parse(s, a), 0);
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i);
}

/* A transport-mode CHILD SA for TCP 10.1.0.1:40001 -> 10.1.0.2:5001 */
static void
child(struct ike_child_keys *k, uint16_t encr, uint16_t integ, size_t enclen,
    size_t authlen)
{
	memset(k, 0, sizeof(*k));
	k->spi_in = 0xc0de0001;
	k->spi_out = 0xc0de0002;
	k->encr = encr;
	k->integ = integ;
	k->transport = true;
	addr(&k->local.addr, "10.1.0.1");
	addr(&k->remote.addr, "10.1.0.2");
	k->local.port = 4500;
	k->remote.port = 4501;
	k->ts_local.ipproto = k->ts_remote.ipproto = IPPROTO_TCP;
	k->ts_local.start = k->ts_local.end = k->local.addr;
	k->ts_remote.start = k->ts_remote.end = k->remote.addr;
	k->ts_local.sport = k->ts_local.eport = 40001;
	k->ts_remote.sport = k->ts_remote.eport = 5001;
	fill(k->enc_in, enclen, 0x10);
	fill(k->enc_out, enclen, 0x50);
	k->enclen = enclen;
	fill(k->auth_in, authlen, 0x90);
	fill(k->auth_out, authlen, 0xd0);
	k->authlen = authlen;
}

static void
build(const struct ike_child_keys *k, bool in, struct msg *m)
{
	struct xfrm_sa_params p;
	int len;

	assert_int_equal(ipsec_kernel_params(k, in, 3600, &p), 0);
	len = xfrm_sa_message(&p, false, &m->m, sizeof(m->m));
	assert_true(len > 0);
	assert_int_equal(m->m.h.nlmsg_len, len);
	assert_int_equal(m->m.h.nlmsg_type, XFRM_MSG_NEWSA);
	parse(m);
}

static void
check_algo(const struct msg *m, int type, const char *name, const uint8_t *key,
    size_t keylen, unsigned icv)
{
	const struct xfrm_algo_aead *a;
	size_t head = type == XFRMA_ALG_CRYPT ? sizeof(struct xfrm_algo) :
	    sizeof(struct xfrm_algo_aead);

	a = payload(m, type, head);
	assert_string_equal(a->alg_name, name);
	assert_int_equal(a->alg_key_len, keylen * 8);
	assert_int_equal(m->attr[type]->nla_len, NLA_HDRLEN + head + keylen);
	if (type != XFRMA_ALG_CRYPT)
		assert_int_equal(a->alg_icv_len, icv);
	assert_memory_equal((const char *)a + head, key, keylen);
}

static void
test_gcm_inbound(void **state)
{
	struct ike_child_keys k;
	struct msg m;
	const struct xfrm_usersa_info *si;
	const struct xfrm_encap_tmpl *et;
	const struct xfrm_replay_state_esn *r;
	struct in_addr a;

	(void)state;
	child(&k, ENCR_AES_GCM_16, 0, 20, 0);	/* AES-128 key + salt */
	k.encap = true;
	build(&k, true, &m);
	si = m.si;
	assert_int_equal(si->family, AF_INET);
	assert_int_equal(si->id.proto, IPPROTO_ESP);
	assert_int_equal(si->id.spi, htonl(0xc0de0001));
	inet_pton(AF_INET, "10.1.0.1", &a);	/* inbound: to us */
	assert_memory_equal(&si->id.daddr, &a, 4);
	inet_pton(AF_INET, "10.1.0.2", &a);
	assert_memory_equal(&si->saddr, &a, 4);
	assert_int_equal(si->mode, XFRM_MODE_TRANSPORT);
	/* the selector, seen from the packet: from the peer's port 5001 */
	assert_int_equal(si->sel.family, AF_INET);
	assert_int_equal(si->sel.proto, IPPROTO_TCP);
	assert_memory_equal(&si->sel.saddr, &a, 4);
	assert_int_equal(si->sel.prefixlen_s, 32);
	assert_int_equal(si->sel.prefixlen_d, 32);
	assert_int_equal(ntohs(si->sel.sport), 5001);
	assert_int_equal(si->sel.sport_mask, 0xffff);
	assert_int_equal(ntohs(si->sel.dport), 40001);
	assert_int_equal(si->lft.soft_add_expires_seconds, 4320);
	assert_int_equal(si->lft.hard_add_expires_seconds, 5400);
	assert_int_equal(si->lft.soft_byte_limit, XFRM_INF);
	check_algo(&m, XFRMA_ALG_AEAD, "rfc4106(gcm(aes))", k.enc_in, 20, 128);
	assert_null(m.attr[XFRMA_ALG_CRYPT]);
	assert_null(m.attr[XFRMA_ALG_AUTH_TRUNC]);
	et = payload(&m, XFRMA_ENCAP, sizeof(*et));
	assert_int_equal(et->encap_type, 2);
	assert_int_equal(ntohs(et->encap_sport), 4501);
	assert_int_equal(ntohs(et->encap_dport), 4500);
	/* a 1,024-packet window: the replay state attribute, not the field */
	assert_int_equal(si->replay_window, 0);
	assert_int_equal(si->flags & XFRM_STATE_ESN, 0);
	r = payload(&m, XFRMA_REPLAY_ESN_VAL, sizeof(*r));
	assert_int_equal(r->replay_window, IPSEC_REPLAY_WINDOW);
	assert_int_equal(r->bmp_len, IPSEC_REPLAY_WINDOW / 32);
	assert_int_equal(m.attr[XFRMA_REPLAY_ESN_VAL]->nla_len,
	    NLA_HDRLEN + sizeof(*r) + IPSEC_REPLAY_WINDOW / 8);
}

static void
test_cbc_sha256_esn_outbound(void **state)
{
	struct ike_child_keys k;
	struct msg m;
	const struct xfrm_replay_state_esn *r;

	(void)state;
	child(&k, ENCR_AES_CBC, AUTH_HMAC_SHA2_256_128, 32, 32);
	k.transport = false;
	k.esn = true;
	build(&k, false, &m);
	assert_int_equal(m.si->id.spi, htonl(0xc0de0002));
	assert_int_equal(m.si->mode, XFRM_MODE_TUNNEL);
	assert_int_equal(m.si->sel.family, AF_INET);	/* tunnel: no selector */
	assert_int_equal(m.si->sel.proto, 0);
	assert_int_equal(m.si->sel.prefixlen_d, 0);
	check_algo(&m, XFRMA_ALG_CRYPT, "cbc(aes)", k.enc_out, 32, 0);
	check_algo(&m, XFRMA_ALG_AUTH_TRUNC, "hmac(sha256)", k.auth_out, 32,
	    128);
	assert_null(m.attr[XFRMA_ALG_AEAD]);
	assert_null(m.attr[XFRMA_ENCAP]);
	assert_int_equal(m.si->flags & XFRM_STATE_ESN, XFRM_STATE_ESN);
	r = payload(&m, XFRMA_REPLAY_ESN_VAL, sizeof(*r));
	assert_int_equal(r->bmp_len, 1);	/* outbound: nominal */
	assert_int_equal(r->replay_window, 32);
}

static void
test_null_sha1(void **state)
{
	struct ike_child_keys k;
	struct msg m;

	(void)state;
	child(&k, ENCR_NULL, AUTH_HMAC_SHA1_96, 0, 20);
	build(&k, false, &m);
	check_algo(&m, XFRMA_ALG_CRYPT, "ecb(cipher_null)", k.enc_out, 0, 0);
	check_algo(&m, XFRMA_ALG_AUTH_TRUNC, "hmac(sha1)", k.auth_out, 20, 96);
	assert_null(m.attr[XFRMA_REPLAY_ESN_VAL]);	/* outbound, no ESN */
	assert_int_equal(m.si->replay_window, 0);
	assert_int_equal(ntohs(m.si->sel.sport), 40001);	/* outbound */
	assert_int_equal(ntohs(m.si->sel.dport), 5001);
}

static void
test_chacha_ipv6_ranges(void **state)
{
	struct ike_child_keys k;
	struct msg m;

	(void)state;
	child(&k, ENCR_CHACHA20_POLY1305, 0, 36, 0);
	addr(&k.local.addr, "fd00::1");
	addr(&k.remote.addr, "fd00::2");
	k.ts_local.start = k.local.addr;
	addr(&k.ts_local.end, "fd00::ff");	/* a range: no selector */
	k.ts_remote.start = k.ts_remote.end = k.remote.addr;
	build(&k, true, &m);
	assert_int_equal(m.si->family, AF_INET6);
	assert_int_equal(m.si->sel.family, AF_INET6);
	assert_int_equal(m.si->sel.prefixlen_s, 0);
	check_algo(&m, XFRMA_ALG_AEAD, "rfc7539esp(chacha20,poly1305)",
	    k.enc_in, 36, 128);
}

static void
test_refused(void **state)
{
	struct ike_child_keys k;
	struct xfrm_sa_params p;
	char small[64];

	(void)state;
	child(&k, 12345, 0, 16, 0);
	assert_int_equal(ipsec_kernel_params(&k, true, 60, &p), -EINVAL);
	child(&k, ENCR_AES_CBC, 999, 16, 20);		/* unknown integrity */
	assert_int_equal(ipsec_kernel_params(&k, true, 60, &p), -EINVAL);
	child(&k, ENCR_AES_CBC, AUTH_HMAC_SHA1_96, 16, 20);
	assert_int_equal(ipsec_kernel_params(&k, true, 60, &p), 0);
	assert_int_equal(xfrm_sa_message(&p, false, small, sizeof(small)),
	    -EINVAL);
	p.src.family = AF_INET6;			/* families differ */
	assert_int_equal(xfrm_sa_install(&p, false, NULL, 0), -EINVAL);
}

/* The kernel reads every message up to the ESP type: form, attribute
 * lengths, replay state, algorithm names and key sizes. Either it installs
 * the SA (then it must also remove it) or refuses it for want of ESP. */
static void
kernel_takes(const struct ike_child_keys *k, bool in)
{
	struct xfrm_sa_params p;
	char why[128];
	int rc;

	assert_int_equal(ipsec_kernel_params(k, in, 60, &p), 0);
	rc = xfrm_sa_install(&p, false, why, sizeof(why));
	if (rc == 0) {
		assert_int_equal(xfrm_sa_remove(&p.dst, p.spi), 0);
		return;
	}
	print_message("kernel: %s: %s\n", strerror(-rc), why);
	if (strcmp(why, "Requested AEAD algorithm not found") == 0 &&
	    k->encr != ENCR_AES_CBC && k->encr != ENCR_NULL)
		return;		/* no gcm/chacha module: names not checked */
	assert_string_equal(why, "Requested type not found");
}

static void
test_kernel(void **state)
{
	struct ike_child_keys k;

	(void)state;
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0)
		skip();
	child(&k, ENCR_AES_CBC, AUTH_HMAC_SHA1_96, 16, 20);
	kernel_takes(&k, true);
	kernel_takes(&k, false);
	child(&k, ENCR_AES_CBC, AUTH_HMAC_SHA2_256_128, 32, 32);
	k.esn = true;
	k.encap = true;
	kernel_takes(&k, true);
	kernel_takes(&k, false);
	child(&k, ENCR_NULL, AUTH_HMAC_SHA2_256_128, 0, 32);
	k.transport = false;
	kernel_takes(&k, true);
	child(&k, ENCR_AES_GCM_16, 0, 20, 0);
	kernel_takes(&k, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_inbound),
		cmocka_unit_test(test_cbc_sha256_esn_outbound),
		cmocka_unit_test(test_null_sha1),
		cmocka_unit_test(test_chacha_ipv6_ranges),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

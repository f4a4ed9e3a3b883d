/* policy_decide(): a table of flows against one policy, IPv4 and IPv6;
 * and policy_names_program(). */
#include "config.h"

#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/policy.h"

static const char policy_text[] =
    "application ftp, /opt/bin/lftp\n"
    "{\n"
    "    network 0.0.0.0/0 protected P1;\n"			/* 0 */
    "    network 10.0.0.0/8 protected P2;\n"		/* 1 */
    "    network 10.1.0.0/16 trusted;\n"			/* 2 */
    "    network 10.1.2.3 untrusted;\n"			/* 3 */
    "    network 10.1.0.0-10.1.0.255 protected P2;\n"	/* 4: same size as 5 */
    "    network 10.1.0.128/25 untrusted;\n"		/* 5: /25 < 256, wins */
    "    network 10.2.0.0-10.2.255.255 untrusted;\n"	/* 6: same size as 7 */
    "    network 10.2.128.0-10.3.127.255 trusted;\n"	/* 7 */
    "    network 192.168.1.10-192.168.1.20 trusted;\n"	/* 8 */
    "    network ::/0 protected P1;\n"			/* 9 */
    "    network 2001:db8::/32 trusted;\n"			/* 10 */
    "    network 2001:db8::5-2001:db8::9 untrusted;\n"	/* 11 */
    "    network fd00::/8 protected P3;\n"			/* 12 */
    "    protection P1 {\n"
    "        localport=any remoteport=21 encryption mandatory;\n"
    "        localport=22 remoteport=any encryption optional;\n"
    "        localport=any remoteport=any authentication mandatory;\n"
    "    }\n"
    "    protection P2 {\n"
    "        localport=21 remoteport=any authentication optional;\n"
    "        localport=any remoteport=21 encryption mandatory;\n"
    "    }\n"
    "    protection P3 {\n"
    "        localport=any remoteport=53 encryption optional;\n"
    "    }\n"
    "}\n";

enum { N = DECIDE_NONE, B = DECIDE_BYPASS, D = DECIDE_DISCARD, P = DECIDE_PROTECT };
enum { E = PROT_ENCRYPTION, A = PROT_AUTHENTICATION };
enum { O = LEVEL_OPTIONAL, M = LEVEL_MANDATORY };
#define ANY POLICY_PORT_ANY

static const struct {
	const char	*peer;
	int		 lport, rport, proto;
	int		 action, type, level;
	int		 net;	/* index decided by, -1 for none */
	int		 item;	/* index in the protection, -1 */
} cases[] = {
	/* the catch-all: first matching item wins */
	{ "8.8.8.8", 40000, 21, IPPROTO_TCP, P, E, M, 0, 0 },
	{ "8.8.8.8", 22, 21, IPPROTO_TCP, P, E, M, 0, 0 },
	{ "8.8.8.8", 22, 5000, IPPROTO_TCP, P, E, O, 0, 1 },
	{ "8.8.8.8", 40000, 5000, IPPROTO_UDP, P, A, M, 0, 2 },
	{ "255.255.255.255", 1, 1, IPPROTO_UDP, P, A, M, 0, 2 },
	/* an unknown remote port matches only "any" items */
	{ "8.8.8.8", 21, ANY, IPPROTO_TCP, P, A, M, 0, 2 },
	{ "8.8.8.8", 22, ANY, IPPROTO_TCP, P, E, O, 0, 1 },
	/* most specific wins */
	{ "10.9.9.9", 21, 80, IPPROTO_TCP, P, A, O, 1, 0 },
	{ "10.9.9.9", 80, 21, IPPROTO_TCP, P, E, M, 1, 1 },
	{ "10.9.9.9", 80, 80, IPPROTO_TCP, N, 0, 0, 1, -1 },	/* no item */
	{ "10.1.9.9", 80, 80, IPPROTO_TCP, B, 0, 0, 2, -1 },
	{ "10.1.2.3", 80, 80, IPPROTO_TCP, D, 0, 0, 3, -1 },
	{ "10.1.2.2", 80, 80, IPPROTO_TCP, B, 0, 0, 2, -1 },
	{ "10.1.2.4", 80, 80, IPPROTO_TCP, B, 0, 0, 2, -1 },
	{ "10.1.0.0", 21, 80, IPPROTO_TCP, P, A, O, 4, 0 },
	{ "10.1.0.127", 21, 80, IPPROTO_TCP, P, A, O, 4, 0 },
	{ "10.1.0.128", 21, 80, IPPROTO_TCP, D, 0, 0, 5, -1 },
	{ "10.1.0.255", 21, 80, IPPROTO_TCP, D, 0, 0, 5, -1 },
	{ "10.1.1.0", 21, 80, IPPROTO_TCP, B, 0, 0, 2, -1 },
	/* equal size: the one written first */
	{ "10.2.3.4", 80, 80, IPPROTO_UDP, D, 0, 0, 6, -1 },
	{ "10.2.200.1", 80, 80, IPPROTO_UDP, D, 0, 0, 6, -1 },
	{ "10.3.0.1", 80, 80, IPPROTO_UDP, B, 0, 0, 7, -1 },
	{ "10.3.128.0", 80, 21, IPPROTO_UDP, P, E, M, 1, 1 },
	/* range edges */
	{ "192.168.1.9", 80, 80, IPPROTO_TCP, P, A, M, 0, 2 },
	{ "192.168.1.10", 80, 80, IPPROTO_TCP, B, 0, 0, 8, -1 },
	{ "192.168.1.20", 80, 80, IPPROTO_TCP, B, 0, 0, 8, -1 },
	{ "192.168.1.21", 80, 80, IPPROTO_TCP, P, A, M, 0, 2 },
	/* IPv6 */
	{ "2001:db8::1", 80, 80, IPPROTO_TCP, B, 0, 0, 10, -1 },
	{ "2001:db8::4", 80, 80, IPPROTO_TCP, B, 0, 0, 10, -1 },
	{ "2001:db8::5", 80, 80, IPPROTO_TCP, D, 0, 0, 11, -1 },
	{ "2001:db8::9", 80, 80, IPPROTO_TCP, D, 0, 0, 11, -1 },
	{ "2001:db8::a", 80, 80, IPPROTO_TCP, B, 0, 0, 10, -1 },
	{ "2001:db9::1", 80, 21, IPPROTO_TCP, P, E, M, 9, 0 },
	{ "fd12::1", 5353, 53, IPPROTO_UDP, P, E, O, 12, 0 },
	{ "fd12::1", 5353, 54, IPPROTO_UDP, N, 0, 0, 12, -1 },
	/* an IPv4-mapped IPv6 peer is IPv6: only ::/0 holds it */
	{ "::ffff:10.1.2.3", 80, 80, IPPROTO_TCP, P, A, M, 9, 2 },
	/* neither TCP nor UDP: no decision */
	{ "8.8.8.8", 80, 80, IPPROTO_SCTP, N, 0, 0, -1, -1 },
};

static void
test_table(void **state)
{
	struct policy_error err;
	struct policy *p = policy_parse(policy_text, strlen(policy_text), &err);
	struct decision d;
	struct ipaddr a;
	size_t i;

	if (p == NULL)
		fail_msg("%d:%d: %s", err.line, err.col, err.msg);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(ipaddr_parse(cases[i].peer, &a), 0);
		policy_decide(p, &a, cases[i].lport, cases[i].rport,
		    cases[i].proto, &d);
		if ((int)d.action != cases[i].action ||
		    (cases[i].net < 0 ? d.net != NULL :
		    d.net != &p->nets[cases[i].net]))
			fail_msg("case %zu (%s %d %d): action %d net %td, want %d net %d",
			    i, cases[i].peer, cases[i].lport, cases[i].rport,
			    d.action, d.net ? d.net - p->nets : -1,
			    cases[i].action, cases[i].net);
		if (d.action != DECIDE_PROTECT) {
			assert_null(d.item);
			continue;
		}
		assert_int_equal(d.type, cases[i].type);
		assert_int_equal(d.level, cases[i].level);
		assert_ptr_equal(d.item,
		    &p->prots[d.net->prot].items[cases[i].item]);
	}
	policy_free(p);
}

static void
test_no_network(void **state)
{
	const char *text = "application x { network 10.0.0.0/8 trusted; }";
	struct policy *p = policy_parse(text, strlen(text), NULL);
	struct decision d;
	struct ipaddr a;

	assert_non_null(p);
	ipaddr_parse("11.0.0.1", &a);
	policy_decide(p, &a, 1, 2, IPPROTO_TCP, &d);
	assert_int_equal(d.action, DECIDE_NONE);
	assert_null(d.net);
	ipaddr_parse("::1", &a);
	policy_decide(p, &a, 1, 2, IPPROTO_UDP, &d);
	assert_int_equal(d.action, DECIDE_NONE);
	assert_null(d.net);
	policy_free(p);
}

/* A hostname network holds exactly its resolved addresses. */
static void
test_hostname(void **state)
{
	const char *text = "application x { network localhost untrusted;"
	    " network 127.0.0.0/8 trusted; }";
	struct policy *p = policy_parse(text, strlen(text), NULL);
	struct decision d;
	struct ipaddr a;

	assert_non_null(p);
	ipaddr_parse("127.0.0.1", &a);
	policy_decide(p, &a, 1, 2, IPPROTO_TCP, &d);
	assert_int_equal(d.action, DECIDE_DISCARD);
	assert_ptr_equal(d.net, &p->nets[0]);
	ipaddr_parse("127.0.0.2", &a);
	policy_decide(p, &a, 1, 2, IPPROTO_TCP, &d);
	assert_int_equal(d.action, DECIDE_BYPASS);
	policy_free(p);
}

static void
test_names_program(void **state)
{
	const char *text = "application ftp, /opt/bin/lftp { }";
	struct policy *p = policy_parse(text, strlen(text), NULL);

	assert_non_null(p);
	assert_true(policy_names_program(p, "/usr/bin/ftp"));
	assert_true(policy_names_program(p, "/ftp"));
	assert_true(policy_names_program(p, "/opt/bin/lftp"));
	assert_false(policy_names_program(p, "/usr/bin/lftp"));
	assert_false(policy_names_program(p, "/usr/bin/ftpd"));
	assert_false(policy_names_program(p, "/usr/bin/ftp/"));
	assert_false(policy_names_program(p, "/opt/bin/lftp2"));
	assert_false(policy_names_program(p, NULL));
	policy_free(p);
}

static uint32_t
v4(const struct ipaddr *a)
{
	return (uint32_t)a->a[0] << 24 | (uint32_t)a->a[1] << 16 |
	    (uint32_t)a->a[2] << 8 | a->a[3];
}

/* Random overlapping IPv4 networks in 10.0.0.0/20: the decision must be
 * the network a plain search finds (smallest span holding the peer, first
 * written on ties), and each network's prefixes must hold exactly its
 * span. */
static void
test_random(void **state)
{
	unsigned int seed = 7;
	int round, i, k;

	for (round = 0; round < 50; round++) {
		struct strbuf sb = STRBUF_INIT;
		struct policy_error err;
		struct policy *p;
		struct decision d;
		struct ipaddr a;
		int nnets = 1 + rand_r(&seed) % 40;

		strbuf_printf(&sb, "application r {\n");
		for (i = 0; i < nnets; i++) {
			uint32_t lo = rand_r(&seed) % 4096, hi, len;

			switch (rand_r(&seed) % 3) {
			case 0:
				strbuf_printf(&sb, "network 10.0.%u.%u", lo >> 8, lo & 255);
				break;
			case 1:
				len = 20 + rand_r(&seed) % 13;
				lo &= ~((1u << (32 - len)) - 1);
				strbuf_printf(&sb, "network 10.0.%u.%u/%u", lo >> 8,
				    lo & 255, len);
				break;
			default:
				hi = lo + rand_r(&seed) % (4096 - lo);
				strbuf_printf(&sb, "network 10.0.%u.%u-10.0.%u.%u",
				    lo >> 8, lo & 255, hi >> 8, hi & 255);
				break;
			}
			strbuf_printf(&sb, " %s;\n", i % 2 ? "trusted" : "untrusted");
		}
		strbuf_printf(&sb, "}\n");
		p = policy_parse(sb.buf, sb.len, &err);
		if (p == NULL) {	/* a duplicate drawn at random */
			assert_non_null(strstr(err.msg, "given twice"));
			strbuf_free(&sb);
			continue;
		}
		for (k = 0; k < 300; k++) {
			uint32_t peer = 0x0a000000u | (uint32_t)(rand_r(&seed) % 4352);
			const struct pnet *best = NULL;
			bool in_prefixes;

			a.family = AF_INET;
			a.a[0] = (uint8_t)(peer >> 24);
			a.a[1] = (uint8_t)(peer >> 16);
			a.a[2] = (uint8_t)(peer >> 8);
			a.a[3] = (uint8_t)peer;
			for (i = 0; i < nnets; i++) {
				const struct pnet *n = &p->nets[i];
				bool in_span = v4(&n->lo) <= peer && peer <= v4(&n->hi);

				in_prefixes = false;
				for (size_t j = 0; j < n->nprefixes; j++)
					in_prefixes |= ipaddr_in_prefix(&a, &n->prefixes[j]);
				assert_int_equal(in_span, in_prefixes);
				if (in_span && (best == NULL || v4(&n->hi) - v4(&n->lo) <
				    v4(&best->hi) - v4(&best->lo)))
					best = n;
			}
			policy_decide(p, &a, 1, 2, IPPROTO_TCP, &d);
			assert_ptr_equal(d.net, best);
			assert_int_equal(d.action, best == NULL ? DECIDE_NONE :
			    best->kind == NET_TRUSTED ? DECIDE_BYPASS : DECIDE_DISCARD);
		}
		policy_free(p);
		strbuf_free(&sb);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_no_network),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_names_program),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

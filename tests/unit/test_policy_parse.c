/* The policy language: the paper's figures, the canonical form, every
 * error with its LINE:COL, and hostile input. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/policy.h"
#include "engine/policy_impl.h"

static char *
read_policy(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	FILE *f;
	char *buf = malloc(POLICY_MAX_TEXT);

	snprintf(path, sizeof(path), "%s/contrib/policies/%s", top ? top : "..",
	    name);
	assert_non_null(buf);
	f = fopen(path, "r");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	*len = fread(buf, 1, POLICY_MAX_TEXT, f);
	fclose(f);
	return buf;
}

static char *
print(const struct policy *p)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	policy_print(p, &sb);
	assert_false(strbuf_failed(&sb));
	s = strbuf_detach(&sb, NULL);
	assert_non_null(s);
	return s;
}

static struct policy *
parse_ok(const char *text)
{
	struct policy_error err;
	struct policy *p = policy_parse(text, strlen(text), &err);

	if (p == NULL)
		fail_msg("%d:%d: %s\n---\n%s", err.line, err.col, err.msg, text);
	return p;
}

/* Parses, prints, parses the print and prints again: the same text. */
static char *
round_trip(const char *text, size_t len)
{
	struct policy_error err;
	struct policy *p, *q;
	char *a, *b;

	p = policy_parse(text, len, &err);
	if (p == NULL)
		fail_msg("%d:%d: %s", err.line, err.col, err.msg);
	a = print(p);
	q = policy_parse(a, strlen(a), &err);
	if (q == NULL)
		fail_msg("reparse: %d:%d: %s\n%s", err.line, err.col, err.msg, a);
	b = print(q);
	assert_string_equal(a, b);
	assert_int_equal(p->nnets, q->nnets);
	assert_int_equal(p->nprots, q->nprots);
	for (size_t i = 0; i < p->nnets; i++) {
		assert_int_equal(p->nets[i].nprefixes, q->nets[i].nprefixes);
		assert_int_equal(p->by_specificity[i], q->by_specificity[i]);
	}
	free(b);
	policy_free(p);
	policy_free(q);
	return a;
}

static void
test_figures(void **state)
{
	static const char *const files[] = {
		"sample.policy", "ftp.policy", "vsftpd.policy", "udp-cli.policy",
		"udp-srv.policy", "design.policy", "dual-stack.policy",
	};
	size_t i, len;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *text = read_policy(files[i], &len);

		free(round_trip(text, len));
		free(text);
	}
}

static void
test_ftp_canonical(void **state)
{
	size_t len;
	char *text = read_policy("vsftpd.policy", &len);
	char *out = round_trip(text, len);

	assert_string_equal(out,
	    "application vsftpd\n"
	    "{\n"
	    "    network 2.2.2.0/24 trusted;\n"
	    "    network 0.0.0.0/0 protected P1;\n"
	    "    protection P1 {\n"
	    "        localport=21 remoteport=any encryption optional;\n"
	    "        localport=any remoteport=any authentication optional;\n"
	    "    }\n"
	    "}\n");
	free(out);
	free(text);
}

static void
test_model(void **state)
{
	size_t len;
	char *text = read_policy("design.policy", &len);
	struct policy_error err;
	struct policy *p = policy_parse(text, len, &err);
	char buf[64];

	assert_non_null(p);
	assert_int_equal(p->napps, 2);
	assert_string_equal(p->apps[0], "ftp");
	assert_string_equal(p->apps[1], "lftp");
	assert_int_equal(p->nnets, 4);
	assert_int_equal(p->nets[0].form, RANGE_PREFIX);
	assert_int_equal(p->nets[0].kind, NET_TRUSTED);
	assert_int_equal(p->nets[0].line, 5);
	assert_int_equal(p->nets[0].col, 13);
	assert_int_equal(p->nets[1].form, RANGE_SPAN);
	assert_int_equal(p->nets[1].kind, NET_UNTRUSTED);
	/* 10.0.0.1-10.0.0.9 = .1/32 .2/31 .4/30 .8/31 */
	assert_int_equal(p->nets[1].nprefixes, 4);
	assert_string_equal(prefix_str(&p->nets[1].prefixes[0], buf, sizeof(buf)), "10.0.0.1/32");
	assert_string_equal(prefix_str(&p->nets[1].prefixes[1], buf, sizeof(buf)), "10.0.0.2/31");
	assert_string_equal(prefix_str(&p->nets[1].prefixes[2], buf, sizeof(buf)), "10.0.0.4/30");
	assert_string_equal(prefix_str(&p->nets[1].prefixes[3], buf, sizeof(buf)), "10.0.0.8/31");
	assert_int_equal(p->nets[2].form, RANGE_HOST);
	assert_string_equal(p->nets[2].text, "localhost");
	assert_true(p->nets[2].nprefixes >= 1);
	assert_int_equal(p->nets[2].kind, NET_PROTECTED);
	assert_string_equal(p->prots[p->nets[2].prot].name, "P2");
	assert_string_equal(p->prots[p->nets[3].prot].name, "P1");
	assert_int_equal(p->nprots, 2);
	assert_int_equal(p->prots[0].nitems, 2);
	assert_int_equal(p->prots[0].items[0].lport, POLICY_PORT_ANY);
	assert_int_equal(p->prots[0].items[0].rport, 21);
	assert_int_equal(p->prots[0].items[0].type, PROT_ENCRYPTION);
	assert_int_equal(p->prots[0].items[0].level, LEVEL_MANDATORY);
	assert_int_equal(p->prots[0].items[1].type, PROT_AUTHENTICATION);
	assert_int_equal(p->prots[1].items[0].level, LEVEL_OPTIONAL);
	assert_int_equal(p->prots[1].items[0].line, 13);
	assert_int_equal(p->prots[1].items[0].col, 21);
	policy_free(p);
	free(text);
}

/* Free layout: all on one line, '=' with spaces, comments everywhere,
 * "a - b" ranges, CRLF line ends; all print the same. */
static void
test_layout(void **state)
{
	static const char *const texts[] = {
		"application x { network 10.0.0.1-10.0.0.9 protected P; "
		"protection P { localport=21 remoteport=any encryption optional; } }",
		"# head\napplication x#c\n{#c\n network 10.0.0.1 - 10.0.0.9 # c\n"
		" protected P ;\nprotection P{localport = 21 remoteport= any\n"
		"encryption\toptional;}}\n# tail",
		"application x\r\n{\r\n\tnetwork 10.0.0.1 -10.0.0.9 protected P;\r\n"
		"\tprotection P {\r\n\t\tlocalport =21 remoteport=any encryption "
		"optional;\r\n\t}\r\n}\r\n",
		"application x { network 10.0.0.1- 10.0.0.9 protected P; "
		"protection P { localport=021 remoteport=any encryption optional; } }",
	};
	const char *want =
	    "application x\n{\n    network 10.0.0.1-10.0.0.9 protected P;\n"
	    "    protection P {\n        localport=21 remoteport=any encryption optional;\n"
	    "    }\n}\n";
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		char *out = round_trip(texts[i], strlen(texts[i]));

		assert_string_equal(out, want);
		free(out);
	}
}

/* Addresses print in their canonical form; hostnames in lower case. */
static void
test_canonical_addresses(void **state)
{
	struct policy *p = parse_ok(
	    "application /usr/sbin/sshd {\n"
	    "network 2001:DB8:0:0::1 trusted;\n"
	    "network 2001:db8::/32 untrusted;\n"
	    "network 10.1.2.3-10.1.2.3 trusted;\n"
	    "network LocalHost untrusted;\n"
	    "network ::ffff:1.2.3.4 trusted;\n}\n");
	char *out = print(p);

	assert_string_equal(out,
	    "application /usr/sbin/sshd\n{\n"
	    "    network 2001:db8::1 trusted;\n"
	    "    network 2001:db8::/32 untrusted;\n"
	    "    network 10.1.2.3-10.1.2.3 trusted;\n"
	    "    network localhost untrusted;\n"
	    "    network ::ffff:1.2.3.4 trusted;\n}\n");
	free(out);
	policy_free(p);
}

/* Ranges split into the fewest prefixes, IPv4 and IPv6, at the edges. */
static void
test_split(void **state)
{
	static const struct {
		const char *range;
		size_t n;
		const char *first, *last;
	} cases[] = {
		{ "0.0.0.0-255.255.255.255", 1, "0.0.0.0/0", "0.0.0.0/0" },
		{ "0.0.0.1-255.255.255.255", 32, "0.0.0.1/32", "128.0.0.0/1" },
		{ "0.0.0.0-255.255.255.254", 32, "0.0.0.0/1", "255.255.255.254/32" },
		{ "10.0.0.0-10.0.0.255", 1, "10.0.0.0/24", "10.0.0.0/24" },
		{ "10.0.0.255-10.0.1.0", 2, "10.0.0.255/32", "10.0.1.0/32" },
		{ "10.0.0.1-10.0.0.254", 14, "10.0.0.1/32", "10.0.0.254/32" },
		{ "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "::/0", "::/0" },
		{ "::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, "::1/128", "8000::/1" },
		{ "::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 254, "::1/128",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128" },
		{ "2001:db8::-2001:db8::ffff", 1, "2001:db8::/112", "2001:db8::/112" },
	};
	char text[256], buf[64];
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy *p;
		const struct pnet *n;

		snprintf(text, sizeof(text),
		    "application a { network %s trusted; }", cases[i].range);
		p = parse_ok(text);
		n = &p->nets[0];
		assert_int_equal(n->form, RANGE_SPAN);
		assert_int_equal(n->nprefixes, cases[i].n);
		assert_string_equal(prefix_str(&n->prefixes[0], buf, sizeof(buf)),
		    cases[i].first);
		assert_string_equal(prefix_str(&n->prefixes[n->nprefixes - 1], buf,
		    sizeof(buf)), cases[i].last);
		/* contiguous, aligned, inside lo..hi */
		for (j = 0; j < n->nprefixes; j++) {
			assert_true(ipaddr_in_prefix(&n->prefixes[j].addr, &n->prefixes[j]));
			assert_true(ipaddr_cmp(&n->prefixes[j].addr, &n->lo) >= 0);
			assert_true(ipaddr_cmp(&n->prefixes[j].addr, &n->hi) <= 0);
		}
		policy_free(p);
	}
}

/* Most specific first: fewest addresses; ties keep the written order. */
static void
test_specificity(void **state)
{
	struct policy *p = parse_ok(
	    "application a {\n"
	    "network 0.0.0.0/0 untrusted;\n"		/* 0: 2^32 */
	    "network ::/0 untrusted;\n"			/* 1: 2^128 */
	    "network 10.0.0.0/24 trusted;\n"		/* 2: 256 */
	    "network 10.0.0.0-10.0.0.127 trusted;\n"	/* 3: 128 */
	    "network 10.0.0.7 trusted;\n"		/* 4: 1 */
	    "network fd00::1 trusted;\n"		/* 5: 1, after 4 */
	    "network fd00::/120 trusted;\n"		/* 6: 256, after 2 */
	    "network localhost trusted;\n"		/* 7: 1 or 2 */
	    "}\n");
	/* localhost holds 127.0.0.1 and maybe ::1: either way fewer than 128 */
	size_t want[] = { 4, 5, 7, 3, 2, 6, 0, 1 };

	assert_true(p->nets[7].nprefixes == 1 || p->nets[7].nprefixes == 2);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(p->by_specificity[i], want[i]);
	policy_free(p);
}

struct error_case {
	const char *text;
	int line, col;
	const char *msg;
};

static const struct error_case errors[] = {
	/* syntax */
	{ "", 1, 1, "expected 'application', found end of text" },
	{ "   # only a comment\n", 2, 1, "expected 'application', found end of text" },
	{ "app x {}", 1, 1, "expected 'application', found 'app'" },
	{ "application {}", 1, 13, "expected a program name, found '{'" },
	{ "application x y {}", 1, 15, "expected ',' or '{', found 'y'" },
	{ "application x, {}", 1, 16, "expected a program name, found '{'" },
	{ "application x {\n  network 1.2.3.4 trusted\n}", 3, 1,
	  "expected ';', found '}'" },
	{ "application x {\n  network 1.2.3.4 trussted;\n}", 2, 19,
	  "expected 'trusted', 'untrusted' or 'protected', found 'trussted'" },
	{ "application x {\n  network ;\n}", 2, 11,
	  "expected an address, prefix, range or hostname, found ';'" },
	{ "application x {\n  network 1.2.3.4 protected ;\n}", 2, 29,
	  "expected a protection name, found ';'" },
	{ "application x {\n  network 1.2.3.4 protected P!;\n}", 2, 29,
	  "bad protection name 'P!': up to 64 letters, digits, '_', '-' or '.'" },
	{ "application x {\n  nettwork 1.2.3.4 trusted;\n}", 2, 3,
	  "expected 'network', 'protection' or '}', found 'nettwork'" },
	{ "application x {\n  network 1.2.3.4 trusted;\n", 3, 1,
	  "end of text in the application block opened at 1:15" },
	{ "application x {\n network 1.2.3.4 protected P;\n protection P {\n"
	  "  localport=any remoteport=any encryption optional;\n", 5, 1,
	  "end of text in the protection block opened at 3:15" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " remoteport=any localport=any encryption optional; } }", 2, 2,
	  "expected 'localport' or '}', found 'remoteport'" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport any remoteport=any encryption optional; } }", 2, 12,
	  "expected '=', found 'any'" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport=any localport=any encryption optional; } }", 2, 16,
	  "expected 'remoteport', found 'localport'" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport=ftp remoteport=any encryption optional; } }", 2, 12,
	  "expected a port number or 'any', found 'ftp'" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport=-1 remoteport=any encryption optional; } }", 2, 12,
	  "expected a port number or 'any', found '-1'" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport=any remoteport=any encrypt optional; } }", 2, 31,
	  "expected 'encryption' or 'authentication', found 'encrypt'" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport=any remoteport=any encryption; } }", 2, 41,
	  "expected 'optional' or 'mandatory', found ';'" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport=any remoteport=any encryption optional } }", 2, 51,
	  "expected ';', found '}'" },
	{ "application x { }\napplication y { }\n", 2, 1,
	  "only one application block per policy" },
	{ "application x { } }", 1, 19,
	  "expected end of text after the application block, found '}'" },
	/* ports */
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport=65536 remoteport=any encryption optional; } }", 2, 12,
	  "port '65536' out of range 0-65535" },
	{ "application x { network 1.2.3.4 protected P; protection P {\n"
	  " localport=any remoteport=99999999999999999999 encryption optional; } }",
	  2, 27, "port '99999999999999999999' out of range 0-65535" },
	/* names */
	{ "application ftp, lftp, ftp { }", 1, 24, "program 'ftp' named twice" },
	{ "application bin/ftp { }", 1, 13,
	  "'bin/ftp' is neither a program basename nor an absolute path" },
	{ "application /usr/bin/ { }", 1, 13,
	  "'/usr/bin/' is neither a program basename nor an absolute path" },
	{ "application /usr/../bin/ftp { }", 1, 13,
	  "'/usr/../bin/ftp' is neither a program basename nor an absolute path" },
	{ "application x {\n network 1.2.3.4 protected P;\n protection P {\n"
	  "  localport=any remoteport=any encryption optional; }\n"
	  " protection P {\n  localport=any remoteport=any encryption optional; }\n}",
	  5, 13, "protection 'P' defined twice (first at 3:13)" },
	{ "application x {\n network 1.2.3.4 protected P2;\n protection P1 {\n"
	  "  localport=any remoteport=any encryption optional; }\n}", 2, 28,
	  "undefined protection 'P2'" },
	{ "application x {\n network 1.2.3.4 trusted;\n protection P1 {\n"
	  "  localport=any remoteport=any encryption optional; }\n}", 3, 13,
	  "protection 'P1' is not used by any network" },
	{ "application x {\n network 1.2.3.4 protected P1;\n protection P1 { }\n}",
	  3, 13, "protection 'P1' has no items" },
	/* networks */
	{ "application x {\n network 10.0.0.0/24 trusted;\n"
	  " network 10.0.0.0-10.0.0.255 untrusted;\n}", 3, 10,
	  "network '10.0.0.0-10.0.0.255' given twice (first at 2:10 as '10.0.0.0/24')" },
	{ "application x {\n network LOCALHOST trusted;\n"
	  " network localhost untrusted;\n}", 3, 10,
	  "network 'localhost' given twice (first at 2:10 as 'localhost')" },
	{ "application x {\n network 10.0.0.9-10.0.0.1 trusted;\n}", 2, 10,
	  "empty range '10.0.0.9-10.0.0.1': first address is above the last" },
	{ "application x {\n network 10.0.0.1-fd00::1 trusted;\n}", 2, 10,
	  "range '10.0.0.1-fd00::1' mixes IPv4 and IPv6" },
	{ "application x {\n network 10.0.0.1-10.0.0.256 trusted;\n}", 2, 10,
	  "bad address '10.0.0.256' at the end of range" },
	{ "application x {\n network 10.0.0.1/24 trusted;\n}", 2, 10,
	  "host bits set in prefix '10.0.0.1/24' (did you mean 10.0.0.0/24?)" },
	{ "application x {\n network 10.0.0.0/33 trusted;\n}", 2, 10,
	  "bad prefix length in '10.0.0.0/33' (0-32)" },
	{ "application x {\n network fd00::/129 trusted;\n}", 2, 10,
	  "bad prefix length in 'fd00::/129' (0-128)" },
	{ "application x {\n network 10.0.0/8 trusted;\n}", 2, 10,
	  "bad address in prefix '10.0.0/8'" },
	{ "application x {\n network 10.0.0.256 trusted;\n}", 2, 10,
	  "'10.0.0.256' is not an address, prefix, range or hostname" },
	{ "application x {\n network fd00::1::2 trusted;\n}", 2, 10,
	  "'fd00::1::2' is not an address, prefix, range or hostname" },
	{ "application x {\n network -host trusted;\n}", 2, 10,
	  "'-host' is not an address, prefix, range or hostname" },
	/* the earliest error in the text wins */
	{ "application x {\n network 1.2.3.4 protected Q;\n network 1.2.3.4 trusted;\n"
	  " protection P { }\n}", 2, 28, "undefined protection 'Q'" },
	/* bytes */
	{ "application x {\n network 1.2.3.4 trusted; \x01\n}", 2, 27,
	  "unexpected byte 0x01" },
	{ "application x {\n network 1.2.3.4 trusted; # caf\xc3\xa9\n}\xc3", 3, 2,
	  "unexpected byte 0xc3" },
};

static void
test_errors(void **state)
{
	struct policy_error err;
	size_t i;

	for (i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		const struct error_case *c = &errors[i];
		struct policy *p = policy_parse(c->text, strlen(c->text), &err);

		if (p != NULL)
			fail_msg("case %zu parsed:\n%s", i, c->text);
		if (err.line != c->line || err.col != c->col ||
		    strcmp(err.msg, c->msg) != 0)
			fail_msg("case %zu: got %d:%d: %s\nwant %d:%d: %s", i,
			    err.line, err.col, err.msg, c->line, c->col, c->msg);
	}
}

static void
test_nul(void **state)
{
	static const char text[] = "application x {\n network 1.2.3.4\0 trusted;\n}";
	static const char comment[] = "application x { # a\0b\n}";
	struct policy_error err;

	assert_null(policy_parse(text, sizeof(text) - 1, &err));
	assert_int_equal(err.line, 2);
	assert_int_equal(err.col, 17);
	assert_string_equal(err.msg, "NUL byte in policy text");
	assert_null(policy_parse(comment, sizeof(comment) - 1, &err));
	assert_int_equal(err.col, 20);
	assert_string_equal(err.msg, "NUL byte in policy text");
}

/* The parser reads exactly len bytes: no NUL terminator needed. */
static void
test_not_terminated(void **state)
{
	static const char full[] = "application x { network 1.2.3.4 trusted; }";
	size_t n = sizeof(full) - 1;
	char *text = malloc(n);
	struct policy_error err;
	struct policy *p;

	memcpy(text, full, n);
	p = policy_parse(text, n, &err);
	assert_non_null(p);
	policy_free(p);
	assert_null(policy_parse(text, n - 2, &err));	/* cut before '}' */
	assert_string_equal(err.msg,
	    "end of text in the application block opened at 1:15");
	free(text);
}

static void
test_junk(void **state)
{
	struct policy_error err;
	unsigned char buf[4096];
	unsigned int seed = 1;
	int i, j;

	for (i = 0; i < 200; i++) {
		for (j = 0; j < (int)sizeof(buf); j++)
			buf[j] = (unsigned char)(rand_r(&seed) >> 7);
		assert_null(policy_parse((char *)buf, sizeof(buf), &err));
		assert_true(err.msg[0] != '\0');
		assert_true(err.line >= 1 && err.col >= 1);
	}
}

static void
test_too_long(void **state)
{
	size_t n = 10 * 1024 * 1024;
	char *text = malloc(n);
	struct policy_error err;

	assert_non_null(text);
	memset(text, ' ', n);
	assert_null(policy_parse(text, n, &err));
	assert_int_equal(err.line, 0);
	assert_int_equal(err.col, 0);
	assert_string_equal(err.msg,
	    "policy text is 10485760 bytes, over the limit of 1048576");
	free(text);
}

static void
test_long_word(void **state)
{
	struct policy_error err;
	struct strbuf sb = STRBUF_INIT;
	int i;

	strbuf_printf(&sb, "application x { network 1.2.3.4 protected P; "
	    "protection P { localport=");
	for (i = 0; i < 300; i++)
		strbuf_add(&sb, "9", 1);
	strbuf_printf(&sb, " remoteport=any encryption optional; } }");
	assert_null(policy_parse(sb.buf, sb.len, &err));
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 71);
	assert_string_equal(err.msg, "port '9999999999999999999999999999999999999999...' "
	    "out of range 0-65535");
	strbuf_reset(&sb);
	strbuf_printf(&sb, "application ");
	for (i = 0; i < 5000; i++)
		strbuf_add(&sb, "a", 1);
	assert_null(policy_parse(sb.buf, sb.len, &err));
	assert_int_equal(err.col, 13);
	assert_string_equal(err.msg, "word longer than 1024 bytes");
	strbuf_free(&sb);
}

static char *
many_networks(size_t n, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_printf(&sb, "application x {\n");
	for (i = 0; i < n; i++)
		strbuf_printf(&sb, "network 10.%zu.%zu.%zu trusted;\n",
		    (i >> 16) & 255, (i >> 8) & 255, i & 255);
	strbuf_printf(&sb, "}\n");
	return strbuf_detach(&sb, len);
}

static void
test_many_networks(void **state)
{
	struct policy_error err;
	struct policy *p;
	size_t len;
	char *text;

	text = many_networks(100000, &len);	/* 3 MB */
	assert_null(policy_parse(text, len, &err));
	assert_int_equal(err.line, 0);
	assert_true(strstr(err.msg, "over the limit of 1048576") != NULL);
	free(text);

	text = many_networks(30000, &len);	/* under 1 MB, over 10,000 nets */
	assert_true(len <= POLICY_MAX_TEXT);
	assert_null(policy_parse(text, len, &err));
	assert_int_equal(err.line, 10002);
	assert_int_equal(err.col, 1);
	assert_string_equal(err.msg, "too many networks (limit 10000)");
	free(text);

	text = many_networks(10000, &len);
	p = policy_parse(text, len, &err);
	assert_non_null(p);
	assert_int_equal(p->nnets, 10000);
	policy_free(p);
	free(text);
}

static void
test_many_prefixes(void **state)
{
	static const char one[] = "application x { network 1::1-1:ffff:ffff:"
	    "ffff:ffff:ffff:ffff:fffe trusted; }";
	struct strbuf sb = STRBUF_INIT;
	struct policy_error err;
	struct policy *p;
	size_t each;
	int i;

	assert_non_null(p = policy_parse(one, strlen(one), &err));
	each = p->nets[0].nprefixes;
	assert_int_equal(each, 222);
	policy_free(p);
	/* 300 spans of 254 prefixes each: over 65,536 prefixes */
	strbuf_printf(&sb, "application x {\n");
	for (i = 0; i < 300; i++)
		strbuf_printf(&sb, "network %x::1-%x:ffff:ffff:ffff:ffff:ffff:"
		    "ffff:fffe trusted;\n", i + 1, i + 1);
	strbuf_printf(&sb, "}\n");
	assert_null(policy_parse(sb.buf, sb.len, &err));
	assert_string_equal(err.msg, "networks cover too many prefixes (limit 65536)");
	/* network k (line k + 1) is the first to go over */
	assert_int_equal(err.line, 65536 / each + 2);
	strbuf_free(&sb);
}

/* The other limits: hostnames (checked before any lookup), programs,
 * items. */
static void
test_limits(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct policy_error err;
	int i;

	strbuf_printf(&sb, "application x {\n");
	for (i = 0; i < 65; i++)
		strbuf_printf(&sb, "network h%d.example trusted;\n", i);
	strbuf_printf(&sb, "}\n");
	assert_null(policy_parse(sb.buf, sb.len, &err));
	assert_int_equal(err.line, 66);
	assert_int_equal(err.col, 9);
	assert_string_equal(err.msg, "too many hostname networks (limit 64)");

	strbuf_reset(&sb);
	strbuf_printf(&sb, "application a0");
	for (i = 1; i < 65; i++)
		strbuf_printf(&sb, ",a%d", i);
	strbuf_printf(&sb, " { }");
	assert_null(policy_parse(sb.buf, sb.len, &err));
	assert_int_equal(err.col, strstr(sb.buf, ",a64") - sb.buf + 2);
	assert_string_equal(err.msg, "too many application names (limit 64)");

	strbuf_reset(&sb);
	strbuf_printf(&sb, "application x { network ::/0 protected P;\nprotection P {\n");
	for (i = 0; i < 1001; i++)
		strbuf_printf(&sb, "localport=%d remoteport=any encryption optional;\n", i);
	strbuf_printf(&sb, "} }");
	assert_null(policy_parse(sb.buf, sb.len, &err));
	assert_int_equal(err.line, 1003);
	assert_int_equal(err.col, 1);
	assert_string_equal(err.msg, "too many items in one protection (limit 1000)");
	strbuf_free(&sb);
}

/* A resolver that never touches DNS: localhost only. */
static int
local_only(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	if (strcmp(node, "localhost") != 0)
		return EAI_NONAME;
	return getaddrinfo(node, service, hints, res);
}

static void
test_resolve(void **state)
{
	struct policy_error err;
	struct policy *p;
	char buf[64];
	static const char bad[] = "application x {\n network 10.0.0.0/8 trusted;\n"
	    "   network no-such-host.example untrusted;\n}";

	policy_getaddrinfo = local_only;
	assert_null(policy_parse(bad, strlen(bad), &err));
	assert_int_equal(err.line, 3);
	assert_int_equal(err.col, 12);
	assert_string_equal(err.msg,
	    "cannot resolve 'no-such-host.example': Name or service not known");

	p = parse_ok("application x { network localhost trusted; }");
	assert_true(p->nets[0].nprefixes >= 1);
	assert_int_equal(p->nets[0].prefixes[0].len, 32);
	assert_string_equal(prefix_str(&p->nets[0].prefixes[0], buf, sizeof(buf)),
	    "127.0.0.1/32");
	assert_int_equal(policy_resolve(p, &err), 0);
	assert_string_equal(prefix_str(&p->nets[0].prefixes[0], buf, sizeof(buf)),
	    "127.0.0.1/32");
	/* a failed re-resolution keeps the old addresses */
	free(p->nets[0].text);
	p->nets[0].text = strdup("gone.example");
	assert_int_equal(policy_resolve(p, &err), -1);
	assert_int_equal(err.line, 1);
	assert_int_equal(err.col, 25);
	assert_string_equal(err.msg,
	    "cannot resolve 'gone.example': Name or service not known");
	assert_true(p->nets[0].nprefixes >= 1);
	assert_string_equal(prefix_str(&p->nets[0].prefixes[0], buf, sizeof(buf)),
	    "127.0.0.1/32");
	policy_free(p);
	policy_getaddrinfo = getaddrinfo;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_figures),
		cmocka_unit_test(test_ftp_canonical),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_canonical_addresses),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_specificity),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_not_terminated),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_long_word),
		cmocka_unit_test(test_many_networks),
		cmocka_unit_test(test_many_prefixes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

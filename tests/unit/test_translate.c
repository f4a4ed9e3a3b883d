/* translate(): the paper's Figures 4 and 5 without the kernel, remote-port
 * items on a listener, dual stack, tunnel mode, and a property check that
 * the kernel's choice among a listener's entries (spd_lookup: lowest
 * priority value wins) is policy_decide()'s choice for every flow. */
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
#include "engine/translate.h"

static const char ftp_text[] =
    "application ftp {\n"
    "  network 1.1.1.0/24 trusted;\n"
    "  network 0.0.0.0/0 protected P1;\n"
    "  protection P1 {\n"
    "    localport=any remoteport=21 encryption mandatory;\n"
    "    localport=any remoteport=any authentication mandatory;\n"
    "  }\n"
    "}\n";

static const char vsftpd_text[] =
    "application vsftpd {\n"
    "  network 2.2.2.0/24 trusted;\n"
    "  network 0.0.0.0/0 protected P1;\n"
    "  protection P1 {\n"
    "    localport=21 remoteport=any encryption optional;\n"
    "    localport=any remoteport=any authentication optional;\n"
    "  }\n"
    "}\n";

static const char udp_cli_text[] =
    "application udp-cli {\n"
    "  network 1.1.1.0/24 trusted;\n"
    "  network 0.0.0.0/0 protected P1;\n"
    "  protection P1 { localport=any remoteport=any encryption mandatory; }\n"
    "}\n";

static struct policy *
parse(const char *text)
{
	struct policy_error err;
	struct policy *p = policy_parse(text, strlen(text), &err);

	if (p == NULL)
		fail_msg("%d:%d: %s", err.line, err.col, err.msg);
	return p;
}

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static struct xsock
sock(int proto, const char *local, int lport)
{
	struct xsock s;

	memset(&s, 0, sizeof(s));
	s.proto = proto;
	s.local = addr(local);
	s.family = s.local.family;
	s.local_any = strcmp(local, "0.0.0.0") == 0 || strcmp(local, "::") == 0;
	s.lport = lport;
	return s;
}

static const struct xlate_conf transport = { .tunnel = false };

/* The entries, one line each, as spd_entry_print() writes them. */
static char *
lines(const struct spd_vec *v)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < v->n; i++) {
		spd_entry_print(&v->v[i], &sb);
		strbuf_add(&sb, "\n", 1);
	}
	if (sb.buf == NULL)
		strbuf_add(&sb, "", 0);
	return strbuf_detach(&sb, NULL);
}

static void
expect(const struct policy *p, const struct xsock *s, const struct xsock *l,
    const struct xlate_conf *c, const char *want)
{
	struct spd_vec v = { 0 };
	char *got;

	assert_int_equal(translate(p, s, l, c, &v), 0);
	got = lines(&v);
	assert_string_equal(got, want);
	free(got);
	spd_vec_free(&v);
}

/* Figure 4, server: listen on 21 and on 5678. */
static void
test_fig4_server(void **state)
{
	struct policy *p = parse(vsftpd_text);
	struct xsock s = sock(IPPROTO_TCP, "2.2.2.2", 21);

	s.listening = true;
	expect(p, &s, NULL, &transport,
	    "dir=out src=2.2.2.2/32:21 dst=2.2.2.0/24:any proto=tcp action=allow priority=100003\n"
	    "dir=in src=2.2.2.0/24:any dst=2.2.2.2/32:21 proto=tcp action=allow priority=100003\n"
	    "dir=out src=2.2.2.2/32:21 dst=0.0.0.0/0:any proto=tcp action=protect tmpl=esp protection=encryption level=use mode=transport priority=100009\n"
	    "dir=in src=0.0.0.0/0:any dst=2.2.2.2/32:21 proto=tcp action=protect tmpl=esp protection=encryption level=use mode=transport priority=100009\n");
	s.lport = 5678;
	expect(p, &s, NULL, &transport,
	    "dir=out src=2.2.2.2/32:5678 dst=2.2.2.0/24:any proto=tcp action=allow priority=100003\n"
	    "dir=in src=2.2.2.0/24:any dst=2.2.2.2/32:5678 proto=tcp action=allow priority=100003\n"
	    "dir=out src=2.2.2.2/32:5678 dst=0.0.0.0/0:any proto=tcp action=protect tmpl=esp protection=authentication level=use mode=transport priority=100011\n"
	    "dir=in src=0.0.0.0/0:any dst=2.2.2.2/32:5678 proto=tcp action=protect tmpl=esp protection=authentication level=use mode=transport priority=100011\n");
	policy_free(p);
}

/* Figure 4, client: connect to 21 (encryption), to 5678 (authentication),
 * and inside the trusted network (bypass). */
static void
test_fig4_client(void **state)
{
	struct policy *p = parse(ftp_text);
	struct xsock s = sock(IPPROTO_TCP, "1.1.1.1", 2222);

	s.connected = true;
	s.peer = addr("2.2.2.2");
	s.rport = 21;
	expect(p, &s, NULL, &transport,
	    "dir=out src=1.1.1.1/32:2222 dst=2.2.2.2/32:21 proto=tcp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100001\n"
	    "dir=in src=2.2.2.2/32:21 dst=1.1.1.1/32:2222 proto=tcp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100001\n");
	s.lport = 3333;
	s.rport = 5678;
	expect(p, &s, NULL, &transport,
	    "dir=out src=1.1.1.1/32:3333 dst=2.2.2.2/32:5678 proto=tcp action=protect tmpl=esp protection=authentication level=required mode=transport priority=100001\n"
	    "dir=in src=2.2.2.2/32:5678 dst=1.1.1.1/32:3333 proto=tcp action=protect tmpl=esp protection=authentication level=required mode=transport priority=100001\n");
	s.peer = addr("1.1.1.7");
	expect(p, &s, NULL, &transport,
	    "dir=out src=1.1.1.1/32:3333 dst=1.1.1.7/32:5678 proto=tcp action=allow priority=100001\n"
	    "dir=in src=1.1.1.7/32:5678 dst=1.1.1.1/32:3333 proto=tcp action=allow priority=100001\n");
	policy_free(p);
}

/* Figure 5, client: sendto gives one outbound entry per destination,
 * recvfrom one inbound entry per network. */
static void
test_fig5_client(void **state)
{
	struct policy *p = parse(udp_cli_text);
	struct xsock s = sock(IPPROTO_UDP, "1.1.1.1", 5678);
	struct xdest d = { .port = 2345 };

	d.addr = addr("2.2.2.2");
	s.dests = &d;
	s.ndests = 1;
	expect(p, &s, NULL, &transport,
	    "dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100001\n");
	s.recv = true;
	expect(p, &s, NULL, &transport,
	    "dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100001\n"
	    "dir=in src=1.1.1.0/24:any dst=1.1.1.1/32:5678 proto=udp action=allow priority=100003\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:5678 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100007\n");
	s.ndests = 0;
	s.recv = false;
	expect(p, &s, NULL, &transport, "");
	policy_free(p);
}

/* An accepted connection is covered by its listener's entries when they
 * decide its flow as the policy does; otherwise it gets its own. */
static void
test_accept(void **state)
{
	struct policy *p = parse(
	    "application web {\n"
	    "  network 10.0.0.0/8 protected P;\n"
	    "  network 0.0.0.0/0 untrusted;\n"
	    "  protection P { localport=any remoteport=1234 encryption mandatory; }\n"
	    "}\n");
	struct xsock l = sock(IPPROTO_TCP, "0.0.0.0", 80);
	struct xsock a = sock(IPPROTO_TCP, "10.0.0.1", 80);

	l.listening = true;
	expect(p, &l, NULL, &transport,
	    "dir=out src=0.0.0.0/0:80 dst=10.0.0.0/8:1234 proto=tcp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100003\n"
	    "dir=in src=10.0.0.0/8:1234 dst=0.0.0.0/0:80 proto=tcp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100003\n"
	    "dir=out src=0.0.0.0/0:80 dst=0.0.0.0/0:any proto=tcp action=block priority=100007\n"
	    "dir=in src=0.0.0.0/0:any dst=0.0.0.0/0:80 proto=tcp action=block priority=100007\n");
	a.accepted = true;
	a.peer = addr("10.9.9.9");
	a.rport = 1234;
	expect(p, &a, &l, &transport, "");	/* covered */
	a.peer = addr("192.0.2.9");
	expect(p, &a, &l, &transport, "");	/* covered: block */
	/* Without its listener an accepted connection gets exact entries. */
	expect(p, &a, NULL, &transport,
	    "dir=out src=10.0.0.1/32:80 dst=192.0.2.9/32:1234 proto=tcp action=block priority=100001\n"
	    "dir=in src=192.0.2.9/32:1234 dst=10.0.0.1/32:80 proto=tcp action=block priority=100001\n");
	policy_free(p);
}

/* A listener on :: covers IPv4 networks too (dual stack); a v6 peer gets
 * v6 entries. */
static void
test_dual_stack(void **state)
{
	struct policy *p = parse(
	    "application ssh {\n"
	    "  network 192.168.0.0/16 trusted;\n"
	    "  network fd00::/8 untrusted;\n"
	    "}\n");
	struct xsock s = sock(IPPROTO_TCP, "::", 22);
	struct xsock c = sock(IPPROTO_TCP, "fd00::1", 40000);

	s.listening = true;
	expect(p, &s, NULL, &transport,
	    "dir=out src=0.0.0.0/0:22 dst=192.168.0.0/16:any proto=tcp action=allow priority=100003\n"
	    "dir=in src=192.168.0.0/16:any dst=0.0.0.0/0:22 proto=tcp action=allow priority=100003\n"
	    "dir=out src=::/0:22 dst=fd00::/8:any proto=tcp action=block priority=100005\n"
	    "dir=in src=fd00::/8:any dst=::/0:22 proto=tcp action=block priority=100005\n");
	c.connected = true;
	c.peer = addr("fd00::2");
	c.rport = 22;
	expect(p, &c, NULL, &transport,
	    "dir=out src=fd00::1/128:40000 dst=fd00::2/128:22 proto=tcp action=block priority=100001\n"
	    "dir=in src=fd00::2/128:22 dst=fd00::1/128:40000 proto=tcp action=block priority=100001\n");
	c.peer = addr("192.168.1.1");	/* no v4 local: no entry of that family */
	expect(p, &c, NULL, &transport, "");
	policy_free(p);
}

/* Tunnel mode: exact entries carry their end points. */
static void
test_tunnel(void **state)
{
	struct policy *p = parse(udp_cli_text);
	struct xsock s = sock(IPPROTO_TCP, "1.1.1.1", 4000);
	struct xlate_conf tun = { .tunnel = true };
	struct prefix steer;

	s.connected = true;
	s.peer = addr("9.9.9.9");
	s.rport = 443;
	expect(p, &s, NULL, &tun,
	    "dir=out src=1.1.1.1/32:4000 dst=9.9.9.9/32:443 proto=tcp action=protect tmpl=esp protection=encryption level=required mode=tunnel tunnel=1.1.1.1-9.9.9.9 priority=100001\n"
	    "dir=in src=9.9.9.9/32:443 dst=1.1.1.1/32:4000 proto=tcp action=protect tmpl=esp protection=encryption level=required mode=tunnel tunnel=1.1.1.1-9.9.9.9 priority=100001\n");
	policy_free(p);
	/* optional: the kernel takes no optional tunnel template outbound */
	p = parse(vsftpd_text);
	s.lport = 21;
	expect(p, &s, NULL, &tun,
	    "dir=out src=1.1.1.1/32:21 dst=9.9.9.9/32:443 proto=tcp action=allow priority=100001\n"
	    "dir=in src=9.9.9.9/32:443 dst=1.1.1.1/32:21 proto=tcp action=protect tmpl=esp protection=encryption level=use mode=tunnel tunnel=1.1.1.1-9.9.9.9 priority=100001\n");
	/* the userspace datapath writes no template outbound: it protects
	 * the optional flow where it steers it */
	tun.userspace = true;
	tun.steer = &steer;
	tun.nsteer = 1;
	assert_int_equal(prefix_parse("9.9.9.9/32", &steer), 0);
	expect(p, &s, NULL, &tun,
	    "dir=out src=1.1.1.1/32:21 dst=9.9.9.9/32:443 proto=tcp action=allow datapath=userspace protection=encryption level=use priority=100001\n"
	    "dir=in src=9.9.9.9/32:443 dst=1.1.1.1/32:21 proto=tcp action=protect tmpl=esp protection=encryption level=use mode=tunnel tunnel=1.1.1.1-9.9.9.9 priority=100001\n");
	policy_free(p);
}

static const char mixed_text[] =
    "application mixed {\n"
    "    network 0.0.0.0/0 protected P1;\n"
    "    network 10.0.0.0/8 protected P2;\n"
    "    network 10.1.0.0/16 trusted;\n"
    "    network 10.1.2.3 untrusted;\n"
    "    network 10.1.0.0-10.1.0.255 protected P2;\n"
    "    network 10.1.0.128/25 untrusted;\n"
    "    network 10.2.0.0-10.2.255.255 untrusted;\n"
    "    network 10.2.128.0-10.3.127.255 trusted;\n"
    "    network 192.168.1.10-192.168.1.20 trusted;\n"
    "    protection P1 {\n"
    "        localport=any remoteport=21 encryption mandatory;\n"
    "        localport=22 remoteport=any encryption optional;\n"
    "        localport=any remoteport=any authentication mandatory;\n"
    "    }\n"
    "    protection P2 {\n"
    "        localport=21 remoteport=any authentication optional;\n"
    "        localport=any remoteport=21 encryption mandatory;\n"
    "        localport=any remoteport=any authentication optional;\n"
    "    }\n"
    "}\n";

static bool
agrees(const struct spd_entry *e, const struct decision *d)
{
	if (e == NULL)
		return false;
	switch (d->action) {
	case DECIDE_BYPASS:
		return e->action == SPD_ALLOW && !e->dp;
	case DECIDE_DISCARD:
		return e->action == SPD_BLOCK;
	case DECIDE_PROTECT:
		return (e->action == SPD_PROTECT || e->dp) &&
		    e->type == d->type && e->level == d->level;
	default:
		return true;
	}
}

/* With the userspace datapath, the outbound entry of a protected flow
 * is the datapath's (allow) when its peer is steered; else mandatory
 * ones block and optional ones pass in the clear. */
static bool
datapath_form(const struct spd_entry *e, const struct decision *d,
    const struct ipaddr *peer, const struct xlate_conf *c)
{
	bool steered = false;
	size_t i;

	if (!c->userspace || d->action != DECIDE_PROTECT)
		return true;
	for (i = 0; i < c->nsteer; i++)
		steered = steered || ipaddr_in_prefix(peer, &c->steer[i]);
	if (steered)
		return e->action == SPD_ALLOW && e->dp == SPD_DP_PROTECT;
	if (d->level == LEVEL_MANDATORY)
		return e->action == SPD_BLOCK && e->dp == SPD_DP_BLOCKED;
	return e->action == SPD_ALLOW && e->dp == SPD_DP_CLEAR;
}

/* Exclusiveness and completeness of a listener's entries: for many flows,
 * the entry XFRM would pick (both directions) decides as policy_decide(). */
static void
listener_matches_decide(const struct xlate_conf *conf)
{
	static const char *peers[] = { "8.8.8.8", "10.9.9.9", "10.1.9.9",
	    "10.1.2.3", "10.1.2.2", "10.1.0.0", "10.1.0.127", "10.1.0.128",
	    "10.1.0.255", "10.2.0.1", "10.2.200.1", "10.3.0.1", "10.3.200.1",
	    "192.168.1.9", "192.168.1.10", "192.168.1.20", "192.168.1.21",
	    "255.255.255.255", "0.0.0.0" };
	static const int lports[] = { 21, 22, 80 }, rports[] = { 21, 22, 80, 40000 };
	struct policy *p = parse(mixed_text);
	struct ipaddr local = addr("172.16.0.1");
	size_t i, j, k, checked = 0;

	for (j = 0; j < sizeof(lports) / sizeof(lports[0]); j++) {
		struct xsock s = sock(IPPROTO_TCP, "172.16.0.1", lports[j]);
		struct spd_vec v = { 0 };

		s.listening = true;
		assert_int_equal(translate(p, &s, NULL, conf, &v), 0);
		for (i = 0; i < sizeof(peers) / sizeof(peers[0]); i++) {
			struct ipaddr peer = addr(peers[i]);

			for (k = 0; k < sizeof(rports) / sizeof(rports[0]); k++) {
				struct decision d;
				const struct spd_entry *in, *out;

				policy_decide(p, &peer, lports[j], rports[k],
				    IPPROTO_TCP, &d);
				if (d.action == DECIDE_NONE)
					continue;
				in = spd_lookup(&v, SPD_IN, IPPROTO_TCP, &peer,
				    rports[k], &local, lports[j]);
				out = spd_lookup(&v, SPD_OUT, IPPROTO_TCP, &local,
				    lports[j], &peer, rports[k]);
				if (!agrees(in, &d) || !agrees(out, &d) ||
				    !datapath_form(out, &d, &peer, conf))
					fail_msg("%s:%d -> :%d disagrees", peers[i],
					    rports[k], lports[j]);
				checked++;
			}
		}
		/* UDP or another local port never matches these entries. */
		assert_null(spd_lookup(&v, SPD_IN, IPPROTO_UDP, &local, 9,
		    &local, lports[j]));
		assert_null(spd_lookup(&v, SPD_IN, IPPROTO_TCP, &local, 9,
		    &local, 1));
		spd_vec_free(&v);
	}
	assert_true(checked > 100);
	policy_free(p);
}

static void
test_listener_matches_decide(void **state)
{
	struct xlate_conf us = { .userspace = true, .dp_mark = 0x100,
	    .dp_mask = 0xf00 };

	struct prefix steer[4];

	listener_matches_decide(&transport);
	listener_matches_decide(&us);	/* twins never match unmarked packets */
	/* steered prefixes inside, across and around the policy's networks */
	assert_int_equal(prefix_parse("10.1.0.0/24", &steer[0]), 0);
	assert_int_equal(prefix_parse("10.9.0.0/16", &steer[1]), 0);
	assert_int_equal(prefix_parse("192.168.0.0/16", &steer[2]), 0);
	assert_int_equal(prefix_parse("8.8.8.8/32", &steer[3]), 0);
	us.steer = steer;
	us.nsteer = 4;
	listener_matches_decide(&us);
	us.bypass_mark = 0x1000;	/* the same for unmarked packets */
	listener_matches_decide(&us);
}

/* The userspace datapath's form: outbound protected flows to steered
 * destinations allow (marked as the datapath's), to others block;
 * inbound mandatory ones with a marked allow twin. */
static void
test_userspace(void **state)
{
	struct policy *p = parse(udp_cli_text);
	struct xsock s = sock(IPPROTO_UDP, "1.1.1.1", 5678);
	struct xdest d = { .port = 2345 };
	struct prefix steer;
	struct xlate_conf us = { .userspace = true, .steer = &steer,
	    .nsteer = 1 };

	assert_int_equal(prefix_parse("2.2.0.0/16", &steer), 0);
	d.addr = addr("2.2.2.2");
	s.dests = &d;
	s.ndests = 1;
	s.recv = true;
	expect(p, &s, NULL, &us,
	    "dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp action=allow datapath=userspace protection=encryption level=required priority=100001\n"
	    "dir=in src=1.1.1.0/24:any dst=1.1.1.1/32:5678 proto=udp action=allow priority=100003\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:5678 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100007\n");
	us.dp_mark = 0x100;
	us.dp_mask = 0xf00;
	expect(p, &s, NULL, &us,
	    "dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp action=allow datapath=userspace protection=encryption level=required priority=100001\n"
	    "dir=in src=1.1.1.0/24:any dst=1.1.1.1/32:5678 proto=udp action=allow priority=100003\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:5678 proto=udp mark=0x100/0xf00 action=allow datapath=userspace protection=encryption level=required priority=100006\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:5678 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100007\n");
	/* with the bypass mark, the mandatory flow is a block that an allow
	 * twin lifts only for packets without the mark (the TUN device's) */
	us.bypass_mark = 0x1000;
	expect(p, &s, NULL, &us,
	    "dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp mark=0x0/0x1000 action=allow datapath=userspace protection=encryption level=required priority=100000\n"
	    "dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp action=block datapath=userspace protection=encryption level=required priority=100001\n"
	    "dir=in src=1.1.1.0/24:any dst=1.1.1.1/32:5678 proto=udp action=allow priority=100003\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:5678 proto=udp mark=0x100/0xf00 action=allow datapath=userspace protection=encryption level=required priority=100006\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:5678 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100007\n");
	us.bypass_mark = 0;
	/* nothing steers 2.2.2.2: the mandatory flow blocks */
	us.nsteer = 0;
	expect(p, &s, NULL, &us,
	    "dir=out src=1.1.1.1/32:5678 dst=2.2.2.2/32:2345 proto=udp action=block datapath=none protection=encryption level=required priority=100001\n"
	    "dir=in src=1.1.1.0/24:any dst=1.1.1.1/32:5678 proto=udp action=allow priority=100003\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:5678 proto=udp mark=0x100/0xf00 action=allow datapath=userspace protection=encryption level=required priority=100006\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:5678 proto=udp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100007\n");
	policy_free(p);
}

/* A listener's protected network only partly steered: block for the
 * network, an allow twin (one priority below) per steered prefix inside
 * it; an optional item leaves unsteered flows in the clear. */
static void
test_userspace_partly_steered(void **state)
{
	struct policy *p = parse(vsftpd_text);
	struct policy *q = parse(ftp_text);
	struct xsock s = sock(IPPROTO_TCP, "2.2.2.2", 21);
	struct prefix steer[3];
	struct xlate_conf us = { .userspace = true, .steer = steer,
	    .nsteer = 3 };

	assert_int_equal(prefix_parse("10.0.0.0/8", &steer[0]), 0);
	assert_int_equal(prefix_parse("2.2.2.0/24", &steer[1]), 0);
	assert_int_equal(prefix_parse("fd00::/8", &steer[2]), 0);
	s.listening = true;
	expect(p, &s, NULL, &us,
	    "dir=out src=2.2.2.2/32:21 dst=2.2.2.0/24:any proto=tcp action=allow priority=100003\n"
	    "dir=in src=2.2.2.0/24:any dst=2.2.2.2/32:21 proto=tcp action=allow priority=100003\n"
	    "dir=out src=2.2.2.2/32:21 dst=10.0.0.0/8:any proto=tcp action=allow datapath=userspace protection=encryption level=use priority=100008\n"
	    "dir=out src=2.2.2.2/32:21 dst=0.0.0.0/0:any proto=tcp action=allow datapath=none protection=encryption level=use priority=100009\n"
	    "dir=in src=0.0.0.0/0:any dst=2.2.2.2/32:21 proto=tcp action=protect tmpl=esp protection=encryption level=use mode=transport priority=100009\n");
	s = sock(IPPROTO_TCP, "1.1.1.1", 2000);
	s.listening = true;
	expect(q, &s, NULL, &us,
	    "dir=out src=1.1.1.1/32:2000 dst=1.1.1.0/24:any proto=tcp action=allow priority=100003\n"
	    "dir=in src=1.1.1.0/24:any dst=1.1.1.1/32:2000 proto=tcp action=allow priority=100003\n"
	    "dir=out src=1.1.1.1/32:2000 dst=10.0.0.0/8:21 proto=tcp action=allow datapath=userspace protection=encryption level=required priority=100008\n"
	    "dir=out src=1.1.1.1/32:2000 dst=2.2.2.0/24:21 proto=tcp action=allow datapath=userspace protection=encryption level=required priority=100008\n"
	    "dir=out src=1.1.1.1/32:2000 dst=0.0.0.0/0:21 proto=tcp action=block datapath=none protection=encryption level=required priority=100009\n"
	    "dir=in src=0.0.0.0/0:21 dst=1.1.1.1/32:2000 proto=tcp action=protect tmpl=esp protection=encryption level=required mode=transport priority=100009\n"
	    "dir=out src=1.1.1.1/32:2000 dst=10.0.0.0/8:any proto=tcp action=allow datapath=userspace protection=authentication level=required priority=100010\n"
	    "dir=out src=1.1.1.1/32:2000 dst=2.2.2.0/24:any proto=tcp action=allow datapath=userspace protection=authentication level=required priority=100010\n"
	    "dir=out src=1.1.1.1/32:2000 dst=0.0.0.0/0:any proto=tcp action=block datapath=none protection=authentication level=required priority=100011\n"
	    "dir=in src=0.0.0.0/0:any dst=1.1.1.1/32:2000 proto=tcp action=protect tmpl=esp protection=authentication level=required mode=transport priority=100011\n");
	policy_free(p);
	policy_free(q);
}

/* A socket without a policy has no entries. */
static void
test_no_policy(void **state)
{
	struct xsock s = sock(IPPROTO_TCP, "1.1.1.1", 1);
	struct spd_vec v = { 0 };

	s.listening = true;
	assert_int_equal(translate(NULL, &s, NULL, &transport, &v), 0);
	assert_int_equal(v.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fig4_server),
		cmocka_unit_test(test_fig4_client),
		cmocka_unit_test(test_fig5_client),
		cmocka_unit_test(test_accept),
		cmocka_unit_test(test_dual_stack),
		cmocka_unit_test(test_tunnel),
		cmocka_unit_test(test_listener_matches_decide),
		cmocka_unit_test(test_no_policy),
		cmocka_unit_test(test_userspace),
		cmocka_unit_test(test_userspace_partly_steered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

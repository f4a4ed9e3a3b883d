/* bench_engine: the engine against the kernel's XFRM SPD, in a private
 * network namespace of its own (unshare; skipped when not root).
 *
 *   - one socket event -> its entries in the kernel: p50/p99 latency
 *   - entries per second, one event at a time and in one big batch
 *   - 10,000 live sockets: re-translated from scratch (one policy load),
 *     a full reconcile when in sync, daemon memory per socket
 * and, in the same run, the baselines: a raw netlink add with one round
 * trip per entry, libnl-xfrm's xfrmnl_sp_add per entry, and
 * `ip xfrm policy add` per entry. Figures are printed with ratios. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/xfrm/selector.h>
#include <netlink/xfrm/sp.h>

#include "engine/engine_int.h"
#include "engine/log.h"

#define NSOCK	10000
#define NBASE	2000	/* entries for the per-entry baselines */
#define NIP	200	/* `ip xfrm policy add` runs */

static const char policy_text[] =
    "application bench {\n"
    "  network 10.0.0.0/8 trusted;\n"
    "  network 0.0.0.0/0 protected P;\n"
    "  protection P { localport=any remoteport=any encryption mandatory; }\n"
    "}\n";

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long
rss_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct policy *
load_policy(void)
{
	struct policy_error err;
	struct policy *p = policy_parse(policy_text, strlen(policy_text), &err);

	if (p == NULL) {
		fprintf(stderr, "policy: %d:%d: %s\n", err.line, err.col, err.msg);
		exit(1);
	}
	return p;
}

static void
make_event(struct sock_event *ev, enum sock_op op, uint64_t i)
{
	struct sockaddr_in *l = (struct sockaddr_in *)&ev->local;
	struct sockaddr_in *r = (struct sockaddr_in *)&ev->peer;

	memset(ev, 0, sizeof(*ev));
	ev->op = op;
	ev->pid = 4242;
	ev->fd = (int)(i % 1000) + 3;
	ev->sock_id = i + 1;
	ev->exe = "/usr/bin/bench";
	ev->family = AF_INET;
	ev->proto = IPPROTO_TCP;
	l->sin_family = r->sin_family = AF_INET;
	l->sin_addr.s_addr = htonl(0xc0a80001);			/* 192.168.0.1 */
	l->sin_port = htons(20000 + i % 40000);
	r->sin_addr.s_addr = htonl(0xac100000 + (uint32_t)i);	/* 172.16/12 */
	r->sin_port = htons(443);
}

/* Feeds n events of op; fills lat[] (µs) when not NULL. */
static double
feed(struct engine *e, enum sock_op op, size_t n, double *lat)
{
	struct sock_event ev;
	char why[128];
	double t0 = now_us(), t;
	size_t i;

	for (i = 0; i < n; i++) {
		make_event(&ev, op, i);
		t = now_us();
		if (engine_socket_event(e, &ev, why, sizeof(why)) != 0) {
			fprintf(stderr, "event %zu: %s\n", i, why);
			exit(1);
		}
		if (lat != NULL)
			lat[i] = now_us() - t;
	}
	return now_us() - t0;
}

static void
entry_for(struct spd_entry *en, uint32_t i)
{
	memset(en, 0, sizeof(*en));
	en->key.dir = SPD_OUT;
	en->key.sel.family = AF_INET;
	en->key.sel.proto = IPPROTO_TCP;
	en->key.sel.src.family = en->key.sel.dst.family = AF_INET;
	(void)inet_pton(AF_INET, "192.168.7.1", en->key.sel.src.a);
	*(uint32_t *)en->key.sel.dst.a = htonl(0xac200000 + i);
	en->key.sel.slen = en->key.sel.dlen = 32;
	en->key.sel.sport = 1000 + i % 50000;
	en->key.sel.dport = 443;
	en->action = SPD_PROTECT;
	en->level = LEVEL_MANDATORY;
	en->priority = SPD_PRIO_BASE;
}

/* Feeds n events of op in bursts of burst (engine_socket_events). */
static double
feed_bursts(struct engine *e, enum sock_op op, size_t n, size_t burst)
{
	struct sock_event *evs = calloc(burst, sizeof(*evs));
	int *res = calloc(burst, sizeof(*res));
	double t0 = now_us();
	size_t i, k;

	if (evs == NULL || res == NULL)
		exit(1);
	for (i = 0; i < n; i += burst) {
		for (k = 0; k < burst && i + k < n; k++)
			make_event(&evs[k], op, i + k);
		if (engine_socket_events(e, evs, k, res) != 0) {
			fprintf(stderr, "burst at %zu failed\n", i);
			exit(1);
		}
	}
	t0 = now_us() - t0;
	free(evs);
	free(res);
	return t0;
}

/* Raw netlink, one message and one round trip per entry. */
static double
base_raw_single(void)
{
	struct xfrm_nl *x;
	struct spd_entry en;
	double t0;
	uint32_t i;

	if (xfrm_open(&x) != 0)
		return -1;
	t0 = now_us();
	for (i = 0; i < NBASE; i++) {
		entry_for(&en, i);
		if (xfrm_queue_add(x, &en, 0) != 0 || xfrm_commit(x, NULL) != 0)
			return -1;
	}
	t0 = now_us() - t0;
	for (i = 0; i < NBASE; i++) {
		entry_for(&en, i);
		(void)xfrm_queue_del(x, &en.key);
	}
	(void)xfrm_commit(x, NULL);
	xfrm_close(x);
	return t0;
}

/* Raw netlink, all entries in one batch. */
static double
base_raw_batch(uint32_t n)
{
	struct xfrm_nl *x;
	struct spd_entry en;
	double t0;
	uint32_t i;
	int rc;

	if (xfrm_open(&x) != 0)
		return -1;
	t0 = now_us();
	for (i = 0; i < n; i++) {
		entry_for(&en, i);
		(void)xfrm_queue_add(x, &en, 0);
	}
	rc = xfrm_commit(x, NULL);
	t0 = now_us() - t0;
	for (i = 0; i < n; i++) {
		entry_for(&en, i);
		(void)xfrm_queue_del(x, &en.key);
	}
	(void)xfrm_commit(x, NULL);
	xfrm_close(x);
	return rc == 0 ? t0 : -1;
}

/* libnl-xfrm: xfrmnl_sp_add, one round trip per entry. */
static double
base_libnl(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_addr *src, *dst;
	double t0, total = 0;
	uint32_t i, d;
	int rc = 0;

	if (sk == NULL || nl_connect(sk, NETLINK_XFRM) != 0)
		return -1;
	for (i = 0; i < NBASE && rc == 0; i++) {
		struct xfrmnl_sp *sp = xfrmnl_sp_alloc();
		struct xfrmnl_sel *sel = xfrmnl_sel_alloc();
		struct xfrmnl_ltime_cfg *lt = xfrmnl_ltime_cfg_alloc();

		t0 = now_us();
		d = htonl(0xac300000 + i);
		src = nl_addr_build(AF_INET, &(uint32_t){ htonl(0xc0a80701) }, 4);
		dst = nl_addr_build(AF_INET, &d, 4);
		nl_addr_set_prefixlen(src, 32);
		nl_addr_set_prefixlen(dst, 32);
		xfrmnl_sel_set_family(sel, AF_INET);
		xfrmnl_sel_set_saddr(sel, src);
		xfrmnl_sel_set_daddr(sel, dst);
		xfrmnl_sel_set_prefixlen_s(sel, 32);
		xfrmnl_sel_set_prefixlen_d(sel, 32);
		xfrmnl_sel_set_proto(sel, IPPROTO_TCP);
		xfrmnl_sel_set_sport(sel, 1000 + i);
		xfrmnl_sel_set_sportmask(sel, 0xffff);
		xfrmnl_sel_set_dport(sel, 443);
		xfrmnl_sel_set_dportmask(sel, 0xffff);
		xfrmnl_sp_set_sel(sp, sel);
		xfrmnl_ltime_cfg_set_soft_bytelimit(lt, XFRM_INF);
		xfrmnl_ltime_cfg_set_hard_bytelimit(lt, XFRM_INF);
		xfrmnl_ltime_cfg_set_soft_packetlimit(lt, XFRM_INF);
		xfrmnl_ltime_cfg_set_hard_packetlimit(lt, XFRM_INF);
		xfrmnl_sp_set_lifetime_cfg(sp, lt);
		xfrmnl_sp_set_dir(sp, XFRM_POLICY_OUT);
		xfrmnl_sp_set_action(sp, XFRM_POLICY_ALLOW);
		xfrmnl_sp_set_priority(sp, 7);
		rc = xfrmnl_sp_add(sk, sp, 0);
		total += now_us() - t0;
		nl_addr_put(src);
		nl_addr_put(dst);
		xfrmnl_sel_put(sel);
		xfrmnl_ltime_cfg_put(lt);
		xfrmnl_sp_put(sp);
	}
	nl_socket_free(sk);
	(void)system("ip xfrm policy flush");
	return rc == 0 ? total : -1;
}

/* `ip xfrm policy add`, one process per entry. */
static double
base_ip(void)
{
	char cmd[256];
	double t0 = now_us();
	int i;

	for (i = 0; i < NIP; i++) {
		snprintf(cmd, sizeof(cmd), "ip xfrm policy add src 192.168.9.1/32 "
		    "dst 172.18.%d.%d/32 proto tcp sport %d dport 443 dir out "
		    "priority 7", i / 250, i % 250, 1000 + i);
		if (system(cmd) != 0)
			return -1;
	}
	t0 = now_us() - t0;
	(void)system("ip xfrm policy flush");
	return t0;
}

int
main(void)
{
	struct conf cfg;
	struct engine *e;
	double *lat, p50, t, t_set, t_rec, t_close, raw1, rawb, nl, ip;
	long rss0, rss1;

	if (unshare(CLONE_NEWNET) != 0) {
		printf("bench_engine: skipped (needs root for a private network "
		    "namespace: %s)\n", strerror(errno));
		return 0;
	}
	log_init("bench_engine", 1, 0);
	conf_defaults(&cfg);
	if (engine_new(&cfg, &e) != 0 || engine_start(e) != 0)
		return 1;
	if ((lat = calloc(NSOCK, sizeof(*lat))) == NULL)
		return 1;
	if (engine_set_policy(e, "bench", load_policy()) != 0)
		return 1;

	/* one event at a time: connect, 2 entries each */
	rss0 = rss_kb();
	t = feed(e, SOCK_CONNECT, NSOCK, lat);
	rss1 = rss_kb();
	qsort(lat, NSOCK, sizeof(*lat), cmp_double);
	p50 = lat[NSOCK / 2];
	printf("connect event -> 2 entries in the kernel: p50 %.1f us, p99 %.1f us "
	    "(target p50 <= 20 us)\n", lat[NSOCK / 2], lat[NSOCK * 99 / 100]);
	printf("one event at a time: %.0f entries/s (%d sockets in %.3f s)\n",
	    2 * NSOCK / (t / 1e6), NSOCK, t / 1e6);
	printf("memory: %.0f bytes per live socket (RSS %ld -> %ld kB)\n",
	    (rss1 - rss0) * 1024.0 / NSOCK, rss0, rss1);

	pthread_mutex_lock(&e->lock);
	t_rec = now_us();
	if (reconcile_full(e) != 0)
		return 1;
	t_rec = now_us() - t_rec;
	pthread_mutex_unlock(&e->lock);
	printf("full reconcile, %d sockets in sync (dump + diff): %.1f ms\n",
	    NSOCK, t_rec / 1e3);

	/* 10,000 live sockets from scratch: drop the policy (entries go),
	 * load it again: one all-or-nothing batch of 20,000 entries. */
	if (engine_remove_policy(e, "bench") != 0)
		return 1;
	t_set = now_us();
	if (engine_set_policy(e, "bench", load_policy()) != 0)
		return 1;
	t_set = now_us() - t_set;
	printf("policy load re-translating %d live sockets (%d entries, one batch): "
	    "%.1f ms (target < 1000 ms) = %.0f entries/s\n", NSOCK, 2 * NSOCK,
	    t_set / 1e3, 2 * NSOCK / (t_set / 1e6));
	t_close = feed(e, SOCK_CLOSE, NSOCK, lat);
	qsort(lat, NSOCK, sizeof(*lat), cmp_double);
	printf("close event -> entries gone: p50 %.1f us, p99 %.1f us (%.3f s total)\n",
	    lat[NSOCK / 2], lat[NSOCK * 99 / 100], t_close / 1e6);
	t = feed_bursts(e, SOCK_CONNECT, NSOCK, 64);
	printf("connect events in bursts of 64: %.2f us/event, %.0f entries/s "
	    "(%.1fx one event at a time)\n", t / NSOCK, 2 * NSOCK / (t / 1e6),
	    p50 / (t / NSOCK));
	t = feed_bursts(e, SOCK_CLOSE, NSOCK, 64);
	printf("close events in bursts of 64: %.2f us/event\n", t / NSOCK);
	engine_stop(e);
	engine_free(e);

	raw1 = base_raw_single();
	rawb = base_raw_batch(2 * NSOCK);
	nl = base_libnl();
	ip = base_ip();
	printf("baseline raw netlink, 1 round trip per entry: %.1f us/entry\n",
	    raw1 / NBASE);
	printf("baseline raw netlink, %d entries in one batch: %.2f us/entry "
	    "(%.1fx faster than 1 per round trip)\n", 2 * NSOCK,
	    rawb / (2 * NSOCK), (raw1 / NBASE) / (rawb / (2 * NSOCK)));
	printf("baseline libnl-xfrm xfrmnl_sp_add: %.1f us/entry "
	    "(%.2fx the raw single add)\n", nl / NBASE, (nl / NBASE) / (raw1 / NBASE));
	printf("baseline ip xfrm policy add: %.0f us/entry\n", ip / NIP);
	printf("ratio: one engine event (2 entries, p50 %.1f us) is %.0fx faster "
	    "than 2 x ip xfrm policy add, %.2fx faster than 2 x libnl-xfrm add\n",
	    p50, 2 * (ip / NIP) / p50, 2 * (nl / NBASE) / p50);
	free(lat);
	conf_free(&cfg);
	return 0;
}

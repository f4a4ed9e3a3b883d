/* engine-drive: runs the engine against the kernel of the current network
 * namespace from a script of commands (stdin or a file), one per line:
 *
 *   policy NAME FILE            load a policy file (engine_set_policy)
 *   unpolicy NAME               engine_remove_policy
 *   event OP ID EXE PROTO LOCAL [PEER]
 *                               a socket event; OP listen|accept|connect|
 *                               send|recv|close, PROTO tcp|udp, addresses
 *                               1.2.3.4:80 or [fd00::1]:80; pid and fd
 *                               are made up from ID
 *   expect-fail ...             the next event/policy must fail
 *   spd | sockets NAME | status | appstatus NAME | events
 *                               print what the engine renders
 *   wait-entries N SECONDS      poll until the kernel holds N owned entries
 *   acquire SECONDS             wait for one ACQUIRE, print it
 *   bypass-check ADDR PORT      a UDP socket with xfrm_socket_bypass sends
 *                               one datagram to ADDR:PORT; prints ok
 *   inject|uninject DIR SRC/LEN SPORT DST/LEN DPORT tcp|udp
 *                               add/delete an entry with ipsecfs's tag
 *                               behind the engine's back (to make the
 *                               kernel refuse the engine's own add)
 *   stress THREADS N EXE        THREADS threads each run N connect+close
 *                               events of EXE and read spd and status,
 *                               while the engine's thread runs; the owned
 *                               entry count must come back to what it was
 *   burst connect|close N EXE [bad]
 *                               N events of EXE in one engine_socket_events
 *                               call (with bad: the middle one is not
 *                               TCP/UDP); prints failures and the netlink
 *                               batches it took
 *   reconcile                   engine_reconcile
 *   dpmark MARK MASK [PREFIX]...
 *                               engine_set_datapath: the datapath's mark
 *                               and what it steers
 *   recv-open LOCAL | recv-check SECONDS
 *                               a UDP socket bound to LOCAL; whether a
 *                               datagram arrived within SECONDS
 *   lookup in|out tcp|udp SRC DST
 *                               engine_flow_lookup for one packet
 *   check-datapath              status's kernel_esp agrees with whether
 *                               `ip xfrm state add ... proto esp` works
 *   sh COMMAND                  run a shell command here
 *   restart                     engine_stop + engine_free + engine_new
 *   quit                        stop without removing (as a crash would)
 *
 * Options: -c CONFIG (ipsecfs.conf; default: built-in defaults),
 * -t UDP_TTL seconds, -k keep_policies, -T tunnel mode,
 * -q quiet (no echo of commands). Exits 1 on the first failed command. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/events.h"
#include "engine/log.h"
#include "engine/xfrm.h"
#include "engine/xfrm_sa.h"

static struct conf cfg;
static struct engine *eng;
static bool expect_fail;
static uint64_t ev_seq;

static int
die(const char *what)
{
	fprintf(stderr, "engine-drive: %s\n", what);
	return -1;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		if (f)
			fclose(f);
		return NULL;
	}
	rewind(f);
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int
cmd_policy(char *name, char *file)
{
	struct policy_error err;
	struct policy *p;
	size_t len;
	char *text;
	int rc;

	if (name == NULL || file == NULL)
		return die("policy NAME FILE");
	if ((text = read_file(file, &len)) == NULL)
		return die("cannot read policy file");
	p = policy_parse(text, len, &err);
	free(text);
	if (p == NULL) {
		fprintf(stderr, "%s:%d:%d: %s\n", file, err.line, err.col, err.msg);
		return -1;
	}
	rc = engine_set_policy(eng, name, p);
	if (rc != 0)
		fprintf(stderr, "policy %s: %s\n", name, strerror(-rc));
	return rc;
}

/* "1.2.3.4:80", "[fd00::1]:80" */
static int
parse_ep(const char *s, struct sockaddr_storage *ss)
{
	char buf[128], *colon, *host = buf;
	struct ipaddr a;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((colon = strrchr(buf, ':')) == NULL)
		return -1;
	*colon = '\0';
	if (*host == '[') {
		host++;
		if (colon[-1] != ']')
			return -1;
		colon[-1] = '\0';
	}
	if (ipaddr_parse(host, &a) != 0)
		return -1;
	ipaddr_to_sockaddr(&a, atoi(colon + 1), ss);
	return 0;
}

static int
parse_op(const char *s, enum sock_op *op)
{
	static const char *names[] = { "listen", "accept", "connect", "send",
	    "recv", "close" };
	int i;

	for (i = 0; i <= SOCK_CLOSE; i++) {
		if (strcmp(s, names[i]) == 0) {
			*op = i;
			return 0;
		}
	}
	return -1;
}

static int
cmd_event(char **f, int n)
{
	struct sock_event ev;
	char why[256];
	int rc;

	if (n < 6)
		return die("event OP ID EXE PROTO LOCAL [PEER]");
	memset(&ev, 0, sizeof(ev));
	if (parse_op(f[1], &ev.op) != 0)
		return die("bad operation");
	ev.sock_id = strtoull(f[2], NULL, 10);
	ev.pid = 1000 + (pid_t)(ev.sock_id % 1000);
	ev.fd = 3 + (int)(ev.sock_id % 100);
	ev.exe = f[3];
	ev.proto = strcmp(f[4], "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	if (parse_ep(f[5], &ev.local) != 0 ||
	    (n > 6 && parse_ep(f[6], &ev.peer) != 0))
		return die("bad address");
	ev.family = ev.local.ss_family;
	rc = engine_socket_event(eng, &ev, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr, "event: %s (%s)\n", strerror(-rc), why);
	return rc;
}

static void
print_sb(struct strbuf *sb)
{
	if (sb->buf != NULL)
		fputs(sb->buf, stdout);
	strbuf_free(sb);
	fflush(stdout);
}

static size_t
count_owned(void)
{
	struct spd_vec v = { 0 };
	struct xfrm_nl *x;
	size_t n = (size_t)-1;

	if (xfrm_open(&x) != 0)
		return n;
	if (xfrm_dump_owned(x, &v) == 0)
		n = v.n;
	spd_vec_free(&v);
	xfrm_close(x);
	return n;
}

static int
cmd_wait_entries(const char *want, const char *secs)
{
	size_t n = strtoul(want, NULL, 10), got = 0;
	int i, tries = atoi(secs) * 50;

	for (i = 0; i <= tries; i++) {
		if ((got = count_owned()) == n)
			return 0;
		usleep(20000);
	}
	fprintf(stderr, "wait-entries: %zu owned entries, wanted %zu\n", got, n);
	return -1;
}

static void
on_sa_event(const struct xfrm_sa_event *ev, void *arg)
{
	char s[IPADDR_STRLEN], d[IPADDR_STRLEN];
	int *seen = arg;

	if (ev->type != XFRM_EV_ACQUIRE)
		return;
	printf("acquire src=%s dst=%s sport=%d dport=%d proto=%d owned=%s "
	    "protection=%s level=%s mode=%s\n",
	    ipaddr_str(&ev->sel.src, s, sizeof(s)),
	    ipaddr_str(&ev->sel.dst, d, sizeof(d)), ev->sel.sport,
	    ev->sel.dport, ev->sel.proto, ev->owned ? "yes" : "no",
	    ev->auth_only ? "authentication" : "encryption",
	    ev->optional ? "use" : "required", ev->tunnel ? "tunnel" : "transport");
	fflush(stdout);
	(*seen)++;
}

/* Subscribes, then sends one UDP datagram to addr:port so that an owned
 * protect entry fires, and waits for the ACQUIRE. */
static int
cmd_acquire(char **f, int n)
{
	struct sockaddr_storage local, peer;
	struct xfrm_mon *m;
	struct pollfd pfd;
	int seen = 0, fd, rc, i;

	if (n < 4 || parse_ep(f[1], &local) != 0 || parse_ep(f[2], &peer) != 0)
		return die("acquire LOCAL PEER SECONDS");
	if ((rc = xfrm_mon_open(&m, on_sa_event, &seen)) != 0)
		return die("xfrm_mon_open");
	fd = socket(local.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0) {
		xfrm_mon_close(m);
		return die("acquire: bind");
	}
	(void)sendto(fd, "x", 1, 0, (struct sockaddr *)&peer, sizeof(peer));
	pfd.fd = xfrm_mon_fd(m);
	pfd.events = POLLIN;
	for (i = 0; i < atoi(f[3]) * 10 && seen == 0; i++)
		if (poll(&pfd, 1, 100) > 0)
			(void)xfrm_mon_dispatch(m);
	close(fd);
	xfrm_mon_close(m);
	return seen > 0 ? 0 : die("no ACQUIRE");
}

/* A bypassed UDP socket sends where an owned block entry would drop. */
static int
cmd_bypass(char **f, int n)
{
	struct sockaddr_storage local, peer;
	int fd, ok;

	if (n < 3 || parse_ep(f[1], &local) != 0 || parse_ep(f[2], &peer) != 0)
		return die("bypass-check LOCAL PEER");
	fd = socket(local.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		return die("bypass-check: bind");
	if (n > 3 && strcmp(f[3], "bypass") == 0 &&
	    xfrm_socket_bypass(fd, local.ss_family) != 0) {
		close(fd);
		return die("xfrm_socket_bypass");
	}
	ok = sendto(fd, "x", 1, 0, (struct sockaddr *)&peer, sizeof(peer)) == 1;
	printf("send %s\n", ok ? "ok" : strerror(errno));
	fflush(stdout);
	close(fd);
	return 0;
}

static int
parse_prefix(const char *s, struct ipaddr *a, uint8_t *len)
{
	struct prefix p;

	if (prefix_parse(s, &p) != 0)
		return -1;
	*a = p.addr;
	*len = (uint8_t)p.len;
	return 0;
}

static int
cmd_inject(char **f, int n, bool add)
{
	struct spd_entry en;
	struct xfrm_nl *x;
	int rc;

	if (n < 7)
		return die("inject DIR SRC/LEN SPORT DST/LEN DPORT PROTO");
	memset(&en, 0, sizeof(en));
	en.key.dir = strcmp(f[1], "in") == 0 ? SPD_IN : SPD_OUT;
	if (parse_prefix(f[2], &en.key.sel.src, &en.key.sel.slen) != 0 ||
	    parse_prefix(f[4], &en.key.sel.dst, &en.key.sel.dlen) != 0)
		return die("bad prefix");
	en.key.sel.family = en.key.sel.src.family;
	en.key.sel.sport = (uint16_t)atoi(f[3]);
	en.key.sel.dport = (uint16_t)atoi(f[5]);
	en.key.sel.proto = strcmp(f[6], "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	en.action = SPD_ALLOW;
	en.priority = SPD_PRIO_BASE + 1;
	if (xfrm_open(&x) != 0)
		return die("xfrm_open");
	rc = add ? xfrm_queue_add(x, &en, 0) : xfrm_queue_del(x, &en.key);
	if (rc == 0)
		rc = xfrm_commit(x, NULL);
	xfrm_close(x);
	return rc == 0 ? 0 : die("inject: the kernel refused");
}

struct stress_arg {
	int		 t, n;
	const char	*exe;
	int		 failed;
};

static void *
stress_main(void *arg)
{
	struct stress_arg *a = arg;
	struct sock_event ev;
	struct sockaddr_in *l = (struct sockaddr_in *)&ev.local;
	struct sockaddr_in *r = (struct sockaddr_in *)&ev.peer;
	struct strbuf sb = STRBUF_INIT;
	char why[128];
	int i;

	for (i = 0; i < a->n; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.op = SOCK_CONNECT;
		ev.sock_id = 1000000 + (uint64_t)a->t * a->n + i;
		ev.pid = 5000 + a->t;
		ev.fd = i;
		ev.exe = a->exe;
		ev.family = AF_INET;
		ev.proto = IPPROTO_TCP;
		l->sin_family = r->sin_family = AF_INET;
		l->sin_addr.s_addr = htonl(0xc0a86400 + a->t);
		l->sin_port = htons(10000 + i);
		r->sin_addr.s_addr = htonl(0xac1f0000 + i);
		r->sin_port = htons(21);
		a->failed += engine_socket_event(eng, &ev, why, sizeof(why)) != 0;
		if (i % 50 == 0) {
			engine_render_spd(eng, &sb);
			engine_render_status(eng, &sb);
			strbuf_reset(&sb);
		}
		ev.op = SOCK_CLOSE;
		a->failed += engine_socket_event(eng, &ev, why, sizeof(why)) != 0;
	}
	strbuf_free(&sb);
	return NULL;
}

static int
cmd_stress(char **f, int n)
{
	struct stress_arg args[8];
	pthread_t th[8];
	size_t before;
	int i, nt, failed = 0;

	if (n < 4 || (nt = atoi(f[1])) < 1 || nt > 8)
		return die("stress THREADS(1-8) N EXE");
	before = count_owned();
	for (i = 0; i < nt; i++) {
		args[i] = (struct stress_arg){ .t = i, .n = atoi(f[2]), .exe = f[3] };
		if (pthread_create(&th[i], NULL, stress_main, &args[i]) != 0)
			return die("pthread_create");
	}
	for (i = 0; i < nt; i++) {
		pthread_join(th[i], NULL);
		failed += args[i].failed;
	}
	printf("stress failed=%d owned_before=%zu owned_after=%zu\n", failed,
	    before, count_owned());
	fflush(stdout);
	return failed == 0 && count_owned() == before ? 0 : -1;
}

static unsigned long long
batches(void)
{
	struct strbuf sb = STRBUF_INIT;
	unsigned long long n = 0;
	char *p;

	engine_render_status(eng, &sb);
	if (sb.buf != NULL && (p = strstr(sb.buf, "netlink_batches=")) != NULL)
		n = strtoull(p + strlen("netlink_batches="), NULL, 10);
	strbuf_free(&sb);
	return n;
}

static int
cmd_burst(char **f, int n)
{
	struct sock_event *evs;
	int *res, i, count, failed, want;
	unsigned long long b0;
	bool bad;

	if (n < 4 || (count = atoi(f[2])) < 1 || count > 100000)
		return die("burst connect|close N EXE [bad]");
	bad = n > 4 && strcmp(f[4], "bad") == 0;
	evs = calloc(count, sizeof(*evs));
	res = calloc(count, sizeof(*res));
	if (evs == NULL || res == NULL)
		return die("out of memory");
	for (i = 0; i < count; i++) {
		struct sock_event *ev = &evs[i];
		struct sockaddr_in *l = (struct sockaddr_in *)&ev->local;
		struct sockaddr_in *r = (struct sockaddr_in *)&ev->peer;

		ev->op = strcmp(f[1], "close") == 0 ? SOCK_CLOSE : SOCK_CONNECT;
		ev->sock_id = 2000000 + i;
		ev->pid = 7000;
		ev->fd = i;
		ev->exe = f[3];
		ev->family = AF_INET;
		ev->proto = bad && i == count / 2 ? IPPROTO_SCTP : IPPROTO_TCP;
		l->sin_family = r->sin_family = AF_INET;
		l->sin_addr.s_addr = htonl(0xc0a86500);
		l->sin_port = htons(10000 + i);
		r->sin_addr.s_addr = htonl(0xac1e0000 + i);
		r->sin_port = htons(21);
	}
	b0 = batches();
	failed = engine_socket_events(eng, evs, count, res);
	for (i = 0, want = 0; i < count; i++)
		want += res[i] != 0;
	printf("burst events=%d failed=%d batches=%llu\n", count, failed,
	    batches() - b0);
	fflush(stdout);
	free(evs);
	free(res);
	return want == failed ? 0 : -1;
}

static int
cmd_dpmark(char **f, int n)
{
	struct prefix steer[8];
	int i;

	for (i = 3; i < n && i - 3 < 8; i++)
		if (prefix_parse(f[i], &steer[i - 3]) != 0)
			return die("dpmark: bad prefix");
	return engine_set_datapath(eng, strtoul(f[1], NULL, 0),
	    strtoul(f[2], NULL, 0), steer, (size_t)(i - 3));
}

static int
cmd_lookup(char **f, int n)
{
	struct sockaddr_storage a, b;
	struct ipaddr src, dst;
	struct engine_flow fl;
	int sport, dport;

	if (n < 5 || parse_ep(f[3], &a) != 0 || parse_ep(f[4], &b) != 0)
		return die("lookup in|out tcp|udp SRC DST");
	(void)ipaddr_from_sockaddr(&src, &sport, (struct sockaddr *)&a);
	(void)ipaddr_from_sockaddr(&dst, &dport, (struct sockaddr *)&b);
	if (!engine_flow_lookup(eng, strcmp(f[1], "out") == 0,
	    strcmp(f[2], "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP,
	    &src, sport, &dst, dport, &fl)) {
		printf("flow none\n");
	} else if (fl.action != FLOW_PROTECT) {
		printf("flow %s app=%s sock=%llu\n",
		    fl.action == FLOW_ALLOW ? "allow" : "block", fl.app,
		    (unsigned long long)fl.sock_id);
	} else {
		printf("flow protect %s %s app=%s sock=%llu\n",
		    fl.type == PROT_AUTHENTICATION ? "authentication" : "encryption",
		    fl.level == LEVEL_MANDATORY ? "required" : "use", fl.app,
		    (unsigned long long)fl.sock_id);
	}
	fflush(stdout);
	return 0;
}

static int recv_fd = -1;

static int
cmd_recv_open(char **f, int n)
{
	struct sockaddr_storage local;

	if (n < 2 || parse_ep(f[1], &local) != 0)
		return die("recv-open LOCAL");
	if (recv_fd >= 0)
		close(recv_fd);
	recv_fd = socket(local.ss_family, SOCK_DGRAM, 0);
	if (recv_fd < 0 ||
	    bind(recv_fd, (struct sockaddr *)&local, sizeof(local)) < 0)
		return die("recv-open: bind");
	return 0;
}

static int
cmd_recv_check(char **f, int n)
{
	struct pollfd pfd = { .fd = recv_fd, .events = POLLIN };
	char buf[64];
	bool got;

	if (n < 2 || recv_fd < 0)
		return die("recv-check SECONDS (after recv-open)");
	got = poll(&pfd, 1, atoi(f[1]) * 1000) > 0 &&
	    recv(recv_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0;
	printf("recv %s\n", got ? "ok" : "none");
	fflush(stdout);
	return 0;
}

static int
cmd_check_datapath(void)
{
	struct strbuf sb = STRBUF_INIT;
	bool says, can;
	int rc;

	engine_render_status(eng, &sb);
	says = sb.buf != NULL && strstr(sb.buf, "kernel_esp=yes") != NULL;
	strbuf_free(&sb);
	rc = system("ip xfrm state add src 192.0.2.7 dst 192.0.2.8 proto esp "
	    "spi 0x4242 mode transport aead 'rfc4106(gcm(aes))' "
	    "0x0102030405060708090a0b0c0d0e0f1011121314 128 2>/dev/null");
	can = rc == 0;
	if (can)
		(void)system("ip xfrm state delete src 192.0.2.7 dst 192.0.2.8 "
		    "proto esp spi 0x4242");
	printf("kernel_esp %s, ip xfrm state add %s\n", says ? "yes" : "no",
	    can ? "works" : "fails");
	return says == can ? 0 : -1;
}

static int
start(void)
{
	int rc;

	if ((rc = engine_new(&cfg, &eng)) != 0 || (rc = engine_start(eng)) != 0) {
		fprintf(stderr, "engine: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static void
cmd_events(void)
{
	char buf[EVENTS_LINE * 8];
	size_t n;

	while ((n = events_read(&ev_seq, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		fputs(buf, stdout);
	}
	fflush(stdout);
}

static int
run(char **f, int n)
{
	struct strbuf sb = STRBUF_INIT;

	if (strcmp(f[0], "policy") == 0)
		return cmd_policy(n > 1 ? f[1] : NULL, n > 2 ? f[2] : NULL);
	if (strcmp(f[0], "unpolicy") == 0 && n > 1)
		return engine_remove_policy(eng, f[1]);
	if (strcmp(f[0], "event") == 0)
		return cmd_event(f, n);
	if (strcmp(f[0], "spd") == 0)
		engine_render_spd(eng, &sb);
	else if (strcmp(f[0], "sockets") == 0 && n > 1)
		engine_render_sockets(eng, f[1], &sb);
	else if (strcmp(f[0], "status") == 0)
		engine_render_status(eng, &sb);
	else if (strcmp(f[0], "appstatus") == 0 && n > 1)
		engine_render_app_status(eng, f[1], &sb);
	else if (strcmp(f[0], "events") == 0)
		cmd_events();
	else if (strcmp(f[0], "wait-entries") == 0 && n > 2)
		return cmd_wait_entries(f[1], f[2]);
	else if (strcmp(f[0], "acquire") == 0)
		return cmd_acquire(f, n);
	else if (strcmp(f[0], "bypass-check") == 0)
		return cmd_bypass(f, n);
	else if (strcmp(f[0], "inject") == 0 || strcmp(f[0], "uninject") == 0)
		return cmd_inject(f, n, f[0][0] == 'i');
	else if (strcmp(f[0], "stress") == 0)
		return cmd_stress(f, n);
	else if (strcmp(f[0], "lookup") == 0)
		return cmd_lookup(f, n);
	else if (strcmp(f[0], "dpmark") == 0 && n > 2)
		return cmd_dpmark(f, n);
	else if (strcmp(f[0], "recv-open") == 0)
		return cmd_recv_open(f, n);
	else if (strcmp(f[0], "recv-check") == 0)
		return cmd_recv_check(f, n);
	else if (strcmp(f[0], "reconcile") == 0)
		return engine_reconcile(eng);
	else if (strcmp(f[0], "burst") == 0)
		return cmd_burst(f, n);
	else if (strcmp(f[0], "check-datapath") == 0)
		return cmd_check_datapath();
	else if (strcmp(f[0], "restart") == 0) {
		engine_stop(eng);
		engine_free(eng);
		return start();
	} else
		return die("unknown command");
	print_sb(&sb);
	return 0;
}

int
main(int argc, char **argv)
{
	char line[1024], *f[16], *save, *tok;
	FILE *in = stdin;
	bool quiet = false;
	int c, n, rc, lineno = 0;

	char err[512];

	conf_defaults(&cfg);
	while ((c = getopt(argc, argv, "c:t:kTq")) != -1) {
		switch (c) {
		case 'c':
			conf_free(&cfg);
			if (conf_load(&cfg, optarg, err, sizeof(err)) != 0) {
				fprintf(stderr, "%s\n", err);
				return 2;
			}
			break;
		case 't': cfg.udp_ttl = (unsigned)atoi(optarg); break;
		case 'k': cfg.keep_policies = true; break;
		case 'T': cfg.ike.mode = MODE_TUNNEL; break;
		case 'q': quiet = true; break;
		default: return 2;
		}
	}
	if (optind < argc && (in = fopen(argv[optind], "r")) == NULL)
		return die("cannot open script") ? 2 : 2;
	log_init("engine-drive", 1, 0);
	if (start() != 0)
		return 1;
	while (fgets(line, sizeof(line), in) != NULL) {
		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		if (!quiet) {
			printf("> %s\n", line);
			fflush(stdout);
		}
		if (strncmp(line, "sh ", 3) == 0) {
			rc = system(line + 3) == 0 ? 0 : -1;
		} else if (strcmp(line, "quit") == 0) {
			_exit(0);	/* like a crash: entries stay */
		} else {
			n = 0;
			for (tok = strtok_r(line, " \t", &save); tok && n < 16;
			    tok = strtok_r(NULL, " \t", &save))
				f[n++] = tok;
			if (strcmp(f[0], "expect-fail") == 0) {
				expect_fail = true;
				continue;
			}
			rc = run(f, n);
		}
		if ((rc != 0) != expect_fail) {
			fprintf(stderr, "engine-drive: line %d failed\n", lineno);
			return 1;
		}
		expect_fail = false;
	}
	engine_stop(eng);
	engine_free(eng);
	conf_free(&cfg);
	return 0;
}

/* What tracing costs a program: the same worker runs untraced, under a
 * bare tracer (our filter, and a thread that only resumes each stop: what
 * the kernel's ptrace stop costs by itself on this machine, the floor of
 * any ptrace monitor), traced with a hook that does nothing, and traced
 * with the daemon's real hook (the engine translating the event and
 * installing its SPD entries in the kernel's XFRM), rounds alternating,
 * in this run and in a private network namespace of its own:
 *   - connect latency to a loopback listener: p50/p99, and what the monitor
 *     adds (connect and close are traced; only connect is timed);
 *   - non-socket syscalls (getpid, read of /dev/zero): time per call,
 *     traced / untraced.
 * The traced workers run from copies of this program at paths of their
 * own, and those paths are the only ones the hooks match: nothing else on
 * the machine is ever traced. Needs root; skips otherwise. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/conf.h"
#include "engine/engine.h"
#include "engine/log.h"
#include "engine/policy.h"
#include "engine/strbuf.h"
#include "monitor/monitor.h"
#include "monitor/tracer.h"	/* filter_prog, pin_to_cpu, MONITOR_NICE */

#define ROUNDS		10	/* untraced and traced rounds alternate */
#define NCONNECT	200	/* per round */
#define NGETPID		200000
#define NREAD		100000

/* What a worker sends back after each round. */
struct round {
	double	lat[NCONNECT];	/* connect, µs */
	double	getpid_ns, read_ns;
};

enum mode { UNTRACED, FLOOR, NOOP, ENGINE, NMODES };
static const char *mode_name[NMODES] = { "untraced", "bare ptrace",
    "no-op hook", "engine hook" };

/* The traced workers: copies of this program, the only matches. The
 * engine's policy names them by their base name. */
static char dir[64], worker_exe[NMODES][160];
static unsigned long nevents;
static struct engine *eng;

static const char policy_text[] =
    "application bench_worker {\n"
    "  network 127.0.0.0/8 protected P;\n"
    "  protection P { localport=any remoteport=any encryption optional; }\n"
    "}\n";

static bool
app_for_exe(void *arg, const char *exe, char *app, size_t len)
{
	(void)arg;
	snprintf(app, len, "bench_worker");
	return strcmp(exe, worker_exe[NOOP]) == 0 ||
	    strcmp(exe, worker_exe[ENGINE]) == 0;
}

static int
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0700)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	close(in);
	if (close(out) < 0 || n < 0) {
		unlink(to);
		return -1;
	}
	return 0;
}

static void
remove_copies(void)
{
	unlink(worker_exe[NOOP]);
	unlink(worker_exe[ENGINE]);
	snprintf(worker_exe[NOOP], sizeof(worker_exe[NOOP]), "%s/noop", dir);
	snprintf(worker_exe[ENGINE], sizeof(worker_exe[ENGINE]), "%s/engine", dir);
	rmdir(worker_exe[NOOP]);
	rmdir(worker_exe[ENGINE]);
	rmdir(dir);
}

static int
copy_self(void)
{
	char d[128];
	int k;

	snprintf(dir, sizeof(dir), "/tmp/bench_monitor.%d", (int)getpid());
	snprintf(worker_exe[UNTRACED], sizeof(worker_exe[0]), "/proc/self/exe");
	snprintf(worker_exe[FLOOR], sizeof(worker_exe[0]), "/proc/self/exe");
	if (mkdir(dir, 0700) < 0)
		return -1;
	for (k = NOOP; k <= ENGINE; k++) {
		snprintf(d, sizeof(d), "%s/%s", dir, k == NOOP ? "noop" : "engine");
		snprintf(worker_exe[k], sizeof(worker_exe[k]), "%s/bench_worker", d);
		if (mkdir(d, 0700) < 0 || copy_file("/proc/self/exe",
		    worker_exe[k]) < 0) {
			remove_copies();
			return -1;
		}
	}
	return 0;
}

static int
event(void *arg, const struct sock_event *ev, char *why, size_t whylen)
{
	(void)arg;
	__atomic_add_fetch(&nevents, 1, __ATOMIC_RELAXED);
	if (strcmp(ev->exe, worker_exe[ENGINE]) != 0)
		return 0;
	return engine_socket_event(eng, ev, why, whylen);
}

/* The engine in this namespace, with the workers' policy. */
static int
engine_up(void)
{
	struct policy_error err;
	struct policy *p;
	static struct conf cfg;		/* the engine keeps a pointer */

	conf_defaults(&cfg);
	if (engine_new(&cfg, &eng) != 0 || engine_start(eng) != 0)
		return -1;
	if ((p = policy_parse(policy_text, strlen(policy_text), &err)) == NULL) {
		fprintf(stderr, "policy: %d:%d: %s\n", err.line, err.col, err.msg);
		return -1;
	}
	return engine_set_policy(eng, "bench_worker", p);
}

static int
loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
full_write(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int
full_read(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

/* The worker: one round per byte on stdin. Under the bare tracer it
 * puts our filter in itself, once told it is seized. */
static int
worker(int port, bool floor)
{
	static struct round r;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	double t0;
	char c;
	int i, fd, z;

	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((z = open("/dev/zero", O_RDONLY)) < 0)
		return 1;
	if (floor && (read(0, &c, 1) != 1 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter_prog()) != 0))
		return 1;
	while (read(0, &c, 1) == 1) {
		for (i = 0; i < NCONNECT; i++) {
			if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
				return 1;
			t0 = now_ns();
			if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0)
				return 1;
			r.lat[i] = (now_ns() - t0) / 1e3;
			close(fd);
		}
		t0 = now_ns();
		for (i = 0; i < NGETPID; i++)
			syscall(SYS_getpid);
		r.getpid_ns = (now_ns() - t0) / NGETPID;
		t0 = now_ns();
		for (i = 0; i < NREAD; i++)
			if (read(z, &c, 1) != 1)
				return 1;
		r.read_ns = (now_ns() - t0) / NREAD;
		if (full_write(1, &r, sizeof(r)) < 0)
			return 1;
	}
	return 0;
}

static void *
acceptor(void *arg)
{
	int lfd = *(int *)arg, fd;

	while ((fd = accept(lfd, NULL, NULL)) >= 0)
		close(fd);
	return NULL;
}

static bool
attached(struct monitor *m, pid_t pid)
{
	struct strbuf sb = STRBUF_INIT;
	char want[64];
	const char *line, *on;
	bool yes;

	snprintf(want, sizeof(want), "traced pid=%d ", (int)pid);
	monitor_render_status(m, &sb);
	yes = sb.buf != NULL && (line = strstr(sb.buf, want)) != NULL &&
	    (on = strstr(line, "filter=on")) != NULL &&
	    on < line + strcspn(line, "\n");
	strbuf_free(&sb);
	return yes;
}

struct worker {
	pid_t	pid;
	int	in, out;
	pthread_t floor;	/* its bare tracer */
	int	seized;		/* 1 seized, -1 failed */
	int	status;		/* as the bare tracer reaped it */
};

/* The bare tracer: resumes every stop at once, on the CPU and at the
 * priority of our tracer; reaps the worker at its end. */
static void *
bare_tracer(void *arg)
{
	struct worker *w = arg;
	int st, sig;

	pin_to_cpu(monitor_cpu());
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), MONITOR_NICE);
	if (ptrace(PTRACE_SEIZE, w->pid, 0, PTRACE_O_TRACESECCOMP |
	    PTRACE_O_EXITKILL) != 0 || write(w->in, "s", 1) != 1) {
		__atomic_store_n(&w->seized, -1, __ATOMIC_RELEASE);
		return NULL;
	}
	__atomic_store_n(&w->seized, 1, __ATOMIC_RELEASE);
	while (waitpid(w->pid, &st, __WALL) == w->pid) {
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			w->status = st;
			break;
		}
		sig = WSTOPSIG(st);
		ptrace(PTRACE_CONT, w->pid, 0,
		    (st >> 16) == 0 && sig != SIGTRAP ? sig : 0);
	}
	return NULL;
}

static int
start_bare(struct worker *w)
{
	int i;

	w->status = -1;
	if (pthread_create(&w->floor, NULL, bare_tracer, w) != 0)
		return -1;
	for (i = 0; i < 5000 && __atomic_load_n(&w->seized,
	    __ATOMIC_ACQUIRE) == 0; i++)
		usleep(1000);
	return w->seized == 1 ? 0 : -1;
}

static int
start_worker(struct monitor *m, int port, enum mode mode, struct worker *w)
{
	bool traced = mode != UNTRACED;
	int in[2], out[2], i;
	char arg[16];

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	snprintf(arg, sizeof(arg), "%d", port);
	memset(w, 0, sizeof(*w));
	if ((w->pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(worker_exe[mode], "bench_monitor", "--worker", arg,
		    mode == FLOOR ? "floor" : (char *)NULL, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->in = in[1];
	w->out = out[0];
	if (w->pid < 0)
		return -1;
	if (mode == FLOOR)
		return start_bare(w);
	for (i = 0; traced && i < 200 && !attached(m, w->pid); i++) {
		monitor_rescan(m);
		usleep(20000);
	}
	return i == 200 ? -1 : 0;
}

static int
stop_worker(struct worker *w, enum mode mode)
{
	int st;

	close(w->in);
	close(w->out);
	if (mode == FLOOR) {
		if (w->seized != 1)
			return -1;
		pthread_join(w->floor, NULL);
		st = w->status;
	} else if (waitpid(w->pid, &st, 0) < 0) {
		return -1;
	}
	return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Pools of both kinds, filled round by round. */
static struct pool {
	double	lat[ROUNDS * NCONNECT];
	double	getpid_ns, read_ns;	/* best round */
} pool[NMODES];

static int
run_round(struct worker *w, struct pool *p, int k)
{
	static struct round r;

	if (write(w->in, "g", 1) != 1 || full_read(w->out, &r, sizeof(r)) < 0)
		return -1;
	memcpy(p->lat + k * NCONNECT, r.lat, sizeof(r.lat));
	if (k == 0 || r.getpid_ns < p->getpid_ns)
		p->getpid_ns = r.getpid_ns;
	if (k == 0 || r.read_ns < p->read_ns)
		p->read_ns = r.read_ns;
	return 0;
}

static double
pct(struct pool *p, int q)
{
	return p->lat[ROUNDS * NCONNECT * q / 100];
}

static void
report(void)
{
	struct pool *u = &pool[UNTRACED];
	int k;

	for (k = 0; k < NMODES; k++)
		qsort(pool[k].lat, ROUNDS * NCONNECT, sizeof(double), cmp_double);
	printf("%d rounds of %d connects per kind, rounds alternating; the engine "
	    "hook installs 2 SPD entries per connect and removes them at close\n",
	    ROUNDS, NCONNECT);
	printf("connect latency (us) %9s %12s %11s %12s  added: %-7s %-7s %-7s (target: p50 <= 50, p99 <= 250 with entries)\n",
	    mode_name[0], mode_name[1], mode_name[2], mode_name[3], "ptrace",
	    "no-op", "entries");
	for (k = 50; k <= 99; k += 49)
		printf("  p%d               %9.1f %12.1f %11.1f %12.1f         %-7.1f %-7.1f %-7.1f\n",
		    k, pct(u, k), pct(&pool[FLOOR], k), pct(&pool[NOOP], k),
		    pct(&pool[ENGINE], k), pct(&pool[FLOOR], k) - pct(u, k),
		    pct(&pool[NOOP], k) - pct(u, k),
		    pct(&pool[ENGINE], k) - pct(u, k));
	printf("non-socket syscalls, best round (ns/call)  untraced  traced  ratio (target <= 1.02)\n");
	printf("  getpid                %8.1f %8.1f %8.3f\n", u->getpid_ns,
	    pool[NOOP].getpid_ns, pool[NOOP].getpid_ns / u->getpid_ns);
	printf("  read /dev/zero        %8.1f %8.1f %8.3f\n", u->read_ns,
	    pool[NOOP].read_ns, pool[NOOP].read_ns / u->read_ns);
	printf("events reported         %lu (expected %d: a connect and a close per traced connect)\n",
	    nevents, 2 * 2 * ROUNDS * NCONNECT);
}

int
main(int argc, char **argv)
{
	struct monitor_hooks h = { app_for_exe, event, NULL, false };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct worker w[NMODES];
	struct strbuf sb = STRBUF_INIT;
	const char *avg;
	socklen_t len = sizeof(sin);
	struct monitor *m;
	pthread_t thr;
	int lfd, rc = 0, k, j;

	if (argc >= 3 && strcmp(argv[1], "--worker") == 0)
		return worker(atoi(argv[2]), argc == 4);
	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0 || loopback_up() < 0) {
		printf("bench_monitor: SKIP (needs root for a network namespace)\n");
		return 0;
	}
	log_init("bench_monitor", 1, 0);
	if (engine_up() < 0) {
		fprintf(stderr, "bench_monitor: engine failed\n");
		return 1;
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) < 0) {
		perror("listener");
		return 1;
	}
	pthread_create(&thr, NULL, acceptor, &lfd);
	if (copy_self() < 0) {
		perror("bench_monitor: copies of the worker");
		return 1;
	}
	if (monitor_start(&h, &m) < 0) {
		remove_copies();
		fprintf(stderr, "bench_monitor: monitor_start failed\n");
		return 1;
	}
	for (k = 0; k < NMODES && !rc; k++)
		rc = start_worker(m, ntohs(sin.sin_port), k, &w[k]) < 0;
	for (j = 0; !rc && j < ROUNDS; j++)
		for (k = 0; k < NMODES && !rc; k++)
			rc = run_round(&w[k], &pool[k], j) < 0;
	while (k-- > 0)
		rc |= stop_worker(&w[k], k) < 0;
	monitor_render_status(m, &sb);
	monitor_stop(m);
	remove_copies();
	engine_stop(eng);
	engine_free(eng);
	if (rc) {
		fprintf(stderr, "bench_monitor: worker failed\n");
		return 1;
	}
	report();
	if ((avg = strstr(sb.buf != NULL ? sb.buf : "", "monitor avg_")) != NULL)
		printf("%.*s", (int)(strcspn(avg, "\n") + 1), avg);
	strbuf_free(&sb);
	return 0;
}

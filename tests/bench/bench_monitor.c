/* What tracing costs a program: the same worker runs once untraced and
 * once traced by the monitor (attached by a /proc scan), in this run.
 *   - connect latency to a loopback listener: p50/p99, and what the monitor
 *     adds (two seccomp stops' worth of work: connect and close are traced;
 *     only connect is timed);
 *   - non-socket syscalls (getpid, read of /dev/zero): time per call,
 *     traced / untraced.
 * The traced worker runs from a copy of this program at a path of its own,
 * and that path is the only one the hooks match: nothing else on the
 * machine is ever traced. Needs root; skips otherwise. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/log.h"
#include "engine/strbuf.h"
#include "monitor/monitor.h"

#define ROUNDS		10	/* untraced and traced rounds alternate */
#define NCONNECT	200	/* per round */
#define NGETPID		200000
#define NREAD		100000

/* What a worker sends back after each round. */
struct round {
	double	lat[NCONNECT];	/* connect, µs */
	double	getpid_ns, read_ns;
};

static char worker_exe[64];	/* a copy of this program: the only match */
static unsigned long nevents;

static bool
app_for_exe(void *arg, const char *exe, char *app, size_t len)
{
	(void)arg;
	snprintf(app, len, "bench");
	return strcmp(exe, worker_exe) == 0;
}

static int
copy_self(void)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	snprintf(worker_exe, sizeof(worker_exe), "/tmp/bench_monitor_worker.%d",
	    (int)getpid());
	if ((in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	if ((out = open(worker_exe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0700)) < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			n = -1;
	close(in);
	if (close(out) < 0 || n < 0) {
		unlink(worker_exe);
		return -1;
	}
	return 0;
}

static int
event(void *arg, const struct sock_event *ev, char *why, size_t whylen)
{
	(void)arg; (void)ev; (void)why; (void)whylen;
	__atomic_add_fetch(&nevents, 1, __ATOMIC_RELAXED);
	return 0;
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

/* The worker: one round per byte on stdin. */
static int
worker(int port)
{
	static struct round r;
	struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = htons(port) };
	double t0;
	char c;
	int i, fd, z;

	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((z = open("/dev/zero", O_RDONLY)) < 0)
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
	bool yes;

	snprintf(want, sizeof(want), "traced pid=%d ", (int)pid);
	monitor_render_status(m, &sb);
	yes = sb.buf != NULL && strstr(sb.buf, want) != NULL &&
	    strstr(strstr(sb.buf, want), "filter=on") != NULL;
	strbuf_free(&sb);
	return yes;
}

struct worker {
	pid_t	pid;
	int	in, out;
};

static int
start_worker(struct monitor *m, int port, bool traced, struct worker *w)
{
	int in[2], out[2], i;
	char arg[16];

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	snprintf(arg, sizeof(arg), "%d", port);
	if ((w->pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(traced ? worker_exe : "/proc/self/exe", "bench_monitor",
		    "--worker", arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	w->in = in[1];
	w->out = out[0];
	if (w->pid < 0)
		return -1;
	for (i = 0; traced && i < 200 && !attached(m, w->pid); i++) {
		monitor_rescan(m);
		usleep(20000);
	}
	return i == 200 ? -1 : 0;
}

static int
stop_worker(struct worker *w)
{
	int st;

	close(w->in);
	close(w->out);
	if (waitpid(w->pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Pools of both kinds, filled round by round. */
static struct pool {
	double	lat[ROUNDS * NCONNECT];
	double	getpid_ns, read_ns;	/* best round */
} pool[2];

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
	struct pool *u = &pool[0], *t = &pool[1];

	qsort(u->lat, ROUNDS * NCONNECT, sizeof(double), cmp_double);
	qsort(t->lat, ROUNDS * NCONNECT, sizeof(double), cmp_double);
	printf("%d rounds of %d connects, untraced and traced rounds alternating\n",
	    ROUNDS, NCONNECT);
	printf("connect latency (us)    untraced   traced    added  (target added: p50 <= 50, p99 <= 250)\n");
	printf("  p50                   %8.1f %8.1f %8.1f\n", pct(u, 50), pct(t, 50), pct(t, 50) - pct(u, 50));
	printf("  p99                   %8.1f %8.1f %8.1f\n", pct(u, 99), pct(t, 99), pct(t, 99) - pct(u, 99));
	printf("non-socket syscalls, best round (ns/call) untraced traced ratio (target <= 1.02)\n");
	printf("  getpid                %8.1f %8.1f %8.3f\n", u->getpid_ns, t->getpid_ns, t->getpid_ns / u->getpid_ns);
	printf("  read /dev/zero        %8.1f %8.1f %8.3f\n", u->read_ns, t->read_ns, t->read_ns / u->read_ns);
	printf("events reported         %lu (expected %d: a connect and a close per traced connect)\n",
	    nevents, 2 * ROUNDS * NCONNECT);
}

int
main(int argc, char **argv)
{
	struct monitor_hooks h = { app_for_exe, event, NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct worker w[2];
	struct strbuf sb = STRBUF_INIT;
	const char *avg;
	socklen_t len = sizeof(sin);
	struct monitor *m;
	pthread_t thr;
	int lfd, rc, k;

	if (argc == 3 && strcmp(argv[1], "--worker") == 0)
		return worker(atoi(argv[2]));
	if (geteuid() != 0) {
		printf("bench_monitor: SKIP (needs root)\n");
		return 0;
	}
	log_init("bench_monitor", 1, 0);
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
		perror("bench_monitor: copy of the worker");
		return 1;
	}
	if (monitor_start(&h, &m) < 0) {
		unlink(worker_exe);
		fprintf(stderr, "bench_monitor: monitor_start failed\n");
		return 1;
	}
	rc = start_worker(m, ntohs(sin.sin_port), false, &w[0]) < 0 ||
	    start_worker(m, ntohs(sin.sin_port), true, &w[1]) < 0;
	for (k = 0; !rc && k < ROUNDS; k++)
		rc = run_round(&w[0], &pool[0], k) < 0 ||
		    run_round(&w[1], &pool[1], k) < 0;
	rc |= stop_worker(&w[0]) < 0;
	rc |= stop_worker(&w[1]) < 0;
	monitor_render_status(m, &sb);
	monitor_stop(m);
	unlink(worker_exe);
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

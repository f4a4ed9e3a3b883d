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

#define NCONNECT	2000
#define NGETPID		2000000
#define NREAD		1000000

struct result {
	double	p50, p99;	/* connect, µs */
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

/* The worker: waits for a byte on stdin, measures, writes a result. */
static int
worker(int port)
{
	static double lat[NCONNECT];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct result r;
	char c;
	double t0;
	int i, fd, z;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (read(0, &c, 1) != 1)
		return 1;
	for (i = 0; i < NCONNECT; i++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			return 1;
		t0 = now_ns();
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return 1;
		lat[i] = (now_ns() - t0) / 1e3;
		close(fd);
	}
	qsort(lat, NCONNECT, sizeof(lat[0]), cmp_double);
	r.p50 = lat[NCONNECT / 2];
	r.p99 = lat[NCONNECT * 99 / 100];
	t0 = now_ns();
	for (i = 0; i < NGETPID; i++)
		syscall(SYS_getpid);
	r.getpid_ns = (now_ns() - t0) / NGETPID;
	if ((z = open("/dev/zero", O_RDONLY)) < 0)
		return 1;
	t0 = now_ns();
	for (i = 0; i < NREAD; i++)
		if (read(z, &c, 1) != 1)
			return 1;
	r.read_ns = (now_ns() - t0) / NREAD;
	return write(1, &r, sizeof(r)) == sizeof(r) ? 0 : 1;
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

static int
run_worker(struct monitor *m, int port, bool traced, struct result *r)
{
	int in[2], out[2], st, i;
	char arg[16];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		return -1;
	snprintf(arg, sizeof(arg), "%d", port);
	if ((pid = fork()) == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(traced ? worker_exe : "/proc/self/exe", "bench_monitor",
		    "--worker", arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	if (traced) {
		for (i = 0; i < 200 && !attached(m, pid); i++) {
			monitor_rescan(m);
			usleep(20000);
		}
		if (i == 200)
			fprintf(stderr, "bench_monitor: worker not attached\n");
	}
	if (write(in[1], "g", 1) != 1 ||
	    read(out[0], r, sizeof(*r)) != sizeof(*r))
		r->p50 = -1;
	close(in[1]);
	close(out[0]);
	waitpid(pid, &st, 0);
	return r->p50 < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct monitor_hooks h = { app_for_exe, event, NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct result u, t;
	socklen_t len = sizeof(sin);
	struct monitor *m;
	pthread_t thr;
	int lfd, rc;

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
	rc = run_worker(m, ntohs(sin.sin_port), false, &u) < 0 ||
	    run_worker(m, ntohs(sin.sin_port), true, &t) < 0;
	monitor_stop(m);
	unlink(worker_exe);
	if (rc) {
		fprintf(stderr, "bench_monitor: worker failed\n");
		return 1;
	}
	printf("connect latency (us)   untraced  traced   added   (target added: p50 <= 50, p99 <= 250)\n");
	printf("  p50                  %8.1f %8.1f %7.1f\n", u.p50, t.p50, t.p50 - u.p50);
	printf("  p99                  %8.1f %8.1f %7.1f\n", u.p99, t.p99, t.p99 - u.p99);
	printf("non-socket syscall (ns) untraced  traced   ratio  (target ratio <= 1.02)\n");
	printf("  getpid               %8.1f %8.1f %7.3f\n", u.getpid_ns, t.getpid_ns, t.getpid_ns / u.getpid_ns);
	printf("  read /dev/zero       %8.1f %8.1f %7.3f\n", u.read_ns, t.read_ns, t.read_ns / u.read_ns);
	printf("events reported        %lu (expected %d connect + %d close)\n", nevents, NCONNECT, NCONNECT);
	return 0;
}

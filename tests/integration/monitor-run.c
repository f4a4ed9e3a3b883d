/* Test driver for the socket monitor: traces the named programs and
 * writes one line per socket event; optionally fails the events of a port
 * with EACCES. Runs until SIGTERM/SIGINT; SIGUSR1 writes the status,
 * SIGUSR2 has the monitor scan /proc again (as a policy change does).
 *
 *   monitor-run [-o LOG] [-R READYFILE] [-e EVENTS] [-d PORT] [-s PORT] [-w PORT] [-m MOUNT]...
 *               [-M FS]... [-L PROGRAM] PROGRAM...
 *
 * -e FILE gets the daemon's events lines at exit and on SIGUSR1 (attach,
 * release, denial);
 * -d PORT fails events naming PORT with EACCES; -s PORT makes the hook
 * take a second for events towards PORT, -w PORT a second longer than the
 * tracer waits for an answer (MONITOR_ANSWER_MS).
 *
 * PROGRAM is a basename or an absolute path. -m marks the mount holding
 * MOUNT, -M every mount of the file system holding FS (tests mark only
 * their own tmpfs). The ready file is created once marks and the initial
 * scan are in place. -L names PROGRAM only while it is on: SIGUSR2 turns
 * it on and SIGHUP off, each before its scan (a policy added, then
 * removed). Two signals, not one that toggles: a signal sent while the
 * same one is pending is lost, and a lost toggle left the name off for
 * the program that needed it. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdatomic.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/events.h"
#include "engine/log.h"
#include "engine/strbuf.h"
#include "monitor/monitor.h"

static char **progs;
static int nprogs, deny_port = -1, slow_port = -1, mute_port = -1;
static FILE *out;
static const char *events_path, *late;
static atomic_bool late_on;

static bool
app_for_exe(void *arg, const char *exe, char *app, size_t len)
{
	const char *base = strrchr(exe, '/');
	int i;

	(void)arg;
	base = base != NULL ? base + 1 : exe;
	if (late != NULL && atomic_load(&late_on) &&
	    (strcmp(late, exe) == 0 || strcmp(late, base) == 0)) {
		snprintf(app, len, "%s", late);
		return true;
	}
	for (i = 0; i < nprogs; i++)
		if (strcmp(progs[i], exe) == 0 || strcmp(progs[i], base) == 0) {
			snprintf(app, len, "%s", progs[i]);
			return true;
		}
	return false;
}

static int
port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

static const char *
addr(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
	else
		return "-";
	snprintf(buf, len, ss->ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d", a, port(ss));
	return buf;
}

static int
event(void *arg, const struct sock_event *ev, char *why, size_t whylen)
{
	static const char *ops[] = { "listen", "accept", "connect", "send",
	    "recv", "close" };
	char l[64], p[64];
	bool deny;

	(void)arg;
	deny = deny_port >= 0 && ev->op != SOCK_CLOSE &&
	    (port(&ev->peer) == deny_port || port(&ev->local) == deny_port);
	fprintf(out, "%s pid=%d proto=%s local=%s peer=%s exe=%s%s\n",
	    ops[ev->op], (int)ev->pid, ev->proto == IPPROTO_TCP ? "tcp" : "udp",
	    addr(&ev->local, l, sizeof(l)),
	    ev->op == SOCK_LISTEN || ev->op == SOCK_RECV ? "-" :
	    addr(&ev->peer, p, sizeof(p)), ev->exe, deny ? " denied" : "");
	fflush(out);
	if (slow_port >= 0 && ev->op != SOCK_CLOSE && port(&ev->peer) == slow_port)
		sleep(1);	/* the program waits in its seccomp stop */
	if (mute_port >= 0 && ev->op != SOCK_CLOSE && port(&ev->peer) == mute_port)
		sleep(MONITOR_ANSWER_MS / 1000 + 1);	/* too late */
	if (deny) {
		snprintf(why, whylen, "port %d denied by test", deny_port);
		return -EACCES;
	}
	return 0;
}

/* The daemon's `events' lines (events_emit), at exit and on SIGUSR1. */
static int
dump_events(const char *path)
{
	char buf[EVENTS_LINE * 16];
	uint64_t seq = 0;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "w")) == NULL)
		return -1;
	while ((n = events_read(&seq, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, f);
	return fclose(f) == 0 ? 0 : -1;
}

/* The status (first line: the tracer's pid) into path, atomically. */
static int
write_ready(const char *path, const struct strbuf *sb)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return -1;
	fputs(sb->buf != NULL ? sb->buf : "", f);
	if (fclose(f) != 0 || rename(tmp, path) < 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct monitor_hooks h = { app_for_exe, event, NULL, true };
	struct strbuf sb = STRBUF_INIT;
	struct monitor *m;
	const char *ready = NULL;
	sigset_t set;
	int c, sig, rc;

	out = stdout;
	log_init("monitor-run", 1, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	while ((c = getopt(argc, argv, "o:R:d:s:w:e:m:M:L:")) != -1) {
		switch (c) {
		case 'o':
			if ((out = fopen(optarg, "a")) == NULL) {
				perror(optarg);
				return 1;
			}
			break;
		case 'R':
			ready = optarg;
			break;
		case 'd':
			deny_port = atoi(optarg);
			break;
		case 's':
			slow_port = atoi(optarg);
			break;
		case 'w':
			mute_port = atoi(optarg);
			break;
		case 'e':
			events_path = optarg;
			break;
		case 'L':
			late = optarg;
			break;
		case 'm':
		case 'M':
			break;	/* after start */
		default:
			fprintf(stderr, "usage: monitor-run [-o log] [-R ready] "
			    "[-d port] [-s port] [-w port] [-m mount] [-M fs] "
			    "[-L program] program...\n");
			return 2;
		}
	}
	progs = argv + optind;
	nprogs = argc - optind;
	if ((rc = monitor_start(&h, &m)) < 0) {
		fprintf(stderr, "monitor_start: %s\n", strerror(-rc));
		return 1;
	}
	optind = 1;
	while ((c = getopt(argc, argv, "o:R:d:s:w:e:m:M:L:")) != -1)
		if ((c == 'm' || c == 'M') && monitor_mark(m, optarg, c == 'M') < 0) {
			monitor_stop(m);
			return 1;
		}
	monitor_render_status(m, &sb);	/* waits for the initial scan */
	if (ready != NULL && write_ready(ready, &sb) < 0) {
		monitor_stop(m);
		return 1;
	}
	strbuf_reset(&sb);
	while (sigwait(&set, &sig) == 0 &&
	    (sig == SIGUSR1 || sig == SIGUSR2 || sig == SIGHUP)) {
		if (sig != SIGUSR1) {
			atomic_store(&late_on, sig == SIGUSR2);
			monitor_rescan(m);
			continue;
		}
		monitor_render_status(m, &sb);
		fputs(sb.buf != NULL ? sb.buf : "", stderr);
		strbuf_reset(&sb);
		if (events_path != NULL)
			(void)dump_events(events_path);
	}
	strbuf_free(&sb);
	monitor_stop(m);
	if (events_path != NULL && dump_events(events_path) < 0)
		return 1;
	return 0;
}

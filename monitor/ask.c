/* The tracer's questions to the daemon (over `ev'): is this program
 * named, what does this socket event mean; and notes for its events file.
 * A daemon that is gone makes the tracer passive. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "engine/log.h"
#include "monitor/proto.h"
#include "monitor/tracer.h"

void
daemon_lost(void)
{
	if (!tr->passive)
		log_warn("monitor: daemon gone, tracees continue untouched");
	tracer_go_passive();
}

double
mon_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int ask_once(struct msg *m);

/* One request and its reply; -1 when the daemon is gone, -2 when it is
 * silent. */
static int
ask(struct msg *m)
{
	double t0 = mon_now_ns();
	int rc = ask_once(m);

	tr->n.asks++;
	tr->n.ask_ns += mon_now_ns() - t0;
	return rc;
}

static int
ask_once(struct msg *m)
{
	static unsigned seq;
	ssize_t n;

	if (tr->passive)
		return -1;
	m->seq = ++seq;
	if (send(tr->ev, m, sizeof(*m), MSG_NOSIGNAL) != sizeof(*m)) {
		daemon_lost();
		return -1;
	}
	/* SO_RCVTIMEO bounds the wait (set in tracer_main); a late answer
	 * to an earlier question that timed out is skipped */
	do {
		n = recv(tr->ev, m, sizeof(*m), 0);
	} while ((n < 0 && errno == EINTR) ||
	    (n == sizeof(*m) && m->type == MSG_REPLY && m->seq != seq));
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		tr->n.errors++;
		return -2;
	}
	if (n != sizeof(*m) || m->type != MSG_REPLY) {
		daemon_lost();
		return -1;
	}
	return 0;
}

int
daemon_match(const char *exe)
{
	static struct msg m;

	memset(&m, 0, sizeof(m));
	m.type = MSG_MATCH;
	snprintf(m.exe, sizeof(m.exe), "%s", exe);
	if (ask(&m) < 0)
		return 0;
	return m.rc;
}

/* 0: go on; -errno: fail the call. A daemon that is gone lets calls
 * through (nobody enforces anything any more); one that does not answer
 * in time fails them. */
int
daemon_event(const struct sock_event *ev, const char *exe, char *why,
    size_t whylen)
{
	static struct msg m;
	int rc;

	memset(&m, 0, sizeof(m));
	m.type = MSG_EVENT;
	m.ev = *ev;
	m.ev.exe = NULL;
	snprintf(m.exe, sizeof(m.exe), "%s", exe);
	if ((rc = ask(&m)) == -2)
		note("monitor: denied %s pid=%d exe=%s: no answer from the daemon "
		    "within %d ms", sock_op_name(ev->op), (int)ev->pid, exe,
		    MONITOR_ANSWER_MS);
	if (rc < 0)
		return rc == -1 ? 0 : -ETIMEDOUT;
	snprintf(why, whylen, "%s", m.text);
	return m.rc;
}

/* A line for the daemon's events file (and the log); not answered. */
void
note(const char *fmt, ...)
{
	static struct msg m;
	va_list ap;

	memset(&m, 0, sizeof(m));
	m.type = MSG_NOTE;
	va_start(ap, fmt);
	vsnprintf(m.text, sizeof(m.text), fmt, ap);
	va_end(ap);
	if (!tr->passive)
		send(tr->ev, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* The daemon's side of the monitor: starts the tracer process (tracer.c)
 * and runs a thread that answers its questions with the hooks. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/events.h"
#include "engine/ipaddr.h"
#include "engine/log.h"
#include "monitor/monitor.h"
#include "monitor/proto.h"
#include "monitor/tracer.h"

#define CTL_TIMEOUT_MS	5000
#define MARKS_MAX	256	/* marks remembered (each once) */
#define RESPAWN_MAX	5	/* new tracers per RESPAWN_SECS */
#define RESPAWN_SECS	60

struct mark {
	char	*path;
	bool	 filesystem;
};

struct monitor {
	struct monitor_hooks	 h;
	int			 ctl, ev;
	pthread_t		 thread;
	pthread_mutex_t		 lock;		/* ctl exchanges, ctl/ev, marks */
	struct msg		 msg;
	bool			 stopping;
	struct mark		 marks[MARKS_MAX];
	size_t			 nmarks;
	time_t			 respawned[RESPAWN_MAX];	/* when, ring */
	unsigned		 nrespawn;
	int			 cpu;		/* tracer and thread; -1: free */
};

static int spawn(struct monitor *m);
static int ctl_send(struct monitor *m, int type, int rc, const char *path);

static const char *
addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	struct ipaddr a;
	char s[IPADDR_STRLEN];
	int port;

	if (ipaddr_from_sockaddr(&a, &port, (const struct sockaddr *)ss) < 0)
		return "-";
	snprintf(buf, len, a.family == AF_INET6 ? "[%s]:%d" : "%s:%d",
	    ipaddr_str(&a, s, sizeof(s)), port);
	return buf;
}

static void
answer(struct monitor *m, struct msg *q)
{
	char why[MSG_TEXT] = "", l[64], p[64];
	int rc;

	if (q->type == MSG_MATCH) {
		q->exe[sizeof(q->exe) - 1] = '\0';
		q->rc = m->h.app_for_exe(m->h.arg, q->exe, q->text,
		    sizeof(q->text)) ? 1 : 0;
	} else if (q->type == MSG_EVENT) {
		q->exe[sizeof(q->exe) - 1] = '\0';
		q->ev.exe = q->exe;
		rc = m->h.event(m->h.arg, &q->ev, why, sizeof(why));
		if (rc < 0) {
			events_emit("monitor: denied %s pid=%d exe=%s local=%s "
			    "peer=%s: %s", sock_op_name(q->ev.op), (int)q->ev.pid,
			    q->exe, addr_str(&q->ev.local, l, sizeof(l)),
			    addr_str(&q->ev.peer, p, sizeof(p)),
			    why[0] ? why : strerror(-rc));
			rc = -EACCES;
		}
		q->rc = rc;
		snprintf(q->text, sizeof(q->text), "%s", why);
	} else if (q->type == MSG_NOTE) {
		q->text[sizeof(q->text) - 1] = '\0';
		events_emit("%s", q->text);
		return;
	} else {
		return;
	}
	q->type = MSG_REPLY;
	send(m->ev, q, sizeof(*q), MSG_NOSIGNAL);
}

/* A tracer killed outright (SIGKILL, the OOM killer) leaves its filtered
 * programs without a tracer: their socket calls fail with ENOSYS. Start a
 * new one, give it the marks again and let it attach them by a /proc
 * scan, so that they are traced again within milliseconds. At most
 * RESPAWN_MAX times a minute. Runs on the answering thread, with the lock. */
static bool
respawn(struct monitor *m)
{
	time_t now = time(NULL), *oldest = &m->respawned[m->nrespawn % RESPAWN_MAX];
	size_t i;

	if (m->nrespawn >= RESPAWN_MAX && now - *oldest < RESPAWN_SECS) {
		events_emit("monitor: tracer gone; not restarted (%d restarts "
		    "in %d s): traced programs' socket calls fail with ENOSYS",
		    RESPAWN_MAX, RESPAWN_SECS);
		return false;
	}
	*oldest = now;
	m->nrespawn++;
	close(m->ctl);
	close(m->ev);
	m->ctl = m->ev = -1;
	if (spawn(m) < 0) {
		events_emit("monitor: tracer gone; cannot start a new one");
		return false;
	}
	/* not answered: this thread must stay free to answer the tracer */
	for (i = 0; i < m->nmarks; i++)
		ctl_send(m, CTL_REMARK, m->marks[i].filesystem,
		    m->marks[i].path);
	ctl_send(m, CTL_RESCAN, 0, NULL);
	events_emit("monitor: tracer gone; a new one attaches the programs");
	return true;
}

/* Answers the tracer until it closes its end: told to stop, or gone (then
 * a new one is started). */
static void *
run(void *arg)
{
	struct monitor *m = arg;
	struct msg *q = malloc(sizeof(*q));
	bool again;
	ssize_t n;

	if (q == NULL)
		return NULL;
	/* a traced program waits while we answer (nice is per thread) */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), MONITOR_NICE);
	pin_to_cpu(m->cpu);
	do {
		while ((n = recv(m->ev, q, sizeof(*q), 0)) > 0 ||
		    (n < 0 && errno == EINTR))
			if (n == sizeof(*q))
				answer(m, q);
		pthread_mutex_lock(&m->lock);
		again = !m->stopping && respawn(m);
		pthread_mutex_unlock(&m->lock);
	} while (again);
	free(q);
	return NULL;
}

/* In the tracer: only our two sockets and stderr stay open. */
static void
tracer_fds(int *ctl, int *ev)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int c = fcntl(*ctl, F_DUPFD_CLOEXEC, 10), e = fcntl(*ev, F_DUPFD_CLOEXEC, 10);

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
	}
	dup3(c, 3, O_CLOEXEC);
	dup3(e, 4, O_CLOEXEC);
	syscall(SYS_close_range, 5, ~0U, 0);
	*ctl = 3;
	*ev = 4;
}

/* Forks the tracer process (twice: it is no child of ours) joined by two
 * fresh socket pairs; sets m->ctl and m->ev. */
static int
spawn(struct monitor *m)
{
	int ctl[2], ev[2], st, err;
	pid_t daemon = getpid(), pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0)
		return -errno;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ev) < 0) {
		err = -errno;
		goto fail;
	}
	if ((pid = fork()) < 0) {
		err = -errno;
		goto fail2;
	}
	if (pid == 0) {		/* detached from the daemon's session */
		setsid();
		if ((pid = fork()) != 0)
			_exit(pid < 0);
		close(ctl[0]);
		close(ev[0]);
		tracer_fds(&ctl[1], &ev[1]);
		_exit(tracer_main(ctl[1], ev[1], daemon, m->h.any_netns,
		    m->cpu));
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(ctl[1]);
	close(ev[1]);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		close(ctl[0]);
		close(ev[0]);
		return -ECHILD;
	}
	m->ctl = ctl[0];
	m->ev = ev[0];
	return 0;
fail2:
	close(ev[0]);
	close(ev[1]);
fail:
	close(ctl[0]);
	close(ctl[1]);
	return err;
}

/* The tracer and the thread answering it share one CPU (the last one the
 * daemon may use): each traced call goes tracer -> thread -> tracer, and
 * a wake-up on the same CPU is a context switch where one on another CPU
 * is an inter-processor interrupt, dearer on virtual machines (measured
 * with bench_monitor on 2 shared cores, added connect p50 with a no-op
 * hook: 65-68 µs pinned, 80-100 µs not). Traced programs are not pinned. */
int
monitor_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set) != 0 || CPU_COUNT(&set) < 2)
		return -1;
	for (cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return -1;
}

int
monitor_start(const struct monitor_hooks *hooks, struct monitor **out)
{
	struct monitor *m;
	int err;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->h = *hooks;
	m->cpu = monitor_cpu();
	if ((err = spawn(m)) < 0) {
		free(m);
		return err;
	}
	pthread_mutex_init(&m->lock, NULL);
	if ((err = pthread_create(&m->thread, NULL, run, m)) != 0) {
		close(m->ctl);
		close(m->ev);
		pthread_mutex_destroy(&m->lock);
		free(m);
		return -err;
	}
	monitor_rescan(m);	/* programs already running */
	*out = m;
	return 0;
}

static int
ctl_send(struct monitor *m, int type, int rc, const char *path)
{
	memset(&m->msg, 0, sizeof(m->msg));
	m->msg.type = type;
	m->msg.rc = rc;
	if (path != NULL)
		snprintf(m->msg.exe, sizeof(m->msg.exe), "%s", path);
	return send(m->ctl, &m->msg, sizeof(m->msg), MSG_NOSIGNAL) ==
	    sizeof(m->msg) ? 0 : -EPIPE;
}

static ssize_t
ctl_recv(struct monitor *m, void *buf, size_t len)
{
	struct pollfd pfd = { .fd = m->ctl, .events = POLLIN };

	if (poll(&pfd, 1, CTL_TIMEOUT_MS) != 1)
		return -ETIMEDOUT;
	return recv(m->ctl, buf, len, 0);
}

/* With the lock held. */
static int
ctl_mark(struct monitor *m, const char *path, bool filesystem)
{
	int rc = ctl_send(m, CTL_MARK, filesystem, path);

	if (rc == 0)
		rc = ctl_recv(m, &m->msg, sizeof(m->msg)) == sizeof(m->msg) ?
		    m->msg.rc : -EPIPE;
	return rc;
}

static bool
marked(const struct monitor *m, const char *path, bool filesystem)
{
	size_t i;

	for (i = 0; i < m->nmarks; i++)
		if (m->marks[i].filesystem == filesystem &&
		    strcmp(m->marks[i].path, path) == 0)
			return true;
	return false;
}

/* Remembers a mark: asked again, it costs no round trip, and a new
 * tracer gets it. */
static void
remember_mark(struct monitor *m, const char *path, bool filesystem)
{
	if (m->nmarks == MARKS_MAX ||
	    (m->marks[m->nmarks].path = strdup(path)) == NULL) {
		log_warn("monitor: %s is not watched again should the tracer "
		    "be restarted", path);
		return;
	}
	m->marks[m->nmarks++].filesystem = filesystem;
}

int
monitor_mark(struct monitor *m, const char *path, bool filesystem)
{
	int rc;

	pthread_mutex_lock(&m->lock);
	if (marked(m, path, filesystem))
		rc = 0;		/* the tracer has it */
	else if ((rc = ctl_mark(m, path, filesystem)) == 0)
		remember_mark(m, path, filesystem);
	pthread_mutex_unlock(&m->lock);
	if (rc < 0)
		log_warn("monitor: cannot watch execs on %s: %s", path,
		    strerror(-rc));
	return rc;
}

void
monitor_rescan(struct monitor *m)
{
	pthread_mutex_lock(&m->lock);
	ctl_send(m, CTL_RESCAN, 0, NULL);
	pthread_mutex_unlock(&m->lock);
}

void
monitor_render_status(struct monitor *m, struct strbuf *sb)
{
	char *buf = malloc(STATUS_MAX);
	ssize_t n = -1;

	pthread_mutex_lock(&m->lock);
	if (buf != NULL && ctl_send(m, CTL_STATUS, 0, NULL) == 0)
		n = ctl_recv(m, buf, STATUS_MAX);
	pthread_mutex_unlock(&m->lock);
	if (n > 0)
		strbuf_add(sb, buf, n);
	else
		strbuf_printf(sb, "monitor tracer=gone\n");
	free(buf);
}

void
monitor_stop(struct monitor *m)
{
	struct timespec ts;

	size_t i;

	pthread_mutex_lock(&m->lock);
	m->stopping = true;
	ctl_send(m, CTL_STOP, 0, NULL);
	pthread_mutex_unlock(&m->lock);
	/* The tracer shuts `ev' down once it has let go of every tracee
	 * it can; should it be gone already, recv sees EOF the same way. */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += CTL_TIMEOUT_MS / 1000;
	if (pthread_timedjoin_np(m->thread, NULL, &ts) != 0) {
		shutdown(m->ev, SHUT_RDWR);	/* tracer stuck: stop listening */
		pthread_join(m->thread, NULL);
	}
	close(m->ctl);
	close(m->ev);
	for (i = 0; i < m->nmarks; i++)
		free(m->marks[i].path);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

/* The tracer process. It is the ptrace tracer of every traced thread and
 * owns the fanotify descriptor; it asks the daemon (over `ev') whether a
 * program is named and what a socket event means, and takes commands on
 * `ctl'. One epoll loop: SIGCHLD through a signalfd (then waitpid until
 * nothing is left), fanotify, ctl.
 *
 * It is its own process, not a daemon thread, so the traced programs
 * outlive the daemon: when the daemon goes away (EOF) or says stop, the
 * tracer closes fanotify (allowing anything pending), detaches every
 * tracee that has no filter, keeps the others traced but passive (each
 * stop resumed at once) and exits when the last of them is gone. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine/log.h"
#include "engine/strbuf.h"
#include "monitor/proto.h"
#include "monitor/tracer.h"

#define REPLY_TIMEOUT_MS	5000

static struct tracer tracer;
struct tracer *tr = &tracer;

static void
daemon_lost(void)
{
	if (!tr->passive)
		log_warn("monitor: daemon gone, tracees continue untouched");
	tracer_go_passive();
}

/* One request and its reply; -1 when the daemon is gone or silent. */
static int
ask(struct msg *m)
{
	struct pollfd pfd = { .fd = tr->ev, .events = POLLIN };
	ssize_t n;

	if (tr->passive)
		return -1;
	if (send(tr->ev, m, sizeof(*m), MSG_NOSIGNAL) != sizeof(*m)) {
		daemon_lost();
		return -1;
	}
	if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1) {
		tr->n.errors++;
		return -2;
	}
	n = recv(tr->ev, m, sizeof(*m), 0);
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
	if ((rc = ask(&m)) < 0)
		return rc == -1 ? 0 : -ETIMEDOUT;
	snprintf(why, whylen, "%s", m.text);
	return m.rc;
}

void
resume(struct tracee *t, int req, int sig)
{
	if (sig == 0 && req != PTRACE_LISTEN) {
		sig = t->pend_sig;
		t->pend_sig = 0;
	}
	t->listening = req == PTRACE_LISTEN;
	if (ptrace(req, t->tid, 0, sig) < 0 && errno != ESRCH)
		tr->n.errors++;
}

void
tracer_go_passive(void)
{
	struct proc *p;

	if (tr->passive)
		return;
	tr->passive = true;
	if (tr->fan >= 0) {
		close(tr->fan);	/* allows every pending exec */
		tr->fan = -1;
	}
	for (p = tr->procs; p != NULL; p = p->next)
		release_proc(p);
}

/* A new thread or process we were told about or found stopped. */
static struct tracee *
adopt(pid_t pid, struct proc *parent)
{
	char path[64], line[128], exe[PATH_MAX];
	pid_t tgid = 0, ppid = 0;
	struct proc *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "Tgid: %d", &tgid);
		sscanf(line, "PPid: %d", &ppid);
	}
	fclose(f);
	if ((p = proc_find(tgid)) != NULL)
		return tracee_new(pid, p);		/* a thread */
	if (parent == NULL)
		parent = proc_find(ppid);
	if (parent != NULL) {
		if ((p = proc_new(tgid, parent->exe, parent->active)) == NULL)
			return NULL;
		p->filter = parent->filter;
		p->detaching = parent->detaching;
		fd_copy(p, parent);
	} else {	/* parent unknown (it exited): trace it passively */
		if (read_exe(pid, exe, sizeof(exe)) < 0 ||
		    (p = proc_new(tgid, exe, false)) == NULL)
			return NULL;
		p->filter = FILTER_ON;
	}
	return tracee_new(pid, p);
}

static void
on_new_child(struct tracee *t)
{
	unsigned long msg;
	struct tracee *c;

	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg) == 0 &&
	    tracee_find((pid_t)msg) == NULL) {
		if ((c = adopt((pid_t)msg, t->p)) == NULL)
			tr->n.errors++;
	}
	resume(t, PTRACE_CONT, 0);
}

static void
on_exec(struct tracee *t)
{
	struct proc *p = t->p;
	struct tracee *old;
	unsigned long former;

	tr->n.execs++;
	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &former) == 0 &&
	    (pid_t)former != t->tid && (old = tracee_find((pid_t)former)) != NULL)
		tracee_free(old);	/* a thread exec'd: it has the leader's tid now */
	p->sysinsn = 0;
	read_exe(p->tgid, p->exe, sizeof(p->exe));
	fd_revalidate(p);
	if (!tr->passive && !p->detaching) {
		bool m = daemon_match(p->exe) > 0;

		if (p->active && !m)
			release_proc(p);
		else if (m)
			p->active = true;
	}
	resume(t, PTRACE_CONT, 0);
}

static void
on_seccomp(struct tracee *t)
{
	struct __ptrace_syscall_info si;
	struct user_regs_struct r;
	bool deny = false;
	int req = PTRACE_CONT;

	tr->n.stops++;
	if (!t->p->active || tr->passive) {
		resume(t, PTRACE_CONT, 0);
		return;
	}
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si) <= 0 ||
	    si.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		resume(t, PTRACE_CONT, 0);
		return;
	}
	if (si.seccomp.ret_data == FILTER_DATA_COMPAT) {
		tr->n.compat++;
		deny = true;	/* 32-bit socket calls are not followed */
	} else if (si.seccomp.ret_data == FILTER_DATA_OURS) {
		req = call_enter(t, (long)si.seccomp.nr,
		    (const unsigned long *)si.seccomp.args, &deny);
	}
	if (deny && ptrace(PTRACE_GETREGS, t->tid, 0, &r) == 0) {
		r.orig_rax = -1;	/* skip the call ... */
		r.rax = -EACCES;	/* ... and fail it */
		ptrace(PTRACE_SETREGS, t->tid, 0, &r);
	}
	resume(t, req, 0);
}

/* The first stop of a thread: inject the filter if its process needs it. */
static void
first_stop(struct tracee *t, int sig, bool ours)
{
	struct proc *p = t->p;

	t->started = true;
	t->expect_sigstop = false;
	if (p->active && p->filter == FILTER_NONE && !tr->passive)
		inject_filter(t);
	if (t->dead)
		return;
	if (ours)
		kill(p->tgid, SIGCONT);	/* undo our SIGSTOP's group-stop */
	if (!ours && (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	    sig == SIGTTOU))
		resume(t, PTRACE_LISTEN, 0);	/* it was stopped already */
	else
		resume(t, PTRACE_CONT, 0);
}

static void
detach(struct tracee *t, int sig)
{
	ptrace(PTRACE_DETACH, t->tid, 0, sig);
	tr->n.detached++;
	tracee_free(t);
}

static void
on_stop(struct tracee *t, int st)
{
	int sig = WSTOPSIG(st), event = st >> 16;

	if (t->p->detaching && event != PTRACE_EVENT_EXEC) {
		bool sigstop = event == 0;

		detach(t, sigstop ? sig : 0);
		return;
	}
	switch (event) {
	case PTRACE_EVENT_SECCOMP:
		on_seccomp(t);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_new_child(t);
		return;
	case PTRACE_EVENT_EXEC:
		on_exec(t);
		return;
	case PTRACE_EVENT_STOP:
		if (!t->started || (t->expect_sigstop && sig == SIGSTOP))
			first_stop(t, sig, t->expect_sigstop && sig == SIGSTOP);
		else if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
		    sig == SIGTTOU)
			resume(t, PTRACE_LISTEN, 0);	/* group-stop */
		else
			resume(t, PTRACE_CONT, 0);
		return;
	case 0:
		break;
	default:
		resume(t, PTRACE_CONT, 0);
		return;
	}
	if (sig == (SIGTRAP | 0x80)) {		/* syscall-exit we asked for */
		call_exit(t);
		if (!t->dead)
			resume(t, PTRACE_CONT, 0);
	} else if (sig == SIGSTOP && t->expect_sigstop) {
		t->expect_sigstop = false;	/* ours: suppressed */
		first_stop(t, 0, false);
	} else {
		resume(t, PTRACE_CONT, sig);	/* signal-delivery-stop */
	}
}

static void
reap(void)
{
	struct tracee *t;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, __WALL | WNOHANG)) > 0) {
		if ((t = tracee_find(pid)) == NULL) {
			if (!WIFSTOPPED(st) || (t = adopt(pid, NULL)) == NULL)
				continue;	/* not ours */
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			tracee_free(t);
			continue;
		}
		on_stop(t, st);
		if (t->dead)
			tracee_free(t);
	}
}

static void
status(struct strbuf *sb)
{
	struct proc *p;

	strbuf_printf(sb, "monitor pid=%d mode=%s fanotify=%s\n", getpid(),
	    tr->passive ? "passive" : "active", tr->fan >= 0 ? "on" : "off");
	strbuf_printf(sb, "monitor attached=%lu detached=%lu execs=%lu "
	    "stops=%lu events=%lu denied=%lu errors=%lu compat=%lu "
	    "exec_checks=%lu overflow=%lu\n", tr->n.attached, tr->n.detached,
	    tr->n.execs, tr->n.stops, tr->n.events, tr->n.denied, tr->n.errors,
	    tr->n.compat, tr->n.fan_events, tr->n.fan_overflow);
	for (p = tr->procs; p != NULL; p = p->next)
		strbuf_printf(sb, "traced pid=%d threads=%d sockets=%zu "
		    "mode=%s filter=%s exe=%s\n", p->tgid, p->nthreads, p->nfds,
		    p->active ? "active" : "passive",
		    p->filter == FILTER_ON ? "on" : p->filter == FILTER_NONE ?
		    "none" : "failed", p->exe);
}

static void
on_ctl(void)
{
	static struct msg m;
	struct strbuf sb = STRBUF_INIT;
	ssize_t n = recv(tr->ctl, &m, sizeof(m), MSG_DONTWAIT);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		epoll_ctl(tr->ep, EPOLL_CTL_DEL, tr->ctl, NULL);
		daemon_lost();
		return;
	}
	if (n != sizeof(m))
		return;
	switch (m.type) {
	case CTL_RESCAN:
		if (!tr->passive)
			scan_procs();
		break;
	case CTL_MARK:
		m.rc = tr->passive ? -ESHUTDOWN : fan_mark(m.exe, m.rc);
		send(tr->ctl, &m, sizeof(m), MSG_NOSIGNAL);
		break;
	case CTL_STATUS:
		status(&sb);
		if (!strbuf_failed(&sb))
			send(tr->ctl, sb.buf, sb.len < STATUS_MAX ? sb.len :
			    STATUS_MAX, MSG_NOSIGNAL);
		strbuf_free(&sb);
		break;
	case CTL_STOP:
		tracer_go_passive();
		shutdown(tr->ev, SHUT_RDWR);	/* the daemon's thread ends */
		break;
	}
}

static void
on_signal(void)
{
	struct signalfd_siginfo si[16];
	ssize_t n;
	int i;

	while ((n = read(tr->sigfd, si, sizeof(si))) > 0) {
		for (i = 0; i < n / (ssize_t)sizeof(si[0]); i++)
			if (si[i].ssi_signo != SIGCHLD)
				tracer_go_passive();	/* TERM/INT/HUP: let go */
		if (n < (ssize_t)sizeof(si))
			break;
	}
}

int
tracer_main(int ctl, int ev, pid_t daemon)
{
	struct epoll_event ee = { .events = EPOLLIN }, evs[8];
	sigset_t set;
	int i, n;

	tr->ctl = ctl;
	tr->ev = ev;
	tr->daemon = daemon;
	tr->fan = -1;
	prctl(PR_SET_NAME, "ipsecfs-monitor");
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((tr->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (tr->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (tr->selfns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	ee.data.fd = tr->sigfd;
	epoll_ctl(tr->ep, EPOLL_CTL_ADD, tr->sigfd, &ee);
	ee.data.fd = tr->ctl;
	epoll_ctl(tr->ep, EPOLL_CTL_ADD, tr->ctl, &ee);
	for (;;) {
		reap();
		if (tr->passive && tr->tracees == NULL)
			return 0;
		if ((n = epoll_wait(tr->ep, evs, 8, -1)) < 0 && errno != EINTR)
			return 1;
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == tr->sigfd)
				on_signal();
			else if (evs[i].data.fd == tr->ctl)
				on_ctl();
			else if (evs[i].data.fd == tr->fan && tr->fan >= 0)
				fan_handle();
		}
	}
}

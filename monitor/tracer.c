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
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine/log.h"
#include "engine/strbuf.h"
#include "monitor/proto.h"
#include "monitor/tracer.h"

static struct tracer tracer;
struct tracer *tr = &tracer;

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
	strbuf_printf(sb, "monitor avg_stop_us=%.1f avg_ask_us=%.1f (time a "
	    "traced call waits in the tracer; of it, asking the daemon)\n",
	    tr->n.stops ? tr->n.stop_ns / tr->n.stops / 1e3 : 0.0,
	    tr->n.asks ? tr->n.ask_ns / tr->n.asks / 1e3 : 0.0);
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
	case CTL_REMARK:
		if (!tr->passive && (m.rc = fan_mark(m.exe, m.rc)) < 0)
			note("monitor: cannot watch execs on %s: %s", m.exe,
			    strerror(-m.rc));
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

void
pin_to_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

int
tracer_main(int ctl, int ev, pid_t daemon, bool any_netns, int cpu)
{
	struct epoll_event ee = { .events = EPOLLIN }, evs[8];
	struct sigaction sa = { .sa_handler = seize_tick };
	sigset_t set, alrm;
	int i, n;

	struct timeval tv = { MONITOR_ANSWER_MS / 1000, 0 };

	tr->ctl = ctl;
	tr->ev = ev;
	setsockopt(ev, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	tr->daemon = daemon;
	tr->any_netns = any_netns;
	tr->fan = -1;
	prctl(PR_SET_NAME, "ipsecfs-monitor");
	/* traced programs wait for us at each stop: run before batch work */
	setpriority(PRIO_PROCESS, 0, MONITOR_NICE);
	pin_to_cpu(cpu);	/* next to the daemon's answering thread */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGALRM, &sa, NULL);	/* the ticks of a seize (attach.c) */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	if ((tr->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    (tr->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (tr->selfns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	ee.data.fd = tr->sigfd;
	epoll_ctl(tr->ep, EPOLL_CTL_ADD, tr->sigfd, &ee);
	ee.data.fd = tr->ctl;
	epoll_ctl(tr->ep, EPOLL_CTL_ADD, tr->ctl, &ee);
	reap();
	for (;;) {
		/* a stop after the last reap leaves SIGCHLD pending in the
		 * signalfd: no reap needed before sleeping */
		if (tr->passive && tr->tracees == NULL)
			return 0;
		if ((n = epoll_wait(tr->ep, evs, 8, -1)) < 0 && errno != EINTR)
			return 1;
		/* stops first: a status asked in the same batch must see
		 * what they changed (a filter just injected) */
		for (i = 0; i < n; i++)
			if (evs[i].data.fd == tr->sigfd)
				on_signal();
		reap();
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == tr->ctl)
				on_ctl();
			else if (evs[i].data.fd == tr->fan && tr->fan >= 0)
				fan_handle();
		}
		fan_held();	/* events a seize's ticks kept */
	}
}

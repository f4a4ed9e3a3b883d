/* What the tracer does at each stop of a tracee: seccomp stops (socket
 * calls), syscall stops, new threads and children, exec, signals and
 * group-stops, exits; and how it resumes them. */
#include "config.h"

#include <errno.h>
#include <linux/audit.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor/tracer.h"

static void first_stop(struct tracee *t, int sig, bool ours);
static void detach(struct tracee *t, int sig, bool cont);

void
resume(struct tracee *t, int req, int sig)
{
	if (sig == 0 && req != PTRACE_LISTEN) {
		sig = t->pend_sig;
		t->pend_sig = 0;
	}
	/* no filter could be put in: stop at every call instead, so that
	 * still no socket call escapes (slow, but complete) */
	if (req == PTRACE_CONT && t->p->filter == FILTER_FAILED &&
	    t->p->active && !tr->passive)
		req = PTRACE_SYSCALL;
	t->listening = req == PTRACE_LISTEN;
	if (ptrace(req, t->tid, 0, sig) < 0 && errno != ESRCH)
		tr->n.errors++;
}

/* A new thread or process we were told about or found stopped. */
static struct tracee *
adopt(pid_t pid, struct proc *parent)
{
	char exe[PATH_MAX];
	struct pstatus ps;
	struct proc *p;

	if (read_status(pid, &ps) < 0)
		return NULL;
	if ((p = proc_find(ps.tgid)) != NULL)
		return tracee_new(pid, p);		/* a thread */
	if (parent == NULL)
		parent = proc_find(ps.ppid);
	if (parent != NULL) {
		if ((p = proc_new(ps.tgid, parent->exe, parent->active)) == NULL)
			return NULL;
		p->filter = parent->filter;
		p->detaching = parent->detaching;
		fd_copy(p, parent);
	} else {	/* parent unknown (it exited): trace it passively */
		if (read_program(pid, exe, sizeof(exe)) < 0 ||
		    (p = proc_new(ps.tgid, exe, false)) == NULL)
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
	read_program(p->tgid, p->exe, sizeof(p->exe));
	fd_revalidate(p);
	/* through the loader: its first stop tells (loader.c) */
	if (!tr->passive && !p->detaching && !p->loader) {
		bool m = daemon_match(p->exe) > 0;

		if (p->active && !m) {
			note("monitor: released pid=%d exe=%s (exec)", p->tgid,
			    p->exe);
			release_proc(p);
		} else if (m) {
			p->active = true;
		}
	}
	/* Seized in the middle of this exec (a scan saw the new exe): the
	 * exec's own stop takes the place of the PTRACE_INTERRUPT's, which
	 * will not come. Or the filter did not go in before the exec (the
	 * thread it was injected into was killed by this exec): the new image
	 * has one thread, so it is tried again. No filter can go in here (the
	 * return value of execve would overwrite the injected call's number),
	 * so it goes in at the syscall-exit stop, before the first instruction
	 * of the program. */
	if (p->filter == FILTER_FAILED)
		p->filter = FILTER_NONE;
	if (!t->expect_sigstop && (!t->started ||
	    (p->active && p->filter == FILTER_NONE && !tr->passive))) {
		t->pend = PEND_START;
		resume(t, PTRACE_SYSCALL, 0);
		return;
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
	double t0 = mon_now_ns();

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
		note("monitor: refused a 32-bit socket call pid=%d exe=%s",
		    t->p->tgid, t->p->exe);
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
	tr->n.stop_ns += mon_now_ns() - t0;
}

/* A syscall-exit stop asked for by call_enter, or (a process without
 * the filter) any syscall stop. */
static void
on_syscall_stop(struct tracee *t)
{
	struct __ptrace_syscall_info si;
	struct user_regs_struct r;
	bool deny = false;
	int req = PTRACE_CONT;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(si), &si) <= 0) {
		resume(t, PTRACE_CONT, 0);
		return;
	}
	if (si.op == PTRACE_SYSCALL_INFO_EXIT && t->pend == PEND_START) {
		t->pend = PEND_NONE;
		first_stop(t, 0, false);
		return;
	}
	if (si.op == PTRACE_SYSCALL_INFO_EXIT) {
		if (t->pend != PEND_NONE)
			call_exit(t);
		if (!t->dead)
			resume(t, PTRACE_CONT, 0);
		return;
	}
	if (si.op == PTRACE_SYSCALL_INFO_ENTRY && t->p->active &&
	    !tr->passive && si.arch == AUDIT_ARCH_X86_64) {
		tr->n.stops++;
		req = call_enter(t, (long)si.entry.nr,
		    (const unsigned long *)si.entry.args, &deny);
	}
	if (deny && ptrace(PTRACE_GETREGS, t->tid, 0, &r) == 0) {
		r.orig_rax = -1;
		r.rax = -EACCES;
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
	if (p->loader && !loader_named(p)) {
		detach(t, 0, ours);	/* our SIGSTOP suppressed */
		return;
	}
	if (p->active && p->filter == FILTER_NONE && !tr->passive) {
		if (filter_installed(t->tid))
			p->filter = FILTER_ON;	/* by a tracer before us */
		else
			inject_filter(t);
	}
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

/* Let go of t (reap() frees it after the stop's handling); cont ends
 * the group-stop our SIGSTOP caused. */
static void
detach(struct tracee *t, int sig, bool cont)
{
	ptrace(PTRACE_DETACH, t->tid, 0, sig);
	tr->n.detached++;
	t->dead = true;
	if (cont)
		kill(t->p->tgid, SIGCONT);
}

static void
on_stop(struct tracee *t, int st)
{
	int sig = WSTOPSIG(st), event = st >> 16;

	if (t->p->detaching && event != PTRACE_EVENT_EXEC) {
		bool ours = t->expect_sigstop && sig == SIGSTOP;

		/* a signal-delivery-stop hands its signal on, unless it is
		 * our SIGSTOP; others none */
		detach(t, event == 0 && sig != (SIGTRAP | 0x80) && !ours ?
		    sig : 0, ours && event == PTRACE_EVENT_STOP);
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
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(t);
	} else if (sig == SIGSTOP && t->expect_sigstop) {
		t->expect_sigstop = false;	/* ours: suppressed */
		first_stop(t, 0, false);
	} else {
		resume(t, PTRACE_CONT, sig);	/* signal-delivery-stop */
	}
}

/* Every stop and exit waiting to be reaped. */
void
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

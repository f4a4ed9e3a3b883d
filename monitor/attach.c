/* Finding the programs to trace: running ones by scanning /proc, new ones
 * by fanotify FAN_OPEN_EXEC_PERM on the marked file systems.
 *
 * The exec path works on every kernel, including those before 6.8 where
 * the exec holds cred_guard_mutex while the permission event waits (so
 * PTRACE_SEIZE before answering would deadlock): the exec'ing thread is
 * sent SIGSTOP, the event is answered FAN_ALLOW, and only then is the
 * process seized, once the exec has left its thread alone with the
 * leader's pid. The exec runs to completion; the SIGSTOP is pending and
 * is dequeued on the first return to user mode, i.e. before the first
 * instruction of the new image. Seized before that point, the tracer
 * gets it as a signal-delivery-stop; seized after it (already in
 * group-stop) as a PTRACE_EVENT_STOP. Either way the filter is injected there, and
 * the SIGSTOP is suppressed (or SIGCONT sent) before the program runs. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/log.h"
#include "monitor/tracer.h"

#define SETTLE_MS	500
#define EXEC_WAIT_MS	1000
#define REAP_TICK_US	5000
#define FIRST_TICK_US	500	/* an interpreter's event: answered soon */
#define NREAPED		64
#define NTIDS		256

/* A seize waits for an exec in the same process (both take
 * cred_guard_mutex), and that exec can wait for us in two ways. Its
 * de_thread waits until the threads it killed are reaped, and those we
 * seized are ours to reap; and it may raise an exec permission event
 * (execs.c), which we must answer. So while a seize waits, a timer ticks:
 * seize_tick() reaps the exited threads of the process being seized
 * (listed with getdents64 on its task directory, opened before: nothing
 * in the handler allocates) and has fan_tick() answer that process's
 * events; the seize then goes on by itself (the kernel restarts it after
 * the handler). Each thread is looked at with WNOWAIT first: a ptrace
 * stop is waitable even without WSTOPPED, and a stop is the loop's to
 * take. What was reaped is forgotten when the seize returns, before the
 * next one: the tids kept in reaped[], or, past NREAPED of them, every
 * thread of the process that is gone. (Reaping used to stop at NREAPED:
 * with a 100-thread program whose exec had killed more than that many
 * threads we had seized, de_thread waited for good.) */
static int seizing_tasks = -1;
static pid_t reaped[NREAPED];
static volatile sig_atomic_t nreaped;
static volatile sig_atomic_t reaped_more;	/* than reaped[] holds */

static void
reap_tid(pid_t tid)
{
	const int how = WEXITED | WNOHANG | __WALL;
	siginfo_t si;

	si.si_pid = 0;
	if (waitid(P_PID, tid, &si, how | WNOWAIT) < 0 || si.si_pid == 0 ||
	    si.si_code == CLD_TRAPPED || si.si_code == CLD_STOPPED ||
	    si.si_code == CLD_CONTINUED)
		return;
	if (waitid(P_PID, tid, &si, how) != 0 || si.si_pid == 0)
		return;
	if (nreaped < NREAPED)
		reaped[nreaped++] = tid;
	else
		reaped_more = 1;
}

/* After a seize that reaped more threads than reaped[] holds: the
 * threads of p that are gone are forgotten (p is held by the caller). */
static void
forget_gone(struct proc *p)
{
	struct tracee *t, *next;

	for (t = tr->tracees; t != NULL; t = next) {
		next = t->next;
		if (t->p == p && syscall(SYS_tgkill, p->tgid, t->tid, 0) < 0 &&
		    errno == ESRCH)
			tracee_free(t);
	}
}

void
seize_tick(int sig)
{
	char buf[4096] __attribute__((aligned(8)));
	static pid_t tids[NTIDS];
	struct dirent64 *de;
	long n, off;
	int saved = errno, ntids = 0;
	pid_t tid;
	char *c;

	(void)sig;
	if (seizing_tasks < 0 || lseek(seizing_tasks, 0, SEEK_SET) < 0)
		return;
	while ((n = syscall(SYS_getdents64, seizing_tasks, buf, sizeof(buf))) > 0)
		for (off = 0; off < n; off += de->d_reclen) {
			de = (struct dirent64 *)(buf + off);
			for (tid = 0, c = de->d_name; *c >= '0' && *c <= '9'; c++)
				tid = tid * 10 + (*c - '0');
			if (tid <= 0 || *c != '\0')
				continue;
			reap_tid(tid);
			if (ntids < NTIDS)
				tids[ntids++] = tid;
		}
	fan_tick(tids, ntids);
	errno = saved;
}

static int
seize(struct proc *p, pid_t tid)
{
	struct itimerval tick = { { 0, REAP_TICK_US }, { 0, FIRST_TICK_US } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	struct tracee *t;
	int rc, i;

	setitimer(ITIMER_REAL, &tick, NULL);
	rc = ptrace(PTRACE_SEIZE, tid, 0, PTRACE_OPTS);
	setitimer(ITIMER_REAL, &off, NULL);	/* a tick due is handled here */
	for (i = 0; i < nreaped; i++)
		if ((t = tracee_find(reaped[i])) != NULL)
			tracee_free(t);
	nreaped = 0;
	if (reaped_more)
		forget_gone(p);
	reaped_more = 0;
	return rc;
}

/* Seizes every thread of tgid; with interrupt, stops them too. -1 when
 * none is left traced (then p is the caller's to free). */
static int
seize_threads(struct proc *p, bool interrupt, bool sigstop)
{
	char path[64];
	struct dirent *de;
	struct tracee *t;
	DIR *d;
	int added;
	pid_t tid;

	snprintf(path, sizeof(path), "/proc/%d/task", p->tgid);
	p->nthreads++;	/* held: a thread reaped by seize() must not free p */
	seizing_tasks = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	do {	/* again until no thread is new: threads may be starting */
		added = 0;
		if ((d = opendir(path)) == NULL)
			break;
		while ((de = readdir(d)) != NULL) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			tid = atoi(de->d_name);
			if (tracee_find(tid) != NULL)
				continue;
			if (seize(p, tid) < 0)
				continue;
			if (interrupt)
				ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			if ((t = tracee_new(tid, p)) == NULL) {
				ptrace(PTRACE_DETACH, tid, 0, 0);
				continue;
			}
			t->expect_sigstop = sigstop;
			added++;
		}
		closedir(d);
	} while (added > 0);
	if (seizing_tasks >= 0)
		close(seizing_tasks);
	seizing_tasks = -1;
	return --p->nthreads > 0 ? 0 : -1;
}

/* After a running process was seized: if it exec'd meanwhile (fan_tick
 * let its exec go on), it is traced as the program it runs now. */
static void
recheck_exe(struct proc *p)
{
	char exe[PATH_MAX];

	if (read_program(p->tgid, exe, sizeof(exe)) < 0 ||
	    strcmp(exe, p->exe) == 0)
		return;
	snprintf(p->exe, sizeof(p->exe), "%s", exe);
	if (daemon_match(exe) <= 0) {
		note("monitor: released pid=%d exe=%s (exec)", p->tgid, exe);
		release_proc(p);
	}
}

int
attach_proc(pid_t tgid, const char *exe, enum attach how)
{
	bool from_exec = how != ATTACH_RUNNING;
	unsigned allowed = fan_allowed();
	struct proc *p;

	if (proc_find(tgid) != NULL || tgid == getpid() || tgid == tr->daemon)
		return 0;
	if ((p = proc_new(tgid, exe, true)) == NULL)
		return -1;
	p->loader = how == ATTACH_LOADER;
	if (seize_threads(p, !from_exec, from_exec) < 0) {
		log_warn("monitor: cannot trace pid %d (%s): %s", tgid, exe,
		    strerror(errno));
		note("monitor: cannot trace pid=%d exe=%s: %s", tgid, exe,
		    strerror(errno));
		tr->n.errors++;
		proc_free(p);
		return -1;
	}
	tr->n.attached++;
	if (p->loader)
		return 0;	/* said at its first stop, if its program is named */
	note("monitor: tracing pid=%d exe=%s (%s)", tgid, exe,
	    from_exec ? "exec" : "running");
	if (from_exec)
		return 0;
	if (fan_allowed() != allowed)
		recheck_exe(p);
	if (p->active)
		report_existing(p);
	return 0;
}

/* Policies no longer name p. A process that never got the filter is
 * detached at its threads' next stops; one with the filter stays traced
 * but passive (a RET_TRACE filter without a tracer would fail its socket
 * calls with ENOSYS): its stops resume at once. */
void
release_proc(struct proc *p)
{
	struct tracee *t;

	fd_close_all(p);
	p->active = false;
	if (p->filter == FILTER_ON)
		return;
	p->detaching = true;
	for (t = tr->tracees; t != NULL; t = t->next)
		if (t->p == p)
			ptrace(PTRACE_INTERRUPT, t->tid, 0, 0);
}

/* Whether pid lives in another network namespace than ours. */
static bool
other_netns(pid_t pid)
{
	struct stat mine, its;
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	if (fstat(tr->selfns, &mine) < 0 || stat(path, &its) < 0)
		return true;
	return mine.st_ino != its.st_ino || mine.st_dev != its.st_dev;
}

/* Another tracer of ours, a process someone already traces (two tracers
 * attaching each other would stop both for good), or, unless told
 * otherwise, one in another network namespace: never touched. */
bool
untouchable(pid_t pid)
{
	struct pstatus ps;

	if (!tr->any_netns && other_netns(pid))
		return true;
	return read_status(pid, &ps) < 0 || ps.tracer != 0 ||
	    strcmp(ps.name, "ipsecfs-monitor") == 0;
}

static bool
unstarted(void)
{
	struct tracee *t;

	for (t = tr->tracees; t != NULL; t = t->next)
		if (!t->started)
			return true;
	return false;
}

/* Handles the first stops of what a scan attached (the filter goes in
 * there), for up to SETTLE_MS, so that a status asked next shows them
 * traced with their filter. */
static void
settle(void)
{
	int i;

	for (i = 0; i < SETTLE_MS && unstarted(); i++) {
		reap();
		if (unstarted())
			usleep(1000);
	}
}

/* Whether a scan's attach held. A process that execs while we seize its
 * threads loses them all but the exec'ing one, which takes the leader's
 * pid and which we may not have seized: then the kernel no longer has us
 * as the tracer of that pid, and our entries for the process are stale. */
static bool
attach_held(struct proc *p)
{
	struct pstatus ps;

	return read_status(p->tgid, &ps) < 0 || ps.tracer == getpid();
}

static void
forget_proc(struct proc *p)
{
	struct tracee *t, *next;
	int n = p->nthreads;

	for (t = tr->tracees; t != NULL && n > 0; t = next) {
		next = t->next;
		if (t->p == p) {
			n--;
			tracee_free(t);	/* the last one frees p */
		}
	}
}

/* Processes a scan met in the middle of an exec, to attach again. */
#define NRETRY	16
static pid_t retry[NRETRY];
static int nretry;

/* The program of a process whose leader is gone (a zombie has no exe):
 * that of another of its threads. An exec from a thread other than the
 * leader looks like this until it is done. */
static int
read_thread_exe(pid_t pid, char *buf, size_t len)
{
	char path[300];
	struct dirent *de;
	DIR *d;
	ssize_t n = -1;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while (n < 0 && (de = readdir(d)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]) &&
		    atoi(de->d_name) != pid) {
			snprintf(path, sizeof(path), "/proc/%d/task/%s/exe",
			    pid, de->d_name);
			n = readlink(path, buf, len - 1);
		}
	closedir(d);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Whether a process whose leader is a zombie is in the middle of an exec
 * from another thread: the exec'ing thread is alive, the others are
 * zombies or about to be. (A group whose threads are all zombies is
 * not.) */
static bool
exec_pending(pid_t pid)
{
	char path[64];
	struct dirent *de;
	struct pstatus ps;
	bool alive = false;
	DIR *d;

	if (read_status(pid, &ps) < 0 || ps.state != 'Z' || ps.threads < 1)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	if ((d = opendir(path)) == NULL)
		return false;
	while (!alive && (de = readdir(d)) != NULL)
		alive = isdigit((unsigned char)de->d_name[0]) &&
		    read_status(atoi(de->d_name), &ps) == 0 && ps.state != 'Z';
	closedir(d);
	return alive;
}

static void
scan_one(pid_t pid, bool again)
{
	char exe[PATH_MAX];

	if (proc_find(pid) != NULL || pid == getpid() || pid == tr->daemon)
		return;
	if (read_program(pid, exe, sizeof(exe)) < 0) {
		/* kernel thread, gone, or its leader gone: retried if it
		 * runs a named program or is in the middle of an exec */
		if (!again && nretry < NRETRY &&
		    (read_thread_exe(pid, exe, sizeof(exe)) == 0 ?
		    daemon_match(exe) > 0 : exec_pending(pid))) {
			retry[nretry++] = pid;
			return;
		}
		/* or the exec'ing thread has just taken the leader's pid */
		if (read_program(pid, exe, sizeof(exe)) < 0)
			return;
	}
	if (daemon_match(exe) > 0 && !untouchable(pid) &&
	    attach_proc(pid, exe, ATTACH_RUNNING) < 0 && !again && nretry < NRETRY &&
	    kill(pid, 0) == 0)
		retry[nretry++] = pid;
}

void
scan_procs(void)
{
	struct dirent *de;
	struct proc *p;
	DIR *d;
	int i;

	for (p = tr->procs; p != NULL; p = p->next) {
		bool m = !p->detaching && daemon_match(p->exe) > 0;

		if (p->active && !m) {
			note("monitor: released pid=%d exe=%s", p->tgid, p->exe);
			release_proc(p);
		}
		else if (!p->active && m && p->filter == FILTER_ON)
			p->active = true;
	}
	nretry = 0;
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (isdigit((unsigned char)de->d_name[0]))
			scan_one(atoi(de->d_name), false);
	closedir(d);
	settle();
	/* an exec met on the way: once it is done, attach again unless its
	 * own stop (a thread we had seized) kept the process ours */
	for (p = tr->procs; p != NULL; p = p->next)
		if (!p->detaching && !attach_held(p) && nretry < NRETRY)
			retry[nretry++] = p->tgid;
	for (i = 0; i < nretry; i++) {
		if (!exec_alone(retry[i], retry[i]))
			continue;
		if ((p = proc_find(retry[i])) != NULL && attach_held(p))
			continue;
		if (p != NULL)
			forget_proc(p);
		scan_one(retry[i], true);
	}
	if (nretry > 0)
		settle();
}

/* An exec leaves one thread, with the leader's pid: the exec's de_thread
 * kills the others and waits until they are gone. Seizing any of them
 * before that could deadlock: a traced thread killed there waits for us
 * to reap it while our PTRACE_SEIZE of the next one waits for the exec.
 * So we wait, at most EXEC_WAIT_MS, until thread tid is the only one left
 * and holds the leader's pid; false if that never came (the exec failed
 * and the old program runs on). Stops are handled meanwhile: a scan may
 * have seized threads the exec kills, and they wait for us. */
bool
exec_alone(pid_t tgid, pid_t tid)
{
	struct pstatus ps;
	int i;

	for (i = 0; i < EXEC_WAIT_MS * 10; i++) {
		if (read_status(tgid, &ps) < 0)
			return false;
		/* one thread left is not enough: while the leader is a
		 * zombie, the exec'ing thread has yet to take its pid */
		if (ps.threads == 1 && ps.state != 'Z' && (tid == tgid ||
		    (syscall(SYS_tgkill, tgid, tid, 0) < 0 && errno == ESRCH)))
			return true;
		reap();	/* threads of it we seized are ours to reap */
		usleep(100);
	}
	return false;
}


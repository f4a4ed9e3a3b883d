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
#include <unistd.h>

#include "engine/log.h"
#include "monitor/tracer.h"

#define SETTLE_MS	500
#define EXEC_WAIT_MS	1000

/* Seizes every thread of tgid; with interrupt, stops them too. */
static int
seize_threads(struct proc *p, bool interrupt, bool sigstop)
{
	char path[64];
	struct dirent *de;
	struct tracee *t;
	DIR *d;
	int added, total = 0;
	pid_t tid;

	snprintf(path, sizeof(path), "/proc/%d/task", p->tgid);
	do {	/* again until no thread is new: threads may be starting */
		added = 0;
		if ((d = opendir(path)) == NULL)
			return total > 0 ? 0 : -1;
		while ((de = readdir(d)) != NULL) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			tid = atoi(de->d_name);
			if (tracee_find(tid) != NULL)
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_OPTS) < 0)
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
		total += added;
	} while (added > 0);
	return total > 0 ? 0 : -1;
}

int
attach_proc(pid_t tgid, const char *exe, bool from_exec)
{
	struct proc *p;

	if (proc_find(tgid) != NULL || tgid == getpid() || tgid == tr->daemon)
		return 0;
	if ((p = proc_new(tgid, exe, true)) == NULL)
		return -1;
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
	note("monitor: tracing pid=%d exe=%s (%s)", tgid, exe,
	    from_exec ? "exec" : "running");
	if (!from_exec)
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
static bool
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

void
scan_procs(void)
{
	char exe[PATH_MAX];
	struct dirent *de;
	struct proc *p;
	DIR *d;
	pid_t pid;

	for (p = tr->procs; p != NULL; p = p->next) {
		bool m = !p->detaching && daemon_match(p->exe) > 0;

		if (p->active && !m) {
			note("monitor: released pid=%d exe=%s", p->tgid, p->exe);
			release_proc(p);
		}
		else if (!p->active && m && p->filter == FILTER_ON)
			p->active = true;
	}
	if ((d = opendir("/proc")) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (proc_find(pid) != NULL || pid == getpid() || pid == tr->daemon)
			continue;
		if (read_exe(pid, exe, sizeof(exe)) < 0)
			continue;	/* kernel thread or gone */
		if (daemon_match(exe) > 0 && !untouchable(pid))
			attach_proc(pid, exe, false);
	}
	closedir(d);
	settle();
}

int
fan_mark(const char *path, int filesystem)
{
	struct epoll_event ee = { .events = EPOLLIN };

	if (tr->fan < 0) {
		tr->fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC |
		    FAN_NONBLOCK | FAN_REPORT_TID, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
		if (tr->fan < 0)
			return -errno;
		ee.data.fd = tr->fan;
		epoll_ctl(tr->ep, EPOLL_CTL_ADD, tr->fan, &ee);
	}
	if (fanotify_mark(tr->fan, FAN_MARK_ADD | (filesystem ?
	    FAN_MARK_FILESYSTEM : FAN_MARK_MOUNT), FAN_OPEN_EXEC_PERM,
	    AT_FDCWD, path) < 0)
		return -errno;
	return 0;
}

/* An exec leaves one thread, with the leader's pid: the exec's de_thread
 * kills the others and waits until they are gone. Seizing any of them
 * before that could deadlock: a traced thread killed there waits for us
 * to reap it while our PTRACE_SEIZE of the next one waits for the exec.
 * So we wait, at most EXEC_WAIT_MS, until thread tid is the only one left
 * and holds the leader's pid; false if that never came (the exec failed
 * and the old program runs on). */
static bool
exec_alone(pid_t tgid, pid_t tid)
{
	struct pstatus ps;
	int i;

	for (i = 0; i < EXEC_WAIT_MS * 10; i++) {
		if (read_status(tgid, &ps) < 0)
			return false;
		if (ps.threads == 1 && (tid == tgid ||
		    (syscall(SYS_tgkill, tgid, tid, 0) < 0 && errno == ESRCH)))
			return true;
		usleep(100);
	}
	return false;
}

/* An exec of a named program: the exec'ing thread gets a SIGSTOP of its
 * own (a process-wide one could be taken by another thread, which the
 * exec then kills, and be lost), the event is answered, and the process
 * is seized; the SIGSTOP holds it before its first instruction. */
static void
fan_one(const struct fanotify_event_metadata *md)
{
	struct fanotify_response resp = { .fd = md->fd, .response = FAN_ALLOW };
	char link[64], exe[PATH_MAX];
	pid_t tid = md->pid, tgid;
	struct pstatus ps;
	bool stopped = false;
	ssize_t n;

	tr->n.fan_events++;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", md->fd);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n > 0 && !tr->passive && read_status(tid, &ps) == 0) {
		exe[n] = '\0';
		tgid = ps.tgid;
		if (proc_find(tgid) == NULL && tgid != tr->daemon &&
		    daemon_match(exe) > 0 && !untouchable(tgid) &&
		    syscall(SYS_tgkill, tgid, tid, SIGSTOP) == 0)
			stopped = true;
	}
	if (write(tr->fan, &resp, sizeof(resp)) != sizeof(resp))
		tr->n.errors++;
	close(md->fd);
	if (!stopped)
		return;
	if (!exec_alone(tgid, tid) || attach_proc(tgid, exe, true) < 0)
		kill(tgid, SIGCONT);
}

void
fan_handle(void)
{
	char buf[4096] __attribute__((aligned(8)));
	const struct fanotify_event_metadata *md;
	ssize_t len;

	while ((len = read(tr->fan, buf, sizeof(buf))) > 0) {
		for (md = (void *)buf; FAN_EVENT_OK(md, len);
		    md = FAN_EVENT_NEXT(md, len)) {
			if (md->vers != FANOTIFY_METADATA_VERSION)
				return;
			if (md->mask & FAN_Q_OVERFLOW)
				tr->n.fan_overflow++;
			if (md->fd >= 0 && (md->mask & FAN_OPEN_EXEC_PERM))
				fan_one(md);
			else if (md->fd >= 0)
				close(md->fd);
		}
	}
}

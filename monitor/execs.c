/* New programs: fanotify FAN_OPEN_EXEC_PERM on the marked file systems.
 * Every exec there waits for our answer.
 *
 * An exec of a named program: the exec'ing thread gets a SIGSTOP of its
 * own (a process-wide one could be taken by another thread, which the
 * exec then kills, and be lost), the event is answered FAN_ALLOW, and the
 * process is seized; the SIGSTOP holds it before its first instruction
 * (attach.c says how, on every kernel).
 *
 * The exec we let go on may raise more events of its own, still holding
 * cred_guard_mutex, which our PTRACE_SEIZE of it waits for: the opening
 * of its ELF interpreter (the dynamic loader) or of a script's
 * interpreter, and on kernels before 6.8 the program itself. So while a
 * seize waits, its timer tick (attach.c) calls fan_tick(), which answers
 * FAN_ALLOW to the events of the process being seized and keeps the
 * others, unanswered, for fan_handle. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/tracer.h"

#define NHELD	1024

static struct fanotify_event_metadata held[NHELD];
static volatile sig_atomic_t nheld;
static volatile sig_atomic_t nallowed;	/* by fan_tick, ever */
static volatile sig_atomic_t ndenied;	/* by fan_tick, not said yet */

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

static void
answer(const struct fanotify_event_metadata *md, uint32_t response)
{
	struct fanotify_response resp = { .fd = md->fd, .response = response };

	/* once fanotify is closed (passive), the kernel has allowed it */
	if (tr->fan >= 0 && write(tr->fan, &resp, sizeof(resp)) != sizeof(resp))
		tr->n.errors++;
	close(md->fd);
}

/* An event with nothing to answer: an overflow is counted; closed. */
static void
drop(const struct fanotify_event_metadata *md)
{
	if (md->mask & FAN_Q_OVERFLOW)
		tr->n.fan_overflow++;
	if (md->fd >= 0)
		close(md->fd);
}

/* In the seize's signal handler: nothing here allocates. tids are the
 * threads of the process being seized. Past NHELD kept events, the
 * others are denied (the exec fails with EPERM): no exec may wait for
 * good, and none of a named program may go on untraced. */
void
fan_tick(const pid_t *tids, int ntids)
{
	struct fanotify_event_metadata buf[16];
	const struct fanotify_event_metadata *md;
	ssize_t len;
	size_t room;
	int i;

	while (tr->fan >= 0) {
		room = nheld >= NHELD ? 1 : NHELD - nheld < 16 ? NHELD - nheld : 16;
		if ((len = read(tr->fan, buf, room * sizeof(buf[0]))) <= 0)
			return;
		for (md = buf; FAN_EVENT_OK(md, len);
		    md = FAN_EVENT_NEXT(md, len)) {
			for (i = 0; i < ntids && tids[i] != md->pid; i++)
				;
			if (md->fd < 0 || !(md->mask & FAN_OPEN_EXEC_PERM)) {
				drop(md);
			} else if (i < ntids) {
				tr->n.fan_events++;
				answer(md, FAN_ALLOW);
				nallowed++;
			} else if (nheld < NHELD) {
				held[nheld++] = *md;
			} else {
				tr->n.fan_events++;
				answer(md, FAN_DENY);
				ndenied++;
			}
		}
	}
}

unsigned
fan_allowed(void)
{
	return (unsigned)nallowed;
}

static void
fan_one(const struct fanotify_event_metadata *md)
{
	char link[64], exe[PATH_MAX];
	pid_t tid = md->pid, tgid;
	struct pstatus ps;
	bool stopped = false, ld, loader = false;
	ssize_t n;

	tr->n.fan_events++;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", md->fd);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n > 0 && !tr->passive && read_status(tid, &ps) == 0) {
		exe[n] = '\0';
		tgid = ps.tgid;
		/* the loader is asked about as the program it runs, at the
		 * first stop; as an interpreter (every dynamic exec) not at all */
		ld = is_loader(exe);
		loader = ld && exec_names(tid, md->fd);
		if (proc_find(tgid) == NULL && tgid != tr->daemon &&
		    (ld ? loader : daemon_match(exe) > 0) &&
		    !untouchable(tgid) &&
		    syscall(SYS_tgkill, tgid, tid, SIGSTOP) == 0)
			stopped = true;
	}
	answer(md, FAN_ALLOW);
	if (!stopped)
		return;
	if (!exec_alone(tgid, tid) ||
	    attach_proc(tgid, exe, loader ? ATTACH_LOADER : ATTACH_EXEC) < 0)
		kill(tgid, SIGCONT);
}

static void
fan_event(const struct fanotify_event_metadata *md)
{
	if (md->fd >= 0 && (md->mask & FAN_OPEN_EXEC_PERM))
		fan_one(md);
	else
		drop(md);
}

/* The events fan_tick kept; more may come while these are handled. */
void
fan_held(void)
{
	struct fanotify_event_metadata md;

	if (ndenied > 0) {
		note("monitor: denied %d execs: %d others waited while a "
		    "program was attached", (int)ndenied, NHELD);
		ndenied = 0;
	}
	while (nheld > 0) {
		md = held[0];
		memmove(&held[0], &held[1], (nheld - 1) * sizeof(held[0]));
		nheld--;
		fan_event(&md);
	}
}

void
fan_handle(void)
{
	char buf[4096] __attribute__((aligned(8)));
	const struct fanotify_event_metadata *md;
	ssize_t len;

	fan_held();
	while (tr->fan >= 0 && (len = read(tr->fan, buf, sizeof(buf))) > 0) {
		for (md = (void *)buf; FAN_EVENT_OK(md, len);
		    md = FAN_EVENT_NEXT(md, len)) {
			if (md->vers != FANOTIFY_METADATA_VERSION)
				return;
			fan_event(md);
		}
		fan_held();
	}
}

/* The socket monitor: finds the programs that policies name (fanotify
 * exec permission events, /proc scans), traces them with ptrace and a
 * seccomp filter that stops only socket calls, and reports socket events
 * synchronously: the traced call resumes after hooks.event returns. */
#ifndef IPSECFS_MONITOR_H
#define IPSECFS_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/sockev.h"
#include "engine/strbuf.h"

/* A traced call waits this long at most for hooks.app_for_exe or
 * hooks.event; then the call fails with EACCES and the events file says
 * so (once the daemon's thread is back). */
#define MONITOR_ANSWER_MS	5000

struct monitor_hooks {
	/* Whether some policy names program exe; its name into app. */
	bool	(*app_for_exe)(void *arg, const char *exe, char *app, size_t len);
	/* A socket event; 0 when its entries are in place, -errno otherwise
	 * (a mandatory policy then fails the call with EACCES). A value > 0
	 * also means in place, and is a packet mark the tracer ORs into the
	 * socket's SO_MARK before the call goes on (the user-space
	 * datapath's bypass, for a flow the policies leave in the clear). */
	int	(*event)(void *arg, const struct sock_event *ev, char *why, size_t whylen);
	void	*arg;
	/* Trace programs in every network namespace. By default only those
	 * in the daemon's own are traced: its SPD entries act there only. */
	bool	any_netns;
};

struct monitor;

/* Starts the monitor thread. */
int monitor_start(const struct monitor_hooks *hooks, struct monitor **out);
/* Watches execs on the file system holding path: the mount it is on,
 * or with filesystem every mount of that file system (FAN_MARK_FILESYSTEM).
 * Each exec there waits for hooks.app_for_exe; a match is traced from its
 * first instruction. The daemon marks the file systems holding the programs
 * its policies name (absolute paths: that file; bare names: each $PATH
 * directory). A path marked before costs nothing. 0 or -errno. */
int monitor_mark(struct monitor *m, const char *path, bool filesystem);
/* Policies changed: attach running programs that now match, release
 * those that no longer do. Thread-safe; returns at once. */
void monitor_rescan(struct monitor *m);
/* Detaches every tracee (none is left stopped) and ends the thread. */
void monitor_stop(struct monitor *m);
/* Lines for the status file: traced processes, counters. */
void monitor_render_status(struct monitor *m, struct strbuf *sb);
/* The CPU the tracer and the thread answering it share, or -1. */
int monitor_cpu(void);

#endif

/* The file tree (libfuse3, high-level path API): apps/, apps/NAME/{policy,
 * status,sockets}, sas, spd, events, status. See docs/filesystem.md. */
#ifndef IPSECFS_TREE_H
#define IPSECFS_TREE_H

#include <stdbool.h>
#include <sys/types.h>

#include "engine/strbuf.h"

#define FUSE_USE_VERSION 35
#include <fuse.h>

struct engine;
struct apps;

struct tree {
	struct engine	*engine;
	struct apps	*apps;
	bool		 readonly;	/* -o ro: every change fails with EROFS */
	gid_t		 admin_gid;	/* may write besides root; 0: none */
	const char	*mountpoint;
	/* extra lines for the daemon's status file (the monitor's) */
	void		(*status_extra)(void *arg, struct strbuf *sb);
	void		*status_arg;
};

extern const struct fuse_operations tree_ops;

/* Tells poll(2) waiters on `events` that a line arrived (evstream's wake). */
void tree_events_wake(void *unused);

#endif

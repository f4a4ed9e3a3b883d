/* What a path of the tree names. */
#ifndef IPSECFS_NODE_H
#define IPSECFS_NODE_H

#include <limits.h>

#include "fs/names.h"

enum node_kind {
	N_ROOT, N_APPS, N_APP, N_POLICY, N_APP_STATUS, N_SOCKETS, N_TMP,
	N_SAS, N_SPD, N_EVENTS, N_STATUS, N_NONE,
};

struct node {
	enum node_kind	kind;
	char		app[APP_NAME_MAX + 1];
	char		tmp[NAME_MAX + 1];
};

/* Splits path; syntax only (whether apps/NAME exists is not checked).
 * N_NONE: an unknown name at the top. -ENOENT for paths that cannot
 * exist, -ENAMETOOLONG for long names. */
int node_parse(const char *path, struct node *n);
/* Whether the node is a file the daemon generates (never writable). */
int node_generated(enum node_kind k);

#endif

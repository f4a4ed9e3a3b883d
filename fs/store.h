/* The state directory: every accepted policy text, one file per
 * application (STATEDIR/apps/NAME.policy), replaced atomically: a temporary
 * file is written and fsync'ed, renamed over the old one, and the directory
 * is fsync'ed. A crash at any moment leaves either the old or the new text.
 * Functions return 0 or a negative errno. */
#ifndef IPSECFS_STORE_H
#define IPSECFS_STORE_H

#include <stddef.h>

struct store;

/* Creates STATEDIR/apps if needed and takes an exclusive lock on
 * STATEDIR/lock, so two daemons never share a state directory
 * (-EBUSY, with the holder's pid in *holder when known). */
int store_open(const char *statedir, struct store **out, long *holder);
void store_close(struct store *st);
/* Writes the caller's pid into the lock file (after a fork). */
void store_set_pid(struct store *st);

/* A save in two steps, so the caller can make the new text live between
 * them: store_prepare writes and syncs a temporary file; store_commit
 * renames it into place; store_abort throws it away. */
struct store_txn;
int store_prepare(struct store *st, const char *name, const char *text,
    size_t len, struct store_txn **out);
int store_commit(struct store_txn *t);
void store_abort(struct store_txn *t);

/* Whole save in one call. */
int store_save(struct store *st, const char *name, const char *text, size_t len);
int store_remove(struct store *st, const char *name);

/* Calls fn for every saved policy (in no particular order) and removes
 * temporary files a crash left behind. Texts longer than max are reported
 * to fn with text NULL and err -EFBIG. */
typedef void store_load_fn(void *arg, const char *name, const char *text,
    size_t len, int err);
int store_load(struct store *st, size_t max, store_load_fn *fn, void *arg);

/* The path of NAME's saved file, for messages. */
void store_path(const struct store *st, const char *name, char *buf, size_t len);

#endif

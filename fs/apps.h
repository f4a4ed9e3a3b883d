/* The applications of the tree (apps/NAME): the text each one was given,
 * its canonical form, the result of the last load, and the temporary files
 * editors make next to apps/NAME/policy. Policy changes go through here:
 * parse, save to the state directory, hand to the engine, as one step.
 *
 * Two locks: `change` serialises policy changes (parsing happens before it
 * is taken); `lock` guards the table and is held only briefly. Order:
 * change -> lock -> the engine's lock. The engine never calls back.
 * Functions return 0 or a negative errno. */
#ifndef IPSECFS_APPS_H
#define IPSECFS_APPS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "engine/strbuf.h"

#define APPS_MAX	4096	/* applications */
#define APP_TMP_MAX	16	/* temporary files per application */

struct engine;
struct store;
struct apps;
struct tmpfile;

int apps_new(struct engine *e, struct store *st, struct apps **out);
void apps_free(struct apps *a);
/* changed runs (without locks held) after every change of the policy
 * set; program runs for each program a policy names, before the engine
 * gets it. */
void apps_set_hooks(struct apps *a, void (*changed)(void *),
    void (*program)(void *, const char *), void *arg);
/* Loads every saved policy; returns how many failed to load. */
int apps_load(struct apps *a);

size_t apps_count(struct apps *a);
/* Calls fn for each name in order, with the table locked (fn must not
 * call back into apps); stops when fn returns non-zero. */
void apps_each(struct apps *a, int (*fn)(void *, const char *), void *arg);
/* Whether NAME exists; its last change time into *mtime. */
bool apps_exists(struct apps *a, const char *name, struct timespec *mtime);

int apps_create(struct apps *a, const char *name);	/* mkdir */
int apps_remove(struct apps *a, const char *name);	/* rmdir */
/* mv apps/FROM apps/TO: the policy moves to the new name. */
int apps_rename_app(struct apps *a, const char *from, const char *to,
    bool noreplace);
/* Replaces NAME's policy with text: -EINVAL (and the reason in status)
 * when it does not parse; the old policy then stays. Empty text leaves
 * the application without a policy. */
int apps_apply(struct apps *a, const char *name, const char *text, size_t len);

/* Appends the canonical policy text / the status file to sb. */
int apps_render_policy(struct apps *a, const char *name, struct strbuf *sb);
int apps_render_status(struct apps *a, const char *name, struct strbuf *sb);
/* "apps=N apps_failed=M" for the daemon's status. */
void apps_render_summary(struct apps *a, struct strbuf *sb);

/* Temporary files in apps/NAME/ (any name but policy, status, sockets):
 * held in memory, shared by every open of the same name. */
int apps_tmp_create(struct apps *a, const char *app, const char *tname,
    mode_t mode, struct tmpfile **out);
int apps_tmp_open(struct apps *a, const char *app, const char *tname,
    struct tmpfile **out);
void apps_tmp_put(struct apps *a, struct tmpfile *t);
ssize_t apps_tmp_read(struct apps *a, struct tmpfile *t, char *buf,
    size_t size, off_t off);
ssize_t apps_tmp_write(struct apps *a, struct tmpfile *t, const char *buf,
    size_t size, off_t off, bool append);
int apps_tmp_truncate(struct apps *a, struct tmpfile *t, off_t size);
int apps_tmp_chmod(struct apps *a, struct tmpfile *t, mode_t mode);
/* st_mode, st_size, st_mtim of a temporary file. */
int apps_tmp_stat(struct apps *a, const char *app, const char *tname,
    mode_t *mode, size_t *size, struct timespec *mtime);
int apps_tmp_unlink(struct apps *a, const char *app, const char *tname);
/* rename(2) inside apps/NAME/: temp -> temp, temp -> policy (applies
 * the text, -EINVAL when it does not parse), policy -> temp (copies the
 * current text, as editors do for a backup; policy stays). */
int apps_rename(struct apps *a, const char *app, const char *from, const char *to);
void apps_tmp_each(struct apps *a, const char *app,
    int (*fn)(void *, const char *), void *arg);

#endif

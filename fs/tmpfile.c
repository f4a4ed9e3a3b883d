/* Temporary files next to apps/NAME/policy: what editors, sed -i and
 * `cp x tmp && mv tmp policy` write before renaming onto policy. They
 * live in memory only; see apps.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/policy.h"
#include "fs/apps_int.h"

static struct tmpfile **
tmp_slot(struct app *ap, const char *tname)
{
	struct tmpfile **pp;

	for (pp = &ap->tmps; *pp != NULL; pp = &(*pp)->next)
		if (strcmp((*pp)->name, tname) == 0)
			return pp;
	return NULL;
}

/* Unlinks *pp from its application. Table locked. */
static void
tmp_unlink(struct app *ap, struct tmpfile **pp)
{
	struct tmpfile *t = *pp;

	*pp = t->next;
	t->next = NULL;
	t->linked = false;
	ap->ntmps--;
	apps_tmp_unref(t);
}

/* A new file tname in ap, replacing one of that name. Table locked. */
static int
tmp_new(struct app *ap, const char *tname, mode_t mode, struct tmpfile **out)
{
	struct tmpfile *t, **pp;

	if ((pp = tmp_slot(ap, tname)) != NULL)
		tmp_unlink(ap, pp);
	if (ap->ntmps >= APP_TMP_MAX)
		return -ENOSPC;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->name = strdup(tname)) == NULL) {
		free(t);
		return -ENOMEM;
	}
	t->mode = mode & 07777;
	t->refs = 1;
	t->linked = true;
	apps_now(&t->mtime);
	t->next = ap->tmps;
	ap->tmps = t;
	ap->ntmps++;
	*out = t;
	return 0;
}

int
apps_tmp_create(struct apps *a, const char *app, const char *tname,
    mode_t mode, struct tmpfile **out)
{
	struct app *ap;
	int rc;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, app)) == NULL)
		rc = -ENOENT;
	else if (tmp_slot(ap, tname) != NULL)
		rc = -EEXIST;
	else if ((rc = tmp_new(ap, tname, mode, out)) == 0)
		(*out)->refs++;
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int
apps_tmp_open(struct apps *a, const char *app, const char *tname,
    struct tmpfile **out)
{
	struct tmpfile **pp;
	struct app *ap;
	int rc = -ENOENT;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, app)) != NULL &&
	    (pp = tmp_slot(ap, tname)) != NULL) {
		*out = *pp;
		(*pp)->refs++;
		rc = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void
apps_tmp_put(struct apps *a, struct tmpfile *t)
{
	pthread_mutex_lock(&a->lock);
	apps_tmp_unref(t);
	pthread_mutex_unlock(&a->lock);
}

ssize_t
apps_tmp_read(struct apps *a, struct tmpfile *t, char *buf, size_t size,
    off_t off)
{
	size_t n = 0;

	pthread_mutex_lock(&a->lock);
	if (off >= 0 && (size_t)off < t->len) {
		n = t->len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(buf, t->data + off, n);
	}
	pthread_mutex_unlock(&a->lock);
	return (ssize_t)n;
}

/* Grows t to len bytes, zero-filled. Table locked. */
static int
tmp_resize(struct tmpfile *t, size_t len)
{
	char *p;

	if (len > POLICY_MAX_TEXT)
		return -EFBIG;
	if (len > t->len) {
		if ((p = realloc(t->data, len + 1)) == NULL)
			return -ENOMEM;
		memset(p + t->len, 0, len - t->len);
		t->data = p;
	}
	t->len = len;
	apps_now(&t->mtime);
	return 0;
}

ssize_t
apps_tmp_write(struct apps *a, struct tmpfile *t, const char *buf,
    size_t size, off_t off, bool append)
{
	size_t end, old;
	int rc;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	if (append)
		off = (off_t)t->len;
	end = (size_t)off + size;
	old = t->len;
	rc = tmp_resize(t, end > old ? end : old);
	if (rc == 0)
		memcpy(t->data + off, buf, size);
	pthread_mutex_unlock(&a->lock);
	return rc < 0 ? rc : (ssize_t)size;
}

int
apps_tmp_truncate(struct apps *a, struct tmpfile *t, off_t size)
{
	int rc;

	if (size < 0)
		return -EINVAL;
	pthread_mutex_lock(&a->lock);
	rc = tmp_resize(t, (size_t)size);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int
apps_tmp_chmod(struct apps *a, struct tmpfile *t, mode_t mode)
{
	pthread_mutex_lock(&a->lock);
	t->mode = mode & 07777;
	pthread_mutex_unlock(&a->lock);
	return 0;
}

int
apps_tmp_stat(struct apps *a, const char *app, const char *tname,
    mode_t *mode, size_t *size, struct timespec *mtime)
{
	struct tmpfile **pp;
	struct app *ap;
	int rc = -ENOENT;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, app)) != NULL &&
	    (pp = tmp_slot(ap, tname)) != NULL) {
		*mode = (*pp)->mode;
		*size = (*pp)->len;
		*mtime = (*pp)->mtime;
		rc = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int
apps_tmp_unlink(struct apps *a, const char *app, const char *tname)
{
	struct tmpfile **pp;
	struct app *ap;
	int rc = -ENOENT;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, app)) != NULL &&
	    (pp = tmp_slot(ap, tname)) != NULL) {
		tmp_unlink(ap, pp);
		rc = 0;
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

void
apps_tmp_each(struct apps *a, const char *app,
    int (*fn)(void *, const char *), void *arg)
{
	struct tmpfile *t;
	struct app *ap;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, app)) != NULL)
		for (t = ap->tmps; t != NULL; t = t->next)
			if (fn(arg, t->name) != 0)
				break;
	pthread_mutex_unlock(&a->lock);
}

/* policy -> temp: a copy of what policy reads. */
static int
backup_policy(struct apps *a, const char *app, const char *to)
{
	struct tmpfile *t;
	struct app *ap;
	int rc;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, app)) == NULL)
		rc = -ENOENT;
	else if ((rc = tmp_new(ap, to, 0644, &t)) == 0 &&
	    (rc = tmp_resize(t, ap->canonlen)) == 0 && ap->canonlen > 0)
		memcpy(t->data, ap->canon, ap->canonlen);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

/* temp -> policy: applies the text; the temp goes away on success. */
static int
commit_tmp(struct apps *a, const char *app, const char *from)
{
	struct tmpfile **pp, *t = NULL;
	struct app *ap;
	char *text = NULL;
	size_t len = 0;
	int rc = -ENOENT;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, app)) != NULL &&
	    (pp = tmp_slot(ap, from)) != NULL) {
		t = *pp;
		t->refs++;
		len = t->len;
		rc = (text = apps_memdup0(t->data ? t->data : "", len)) ? 0 : -ENOMEM;
	}
	pthread_mutex_unlock(&a->lock);
	if (rc == 0)
		rc = apps_apply(a, app, text, len);
	free(text);
	pthread_mutex_lock(&a->lock);
	if (rc == 0 && (ap = apps_lookup(a, app)) != NULL &&
	    (pp = tmp_slot(ap, from)) != NULL && *pp == t)
		tmp_unlink(ap, pp);
	if (t != NULL)
		apps_tmp_unref(t);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

/* temp -> temp, replacing the target. */
static int
move_tmp(struct apps *a, const char *app, const char *from, const char *to)
{
	struct tmpfile **pp, **tp, *t;
	struct app *ap;
	char *name;
	int rc = -ENOENT;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, app)) != NULL &&
	    (pp = tmp_slot(ap, from)) != NULL) {
		if ((name = strdup(to)) == NULL) {
			rc = -ENOMEM;
		} else {
			t = *pp;
			if ((tp = tmp_slot(ap, to)) != NULL && *tp != t)
				tmp_unlink(ap, tp);
			free(t->name);
			t->name = name;
			rc = 0;
		}
	}
	pthread_mutex_unlock(&a->lock);
	return rc;
}

static bool
is_generated(const char *name)
{
	return strcmp(name, "status") == 0 || strcmp(name, "sockets") == 0;
}

int
apps_rename(struct apps *a, const char *app, const char *from, const char *to)
{
	bool from_policy = strcmp(from, "policy") == 0;
	bool to_policy = strcmp(to, "policy") == 0;

	if (is_generated(from) || is_generated(to))
		return -EPERM;
	if (from_policy && to_policy)
		return 0;
	if (from_policy)
		return backup_policy(a, app, to);
	if (to_policy)
		return commit_tmp(a, app, from);
	if (strcmp(from, to) == 0)
		return 0;
	return move_tmp(a, app, from, to);
}

/* Applications of the tree and their policy changes; see apps.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/engine.h"
#include "engine/events.h"
#include "engine/log.h"
#include "engine/policy.h"
#include "fs/apps.h"
#include "fs/apps_int.h"
#include "fs/names.h"
#include "fs/store.h"

void
apps_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

int
apps_new(struct engine *e, struct store *st, struct apps **out)
{
	struct apps *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&a->change, NULL);
	pthread_mutex_init(&a->lock, NULL);
	a->engine = e;
	a->store = st;
	*out = a;
	return 0;
}

void
apps_tmp_unref(struct tmpfile *t)
{
	if (t != NULL && --t->refs == 0) {
		free(t->name);
		free(t->data);
		free(t);
	}
}

static void
app_free(struct app *ap)
{
	struct tmpfile *t, *n;

	for (t = ap->tmps; t != NULL; t = n) {
		n = t->next;
		t->linked = false;
		apps_tmp_unref(t);
	}
	free(ap->text);
	free(ap->canon);
	free(ap);
}

void
apps_free(struct apps *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n; i++)
		app_free(a->v[i]);
	free(a->v);
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->change);
	free(a);
}

void
apps_set_hooks(struct apps *a, void (*changed)(void *),
    void (*program)(void *, const char *), void *arg)
{
	a->changed = changed;
	a->program = program;
	a->hook_arg = arg;
}

static void
notify_changed(struct apps *a)
{
	if (a->changed != NULL)
		a->changed(a->hook_arg);
}

static void
notify_programs(struct apps *a, const struct policy *p)
{
	size_t i;

	for (i = 0; a->program != NULL && i < p->napps; i++)
		a->program(a->hook_arg, p->apps[i]);
}

/* Index of name, or where it would go (as ~index). Table locked. */
static long
find(struct apps *a, const char *name)
{
	size_t lo = 0, hi = a->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(a->v[mid]->name, name);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ~(long)lo;
}

struct app *
apps_lookup(struct apps *a, const char *name)
{
	long i = find(a, name);

	return i >= 0 ? a->v[i] : NULL;
}

/* Adds an empty application. Table locked. */
static int
insert(struct apps *a, const char *name, struct app **out)
{
	struct app *ap, **v;
	long i = find(a, name);

	if (i >= 0)
		return -EEXIST;
	if (a->n >= APPS_MAX)
		return -ENOSPC;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;

		if ((v = reallocarray(a->v, cap, sizeof(*v))) == NULL)
			return -ENOMEM;
		a->v = v;
		a->cap = cap;
	}
	if ((ap = calloc(1, sizeof(*ap))) == NULL)
		return -ENOMEM;
	snprintf(ap->name, sizeof(ap->name), "%s", name);
	snprintf(ap->result, sizeof(ap->result), "ok");
	apps_now(&ap->mtime);
	i = ~i;
	memmove(a->v + i + 1, a->v + i, (a->n - (size_t)i) * sizeof(*a->v));
	a->v[i] = ap;
	a->n++;
	*out = ap;
	return 0;
}

char *
apps_memdup0(const char *p, size_t len)
{
	char *s = malloc(len + 1);

	if (s != NULL) {
		memcpy(s, p, len);
		s[len] = '\0';
	}
	return s;
}

/* Replaces text and canonical form (taking both). Table locked. */
static void
set_texts(struct app *ap, char *text, size_t len, char *canon, size_t clen)
{
	free(ap->text);
	free(ap->canon);
	ap->text = text;
	ap->textlen = len;
	ap->canon = canon;
	ap->canonlen = clen;
	apps_now(&ap->mtime);
}

struct loaded {
	struct apps	*a;
	int		 failed;
};

static void
load_one(void *arg, const char *name, const char *text, size_t len, int err)
{
	struct loaded *l = arg;
	struct apps *a = l->a;
	struct policy_error perr = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct policy *p = NULL;
	struct app *ap;
	char path[4096];
	size_t clen;
	char *canon;
	int rc;

	store_path(a->store, name, path, sizeof(path));
	if ((rc = insert(a, name, &ap)) < 0) {
		log_err("%s: %s", path, strerror(-rc));
		l->failed++;
		return;
	}
	if (err < 0) {
		snprintf(ap->result, sizeof(ap->result),
		    "error: 0:0: saved file %.200s: %s", path, strerror(-err));
		ap->failed = true;
		log_err("%s: %s", path, strerror(-err));
		l->failed++;
		return;
	}
	if (len == 0)
		return;
	if ((p = policy_parse(text, len, &perr)) == NULL) {
		snprintf(ap->result, sizeof(ap->result),
		    "error: %d:%d: %s (saved file %.200s, not loaded)",
		    perr.line, perr.col, perr.msg, path);
		log_err("%s:%d:%d: %s; policy of %s not loaded", path,
		    perr.line, perr.col, perr.msg, name);
		events_emit("policy app=%s load failed: %d:%d: %s", name,
		    perr.line, perr.col, perr.msg);
		/* keep the text, so reading policy shows what to fix */
		set_texts(ap, apps_memdup0(text, len), len, apps_memdup0(text, len), len);
		ap->failed = true;
		l->failed++;
		return;
	}
	policy_print(p, &sb);
	canon = strbuf_detach(&sb, &clen);
	notify_programs(a, p);
	/* the engine takes p, also when it refuses it */
	if ((rc = engine_set_policy(a->engine, name, p)) < 0) {
		snprintf(ap->result, sizeof(ap->result),
		    "error: 0:0: engine refused the saved policy: %s", strerror(-rc));
		log_err("%s: engine: %s", path, strerror(-rc));
		ap->failed = true;
		l->failed++;
	}
	set_texts(ap, apps_memdup0(text, len), len, canon, clen);
}

int
apps_load(struct apps *a)
{
	struct loaded l = { a, 0 };
	int rc;

	pthread_mutex_lock(&a->change);
	pthread_mutex_lock(&a->lock);
	rc = store_load(a->store, POLICY_MAX_TEXT, load_one, &l);
	pthread_mutex_unlock(&a->lock);
	pthread_mutex_unlock(&a->change);
	if (rc < 0)
		return rc;
	log_info("loaded %zu application policies (%d failed)", a->n, l.failed);
	notify_changed(a);
	return l.failed;
}

size_t
apps_count(struct apps *a)
{
	size_t n;

	pthread_mutex_lock(&a->lock);
	n = a->n;
	pthread_mutex_unlock(&a->lock);
	return n;
}

void
apps_each(struct apps *a, int (*fn)(void *, const char *), void *arg)
{
	size_t i;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->n; i++)
		if (fn(arg, a->v[i]->name) != 0)
			break;
	pthread_mutex_unlock(&a->lock);
}

bool
apps_exists(struct apps *a, const char *name, struct timespec *mtime)
{
	struct app *ap;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, name)) != NULL && mtime != NULL)
		*mtime = ap->mtime;
	pthread_mutex_unlock(&a->lock);
	return ap != NULL;
}

int
apps_create(struct apps *a, const char *name)
{
	struct app *ap;
	int rc;

	if ((rc = app_name_check(name)) < 0)
		return rc;
	pthread_mutex_lock(&a->change);
	pthread_mutex_lock(&a->lock);
	rc = apps_lookup(a, name) != NULL ? -EEXIST : 0;
	pthread_mutex_unlock(&a->lock);
	/* an empty saved file keeps the directory across restarts */
	if (rc == 0 && (rc = store_save(a->store, name, "", 0)) == 0) {
		pthread_mutex_lock(&a->lock);
		rc = insert(a, name, &ap);
		pthread_mutex_unlock(&a->lock);
		if (rc < 0)
			store_remove(a->store, name);
	}
	pthread_mutex_unlock(&a->change);
	if (rc == 0)
		events_emit("app %s created", name);
	return rc;
}

int
apps_remove(struct apps *a, const char *name)
{
	struct app *ap = NULL;
	long i;
	int rc;

	pthread_mutex_lock(&a->change);
	pthread_mutex_lock(&a->lock);
	rc = apps_lookup(a, name) != NULL ? 0 : -ENOENT;
	pthread_mutex_unlock(&a->lock);
	if (rc == 0)
		rc = store_remove(a->store, name);
	if (rc == 0) {
		rc = engine_remove_policy(a->engine, name);
		if (rc == -ENOENT)
			rc = 0;
		pthread_mutex_lock(&a->lock);
		if ((i = find(a, name)) >= 0) {
			ap = a->v[i];
			memmove(a->v + i, a->v + i + 1,
			    (a->n - (size_t)i - 1) * sizeof(*a->v));
			a->n--;
		}
		pthread_mutex_unlock(&a->lock);
		if (ap != NULL)
			app_free(ap);
	}
	pthread_mutex_unlock(&a->change);
	if (rc == 0) {
		events_emit("app %s removed", name);
		notify_changed(a);
	}
	return rc;
}

static void
set_result(struct apps *a, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
set_result(struct apps *a, const char *name, const char *fmt, ...)
{
	struct app *ap;
	va_list ap_;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, name)) != NULL) {
		va_start(ap_, fmt);
		vsnprintf(ap->result, sizeof(ap->result), fmt, ap_);
		va_end(ap_);
	}
	pthread_mutex_unlock(&a->lock);
}

/* Empty text: the application stays, without a policy. Change locked. */
static int
clear_policy(struct apps *a, const char *name)
{
	struct app *ap;
	int rc;

	if ((rc = store_save(a->store, name, "", 0)) < 0) {
		set_result(a, name, "error: 0:0: cannot save: %s", strerror(-rc));
		return rc;
	}
	rc = engine_remove_policy(a->engine, name);
	if (rc < 0 && rc != -ENOENT)
		log_err("engine: removing the policy of %s: %s", name, strerror(-rc));
	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, name)) != NULL) {
		set_texts(ap, NULL, 0, NULL, 0);
		ap->failed = false;
		snprintf(ap->result, sizeof(ap->result), "ok");
	}
	pthread_mutex_unlock(&a->lock);
	events_emit("policy app=%s cleared", name);
	return 0;
}

/* Saves, installs, records. Change locked; takes p. */
static int
install(struct apps *a, const char *name, const char *text, size_t len,
    struct policy *p)
{
	struct strbuf sb = STRBUF_INIT;
	struct store_txn *txn;
	char *copy, *canon;
	struct app *ap;
	size_t clen;
	int rc;

	policy_print(p, &sb);
	canon = strbuf_detach(&sb, &clen);
	copy = apps_memdup0(text, len);
	if (canon == NULL || copy == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = store_prepare(a->store, name, text, len, &txn)) < 0) {
		set_result(a, name, "error: 0:0: cannot save: %s", strerror(-rc));
		goto fail;
	}
	notify_programs(a, p);
	rc = engine_set_policy(a->engine, name, p);
	p = NULL;	/* the engine's now, also when it refuses it */
	if (rc < 0) {
		store_abort(txn);
		set_result(a, name, "error: 0:0: not installed: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = store_commit(txn)) < 0)
		log_err("policy of %s is in force but was not saved: %s", name,
		    strerror(-rc));
	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, name)) != NULL) {
		set_texts(ap, copy, len, canon, clen);
		copy = canon = NULL;
		ap->failed = false;
		if (rc < 0)
			snprintf(ap->result, sizeof(ap->result),
			    "ok (in force, but not saved: %s)", strerror(-rc));
		else
			snprintf(ap->result, sizeof(ap->result), "ok");
	}
	pthread_mutex_unlock(&a->lock);
	rc = 0;
fail:
	policy_free(p);
	free(copy);
	free(canon);
	return rc;
}

int
apps_apply(struct apps *a, const char *name, const char *text, size_t len)
{
	struct policy_error perr = { 0 };
	struct policy *p = NULL;
	int rc;

	if (len > POLICY_MAX_TEXT)
		return -EFBIG;
	if (len > 0 && (p = policy_parse(text, len, &perr)) == NULL) {
		set_result(a, name, "error: %d:%d: %s", perr.line, perr.col,
		    perr.msg);
		events_emit("policy app=%s rejected: %d:%d: %s", name,
		    perr.line, perr.col, perr.msg);
		return -EINVAL;
	}
	pthread_mutex_lock(&a->change);
	if (!apps_exists(a, name, NULL)) {
		policy_free(p);
		rc = -ENOENT;
	} else if (p == NULL) {
		rc = clear_policy(a, name);
	} else {
		rc = install(a, name, text, len, p);
	}
	pthread_mutex_unlock(&a->change);
	if (rc == 0)
		notify_changed(a);
	return rc;
}

int
apps_render_policy(struct apps *a, const char *name, struct strbuf *sb)
{
	struct app *ap;
	int rc = 0;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, name)) == NULL)
		rc = -ENOENT;
	else if (ap->canon != NULL)
		strbuf_add(sb, ap->canon, ap->canonlen);
	pthread_mutex_unlock(&a->lock);
	return rc;
}

int
apps_render_status(struct apps *a, const char *name, struct strbuf *sb)
{
	struct app *ap;

	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, name)) == NULL) {
		pthread_mutex_unlock(&a->lock);
		return -ENOENT;
	}
	strbuf_printf(sb, "%s\n", ap->result);
	pthread_mutex_unlock(&a->lock);
	engine_render_app_status(a->engine, name, sb);
	return 0;
}

void
apps_render_summary(struct apps *a, struct strbuf *sb)
{
	size_t i, failed = 0;

	pthread_mutex_lock(&a->lock);
	for (i = 0; i < a->n; i++)
		failed += a->v[i]->failed;
	strbuf_printf(sb, "apps=%zu apps_failed=%zu\n", a->n, failed);
	pthread_mutex_unlock(&a->lock);
}

/* Moves the record of from to the name to. Table locked. */
static void
rename_record(struct apps *a, const char *from, const char *to)
{
	struct app *ap;
	long i = find(a, from), j;

	if (i < 0)
		return;
	ap = a->v[i];
	memmove(a->v + i, a->v + i + 1, (a->n - (size_t)i - 1) * sizeof(*a->v));
	a->n--;
	snprintf(ap->name, sizeof(ap->name), "%s", to);
	j = ~find(a, to);
	memmove(a->v + j + 1, a->v + j, (a->n - (size_t)j) * sizeof(*a->v));
	a->v[j] = ap;
	a->n++;
}

int
apps_rename_app(struct apps *a, const char *from, const char *to,
    bool noreplace)
{
	struct policy_error perr;
	struct policy *p = NULL;
	struct app *ap;
	char *text = NULL;
	size_t len = 0;
	bool live = false;
	int rc;

	if ((rc = app_name_check(to)) < 0)
		return rc;
	if (strcmp(from, to) == 0)
		return 0;
	pthread_mutex_lock(&a->change);
	pthread_mutex_lock(&a->lock);
	if ((ap = apps_lookup(a, from)) == NULL) {
		rc = -ENOENT;
	} else if (apps_lookup(a, to) != NULL) {
		rc = noreplace ? -EEXIST : -ENOTEMPTY;
	} else {
		live = ap->text != NULL && !ap->failed;
		len = ap->textlen;
		if ((text = apps_memdup0(ap->text ? ap->text : "", len)) == NULL)
			rc = -ENOMEM;
	}
	pthread_mutex_unlock(&a->lock);
	if (rc == 0 && live && (p = policy_parse(text, len, &perr)) == NULL)
		rc = -EINVAL;
	if (rc == 0)
		rc = store_save(a->store, to, text, len);
	if (rc == 0 && p != NULL) {
		notify_programs(a, p);
		if ((rc = engine_set_policy(a->engine, to, p)) < 0)
			store_remove(a->store, to);	/* p is the engine's */
	}
	if (rc == 0) {
		if (live)
			engine_remove_policy(a->engine, from);
		store_remove(a->store, from);
		pthread_mutex_lock(&a->lock);
		rename_record(a, from, to);
		pthread_mutex_unlock(&a->lock);
	}
	pthread_mutex_unlock(&a->change);
	free(text);
	if (rc == 0) {
		events_emit("app %s renamed to %s", from, to);
		notify_changed(a);
	}
	return rc;
}

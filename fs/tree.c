/* The file tree: libfuse3 operations over fs/apps.c (policies and their
 * temporary files), fs/evstream.c (events) and the engine's renderers.
 * Every open gets its own buffer: generated files are rendered at open,
 * so a reader sees one consistent, whole text; writes to policy collect in
 * the buffer and are applied on close (flush). Files use direct I/O, so
 * the kernel never serves stale cached pages. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/log.h"
#include "engine/policy.h"
#include "fs/apps.h"
#include "fs/evstream.h"
#include "fs/node.h"
#include "fs/tree.h"

#include <fuse_lowlevel.h>

struct handle {
	struct handle	*prev, *next;	/* every open, freed at unmount */
	enum node_kind	 kind;
	char		 app[APP_NAME_MAX + 1];
	struct strbuf	 sb;		/* rendered text, or policy being written */
	bool		 writable;
	bool		 append;
	bool		 dirty;		/* policy written since the last apply */
	bool		 emptied;	/* opened with O_TRUNC, nothing applied yet */
	struct tmpfile	*tmp;
	struct evreader	 ev;
};

static struct tree *
tree(void)
{
	return fuse_get_context()->private_data;
}

static struct handle *
handle_of(struct fuse_file_info *fi)
{
	return (struct handle *)(uintptr_t)fi->fh;
}

/* Whether the caller may change the tree: root or the admin group. */
static int
may_write(struct tree *t)
{
	struct fuse_context *c = fuse_get_context();
	gid_t groups[64];
	int i, n;

	if (t->readonly)
		return -EROFS;
	if (c->uid == 0)
		return 0;
	if (t->admin_gid == 0)
		return -EACCES;
	if (c->gid == t->admin_gid)
		return 0;
	n = fuse_getgroups(64, groups);
	for (i = 0; i < n && i < 64; i++)
		if (groups[i] == t->admin_gid)
			return 0;
	return -EACCES;
}

/* Renders a generated file or the policy into sb. */
static int
render(struct tree *t, const struct node *n, struct strbuf *sb)
{
	int rc = 0;

	switch (n->kind) {
	case N_POLICY:
		rc = apps_render_policy(t->apps, n->app, sb);
		break;
	case N_APP_STATUS:
		rc = apps_render_status(t->apps, n->app, sb);
		break;
	case N_SOCKETS:
		if (!apps_exists(t->apps, n->app, NULL))
			return -ENOENT;
		engine_render_sockets(t->engine, n->app, sb);
		break;
	case N_SAS:
		engine_render_sas(t->engine, sb);
		break;
	case N_SPD:
		engine_render_spd(t->engine, sb);
		break;
	case N_STATUS:
		strbuf_printf(sb, "mountpoint=%s readonly=%s\n", t->mountpoint,
		    t->readonly ? "yes" : "no");
		apps_render_summary(t->apps, sb);
		engine_render_status(t->engine, sb);
		if (t->status_extra != NULL)
			t->status_extra(t->status_arg, sb);
		break;
	default:
		return -EINVAL;
	}
	if (rc == 0 && strbuf_failed(sb))
		rc = -ENOMEM;
	return rc;
}

static void
fill_dir(struct stat *st, struct tree *t)
{
	st->st_mode = S_IFDIR | (t->admin_gid ? 0775 : 0755);
	st->st_nlink = 2;
}

static int
tree_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct tree *t = tree();
	struct strbuf sb = STRBUF_INIT;
	struct timespec mt = { 0, 0 };
	struct handle *h = fi ? handle_of(fi) : NULL;
	struct node n;
	size_t size;
	mode_t mode;
	int rc;

	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	memset(st, 0, sizeof(*st));
	st->st_gid = t->admin_gid;
	st->st_nlink = 1;
	clock_gettime(CLOCK_REALTIME, &mt);
	switch (n.kind) {
	case N_ROOT:
	case N_APPS:
		fill_dir(st, t);
		break;
	case N_APP:
		if (!apps_exists(t->apps, n.app, &mt))
			return -ENOENT;
		fill_dir(st, t);
		break;
	case N_TMP:
		if ((rc = apps_tmp_stat(t->apps, n.app, n.tmp, &mode, &size, &mt)) < 0)
			return rc;
		st->st_mode = S_IFREG | mode;
		st->st_size = (off_t)size;
		break;
	case N_EVENTS:
		st->st_mode = S_IFREG | 0444;
		st->st_size = (off_t)evstream_size(&mt);
		break;
	default:
		if (n.kind != N_POLICY && n.kind != N_APP_STATUS && n.kind != N_SOCKETS &&
		    n.kind != N_SAS && n.kind != N_SPD && n.kind != N_STATUS)
			return -ENOENT;
		if (n.app[0] != '\0' && !apps_exists(t->apps, n.app, &mt))
			return -ENOENT;
		st->st_mode = S_IFREG | (n.kind != N_POLICY ? 0444 :
		    t->admin_gid ? 0664 : 0644);
		if (h != NULL && h->kind == n.kind) {
			/* fstat: the size of what this open reads */
			st->st_size = (off_t)h->sb.len;
		} else {
			rc = render(t, &n, &sb);
			st->st_size = (off_t)sb.len;
			strbuf_free(&sb);
			if (rc < 0)
				return rc;
		}
		break;
	}
	st->st_mtim = st->st_ctim = st->st_atim = mt;
	return 0;
}

struct filler {
	void		*buf;
	fuse_fill_dir_t	 fill;
};

static int
add_name(void *arg, const char *name)
{
	struct filler *f = arg;

	return f->fill(f->buf, name, NULL, 0, 0);
}

static int
tree_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
    struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	static const char *const top[] = { "apps", "events", "sas", "spd", "status" };
	static const char *const inapp[] = { "policy", "sockets", "status" };
	struct tree *t = tree();
	struct filler f;
	struct node n;
	size_t i;
	int rc;

	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	f.buf = buf;
	f.fill = fill;
	switch (n.kind) {
	case N_ROOT:
		fill(buf, ".", NULL, 0, 0);
		fill(buf, "..", NULL, 0, 0);
		for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
			fill(buf, top[i], NULL, 0, 0);
		return 0;
	case N_APPS:
		fill(buf, ".", NULL, 0, 0);
		fill(buf, "..", NULL, 0, 0);
		apps_each(t->apps, add_name, &f);
		return 0;
	case N_APP:
		if (!apps_exists(t->apps, n.app, NULL))
			return -ENOENT;
		fill(buf, ".", NULL, 0, 0);
		fill(buf, "..", NULL, 0, 0);
		for (i = 0; i < sizeof(inapp) / sizeof(inapp[0]); i++)
			fill(buf, inapp[i], NULL, 0, 0);
		apps_tmp_each(t->apps, n.app, add_name, &f);
		return 0;
	default:
		return -ENOTDIR;
	}
}

/* Opens the kernel has not released yet: at unmount, releases still in
 * flight are never delivered, so destroy frees what is left. */
static struct {
	pthread_mutex_t	 lock;
	struct handle	*head;
} opens = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct handle *
handle_new(const struct node *n, struct fuse_file_info *fi)
{
	struct handle *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	pthread_mutex_lock(&opens.lock);
	if ((h->next = opens.head) != NULL)
		h->next->prev = h;
	opens.head = h;
	pthread_mutex_unlock(&opens.lock);
	h->kind = n->kind;
	memcpy(h->app, n->app, sizeof(h->app));
	h->writable = (fi->flags & O_ACCMODE) != O_RDONLY;
	h->append = (fi->flags & O_APPEND) != 0;
	fi->fh = (uintptr_t)h;
	fi->direct_io = 1;
	return h;
}

static void
handle_free(struct tree *t, struct handle *h)
{
	pthread_mutex_lock(&opens.lock);
	if (h->prev != NULL)
		h->prev->next = h->next;
	else
		opens.head = h->next;
	if (h->next != NULL)
		h->next->prev = h->prev;
	pthread_mutex_unlock(&opens.lock);
	if (h->tmp != NULL)
		apps_tmp_put(t->apps, h->tmp);
	strbuf_free(&h->sb);
	free(h);
}

static int
open_policy(struct tree *t, const struct node *n, struct fuse_file_info *fi)
{
	bool writing = (fi->flags & O_ACCMODE) != O_RDONLY;
	struct handle *h;
	int rc;

	if (writing && (rc = may_write(t)) < 0)
		return rc;
	if (!writing && (fi->flags & O_TRUNC))
		return -EACCES;
	if ((h = handle_new(n, fi)) == NULL)
		return -ENOMEM;
	if (fi->flags & O_TRUNC) {
		h->emptied = true;	/* `: > policy` empties it, at release */
		if (!apps_exists(t->apps, n->app, NULL))
			rc = -ENOENT;
	} else {
		rc = render(t, n, &h->sb);
	}
	if (rc < 0) {
		handle_free(t, h);
		return rc;
	}
	return 0;
}

static int
tree_open(const char *path, struct fuse_file_info *fi)
{
	struct tree *t = tree();
	struct handle *h;
	struct node n;
	int rc;

	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	if (n.kind == N_ROOT || n.kind == N_APPS || n.kind == N_APP)
		return -EISDIR;
	if (n.kind == N_POLICY)
		return open_policy(t, &n, fi);
	if (node_generated(n.kind) && ((fi->flags & O_ACCMODE) != O_RDONLY ||
	    (fi->flags & O_TRUNC)))
		return t->readonly ? -EROFS : -EACCES;
	if (n.kind == N_TMP && (fi->flags & O_ACCMODE) != O_RDONLY &&
	    (rc = may_write(t)) < 0)
		return rc;
	if ((h = handle_new(&n, fi)) == NULL)
		return -ENOMEM;
	switch (n.kind) {
	case N_TMP:
		rc = apps_tmp_open(t->apps, n.app, n.tmp, &h->tmp);
		if (rc == 0 && (fi->flags & O_TRUNC))
			rc = apps_tmp_truncate(t->apps, h->tmp, 0);
		break;
	case N_EVENTS:
		break;
	default:
		rc = render(t, &n, &h->sb);
		break;
	}
	if (rc < 0) {
		handle_free(t, h);
		return rc;
	}
	return 0;
}

static int
tree_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct tree *t = tree();
	struct handle *h;
	struct node n;
	int rc;

	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	switch (n.kind) {
	case N_TMP:
		break;
	case N_POLICY:
		/* an editor writing policy anew after moving it aside */
		if (fi->flags & O_EXCL)
			return -EEXIST;
		return tree_open(path, fi);
	case N_ROOT:
	case N_APPS:
		return -EEXIST;
	case N_APP:	/* only directories live in apps/ */
		return apps_exists(t->apps, n.app, NULL) ? -EEXIST : -EPERM;
	default:
		return n.kind == N_NONE ? -EPERM :
		    (fi->flags & O_EXCL) ? -EEXIST : t->readonly ? -EROFS : -EACCES;
	}
	if ((rc = may_write(t)) < 0)
		return rc;
	if ((h = handle_new(&n, fi)) == NULL)
		return -ENOMEM;
	if ((rc = apps_tmp_create(t->apps, n.app, n.tmp, mode, &h->tmp)) < 0) {
		handle_free(t, h);
		return rc;
	}
	return 0;
}

static bool
cancelled(void)
{
	struct fuse_context *c = fuse_get_context();

	return fuse_interrupted() || fuse_session_exited(fuse_get_session(c->fuse));
}

static int
tree_read(const char *path, char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	ssize_t n;

	switch (h->kind) {
	case N_EVENTS:
		n = evstream_read(&h->ev, buf, size, off,
		    !(fi->flags & O_NONBLOCK), cancelled);
		if (n == 0 && (fi->flags & O_NONBLOCK) && !cancelled() &&
		    !evstream_readable(&h->ev))
			return -EAGAIN;
		return (int)n;
	case N_TMP:
		return (int)apps_tmp_read(tree()->apps, h->tmp, buf, size, off);
	default:
		if (off < 0 || (size_t)off >= h->sb.len)
			return 0;
		if (size > h->sb.len - (size_t)off)
			size = h->sb.len - (size_t)off;
		memcpy(buf, h->sb.buf + off, size);
		return (int)size;
	}
}

/* Writes into the policy buffer of one open. */
static int
write_policy(struct handle *h, const char *buf, size_t size, off_t off)
{
	size_t end;

	if (h->append)
		off = (off_t)h->sb.len;
	if (off < 0)
		return -EINVAL;
	end = (size_t)off + size;
	if (end > POLICY_MAX_TEXT)
		return -EFBIG;
	while (h->sb.len < end && !strbuf_failed(&h->sb)) {
		static const char zero[256];
		size_t n = end - h->sb.len;

		strbuf_add(&h->sb, zero, n < sizeof(zero) ? n : sizeof(zero));
	}
	if (strbuf_failed(&h->sb))
		return -ENOMEM;
	memcpy(h->sb.buf + off, buf, size);
	h->dirty = true;
	return (int)size;
}

static int
tree_write(const char *path, const char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	struct tree *t = tree();
	struct handle *h = handle_of(fi);

	if (t->readonly)
		return -EROFS;
	if (!h->writable)
		return -EBADF;
	switch (h->kind) {
	case N_POLICY:
		return write_policy(h, buf, size, off);
	case N_TMP:
		return (int)apps_tmp_write(t->apps, h->tmp, buf, size, off, h->append);
	default:
		return -EACCES;
	}
}

/* Applies what this open wrote to policy: close(2) returns the result. */
static int
tree_flush(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	struct tree *t = tree();
	int rc;

	if (h->kind != N_POLICY || !h->dirty)
		return 0;
	h->dirty = h->emptied = false;
	if (strbuf_failed(&h->sb))
		return -ENOMEM;
	rc = apps_apply(t->apps, h->app, h->sb.buf ? h->sb.buf : "", h->sb.len);
	if (rc < 0)
		log_info("write to apps/%s/policy refused: %s", h->app, strerror(-rc));
	return rc;
}

static int
tree_release(const char *path, struct fuse_file_info *fi)
{
	struct handle *h = handle_of(fi);
	struct tree *t = tree();

	/* what no close(2) applied: written through a descriptor that was
	 * never closed by itself (mmap), or `: > policy` */
	if (h->kind == N_POLICY && (h->dirty || h->emptied)) {
		h->dirty = true;
		tree_flush(path, fi);
	}
	handle_free(t, h);
	return 0;
}

static int
tree_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	return 0;
}

static int
truncate_policy(struct tree *t, const struct node *n, off_t size)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if ((rc = may_write(t)) < 0)
		return rc;
	if ((rc = render(t, n, &sb)) == 0) {
		if ((size_t)size > sb.len)
			rc = -EINVAL;
		else if ((size_t)size < sb.len)
			rc = apps_apply(t->apps, n->app, sb.buf, (size_t)size);
	}
	strbuf_free(&sb);
	return rc;
}

static int
tree_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct handle *h = fi ? handle_of(fi) : NULL;
	struct tree *t = tree();
	struct tmpfile *tf;
	struct node n;
	int rc;

	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	if (size < 0)
		return -EINVAL;
	if (t->readonly)
		return -EROFS;
	if (n.kind == N_ROOT || n.kind == N_APPS || n.kind == N_APP)
		return -EISDIR;
	if (node_generated(n.kind))
		return -EACCES;
	if (h != NULL && h->kind == N_POLICY) {
		if (!h->writable)
			return -EBADF;
		if ((size_t)size > POLICY_MAX_TEXT)
			return -EFBIG;
		if ((size_t)size > h->sb.len)
			return write_policy(h, "", 0, size) < 0 ? -ENOMEM : 0;
		h->sb.len = (size_t)size;
		if (h->sb.buf != NULL)
			h->sb.buf[size] = '\0';
		h->dirty = true;
		return 0;
	}
	if (h != NULL && h->kind == N_TMP)
		return apps_tmp_truncate(t->apps, h->tmp, size);
	if (n.kind == N_POLICY) {
		log_debug("truncate apps/%s/policy to %lld", n.app, (long long)size);
		return truncate_policy(t, &n, size);
	}
	if ((rc = may_write(t)) < 0)
		return rc;
	if ((rc = apps_tmp_open(t->apps, n.app, n.tmp, &tf)) < 0)
		return rc;
	rc = apps_tmp_truncate(t->apps, tf, size);
	apps_tmp_put(t->apps, tf);
	return rc;
}

static int
tree_mkdir(const char *path, mode_t mode)
{
	struct tree *t = tree();
	struct node n;
	int rc;

	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	if (n.kind != N_APP)
		return n.kind == N_NONE || n.kind == N_TMP ? -EPERM : -EEXIST;
	if ((rc = may_write(t)) < 0)
		return rc;
	return apps_create(t->apps, n.app);
}

static int
tree_rmdir(const char *path)
{
	struct tree *t = tree();
	struct node n;
	int rc;

	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	if (n.kind == N_ROOT || n.kind == N_APPS)
		return -EBUSY;
	if (n.kind != N_APP)
		return -ENOTDIR;
	if ((rc = may_write(t)) < 0)
		return rc;
	return apps_remove(t->apps, n.app);
}

static int
tree_unlink(const char *path)
{
	struct tree *t = tree();
	struct node n;
	int rc;

	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	if (n.kind == N_ROOT || n.kind == N_APPS || n.kind == N_APP)
		return -EISDIR;
	if (n.kind != N_TMP)
		return t->readonly ? -EROFS : -EPERM;
	if ((rc = may_write(t)) < 0)
		return rc;
	return apps_tmp_unlink(t->apps, n.app, n.tmp);
}

static int
tree_rename(const char *from, const char *to, unsigned int flags)
{
	struct tree *t = tree();
	struct node a, b;
	int rc;

	if ((rc = node_parse(from, &a)) < 0 || (rc = node_parse(to, &b)) < 0)
		return rc;
	if ((rc = may_write(t)) < 0)
		return rc;
	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (a.kind == N_APP && b.kind == N_APP)
		return apps_rename_app(t->apps, a.app, b.app, flags & RENAME_NOREPLACE);
	if (a.app[0] == '\0' || b.app[0] == '\0' || a.kind == N_APP || b.kind == N_APP)
		return -EPERM;
	if (strcmp(a.app, b.app) != 0)
		return -EXDEV;
	if ((flags & RENAME_NOREPLACE) && b.kind != N_TMP)
		return -EEXIST;
	if ((flags & RENAME_NOREPLACE) &&
	    apps_tmp_stat(t->apps, b.app, b.tmp, &(mode_t){ 0 }, &(size_t){ 0 },
	    &(struct timespec){ 0, 0 }) == 0)
		return -EEXIST;
	return apps_rename(t->apps, a.app, a.tmp, b.tmp);
}

/* chmod, chown: temporary files take them; other files only accept what
 * they already are (so cp -p and sed -i work), anything else is EPERM. */
static int
tree_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct tree *t = tree();
	struct stat st;
	struct tmpfile *tf;
	struct node n;
	int rc;

	if ((rc = tree_getattr(path, &st, NULL)) < 0)
		return rc;
	if (t->readonly)
		return -EROFS;
	if ((rc = may_write(t)) < 0)
		return rc;
	if ((rc = node_parse(path, &n)) < 0)
		return rc;
	if (n.kind == N_TMP) {
		if ((rc = apps_tmp_open(t->apps, n.app, n.tmp, &tf)) < 0)
			return rc;
		rc = apps_tmp_chmod(t->apps, tf, mode);
		apps_tmp_put(t->apps, tf);
		return rc;
	}
	return (st.st_mode & 07777) == (mode & 07777) ? 0 : -EPERM;
}

static int
tree_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct tree *t = tree();
	struct stat st;
	int rc;

	if ((rc = tree_getattr(path, &st, NULL)) < 0)
		return rc;
	if (t->readonly)
		return -EROFS;
	if ((rc = may_write(t)) < 0)
		return rc;
	if ((uid != (uid_t)-1 && uid != st.st_uid) ||
	    (gid != (gid_t)-1 && gid != st.st_gid))
		return -EPERM;
	return 0;
}

static int
tree_utimens(const char *path, const struct timespec tv[2],
    struct fuse_file_info *fi)
{
	struct tree *t = tree();
	struct stat st;
	int rc;

	if ((rc = tree_getattr(path, &st, NULL)) < 0)
		return rc;
	if (t->readonly)
		return -EROFS;
	/* times are the daemon's; touch(1) succeeds and changes nothing */
	return may_write(t);
}

/* poll(2) on events: pending handles are notified when a line arrives. */
static struct {
	pthread_mutex_t		 lock;
	struct fuse_pollhandle	*ph[256];
	size_t			 n;
} pollers = { .lock = PTHREAD_MUTEX_INITIALIZER };

void
tree_events_wake(void *unused)
{
	struct fuse_pollhandle *ph[256];
	size_t i, n;

	pthread_mutex_lock(&pollers.lock);
	n = pollers.n;
	memcpy(ph, pollers.ph, n * sizeof(ph[0]));
	pollers.n = 0;
	pthread_mutex_unlock(&pollers.lock);
	for (i = 0; i < n; i++) {
		fuse_notify_poll(ph[i]);
		fuse_pollhandle_destroy(ph[i]);
	}
}

static int
tree_poll(const char *path, struct fuse_file_info *fi,
    struct fuse_pollhandle *ph, unsigned *reventsp)
{
	struct handle *h = handle_of(fi);

	*reventsp = 0;
	if (h->kind != N_EVENTS) {
		*reventsp = POLLIN | POLLRDNORM | (h->writable ? POLLOUT : 0);
	} else if (evstream_readable(&h->ev)) {
		*reventsp = POLLIN | POLLRDNORM;
	} else if (ph != NULL) {
		pthread_mutex_lock(&pollers.lock);
		if (pollers.n < sizeof(pollers.ph) / sizeof(pollers.ph[0])) {
			pollers.ph[pollers.n++] = ph;
			ph = NULL;
		}
		pthread_mutex_unlock(&pollers.lock);
		if (ph != NULL)		/* too many waiters: wake this one now */
			*reventsp = POLLIN;
	}
	if (ph != NULL)
		fuse_pollhandle_destroy(ph);
	return 0;
}

static void *
tree_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	/* the tree changes behind the kernel's back: cache nothing */
	cfg->entry_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->direct_io = 1;
	cfg->hard_remove = 1;	/* no .fuse_hidden files */
	cfg->kernel_cache = 0;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	log_debug("fuse: protocol %u.%u capable=%#x want=%#x", conn->proto_major,
	    conn->proto_minor, conn->capable, conn->want);
	return fuse_get_context()->private_data;
}

static void
tree_destroy(void *private_data)
{
	struct tree *t = private_data;
	struct fuse_pollhandle *ph;

	while (opens.head != NULL) {
		if (opens.head->kind == N_POLICY && opens.head->dirty)
			log_warn("apps/%s/policy: a write was never closed; "
			    "not applied", opens.head->app);
		handle_free(t, opens.head);
	}
	pthread_mutex_lock(&pollers.lock);
	while (pollers.n > 0) {
		ph = pollers.ph[--pollers.n];
		fuse_pollhandle_destroy(ph);
	}
	pthread_mutex_unlock(&pollers.lock);
}

const struct fuse_operations tree_ops = {
	.init		= tree_init,
	.destroy	= tree_destroy,
	.getattr	= tree_getattr,
	.readdir	= tree_readdir,
	.open		= tree_open,
	.create		= tree_create,
	.read		= tree_read,
	.write		= tree_write,
	.flush		= tree_flush,
	.release	= tree_release,
	.fsync		= tree_fsync,
	.truncate	= tree_truncate,
	.mkdir		= tree_mkdir,
	.rmdir		= tree_rmdir,
	.unlink		= tree_unlink,
	.rename		= tree_rename,
	.chmod		= tree_chmod,
	.chown		= tree_chown,
	.utimens	= tree_utimens,
	.poll		= tree_poll,
};

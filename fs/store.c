/* Policies saved in the state directory; see store.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/log.h"
#include "fs/names.h"
#include "fs/store.h"

#define SUFFIX	".policy"

struct store {
	char	*dir;		/* STATEDIR/apps */
	int	 dirfd;
	int	 lockfd;
};

struct store_txn {
	struct store	*st;
	char		 tmp[NAME_MAX + 1];
	char		 final[NAME_MAX + 1];
};

static int
mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) == -1 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) == -1 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
take_lock(const char *statedir, long *holder)
{
	char path[PATH_MAX], pid[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/lock", statedir);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		n = pread(fd, pid, sizeof(pid) - 1, 0);
		if (n > 0) {
			pid[n] = '\0';
			*holder = strtol(pid, NULL, 10);
		}
		close(fd);
		return err;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pid, (size_t)n, 0) != n) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int
store_open(const char *statedir, struct store **out, long *holder)
{
	struct store *st;
	int rc;

	*holder = 0;
	if ((rc = mkdir_p(statedir, 0700)) < 0)
		return rc;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return -ENOMEM;
	st->dirfd = st->lockfd = -1;
	if (asprintf(&st->dir, "%s/apps", statedir) == -1) {
		st->dir = NULL;
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = take_lock(statedir, holder)) < 0)
		goto fail;
	st->lockfd = rc;
	if ((rc = mkdir_p(st->dir, 0700)) < 0)
		goto fail;
	if ((st->dirfd = open(st->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		rc = -errno;
		goto fail;
	}
	*out = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

void
store_set_pid(struct store *st)
{
	char pid[32];
	int n;

	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(st->lockfd, 0) == -1 || pwrite(st->lockfd, pid, (size_t)n, 0) != n)
		log_warn("cannot write the pid into the lock file: %s", strerror(errno));
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->dirfd != -1)
		close(st->dirfd);
	if (st->lockfd != -1)
		close(st->lockfd);
	free(st->dir);
	free(st);
}

void
store_path(const struct store *st, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s" SUFFIX, st->dir, name);
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A temporary name that is unique in the directory and never loaded
 * (leading dot): ".NAME.policy.XXXXXX". */
static int
open_tmp(struct store *st, const char *name, char *tmp, size_t len)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	char rnd[7];
	unsigned r;
	int fd, i, tries;

	for (tries = 0; tries < 100; tries++) {
		r = (unsigned)random();
		for (i = 0; i < 6; i++, r /= 36)
			rnd[i] = set[r % 36];
		rnd[6] = '\0';
		if (snprintf(tmp, len, ".%s" SUFFIX ".%s", name, rnd) >= (int)len)
			return -ENAMETOOLONG;
		fd = openat(st->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			return fd == -1 ? -errno : fd;
	}
	return -EEXIST;
}

int
store_prepare(struct store *st, const char *name, const char *text,
    size_t len, struct store_txn **out)
{
	struct store_txn *t;
	int fd, rc;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return -ENOMEM;
	t->st = st;
	if (snprintf(t->final, sizeof(t->final), "%s" SUFFIX, name) >=
	    (int)sizeof(t->final)) {
		free(t);
		return -ENAMETOOLONG;
	}
	if ((fd = open_tmp(st, name, t->tmp, sizeof(t->tmp))) < 0) {
		free(t);
		return fd;
	}
	rc = write_all(fd, text, len);
	if (rc == 0 && fsync(fd) == -1)
		rc = -errno;
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		store_abort(t);
		return rc;
	}
	*out = t;
	return 0;
}

int
store_commit(struct store_txn *t)
{
	int rc = 0;

	if (renameat(t->st->dirfd, t->tmp, t->st->dirfd, t->final) == -1) {
		rc = -errno;
		unlinkat(t->st->dirfd, t->tmp, 0);
	} else if (fsync(t->st->dirfd) == -1) {
		rc = -errno;
	}
	free(t);
	return rc;
}

void
store_abort(struct store_txn *t)
{
	if (t == NULL)
		return;
	unlinkat(t->st->dirfd, t->tmp, 0);
	free(t);
}

int
store_save(struct store *st, const char *name, const char *text, size_t len)
{
	struct store_txn *t;
	int rc;

	if ((rc = store_prepare(st, name, text, len, &t)) < 0)
		return rc;
	return store_commit(t);
}

int
store_remove(struct store *st, const char *name)
{
	char file[NAME_MAX + 1];

	if (snprintf(file, sizeof(file), "%s" SUFFIX, name) >= (int)sizeof(file))
		return -ENAMETOOLONG;
	if (unlinkat(st->dirfd, file, 0) == -1)
		return errno == ENOENT ? 0 : -errno;
	if (fsync(st->dirfd) == -1)
		return -errno;
	return 0;
}

static int
read_file(int dirfd, const char *file, size_t max, char **text, size_t *len)
{
	struct stat sb;
	char *buf;
	size_t got = 0;
	ssize_t n;
	int fd, rc = 0;

	if ((fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -errno;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if ((size_t)sb.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n == 0 ? -EIO : -errno;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return 0;
}

int
store_load(struct store *st, size_t max, store_load_fn *fn, void *arg)
{
	char name[NAME_MAX + 1], *text = NULL;
	struct dirent *de;
	size_t n, len = 0;
	DIR *d;
	int fd, rc;

	if ((fd = dup(st->dirfd)) == -1)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (de->d_name[0] == '.') {
			/* a save cut short by a crash */
			if (strstr(de->d_name, SUFFIX ".") != NULL) {
				log_info("removing %s/%s, left by an interrupted save",
				    st->dir, de->d_name);
				unlinkat(st->dirfd, de->d_name, 0);
			}
			continue;
		}
		if (n <= strlen(SUFFIX) ||
		    strcmp(de->d_name + n - strlen(SUFFIX), SUFFIX) != 0)
			continue;
		memcpy(name, de->d_name, n - strlen(SUFFIX));
		name[n - strlen(SUFFIX)] = '\0';
		if (app_name_check(name) != 0) {
			log_warn("%s/%s: not a valid application name, ignored",
			    st->dir, de->d_name);
			continue;
		}
		rc = read_file(st->dirfd, de->d_name, max, &text, &len);
		if (rc < 0) {
			fn(arg, name, NULL, 0, rc);
			continue;
		}
		fn(arg, name, text, len, 0);
		free(text);
	}
	closedir(d);
	return 0;
}

/* For the C tests of the tree: a real ipsecfs daemon ($IPSECFS) on a
 * temporary mount point with its own state directory. They need root and
 * FUSE and exit 77 (skip) without them. */
#ifndef IPSECFS_FS_HARNESS_H
#define IPSECFS_FS_HARNESS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct fsh {
	char	dir[PATH_MAX];		/* temporary directory */
	char	mnt[PATH_MAX + 8];
	char	state[PATH_MAX + 8];
	char	conf[PATH_MAX + 16];
	char	log[PATH_MAX + 8];
	pid_t	pid;			/* the daemon, or 0 */
};

/* Skips (exit 77) unless root with /dev/fuse and $IPSECFS. */
void fsh_setup(struct fsh *h);
/* Starts the daemon and waits (bounded) for the mount; exits 1 on failure. */
void fsh_start(struct fsh *h);
/* SIGTERM (or SIGKILL with hard), waits for the daemon; with SIGTERM it
 * must exit 0 and the mount must be gone. Returns false when it did not exit in time. */
bool fsh_stop(struct fsh *h, bool hard);
/* Stops whatever runs, unmounts, removes the directory. */
void fsh_cleanup(struct fsh *h);
/* path under the mount point / state directory into buf */
const char *fsh_path(struct fsh *h, char *buf, size_t len, const char *rel);

/* Reads a whole file (at most max bytes) into a new NUL-terminated string;
 * NULL on error (errno set). */
char *fsh_read(const char *path, size_t max, size_t *len);
/* Writes text through one open/write(s)/close; returns 0 or the errno of
 * the first failing call (close's included). chunk: bytes per write(2). */
int fsh_write(const char *path, const char *text, size_t len, size_t chunk);

#define FSH_FAIL(...) do { fprintf(stderr, "FAIL: " __VA_ARGS__); \
	fputc('\n', stderr); fsh_fail(); } while (0)
void fsh_fail(void) __attribute__((noreturn));

#endif

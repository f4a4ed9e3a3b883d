#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/unit/fs_harness.h"

static struct fsh *current;

void
fsh_fail(void)
{
	if (current != NULL) {
		char cmd[PATH_MAX + 32];

		snprintf(cmd, sizeof(cmd), "tail -n 20 %s >&2", current->log);
		if (system(cmd) == -1)
			perror("system");
		fsh_cleanup(current);
	}
	exit(1);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

void
fsh_setup(struct fsh *h)
{
	const char *bin = getenv("IPSECFS");
	FILE *f;

	memset(h, 0, sizeof(*h));
	if (geteuid() != 0) {
		printf("SKIP: needs root\n");
		exit(77);
	}
	if (access("/dev/fuse", R_OK | W_OK) != 0 || bin == NULL ||
	    access(bin, X_OK) != 0) {
		printf("SKIP: needs /dev/fuse and $IPSECFS\n");
		exit(77);
	}
	snprintf(h->dir, sizeof(h->dir), "/tmp/ipsecfs-fsc-XXXXXX");
	if (mkdtemp(h->dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	current = h;
	snprintf(h->mnt, sizeof(h->mnt), "%s/mnt", h->dir);
	snprintf(h->state, sizeof(h->state), "%s/state", h->dir);
	snprintf(h->conf, sizeof(h->conf), "%s/ipsecfs.conf", h->dir);
	snprintf(h->log, sizeof(h->log), "%s/log", h->dir);
	if (mkdir(h->mnt, 0755) == -1 || (f = fopen(h->conf, "w")) == NULL)
		FSH_FAIL("%s: %s", h->dir, strerror(errno));
	fprintf(f, "[daemon]\nstatedir = %s\nmountpoint = %s\n", h->state, h->mnt);
	fclose(f);
}

static bool
mounted(struct fsh *h)
{
	char line[4096], want[PATH_MAX + 32];
	bool found = false;
	FILE *f;

	snprintf(want, sizeof(want), " %s fuse.ipsecfs ", h->mnt);
	if ((f = fopen("/proc/mounts", "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, want) != NULL;
	fclose(f);
	return found;
}

void
fsh_start(struct fsh *h)
{
	char status[PATH_MAX + 16];
	int i, fd, st;

	if ((h->pid = fork()) == -1)
		FSH_FAIL("fork: %s", strerror(errno));
	if (h->pid == 0) {
		if ((fd = open(h->log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(getenv("IPSECFS"), "ipsecfs", "-f", "-c", h->conf, h->mnt,
		    (char *)NULL);
		_exit(127);
	}
	snprintf(status, sizeof(status), "%s/status", h->mnt);
	for (i = 0; i < 200; i++) {
		if (mounted(h) && access(status, R_OK) == 0)
			return;
		if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
			h->pid = 0;
			FSH_FAIL("ipsecfs exited before mounting");
		}
		sleep_ms(50);
	}
	FSH_FAIL("ipsecfs did not mount %s in 10 s", h->mnt);
}

bool
fsh_stop(struct fsh *h, bool hard)
{
	int i, st;

	if (h->pid == 0)
		return true;
	kill(h->pid, hard ? SIGKILL : SIGTERM);
	for (i = 0; i < 200; i++) {
		if (waitpid(h->pid, &st, WNOHANG) == h->pid) {
			h->pid = 0;
			if (!hard && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
				fprintf(stderr, "ipsecfs exited with status %#x\n", st);
			return hard || (WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
			    !mounted(h));
		}
		sleep_ms(50);
	}
	return false;
}

void
fsh_cleanup(struct fsh *h)
{
	char cmd[PATH_MAX + 64];

	current = NULL;
	if (h->pid != 0 && !fsh_stop(h, false) && h->pid != 0) {
		kill(h->pid, SIGKILL);
		waitpid(h->pid, NULL, 0);
		h->pid = 0;
	}
	if (mounted(h))
		umount2(h->mnt, MNT_DETACH);
	if (h->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf --one-file-system %s", h->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", h->dir);
	}
}

const char *
fsh_path(struct fsh *h, char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", h->mnt, rel);
	return buf;
}

char *
fsh_read(const char *path, size_t max, size_t *lenp)
{
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, err;

	if ((fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL) {
		close(fd);
		return NULL;
	}
	while (len < max && (n = read(fd, buf + len, max - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err = errno;
			free(buf);
			close(fd);
			errno = err;
			return NULL;
		}
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

int
fsh_write(const char *path, const char *text, size_t len, size_t chunk)
{
	size_t off = 0, n;
	ssize_t w;
	int fd, err = 0;

	if ((fd = open(path, O_WRONLY | O_TRUNC)) == -1)
		return errno;
	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		if ((w = write(fd, text + off, n)) == -1) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		off += (size_t)w;
	}
	if (close(fd) == -1 && err == 0)
		err = errno;
	return err;
}

/* Programs run through the dynamic loader. `ld.so PROGRAM ARGS' execs
 * the loader, which then maps PROGRAM with open and mmap: no exec of
 * PROGRAM is ever seen. So the loader counts as what it was told to run:
 * the first of its arguments that is not one of its own options,
 * resolved in the process's working directory or root. The loader is
 * known by its name (ld-*.so*, ld.so*), which every loader of glibc and
 * musl has; a copy of it under another name is not recognised. */
#include "config.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "monitor/tracer.h"

bool
is_loader(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	return fnmatch("ld-*.so*", base, 0) == 0 ||
	    fnmatch("ld.so*", base, 0) == 0;
}

/* The loader's options that take a value (glibc's; musl's take the same
 * form). Any other argument starting with "--" is a flag; the first
 * argument that is neither is the program. */
static bool
takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"--library-path", "--inhibit-rpath", "--audit", "--preload",
		"--argv0", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask",
	};
	size_t i;

	for (i = 0; i < sizeof(with_value) / sizeof(with_value[0]); i++)
		if (strcmp(opt, with_value[i]) == 0)
			return true;
	return false;
}

/* args: the loader's argv as /proc/PID/cmdline has it, len bytes and a
 * '\0' at args[len]. */
const char *
loader_program_arg(const char *args, size_t len)
{
	const char *a = args + strnlen(args, len) + 1;	/* past argv[0] */
	const char *end = args + len;

	while (a < end && strncmp(a, "--", 2) == 0) {
		bool value = takes_value(a);

		a += strnlen(a, end - a) + 1;
		if (value && a < end)
			a += strnlen(a, end - a) + 1;
	}
	return a < end && *a != '\0' ? a : NULL;
}

/* The path of file `name' as process pid sees it (its root or working
 * directory), as our own /proc/self/fd names it; -1 if it does not
 * exist. */
static int
resolve_in(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX + 64], link[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s/%s", pid,
	    name[0] == '/' ? "root" : "cwd", name);
	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int
read_program(pid_t pid, char *buf, size_t len)
{
	char path[64], args[8192];
	const char *prog;
	ssize_t n;
	int fd;

	if (read_exe(pid, buf, len) < 0)
		return -1;
	if (!is_loader(buf))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, args, sizeof(args) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	args[n] = '\0';
	if ((prog = loader_program_arg(args, n)) == NULL)
		return 0;	/* the loader alone: --help, --list, ... */
	/* a bare name is searched by the loader like a library: the name
	 * is all we know (a policy naming the program by name matches) */
	if (strchr(prog, '/') == NULL || resolve_in(pid, prog, buf, len) < 0)
		snprintf(buf, len, "%s", prog);
	return 0;
}

/* A string in thread tid's memory, read one page at a time (a read that
 * runs into an unmapped page fails as a whole). */
static int
read_string(pid_t tid, unsigned long addr, char *buf, size_t len)
{
	const unsigned long page = 4096;
	size_t got = 0, chunk;

	while (got < len - 1) {
		struct iovec l, r;

		chunk = page - ((addr + got) & (page - 1));
		if (chunk > len - 1 - got)
			chunk = len - 1 - got;
		l.iov_base = buf + got;
		l.iov_len = chunk;
		r.iov_base = (void *)(addr + got);
		r.iov_len = chunk;
		if (process_vm_readv(tid, &l, 1, &r, 1, 0) != (ssize_t)chunk)
			return -1;
		if (memchr(buf + got, '\0', chunk) != NULL)
			return 0;
		got += chunk;
	}
	return -1;
}

/* Whether the exec permission event (file fd) of thread tid is for the
 * file its execve/execveat names, not for an interpreter that exec
 * loads: the path it passed, looked up in its own root, working
 * directory or directory descriptor, is the same file. The thread waits
 * in the exec for our answer, so /proc/tid/syscall holds its arguments
 * and its old memory the path. */
bool
exec_names(pid_t tid, int fd)
{
	char path[PATH_MAX + 64], name[PATH_MAX], line[256];
	unsigned long a[6];
	struct stat want, got;
	long nr, dir;
	ssize_t n;
	int sfd;

	snprintf(path, sizeof(path), "/proc/%d/syscall", tid);
	if ((sfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(sfd, line, sizeof(line) - 1);
	close(sfd);
	if (n <= 0)
		return false;
	line[n] = '\0';
	if (sscanf(line, "%ld %lx %lx %lx %lx %lx %lx", &nr, &a[0], &a[1],
	    &a[2], &a[3], &a[4], &a[5]) != 7)
		return false;
	if (nr == SYS_execve) {
		dir = AT_FDCWD;
		if (read_string(tid, a[0], name, sizeof(name)) < 0)
			return false;
	} else if (nr == SYS_execveat) {
		dir = (int)a[0];
		if (read_string(tid, a[1], name, sizeof(name)) < 0)
			return false;
		if (name[0] == '\0' && !(a[4] & AT_EMPTY_PATH))
			return false;
	} else {
		return false;
	}
	if (name[0] == '/')
		snprintf(path, sizeof(path), "/proc/%d/root%s", tid, name);
	else if (dir == AT_FDCWD)
		snprintf(path, sizeof(path), "/proc/%d/cwd/%s", tid, name);
	else if (name[0] == '\0')
		snprintf(path, sizeof(path), "/proc/%d/fd/%ld", tid, dir);
	else
		snprintf(path, sizeof(path), "/proc/%d/fd/%ld/%s", tid, dir, name);
	return fstat(fd, &want) == 0 && stat(path, &got) == 0 &&
	    want.st_dev == got.st_dev && want.st_ino == got.st_ino;
}

/* At the first stop of a process that exec'd the loader itself: traced
 * as the program the loader runs if policies name it; false if not. */
bool
loader_named(struct proc *p)
{
	char prog[PATH_MAX];

	p->loader = false;
	if (read_program(p->tgid, prog, sizeof(prog)) < 0 || is_loader(prog) ||
	    daemon_match(prog) <= 0)
		return false;
	snprintf(p->exe, sizeof(p->exe), "%s", prog);
	note("monitor: tracing pid=%d exe=%s (exec, through the loader)",
	    p->tgid, prog);
	return true;
}

/* ipsecfs --check FILE...: validates policy files, prints their canonical
 * form on stdout and FILE:LINE:COL: reason on stderr. "-" is stdin. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/policy.h"
#include "fs/cli.h"

/* Reads at most POLICY_MAX_TEXT + 1 bytes: enough to tell a text that is
 * too long, never more. Returns the byte count, or -1 with errno. */
static ssize_t
read_bounded(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static int
check_text(const char *file, const char *text, size_t len, bool banner)
{
	struct policy_error err;
	struct strbuf sb = STRBUF_INIT;
	struct policy *p;

	if ((p = policy_parse(text, len, &err)) == NULL) {
		fprintf(stderr, "%s:%d:%d: %s\n", file, err.line, err.col, err.msg);
		return 1;
	}
	if (banner)
		strbuf_printf(&sb, "# %s\n", file);
	policy_print(p, &sb);
	policy_free(p);
	if (strbuf_failed(&sb)) {
		fprintf(stderr, "%s:0:0: out of memory\n", file);
		strbuf_free(&sb);
		return 1;
	}
	fwrite(sb.buf, 1, sb.len, stdout);
	strbuf_free(&sb);
	return 0;
}

static int
check_file(const char *file, char *buf, bool banner)
{
	struct stat st;
	ssize_t n;
	int fd, rc;

	fd = strcmp(file, "-") == 0 ? dup(STDIN_FILENO) : open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s:0:0: %s\n", file, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s:0:0: is a directory\n", file);
		close(fd);
		return 1;
	}
	if (S_ISREG(st.st_mode) && st.st_size > POLICY_MAX_TEXT) {
		fprintf(stderr, "%s:0:0: policy text is %lld bytes, over the "
		    "limit of %d\n", file, (long long)st.st_size, POLICY_MAX_TEXT);
		close(fd);
		return 1;
	}
	n = read_bounded(fd, buf, POLICY_MAX_TEXT + 1);
	if (n < 0) {
		fprintf(stderr, "%s:0:0: %s\n", file, strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	if (n > POLICY_MAX_TEXT) {
		fprintf(stderr, "%s:0:0: policy text is over the limit of %d "
		    "bytes\n", file, POLICY_MAX_TEXT);
		return 1;
	}
	rc = check_text(file, buf, (size_t)n, banner);
	fflush(stdout);
	return rc;
}

int
check_main(int nfiles, char **files)
{
	char *buf;
	int i, rc = 0;

	if ((buf = malloc(POLICY_MAX_TEXT + 1)) == NULL) {
		fprintf(stderr, "ipsecfs: out of memory\n");
		return 1;
	}
	for (i = 0; i < nfiles; i++)
		if (check_file(files[i], buf, nfiles > 1) != 0)
			rc = 1;
	free(buf);
	return rc;
}

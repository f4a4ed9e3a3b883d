/* kill -9 at any moment never leaves a corrupt or half-written policy:
 * writers change three policies as fast as they can (through > and through
 * a temporary file + rename) while the daemon is killed with SIGKILL after
 * a random delay, round after round. After each kill, every saved file
 * must parse and be exactly one of the texts written; each restart must
 * recover the stale mount and serve that same text. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/policy.h"
#include "tests/unit/fs_harness.h"

#define ROUNDS	20
#define APPS	3

static struct fsh h;

/* Text number i of app a: numbered in a comment, and long enough that a
 * torn write would show. */
static void
text_of(int a, long i, char *buf, size_t len)
{
	int k, off;

	off = snprintf(buf, len, "# text %ld\napplication k%d\n{\n", i, a);
	for (k = 0; k < 20; k++)
		off += snprintf(buf + off, len - (size_t)off,
		    "    network 10.%d.%d.0/24 untrusted;\n", a, k);
	snprintf(buf + off, len - (size_t)off,
	    "    network 0.0.0.0/0 protected P;\n    protection P {\n"
	    "        localport=any remoteport=%ld encryption mandatory;\n"
	    "    }\n}\n", 1 + i % 65535);
}

/* Writes texts until the file system goes away; returns how many. */
static void
write_until_killed(int a, long start)
{
	char text[4096], path[PATH_MAX + 64], tmp[PATH_MAX + 64];
	long i;
	int err;

	snprintf(path, sizeof(path), "%s/apps/k%d/policy", h.mnt, a);
	snprintf(tmp, sizeof(tmp), "%s/apps/k%d/.new", h.mnt, a);
	for (i = start; ; i++) {
		text_of(a, i, text, sizeof(text));
		if (i % 2 == 0) {
			err = fsh_write(path, text, strlen(text), 512);
		} else if ((err = fsh_write(tmp, text, strlen(text), 512)) == ENOENT) {
			FILE *f = fopen(tmp, "w");

			err = f == NULL ? errno : fclose(f) == 0 ? 0 : errno;
			if (err == 0)
				err = fsh_write(tmp, text, strlen(text), 512);
			if (err == 0 && rename(tmp, path) == -1)
				err = errno;
		} else if (err == 0 && rename(tmp, path) == -1) {
			err = errno;
		}
		if (err != 0)
			_exit(err == ENOTCONN || err == ENOENT || err == ECONNABORTED ? 0 : 1);
	}
}

/* The saved file of app a parses and is text_of(a, i) for some i. */
static void
check_saved(int a, long upto)
{
	char path[PATH_MAX + 64], want[4096], *got;
	struct policy_error perr;
	struct policy *p;
	size_t len;
	long i;

	snprintf(path, sizeof(path), "%s/apps/k%d.policy", h.state, a);
	if ((got = fsh_read(path, 65536, &len)) == NULL)
		FSH_FAIL("%s: %s", path, strerror(errno));
	if (len == 0) {		/* mkdir'ed, never written */
		free(got);
		return;
	}
	if ((p = policy_parse(got, len, &perr)) == NULL)
		FSH_FAIL("%s does not parse: %d:%d: %s", path, perr.line, perr.col,
		    perr.msg);
	policy_free(p);
	if (sscanf(got, "# text %ld", &i) != 1 || i < 0 || i > upto)
		FSH_FAIL("%s is not one of the texts written:\n%s", path, got);
	text_of(a, i, want, sizeof(want));
	if (strcmp(got, want) != 0)
		FSH_FAIL("%s is not text %ld as written:\n%s", path, i, got);
	free(got);
}

/* After a restart the tree serves what was saved (in canonical form). */
static void
check_served(int a)
{
	char path[PATH_MAX + 64], *saved, *served;
	struct strbuf canon = STRBUF_INIT;
	struct policy_error perr;
	struct policy *p;
	size_t len;

	snprintf(path, sizeof(path), "%s/apps/k%d.policy", h.state, a);
	if ((saved = fsh_read(path, 65536, &len)) == NULL)
		FSH_FAIL("%s: %s", path, strerror(errno));
	if (len > 0) {
		if ((p = policy_parse(saved, len, &perr)) == NULL)
			FSH_FAIL("%s does not parse", path);
		policy_print(p, &canon);
		policy_free(p);
	}
	snprintf(path, sizeof(path), "%s/apps/k%d/policy", h.mnt, a);
	served = fsh_read(path, 65536, NULL);
	if (served == NULL || strcmp(canon.buf ? canon.buf : "", served) != 0)
		FSH_FAIL("apps/k%d/policy after restart is not the saved text", a);
	strbuf_free(&canon);
	free(saved);
	free(served);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int
main(void)
{
	pid_t kids[APPS];
	char path[PATH_MAX + 64];
	int r, a, st, killed_mid = 0;
	long base = 0;
	struct stat sb;

	fsh_setup(&h);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	fsh_start(&h);
	for (a = 0; a < APPS; a++) {
		snprintf(path, sizeof(path), "%s/apps/k%d", h.mnt, a);
		if (mkdir(path, 0755) == -1)
			FSH_FAIL("mkdir %s: %s", path, strerror(errno));
	}
	for (r = 0; r < ROUNDS; r++) {
		if (r > 0) {
			fsh_start(&h);	/* recovers the stale mount */
			for (a = 0; a < APPS; a++)
				check_served(a);
		}
		for (a = 0; a < APPS; a++) {
			if ((kids[a] = fork()) == 0)
				write_until_killed(a, base);
		}
		sleep_ms(20 + random() % 150);
		fsh_stop(&h, true);
		for (a = 0; a < APPS; a++) {
			waitpid(kids[a], &st, 0);
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
				FSH_FAIL("writer %d saw an unexpected error", a);
		}
		base += 100000;
		for (a = 0; a < APPS; a++)
			check_saved(a, base);
		/* a save the kill cut short leaves only a dot file behind */
		snprintf(path, sizeof(path), "%s/apps", h.state);
		DIR *d = opendir(path);
		struct dirent *de;
		while (d != NULL && (de = readdir(d)) != NULL)
			killed_mid += de->d_name[0] == '.' && strstr(de->d_name, ".policy.");
		if (d != NULL)
			closedir(d);
	}
	fsh_start(&h);
	for (a = 0; a < APPS; a++)
		check_served(a);
	snprintf(path, sizeof(path), "%s/apps", h.state);
	if (stat(path, &sb) == -1)
		FSH_FAIL("%s: %s", path, strerror(errno));
	if (!fsh_stop(&h, false))
		FSH_FAIL("ipsecfs did not stop cleanly");
	printf("ok - %d kills while writing: every saved policy whole and parsing "
	    "(%d kills landed inside a save)\n", ROUNDS, killed_mid);
	fsh_cleanup(&h);
	return 0;
}

/* Concurrent writers of one apps/NAME/policy: each open has its own
 * buffer and each close applies one whole text, so readers only ever see
 * a whole text one writer wrote, invalid texts fail their own close with
 * EINVAL and change nothing, and the saved file is the text in force.
 * Also: poll(2) on events wakes up when a line arrives. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/fs_harness.h"

#define WRITERS	4
#define ROUNDS	40

static struct fsh h;
static char policy_path[PATH_MAX + 64];
static volatile int writers_done;

/* The text writer w writes in round r (canonical form, so it reads back
 * as written). Ports are unique per (w, r). */
static void
text_of(int w, int r, char *buf, size_t len)
{
	snprintf(buf, len,
	    "application w%d\n{\n    network 10.%d.0.0/16 protected P;\n"
	    "    protection P {\n        localport=any remoteport=%d encryption mandatory;\n"
	    "    }\n}\n", w, w, 1000 + w * 1000 + r);
}

/* Whether s is "" or text_of(w, r) for some w, r. */
static bool
known(const char *s)
{
	char want[512];
	int w, r;

	if (*s == '\0')
		return true;
	if (sscanf(s, "application w%d", &w) != 1 || w < 0 || w >= WRITERS)
		return false;
	for (r = 0; r < ROUNDS; r++) {
		text_of(w, r, want, sizeof(want));
		if (strcmp(s, want) == 0)
			return true;
	}
	return false;
}

static void *
writer(void *arg)
{
	int w = (int)(long)arg, r, err;
	char text[512];

	for (r = 0; r < ROUNDS; r++) {
		text_of(w, r, text, sizeof(text));
		/* small writes, so that writers overlap inside one text */
		if ((err = fsh_write(policy_path, text, strlen(text), 7 + w)) != 0)
			FSH_FAIL("writer %d round %d: %s", w, r, strerror(err));
	}
	return NULL;
}

static void *
bad_writer(void *arg)
{
	static const char bad[] = "application bad\n{\n    network 10.0.0.0/8 protected NOPE;\n}\n";
	int r, err;

	for (r = 0; r < ROUNDS; r++)
		if ((err = fsh_write(policy_path, bad, sizeof(bad) - 1, 5)) != EINVAL)
			FSH_FAIL("invalid text: close gave %s, not EINVAL",
			    err ? strerror(err) : "success");
	return NULL;
}

static void *
reader(void *arg)
{
	unsigned long *reads = arg;
	char *s;

	while (!writers_done) {
		if ((s = fsh_read(policy_path, 65536, NULL)) == NULL)
			FSH_FAIL("read policy: %s", strerror(errno));
		if (!known(s))
			FSH_FAIL("a reader saw a text nobody wrote whole:\n%s", s);
		free(s);
		(*reads)++;
	}
	return NULL;
}

static void
test_writers(void)
{
	pthread_t wt[WRITERS], bt, rt;
	unsigned long reads = 0;
	char path[PATH_MAX + 64], *now, *saved;
	long i;

	fsh_path(&h, path, sizeof(path), "apps/w");
	if (mkdir(path, 0755) == -1)
		FSH_FAIL("mkdir %s: %s", path, strerror(errno));
	fsh_path(&h, policy_path, sizeof(policy_path), "apps/w/policy");
	pthread_create(&rt, NULL, reader, &reads);
	pthread_create(&bt, NULL, bad_writer, NULL);
	for (i = 0; i < WRITERS; i++)
		pthread_create(&wt[i], NULL, writer, (void *)i);
	for (i = 0; i < WRITERS; i++)
		pthread_join(wt[i], NULL);
	pthread_join(bt, NULL);
	writers_done = 1;
	pthread_join(rt, NULL);

	if ((now = fsh_read(policy_path, 65536, NULL)) == NULL || *now == '\0' ||
	    !known(now))
		FSH_FAIL("final policy is not one whole text");
	snprintf(path, sizeof(path), "%s/apps/w.policy", h.state);
	if ((saved = fsh_read(path, 65536, NULL)) == NULL || strcmp(saved, now) != 0)
		FSH_FAIL("the saved file is not the text in force");
	printf("ok - %d writers x %d texts, 1 invalid writer, %lu whole reads\n",
	    WRITERS, ROUNDS, reads);
	free(now);
	free(saved);
}

static void
test_poll(void)
{
	char path[PATH_MAX + 64], buf[65536];
	struct pollfd pfd;
	ssize_t n;
	int fd;

	fsh_path(&h, path, sizeof(path), "events");
	if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1)
		FSH_FAIL("open events: %s", strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	if (n != -1 || errno != EAGAIN)
		FSH_FAIL("drained events: read gave %zd (%s), not EAGAIN", n,
		    strerror(errno));
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) != 0)
		FSH_FAIL("poll says readable with nothing new");
	fsh_path(&h, path, sizeof(path), "apps/polled");
	if (mkdir(path, 0755) == -1)
		FSH_FAIL("mkdir: %s", strerror(errno));
	if (poll(&pfd, 1, 10000) != 1 || !(pfd.revents & POLLIN))
		FSH_FAIL("poll did not wake up for a new event");
	if ((n = read(fd, buf, sizeof(buf) - 1)) <= 0)
		FSH_FAIL("read after poll: %s", strerror(errno));
	buf[n] = '\0';
	if (strstr(buf, "app polled created") == NULL)
		FSH_FAIL("the new line is not there: %s", buf);
	close(fd);
	printf("ok - poll(2) on events wakes up for a new line\n");
}

int
main(void)
{
	fsh_setup(&h);
	fsh_start(&h);
	test_writers();
	test_poll();
	if (!fsh_stop(&h, false))
		FSH_FAIL("ipsecfs did not stop cleanly on SIGTERM");
	fsh_cleanup(&h);
	return 0;
}

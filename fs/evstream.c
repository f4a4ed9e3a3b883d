/* The byte stream behind `events`; see evstream.h. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/events.h"
#include "fs/evstream.h"

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	char		*ring;		/* byte at offset o lives at ring[o % size] */
	uint64_t	 start;		/* oldest byte kept, at a line start */
	uint64_t	 total;		/* bytes emitted */
	uint64_t	 seq;		/* next line of engine/events.c to copy */
	struct timespec	 mtime;
	bool		 stopped;
	void		(*wake)(void *);
	void		*wake_arg;
} es = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

/* Drops the oldest line. Locked. */
static void
drop_line(void)
{
	while (es.start < es.total) {
		char c = es.ring[es.start % EVSTREAM_BYTES];

		es.start++;
		if (c == '\n')
			break;
	}
}

static void
append(const char *p, size_t n)
{
	size_t i;

	if (n > EVSTREAM_BYTES)
		return;
	while (es.total + n - es.start > EVSTREAM_BYTES)
		drop_line();
	for (i = 0; i < n; i++)
		es.ring[(es.total + i) % EVSTREAM_BYTES] = p[i];
	es.total += n;
}

/* Called after each events_emit(): copies what is new. */
static void
pull(void *unused)
{
	char buf[8 * EVENTS_LINE];
	void (*wake)(void *);
	void *arg;
	size_t n;
	bool any = false;

	pthread_mutex_lock(&es.lock);
	if (es.ring == NULL) {
		pthread_mutex_unlock(&es.lock);
		return;
	}
	while ((n = events_read(&es.seq, buf, sizeof(buf))) > 0) {
		append(buf, n);
		any = true;
	}
	if (any) {
		clock_gettime(CLOCK_REALTIME, &es.mtime);
		pthread_cond_broadcast(&es.cond);
	}
	wake = es.wake;
	arg = es.wake_arg;
	pthread_mutex_unlock(&es.lock);
	if (any && wake != NULL)
		wake(arg);
}

int
evstream_start(void (*wake)(void *), void *arg)
{
	pthread_condattr_t ca;
	char *ring;

	if ((ring = malloc(EVSTREAM_BYTES)) == NULL)
		return -ENOMEM;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&es.cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&es.lock);
	es.ring = ring;
	es.start = es.total = es.seq = 0;
	es.stopped = false;
	es.wake = wake;
	es.wake_arg = arg;
	clock_gettime(CLOCK_REALTIME, &es.mtime);
	pthread_mutex_unlock(&es.lock);
	events_set_notify(pull, NULL);
	pull(NULL);
	return 0;
}

void
evstream_stop(void)
{
	events_set_notify(NULL, NULL);
	pthread_mutex_lock(&es.lock);
	es.stopped = true;
	es.wake = NULL;
	pthread_cond_broadcast(&es.cond);
	pthread_mutex_unlock(&es.lock);
}

uint64_t
evstream_size(struct timespec *mtime)
{
	uint64_t n;

	pthread_mutex_lock(&es.lock);
	n = es.total;
	if (mtime != NULL)
		*mtime = es.mtime;
	pthread_mutex_unlock(&es.lock);
	return n;
}

/* Stream offset for a read at file offset off. Locked. */
static uint64_t
place(struct evreader *r, off_t off)
{
	int64_t s = (int64_t)off + r->shift;

	/* a new reader from the top starts at the oldest line kept */
	if (!r->started && off == 0 && (uint64_t)s < es.start) {
		r->shift = (int64_t)es.start - off;
		s = (int64_t)es.start;
	}
	r->started = true;
	return s < 0 ? 0 : (uint64_t)s;
}

static void
deadline(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_nsec += ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

ssize_t
evstream_read(struct evreader *r, char *buf, size_t size, off_t off,
    bool wait, bool (*cancelled)(void))
{
	struct timespec ts;
	uint64_t at;
	size_t n = 0, i;
	int k;

	pthread_mutex_lock(&es.lock);
	at = place(r, off);
	if (at < es.start) {
		/* the reader fell behind the ring: say so, then go on */
		k = snprintf(buf, size, "dropped %llu bytes of events\n",
		    (unsigned long long)(es.start - at));
		n = k < 0 ? 0 : (size_t)k >= size ? size : (size_t)k;
		r->shift = (int64_t)es.start - (int64_t)(off + (off_t)n);
		goto out;
	}
	while (at >= es.total && wait && !es.stopped) {
		if (cancelled != NULL && cancelled()) {
			pthread_mutex_unlock(&es.lock);
			return -EINTR;
		}
		deadline(&ts, 250);
		pthread_cond_timedwait(&es.cond, &es.lock, &ts);
	}
	if (at < es.total) {
		n = es.total - at;
		if (n > size)
			n = size;
		for (i = 0; i < n; i++)
			buf[i] = es.ring[(at + i) % EVSTREAM_BYTES];
	}
out:
	r->pos = off + (off_t)n;
	pthread_mutex_unlock(&es.lock);
	return (ssize_t)n;
}

bool
evstream_readable(struct evreader *r)
{
	bool ready;

	pthread_mutex_lock(&es.lock);
	if (!r->started)
		ready = es.total > es.start || es.stopped;
	else
		ready = (uint64_t)((int64_t)r->pos + r->shift) < es.total ||
		    es.stopped;
	pthread_mutex_unlock(&es.lock);
	return ready;
}

#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine/events.h"

static struct {
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	uint64_t	 next;		/* sequence of the next line */
	unsigned	 wakeups;
	void		(*notify)(void *);
	void		*notify_arg;
	char		 line[EVENTS_RING][EVENTS_LINE];
} ev = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

void
events_set_notify(void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&ev.lock);
	ev.notify = fn;
	ev.notify_arg = arg;
	pthread_mutex_unlock(&ev.lock);
}

void
events_emit(const char *fmt, ...)
{
	char text[EVENTS_LINE];
	struct timespec ts;
	void (*fn)(void *);
	void *arg;
	va_list ap;
	size_t n;
	int k;

	clock_gettime(CLOCK_REALTIME, &ts);
	k = snprintf(text, sizeof(text), "%lld.%06ld ", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000);
	va_start(ap, fmt);
	vsnprintf(text + k, sizeof(text) - (size_t)k - 1, fmt, ap);
	va_end(ap);
	n = strlen(text);
	text[n++] = '\n';
	text[n] = '\0';

	pthread_mutex_lock(&ev.lock);
	memcpy(ev.line[ev.next % EVENTS_RING], text, n + 1);
	ev.next++;
	fn = ev.notify;
	arg = ev.notify_arg;
	pthread_cond_broadcast(&ev.cond);
	pthread_mutex_unlock(&ev.lock);
	if (fn)
		fn(arg);
}

uint64_t
events_next(void)
{
	uint64_t n;

	pthread_mutex_lock(&ev.lock);
	n = ev.next;
	pthread_mutex_unlock(&ev.lock);
	return n;
}

size_t
events_read(uint64_t *seq, char *buf, size_t len)
{
	size_t used = 0, n;
	const char *l;

	pthread_mutex_lock(&ev.lock);
	if (ev.next > EVENTS_RING && *seq < ev.next - EVENTS_RING) {
		int k = snprintf(buf, len, "dropped %llu events\n",
		    (unsigned long long)(ev.next - EVENTS_RING - *seq));
		if (k > 0 && (size_t)k < len) {
			used = (size_t)k;
			*seq = ev.next - EVENTS_RING;
		}
	}
	while (*seq < ev.next) {
		l = ev.line[*seq % EVENTS_RING];
		n = strlen(l);
		if (used + n > len)
			break;
		memcpy(buf + used, l, n);
		used += n;
		(*seq)++;
	}
	pthread_mutex_unlock(&ev.lock);
	return used;
}

int
events_wait(uint64_t seq, int timeout_ms)
{
	struct timespec until;
	unsigned wakeups;
	int ready, rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	if (timeout_ms > 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&ev.lock);
	wakeups = ev.wakeups;
	while (!(ready = seq < ev.next) && timeout_ms != 0 &&
	    wakeups == ev.wakeups && rc != ETIMEDOUT) {
		if (timeout_ms < 0)
			pthread_cond_wait(&ev.cond, &ev.lock);
		else
			rc = pthread_cond_timedwait(&ev.cond, &ev.lock, &until);
	}
	pthread_mutex_unlock(&ev.lock);
	return ready;
}

void
events_wake(void)
{
	pthread_mutex_lock(&ev.lock);
	ev.wakeups++;
	pthread_cond_broadcast(&ev.cond);
	pthread_mutex_unlock(&ev.lock);
}

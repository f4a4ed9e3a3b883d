/* The engine's own thread: it expires outbound UDP entries whose TTL ran
 * out. It sleeps on a condition variable until the earliest expiry, and
 * is woken when an earlier one appears or the engine stops. */
#include "config.h"

#include <errno.h>
#include <time.h>

#include "engine/engine_int.h"
#include "engine/log.h"

static void *
loop_main(void *arg)
{
	struct engine *e = arg;
	struct timespec ts;
	uint64_t now;

	pthread_mutex_lock(&e->lock);
	while (!e->stopping) {
		now = now_ms();
		if (e->next_expiry != 0 && e->next_expiry <= now) {
			socks_expire(e, now);
			continue;
		}
		if (e->next_expiry == 0) {
			pthread_cond_wait(&e->cond, &e->lock);
			continue;
		}
		ts.tv_sec = e->next_expiry / 1000;
		ts.tv_nsec = (long)(e->next_expiry % 1000) * 1000000;
		(void)pthread_cond_timedwait(&e->cond, &e->lock, &ts);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

int
loop_start(struct engine *e)
{
	int rc;

	if (e->running)
		return -EALREADY;
	e->stopping = false;
	if ((rc = pthread_create(&e->thread, NULL, loop_main, e)) != 0) {
		log_err("engine: cannot start its thread: %d", rc);
		return -rc;
	}
	e->running = true;
	return 0;
}

/* Called without the lock. */
void
loop_stop(struct engine *e)
{
	if (!e->running)
		return;
	pthread_mutex_lock(&e->lock);
	e->stopping = true;
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	e->running = false;
}

void
loop_wake(struct engine *e)
{
	pthread_cond_signal(&e->cond);
}

/* The engine: application policies by name, live sockets, and their SPD
 * entries. Every public function takes the engine lock. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "engine/events.h"
#include "engine/log.h"

struct app {
	char		*name;
	struct policy	*pol;
	struct app	*next;
};

struct engine {
	pthread_mutex_t		 lock;
	const struct conf	*cfg;
	struct app		*apps;
	time_t			 started;
};

static struct app *
app_find(struct engine *e, const char *name)
{
	struct app *a;

	for (a = e->apps; a != NULL; a = a->next)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

int
engine_new(const struct conf *cfg, struct engine **out)
{
	struct engine *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -ENOMEM;
	pthread_mutex_init(&e->lock, NULL);
	e->cfg = cfg;
	e->started = time(NULL);
	*out = e;
	return 0;
}

int
engine_start(struct engine *e)
{
	return 0;
}

void
engine_stop(struct engine *e)
{
}

void
engine_free(struct engine *e)
{
	struct app *a, *n;

	if (e == NULL)
		return;
	for (a = e->apps; a != NULL; a = n) {
		n = a->next;
		policy_free(a->pol);
		free(a->name);
		free(a);
	}
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int
engine_set_policy(struct engine *e, const char *name, struct policy *p)
{
	struct app *a;
	int rc = 0;

	pthread_mutex_lock(&e->lock);
	if ((a = app_find(e, name)) != NULL) {
		policy_free(a->pol);
		a->pol = p;
	} else if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->name = strdup(name)) == NULL) {
		free(a);
		rc = -ENOMEM;
	} else {
		a->pol = p;
		a->next = e->apps;
		e->apps = a;
	}
	pthread_mutex_unlock(&e->lock);
	if (rc == 0)
		events_emit("policy app=%s set", name);
	return rc;
}

int
engine_remove_policy(struct engine *e, const char *name)
{
	struct app **pp, *a;
	int rc = -ENOENT;

	pthread_mutex_lock(&e->lock);
	for (pp = &e->apps; (a = *pp) != NULL; pp = &a->next) {
		if (strcmp(a->name, name) == 0) {
			*pp = a->next;
			policy_free(a->pol);
			free(a->name);
			free(a);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return rc;
}

bool
engine_app_for_exe(struct engine *e, const char *exe, char *name, size_t len)
{
	struct app *a;
	bool found = false;

	pthread_mutex_lock(&e->lock);
	for (a = e->apps; a != NULL; a = a->next) {
		if (a->pol != NULL && policy_names_program(a->pol, exe)) {
			snprintf(name, len, "%s", a->name);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&e->lock);
	return found;
}

int
engine_socket_event(struct engine *e, const struct sock_event *ev,
    char *why, size_t whylen)
{
	events_emit("%s pid=%d fd=%d sock=%llu", sock_op_name(ev->op),
	    (int)ev->pid, ev->fd, (unsigned long long)ev->sock_id);
	return 0;
}

void
engine_render_spd(struct engine *e, struct strbuf *sb)
{
	strbuf_printf(sb, "# dir selector action priority app sock\n");
}

void
engine_render_sockets(struct engine *e, const char *name, struct strbuf *sb)
{
	strbuf_printf(sb, "# pid fd proto local remote state entries\n");
}

void
engine_render_app_status(struct engine *e, const char *name, struct strbuf *sb)
{
	pthread_mutex_lock(&e->lock);
	strbuf_printf(sb, "app=%s policy=%s\n", name,
	    app_find(e, name) != NULL ? "set" : "none");
	pthread_mutex_unlock(&e->lock);
}

void
engine_render_sas(struct engine *e, struct strbuf *sb)
{
	strbuf_printf(sb, "# peer spi_in spi_out proto mode algorithms bytes packets age lifetime\n");
}

void
engine_render_status(struct engine *e, struct strbuf *sb)
{
	strbuf_printf(sb, "datapath=userspace\nuptime=%lld\n",
	    (long long)(time(NULL) - e->started));
}

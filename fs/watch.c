/* The monitor wired to the engine; see watch.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/log.h"
#include "fs/watch.h"
#include "monitor/monitor.h"

struct watch {
	struct engine	*engine;
	struct monitor	*monitor;
};

static bool
app_for_exe(void *arg, const char *exe, char *app, size_t len)
{
	struct watch *w = arg;

	return engine_app_for_exe(w->engine, exe, app, len);
}

static int
sock_event(void *arg, const struct sock_event *ev, char *why, size_t whylen)
{
	struct watch *w = arg;

	int rc = engine_socket_event(w->engine, ev, why, whylen);

	/* a trusted flow keeps out of the user-space datapath's TUN device */
	return rc == 0 ? (int)engine_socket_mark(w->engine, ev) : rc;
}

int
watch_start(struct engine *e, struct watch **out)
{
	struct monitor_hooks hooks = { app_for_exe, sock_event, NULL };
	struct watch *w;
	int rc;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->engine = e;
	hooks.arg = w;
	if ((rc = monitor_start(&hooks, &w->monitor)) < 0) {
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void
watch_stop(struct watch *w)
{
	if (w == NULL)
		return;
	monitor_stop(w->monitor);
	free(w);
}

/* Marks the file system holding path (the monitor does it once). A
 * file-system mark, not a mount mark: a program started through another
 * mount of the same file system (another mount namespace: ip netns exec,
 * containers, services with private mounts) must not escape the monitor. */
static void
mark(struct watch *w, const char *path)
{
	(void)monitor_mark(w->monitor, path, true);
}

void
watch_program(void *arg, const char *program)
{
	struct watch *w = arg;
	const char *path;
	char *copy, *dir, *save = NULL;

	if (program[0] == '/') {
		mark(w, program);
		return;
	}
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	if ((copy = strdup(path)) == NULL)
		return;
	for (dir = strtok_r(copy, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save))
		if (dir[0] == '/')
			mark(w, dir);
	free(copy);
}

void
watch_changed(void *arg)
{
	struct watch *w = arg;

	monitor_rescan(w->monitor);
}

void
watch_status(void *arg, struct strbuf *sb)
{
	struct watch *w = arg;

	monitor_render_status(w->monitor, sb);
}

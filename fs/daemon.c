/* ipsecfs [-f] [-d] [-c CONFIG] [-o ro] [MOUNTPOINT]: the daemon's life
 * cycle. Checks, then (unless -f) a fork whose parent waits until the tree
 * is mounted, then the FUSE loop until SIGINT/SIGTERM unmounts it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/conf.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/ipsec.h"
#include "engine/log.h"
#include "fs/apps.h"
#include "fs/cli.h"
#include "fs/evstream.h"
#include "fs/mountpoint.h"
#include "fs/store.h"
#include "fs/tree.h"
#include "fs/watch.h"

struct options {
	bool		 foreground;
	bool		 debug;
	bool		 readonly;
	const char	*config;
	const char	*mountpoint;
};

static void
usage_hint(void)
{
	fprintf(stderr, "usage: ipsecfs [-f] [-d] [-c CONFIG] [-o ro] [MOUNTPOINT]\n");
}

/* Mount options: only "ro" (and "rw") mean something here. */
static int
parse_o(struct options *o, const char *arg)
{
	char *copy, *opt, *save = NULL;
	int rc = 0;

	if ((copy = strdup(arg)) == NULL)
		return -1;
	for (opt = strtok_r(copy, ",", &save); opt != NULL;
	    opt = strtok_r(NULL, ",", &save)) {
		if (strcmp(opt, "ro") == 0)
			o->readonly = true;
		else if (strcmp(opt, "rw") == 0)
			o->readonly = false;
		else {
			fprintf(stderr, "ipsecfs: unknown mount option '%s' "
			    "(only ro is known)\n", opt);
			usage_hint();
			rc = -1;
			break;
		}
	}
	free(copy);
	return rc;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt(argc, argv, "+fdc:o:")) != -1) {
		switch (c) {
		case 'f':
			o->foreground = true;
			break;
		case 'd':
			o->debug = o->foreground = true;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'o':
			if (parse_o(o, optarg) < 0)
				return -1;
			break;
		default:
			usage_hint();
			return -1;
		}
	}
	if (optind < argc)
		o->mountpoint = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "ipsecfs: unexpected argument '%s'\n", argv[optind]);
		usage_hint();
		return -1;
	}
	return 0;
}

/* An absolute mount point path (mountinfo compares those). */
static char *
absolute(const char *dir)
{
	char cwd[PATH_MAX], *p;

	if ((p = realpath(dir, NULL)) != NULL || dir[0] == '/')
		return p ? p : strdup(dir);
	if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&p, "%s/%s", cwd, dir) == -1)
		return NULL;
	return p;
}

/* Forks; the parent waits for the child to say it is mounted (a byte on
 * the pipe) and exits 0, or 1 when the child fails first. */
static int
daemonize(int *ready_fd)
{
	int fds[2];
	pid_t pid;
	char c;

	if (pipe2(fds, O_CLOEXEC) == -1)
		return -errno;
	if ((pid = fork()) == -1)
		return -errno;
	if (pid > 0) {
		close(fds[1]);
		_exit(read(fds[0], &c, 1) == 1 ? 0 : 1);
	}
	close(fds[0]);
	*ready_fd = fds[1];
	setsid();
	return 0;
}

static void
detach_stdio(int ready_fd, bool debug)
{
	int fd;

	if (ready_fd == -1)
		return;
	log_init("ipsecfs", 0, debug);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	if (write(ready_fd, "", 1) != 1)
		log_warn("cannot tell the parent process we are ready");
	close(ready_fd);
	if (chdir("/") == -1)
		log_warn("chdir /: %s", strerror(errno));
}

static gid_t
admin_gid(const struct conf *c)
{
	struct group *g;

	if (c->admin_group == NULL || c->admin_group[0] == '\0')
		return 0;
	if ((g = getgrnam(c->admin_group)) == NULL) {
		log_warn("admin_group %s does not exist; only root may write",
		    c->admin_group);
		return 0;
	}
	return g->gr_gid;
}

/* Mounts and serves until a signal; returns the exit code. */
static int
serve(struct tree *t, const struct options *o, const struct conf *c, int ready_fd)
{
	char opts[256];
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_loop_config lc = { .clone_fd = 0, .max_idle_threads = 8 };
	struct fuse *f;
	int rc = 1;

	snprintf(opts, sizeof(opts), "fsname=ipsecfs,subtype=ipsecfs,"
	    "default_permissions%s%s", c->allow_other ? ",allow_other" : "",
	    o->readonly ? ",ro" : "");
	if (fuse_opt_add_arg(&args, "ipsecfs") == -1 ||
	    fuse_opt_add_arg(&args, "-o") == -1 ||
	    fuse_opt_add_arg(&args, opts) == -1) {
		log_err("out of memory");
		return 1;
	}
	if ((f = fuse_new(&args, &tree_ops, sizeof(tree_ops), t)) == NULL) {
		log_err("cannot set up FUSE");
		goto out;
	}
	if (fuse_mount(f, t->mountpoint) != 0) {
		log_err("%s: cannot mount", t->mountpoint);
		fuse_destroy(f);
		goto out;
	}
	if (fuse_set_signal_handlers(fuse_get_session(f)) != 0) {
		log_err("cannot install signal handlers");
		goto unmount;
	}
	log_info("mounted on %s%s", t->mountpoint, o->readonly ? " (read-only)" : "");
	events_emit("daemon mounted %s", t->mountpoint);
	detach_stdio(ready_fd, o->debug);
	/* 0, or the number of the signal that ended it; < 0 on failure */
	rc = fuse_loop_mt(f, &lc) < 0 ? 1 : 0;
	fuse_remove_signal_handlers(fuse_get_session(f));
	log_info("unmounting %s", t->mountpoint);
unmount:
	evstream_stop();
	fuse_unmount(f);
	fuse_destroy(f);
out:
	fuse_opt_free_args(&args);
	return rc;
}

/* IKE and the datapath run when there is someone to talk to: with no
 * [peer.*] in the configuration there is nothing to negotiate, and the
 * daemon only writes SPD entries (protected flows then fail closed). */
static int
start_ipsec(struct engine *e, const struct conf *c, struct ipsec **out)
{
	if (c->npeers == 0) {
		log_info("no [peer.*] configured: IKE and the ESP datapath are not started");
		events_emit("ipsec not started reason=\"no peers configured\"");
		return 0;
	}
	return ipsec_start(e, c, out);
}

/* Everything after the configuration is known: returns the exit code. */
static int
run(const struct options *o, struct conf *c, const char *mnt)
{
	char err[512];
	struct tree t = { 0 };
	struct engine *e = NULL;
	struct ipsec *ipsec = NULL;
	struct store *st = NULL;
	struct apps *apps = NULL;
	struct watch *w = NULL;
	int ready_fd = -1, rc;
	long holder;

	if (mountpoint_prepare(mnt, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return 1;
	}
	if ((rc = store_open(c->statedir, &st, &holder)) < 0) {
		if (rc == -EBUSY)
			log_err("%s is in use by another ipsecfs (pid %ld)",
			    c->statedir, holder);
		else
			log_err("%s: %s", c->statedir, strerror(-rc));
		return 1;
	}
	if (!o->foreground && (rc = daemonize(&ready_fd)) < 0) {
		log_err("cannot fork: %s", strerror(-rc));
		store_close(st);
		return 1;
	}
	store_set_pid(st);
	rc = 1;
	if ((errno = -engine_new(c, &e)) != 0) {
		log_err("engine: %s", strerror(errno));
		goto out;
	}
	if ((errno = -engine_start(e)) != 0) {
		log_err("engine: %s", strerror(errno));
		goto out;
	}
	if (apps_new(e, st, &apps) < 0 || evstream_start(tree_events_wake, NULL) < 0) {
		log_err("out of memory");
		goto stop;
	}
	if ((errno = -watch_start(e, &w)) != 0) {
		log_err("socket monitor: %s", strerror(errno));
		goto stop;
	}
	apps_set_hooks(apps, watch_changed, watch_program, w);
	apps_load(apps);
	if ((errno = -start_ipsec(e, c, &ipsec)) != 0) {
		log_err("ipsec: %s", strerror(errno));
		goto stop;
	}
	t.status_extra = watch_status;
	t.status_arg = w;
	t.engine = e;
	t.apps = apps;
	t.readonly = o->readonly;
	t.admin_gid = admin_gid(c);
	t.mountpoint = mnt;
	rc = serve(&t, o, c, ready_fd);
	ready_fd = -1;
	evstream_stop();
stop:
	ipsec_stop(ipsec);
	watch_stop(w);
	engine_stop(e);
out:
	engine_free(e);
	apps_free(apps);
	store_close(st);
	if (ready_fd != -1)
		close(ready_fd);
	log_info("stopped");
	return rc;
}

int
daemon_main(int argc, char **argv)
{
	struct options o;
	struct conf c;
	char err[512], *mnt;
	int rc;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	memset(&c, 0, sizeof(c));
	if (conf_load(&c, o.config, err, sizeof(err)) < 0) {
		fprintf(stderr, "ipsecfs: %s\n", err);
		return 1;
	}
	if ((mnt = absolute(o.mountpoint ? o.mountpoint : c.mountpoint)) == NULL) {
		fprintf(stderr, "ipsecfs: out of memory\n");
		conf_free(&c);
		return 1;
	}
	/* until detached (detach_stdio), messages go to the terminal */
	log_init("ipsecfs", 1, o.debug);
	srandom((unsigned)time(NULL) ^ (unsigned)getpid());
	rc = run(&o, &c, mnt);
	free(mnt);
	conf_free(&c);
	return rc;
}

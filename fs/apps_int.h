/* Inside fs/apps.c and fs/tmpfile.c: the records behind struct apps. */
#ifndef IPSECFS_APPS_INT_H
#define IPSECFS_APPS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "fs/apps.h"
#include "fs/names.h"

struct tmpfile {
	char		*name;
	char		*data;
	size_t		 len;
	mode_t		 mode;
	struct timespec	 mtime;
	unsigned	 refs;		/* the list's and each open's */
	bool		 linked;
	struct tmpfile	*next;
};

struct app {
	char		 name[APP_NAME_MAX + 1];
	char		*text;		/* as given (and saved); NULL: none */
	size_t		 textlen;
	char		*canon;		/* what `policy` reads */
	size_t		 canonlen;
	bool		 failed;	/* the saved text did not load */
	char		 result[512];	/* first line of status */
	struct timespec	 mtime;
	struct tmpfile	*tmps;
	unsigned	 ntmps;
};

struct apps {
	pthread_mutex_t	  change;
	pthread_mutex_t	  lock;
	struct engine	 *engine;
	struct store	 *store;
	struct app	**v;		/* sorted by name */
	size_t		  n, cap;
	void		(*changed)(void *);
	void		(*program)(void *, const char *);
	void		 *hook_arg;
};

/* With a->lock held. */
struct app *apps_lookup(struct apps *a, const char *name);
void apps_tmp_unref(struct tmpfile *t);
void apps_now(struct timespec *ts);
char *apps_memdup0(const char *p, size_t len);

#endif

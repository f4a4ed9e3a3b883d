#include "config.h"

#include <errno.h>
#include <string.h>

#include "fs/node.h"

static const struct {
	const char	*name;
	enum node_kind	 kind;
} top[] = {
	{ "apps", N_APPS }, { "sas", N_SAS }, { "spd", N_SPD },
	{ "events", N_EVENTS }, { "status", N_STATUS },
}, inapp[] = {
	{ "policy", N_POLICY }, { "status", N_APP_STATUS }, { "sockets", N_SOCKETS },
};

/* Copies the next component of *p into buf; 0 at the end of the path. */
static int
next(const char **p, char *buf, size_t len)
{
	const char *s = *p, *e;
	size_t n;

	while (*s == '/')
		s++;
	if (*s == '\0')
		return 0;
	e = strchr(s, '/');
	n = e ? (size_t)(e - s) : strlen(s);
	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*p = s + n;
	return 1;
}

int
node_parse(const char *path, struct node *n)
{
	char comp[NAME_MAX + 1];
	size_t i;
	int rc;

	n->kind = N_ROOT;
	n->app[0] = n->tmp[0] = '\0';
	if ((rc = next(&path, comp, sizeof(comp))) <= 0)
		return rc;
	n->kind = N_NONE;
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
		if (strcmp(comp, top[i].name) == 0)
			n->kind = top[i].kind;
	if ((rc = next(&path, comp, sizeof(comp))) <= 0)
		return rc;
	if (n->kind == N_NONE)
		return -ENOENT;
	if (n->kind != N_APPS)
		return -ENOTDIR;
	if (strlen(comp) > APP_NAME_MAX)
		return -ENAMETOOLONG;
	strcpy(n->app, comp);
	n->kind = N_APP;
	if ((rc = next(&path, comp, sizeof(comp))) <= 0)
		return rc;
	n->kind = N_TMP;
	for (i = 0; i < sizeof(inapp) / sizeof(inapp[0]); i++)
		if (strcmp(comp, inapp[i].name) == 0)
			n->kind = inapp[i].kind;
	strcpy(n->tmp, comp);
	if ((rc = next(&path, comp, sizeof(comp))) != 0)
		return rc < 0 ? rc : n->kind == N_TMP ? -ENOENT : -ENOTDIR;
	return 0;
}

int
node_generated(enum node_kind k)
{
	return k == N_APP_STATUS || k == N_SOCKETS || k == N_SAS ||
	    k == N_SPD || k == N_EVENTS || k == N_STATUS;
}

/* The tracer's tables: traced thread groups, threads, and sockets with
 * the descriptors that name them. Lists are short (the programs policies
 * name), so they are plain linked lists. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/tracer.h"

struct proc *
proc_find(pid_t tgid)
{
	struct proc *p;

	for (p = tr->procs; p != NULL; p = p->next)
		if (p->tgid == tgid)
			return p;
	return NULL;
}

struct proc *
proc_new(pid_t tgid, const char *exe, bool active)
{
	char path[64];
	struct stat st;
	struct proc *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->tgid = tgid;
	p->pidfd = syscall(SYS_pidfd_open, tgid, 0);
	if (p->pidfd < 0) {
		free(p);
		return NULL;
	}
	snprintf(p->exe, sizeof(p->exe), "%s", exe);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", tgid);
	if (stat(path, &st) == 0)
		p->netns = st.st_ino;
	p->active = active;
	p->next = tr->procs;
	tr->procs = p;
	return p;
}

void
proc_free(struct proc *p)
{
	struct proc **pp;

	fd_close_all(p);
	for (pp = &tr->procs; *pp != NULL; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	close(p->pidfd);
	free(p->fds);
	free(p);
}

struct tracee *
tracee_find(pid_t tid)
{
	struct tracee *t;

	for (t = tr->tracees; t != NULL; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

struct tracee *
tracee_new(pid_t tid, struct proc *p)
{
	struct tracee *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->tid = tid;
	t->p = p;
	p->nthreads++;
	t->next = tr->tracees;
	tr->tracees = t;
	return t;
}

/* Forgets a thread; the last thread of a group takes the group along. */
void
tracee_free(struct tracee *t)
{
	struct tracee **tp;

	for (tp = &tr->tracees; *tp != NULL; tp = &(*tp)->next)
		if (*tp == t) {
			*tp = t->next;
			break;
		}
	if (--t->p->nthreads == 0)
		proc_free(t->p);
	free(t);
}

struct sockent *
sock_lookup(uint64_t id)
{
	struct sockent *s;

	for (s = tr->socks; s != NULL; s = s->next)
		if (s->id == id)
			return s;
	return NULL;
}

struct sockent *
sock_get(uint64_t id, int family, int type, int proto)
{
	struct sockent *s;

	if ((s = sock_lookup(id)) != NULL)
		return s;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->id = id;
	s->family = family;
	s->type = type;
	s->proto = proto;
	s->next = tr->socks;
	tr->socks = s;
	return s;
}

static void
sock_unref(struct sockent *s, struct proc *p, int fd)
{
	struct sockent **sp;

	if (--s->refs > 0)
		return;
	sock_closed(s, p, fd);
	for (sp = &tr->socks; *sp != NULL; sp = &(*sp)->next)
		if (*sp == s) {
			*sp = s->next;
			break;
		}
	free(s);
}

static struct fdent *
fd_slot(struct proc *p, int fd)
{
	size_t i;

	for (i = 0; i < p->nfds; i++)
		if (p->fds[i].fd == fd)
			return &p->fds[i];
	return NULL;
}

struct sockent *
fd_get(struct proc *p, int fd)
{
	struct fdent *e = fd_slot(p, fd);

	return e != NULL ? e->s : NULL;
}

/* fd now names s (dropping whatever it named before). */
void
fd_put(struct proc *p, int fd, struct sockent *s)
{
	struct fdent *e, *n;

	if ((e = fd_slot(p, fd)) != NULL) {
		if (e->s == s)
			return;
		fd_close(p, fd);
	}
	if (p->nfds == p->capfds) {
		size_t cap = p->capfds ? p->capfds * 2 : 8;

		if ((n = reallocarray(p->fds, cap, sizeof(*n))) == NULL) {
			tr->n.errors++;
			return;
		}
		p->fds = n;
		p->capfds = cap;
	}
	p->fds[p->nfds].fd = fd;
	p->fds[p->nfds].s = s;
	p->nfds++;
	s->refs++;
}

void
fd_close(struct proc *p, int fd)
{
	struct fdent *e = fd_slot(p, fd);
	struct sockent *s;

	if (e == NULL)
		return;
	s = e->s;
	*e = p->fds[--p->nfds];
	sock_unref(s, p, fd);
}

void
fd_close_all(struct proc *p)
{
	while (p->nfds > 0)
		fd_close(p, p->fds[p->nfds - 1].fd);
}

void
fd_copy(struct proc *to, const struct proc *from)
{
	size_t i;

	for (i = 0; i < from->nfds; i++)
		fd_put(to, from->fds[i].fd, from->fds[i].s);
}

/* After exec: close-on-exec descriptors are gone. */
void
fd_revalidate(struct proc *p)
{
	char path[64];
	struct stat st;
	size_t i = 0;

	while (i < p->nfds) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", p->tgid,
		    p->fds[i].fd);
		if (stat(path, &st) == 0 && (uint64_t)st.st_ino == p->fds[i].s->id)
			i++;
		else
			fd_close(p, p->fds[i].fd);
	}
}

/* What /proc/TID/status says of thread tid; -1 if it is gone. */
int
read_status(pid_t tid, struct pstatus *ps)
{
	char path[64], line[128];
	FILE *f;

	memset(ps, 0, sizeof(*ps));
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "Name: %15s", ps->name);
		sscanf(line, "State: %c", &ps->state);
		sscanf(line, "Tgid: %d", &ps->tgid);
		sscanf(line, "PPid: %d", &ps->ppid);
		sscanf(line, "TracerPid: %d", &ps->tracer);
		sscanf(line, "Threads: %d", &ps->threads);
	}
	fclose(f);
	return ps->tgid > 0 ? 0 : -1;
}

int
read_exe(pid_t pid, char *buf, size_t len)
{
	char path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	if ((n = readlink(path, buf, len - 1)) < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

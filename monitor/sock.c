/* Looking at a tracee's socket from outside: pidfd_getfd(2) gives a
 * descriptor sharing the program's open file description, so getsockname,
 * getsockopt and bind act on the program's own socket. */
#include "config.h"

#include <errno.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "monitor/tracer.h"

int
mem_read(pid_t pid, unsigned long addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)addr, len };

	return process_vm_readv(pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -1;
}

int
mem_write(pid_t pid, unsigned long addr, const void *buf, size_t len)
{
	struct iovec l = { (void *)buf, len }, r = { (void *)addr, len };

	return process_vm_writev(pid, &l, 1, &r, 1, 0) == (ssize_t)len ? 0 : -1;
}

/* Our own descriptor for the tracee's fd, or -1. */
int
sock_grab(struct proc *p, int fd)
{
	return syscall(SYS_pidfd_getfd, p->pidfd, fd, 0);
}

int
sock_info(int sfd, struct sockinfo *si)
{
	struct stat st;
	socklen_t len = sizeof(int);

	memset(si, 0, sizeof(*si));
	if (fstat(sfd, &st) < 0 || !S_ISSOCK(st.st_mode))
		return -1;
	si->id = st.st_ino;
	len = sizeof(si->local);
	if (getsockname(sfd, (struct sockaddr *)&si->local, &len) < 0)
		return -1;
	si->family = si->local.ss_family;
	if (si->family != AF_INET && si->family != AF_INET6)
		return 0;
	len = sizeof(int);
	getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &si->proto, &len);
	return 0;
}

static int
port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

/* An unbound socket is bound to port 0 (the kernel picks the port it
 * would have picked at connect/sendto) so the event has the local port. */
int
sock_autobind(int sfd, struct sockinfo *si)
{
	struct sockaddr_storage any;
	socklen_t len;

	if (port_of(&si->local) != 0)
		return 0;
	memset(&any, 0, sizeof(any));
	any.ss_family = si->family;
	len = si->family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	if (bind(sfd, (struct sockaddr *)&any, len) < 0)
		return -errno;
	len = sizeof(si->local);
	return getsockname(sfd, (struct sockaddr *)&si->local, &len) < 0 ? -errno : 0;
}

static bool
is_any(const struct sockaddr_storage *ss)
{
	static const struct in6_addr any6;

	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == 0;
	return memcmp(&((const struct sockaddr_in6 *)ss)->sin6_addr, &any6,
	    sizeof(any6)) == 0;
}

/* Probe sockets, one pair per network namespace seen. */
#define NPROBE	8
static struct probe {
	uint64_t	ns;
	int		fd4, fd6;
	int		mark[2];		/* as set on fd4, fd6 */
	char		dev[2][IF_NAMESIZE];
} probes[NPROBE];
static unsigned nprobe_next;

static struct probe *
probe_for(int sfd, uint64_t netns)
{
	struct probe *pr;
	struct stat st;
	int ns, i;

	for (i = 0; i < NPROBE; i++)	/* the program's own namespace */
		if (netns != 0 && probes[i].ns == netns && probes[i].fd4 > 0)
			return &probes[i];
	if ((ns = ioctl(sfd, SIOCGSKNS)) < 0)
		return NULL;
	if (fstat(ns, &st) < 0)
		goto fail;
	for (i = 0; i < NPROBE; i++)
		if (probes[i].ns == (uint64_t)st.st_ino && probes[i].fd4 > 0) {
			close(ns);
			return &probes[i];
		}
	pr = &probes[nprobe_next++ % NPROBE];
	if (pr->fd4 > 0) {
		close(pr->fd4);
		close(pr->fd6);
	}
	memset(pr, 0, sizeof(*pr));
	if (setns(ns, CLONE_NEWNET) < 0)
		goto fail;
	pr->fd4 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	pr->fd6 = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (setns(tr->selfns, CLONE_NEWNET) < 0)
		abort();	/* cannot happen: our own namespace */
	close(ns);
	if (pr->fd4 < 0 || pr->fd6 < 0) {
		if (pr->fd4 >= 0)
			close(pr->fd4);
		if (pr->fd6 >= 0)
			close(pr->fd6);
		memset(pr, 0, sizeof(*pr));
		return NULL;
	}
	pr->ns = st.st_ino;
	return pr;
fail:
	close(ns);
	return NULL;
}

/* The local address of a socket about to talk to peer: its bound address,
 * or the source address the routing table gives (a UDP probe socket in
 * the socket's own network namespace, with the socket's mark and device),
 * with the socket's port. */
int
sock_src(int sfd, uint64_t netns, const struct sockaddr_storage *peer,
    struct sockaddr_storage *local)
{
	struct sockaddr_storage src;
	struct probe *pr;
	socklen_t len;
	char dev[IF_NAMESIZE] = "";
	int fd, v6, mark = 0, port = port_of(local);

	if (!is_any(local) || peer->ss_family != local->ss_family)
		return 0;
	if ((pr = probe_for(sfd, netns)) == NULL)
		return -1;
	v6 = peer->ss_family == AF_INET6;
	fd = v6 ? pr->fd6 : pr->fd4;
	len = sizeof(mark);
	getsockopt(sfd, SOL_SOCKET, SO_MARK, &mark, &len);
	if (mark != pr->mark[v6] &&
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == 0)
		pr->mark[v6] = mark;
	len = sizeof(dev) - 1;
	if (getsockopt(sfd, SOL_SOCKET, SO_BINDTODEVICE, dev, &len) < 0)
		len = 0;
	dev[len] = '\0';
	if (strcmp(dev, pr->dev[v6]) != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev)) == 0)
		memcpy(pr->dev[v6], dev, sizeof(dev));
	/* connecting a UDP socket sends nothing: it only routes */
	len = v6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	if (connect(fd, (const struct sockaddr *)peer, len) < 0)
		return -1;
	len = sizeof(src);
	if (getsockname(fd, (struct sockaddr *)&src, &len) < 0)
		return -1;
	if (src.ss_family == AF_INET)
		((struct sockaddr_in *)&src)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&src)->sin6_port = htons(port);
	*local = src;
	return 0;
}

/* What each stopped socket call means. call_enter runs at the seccomp
 * stop, before the call: it reports CONNECT, LISTEN, SEND, RECV and
 * fails the call with EACCES when the daemon says no. accept and dup-like
 * calls are looked at again at their syscall-exit stop (call_exit).
 * close is seen at entry and counts descriptors: CLOSE is reported when
 * the last descriptor of a socket in any traced process is gone. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "monitor/proto.h"
#include "monitor/tracer.h"

#define MMSG_MAX	64

/* The daemon asked for a packet mark on the program's socket (its
 * datapath's bypass, for a flow left in the clear): ORed into SO_MARK. */
static void
add_mark(struct proc *p, int fd, uint32_t mark)
{
	uint32_t cur = 0;
	socklen_t len = sizeof(cur);
	int sfd = sock_grab(p, fd);

	if (sfd < 0)
		return;
	if (getsockopt(sfd, SOL_SOCKET, SO_MARK, &cur, &len) != 0) {
		tr->n.errors++;
	} else if ((cur & mark) != mark) {
		cur |= mark;
		if (setsockopt(sfd, SOL_SOCKET, SO_MARK, &cur, sizeof(cur)) != 0)
			tr->n.errors++;
	}
	close(sfd);
}

static int
report(struct proc *p, enum sock_op op, int fd, struct sockent *s,
    const struct sockinfo *si, const struct sockaddr_storage *peer)
{
	struct sock_event ev;
	char why[MSG_TEXT] = "";
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.op = op;
	ev.pid = p->tgid;
	ev.fd = fd;
	ev.sock_id = si->id;
	ev.exe = p->exe;
	ev.family = si->family;
	ev.proto = si->proto;
	ev.local = si->local;
	if (peer != NULL)
		ev.peer = *peer;
	tr->n.events++;
	rc = daemon_event(&ev, p->exe, why, sizeof(why));
	/* the daemon went away during the question: going passive dropped
	 * every table, s with them (callers check tr->passive too) */
	if (tr->passive)
		return 0;
	if (rc < 0) {
		tr->n.denied++;
		return rc;
	}
	if (rc > 0)
		add_mark(p, fd, (uint32_t)rc);
	if (s != NULL) {
		s->reported = true;
		s->local = ev.local;
		if (peer != NULL)
			s->peer = ev.peer;
	}
	return 0;
}

void
sock_closed(struct sockent *s, struct proc *p, int fd)
{
	struct sockinfo si;

	if (!s->reported || tr->passive)
		return;
	memset(&si, 0, sizeof(si));
	si.id = s->id;
	si.family = s->family;
	si.proto = s->proto;
	si.local = s->local;
	report(p, SOCK_CLOSE, fd, NULL, &si, &s->peer);
}

/* The tracee's socket fd: our duplicate, its facts, its table entry.
 * Returns -1 when fd is not an IPv4/IPv6 TCP or UDP socket. */
static int
grab(struct proc *p, int fd, struct sockinfo *si, struct sockent **sp)
{
	struct sockent *s = fd_get(p, fd);
	int sfd;

	if (s != NULL && s->family != AF_INET && s->family != AF_INET6)
		return -1;	/* known not to matter */
	if ((sfd = sock_grab(p, fd)) < 0)
		return -1;
	if (sock_info(sfd, si) < 0)
		goto no;
	if ((s = sock_get(si->id, si->family, si->type, si->proto)) != NULL)
		fd_put(p, fd, s);
	if ((si->family != AF_INET && si->family != AF_INET6) || s == NULL ||
	    (si->proto != IPPROTO_TCP && si->proto != IPPROTO_UDP))
		goto no;
	*sp = s;
	return sfd;
no:
	close(sfd);
	return -1;
}

static int
port_of_ss(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static int
read_addr(pid_t pid, unsigned long addr, unsigned long len,
    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (addr == 0 || len < sizeof(sa_family_t))
		return -1;
	if (len > sizeof(*ss))
		len = sizeof(*ss);
	return mem_read(pid, addr, ss, len);
}

static bool
same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	size_t len = a->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);

	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET6)	/* ignore flowinfo */
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_port,
		    &((const struct sockaddr_in6 *)b)->sin6_port, 2) == 0 &&
		    memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0;
	return memcmp(a, b, len) == 0;
}

/* connect, or a sendto/sendmsg naming a peer; 0 or -errno. */
static int
to_peer(struct tracee *t, int fd, const struct sockaddr_storage *peer,
    bool is_connect)
{
	struct sockinfo si;
	struct sockent *s;
	int sfd, i, rc;

	if (peer->ss_family != AF_INET && peer->ss_family != AF_INET6)
		return 0;	/* AF_UNSPEC: disconnect; others: kernel says no */
	if ((sfd = grab(t->p, fd, &si, &s)) < 0)
		return 0;
	if (peer->ss_family != si.family ||
	    (!is_connect && si.proto == IPPROTO_TCP)) {
		close(sfd);
		return 0;
	}
	if (!is_connect)
		for (i = 0; i < (int)(sizeof(s->peers) / sizeof(s->peers[0])); i++)
			if (same_addr(&s->peers[i], peer)) {
				close(sfd);
				return 0;
			}
	sock_autobind(sfd, &si);
	sock_src(sfd, t->p->netns, peer, &si.local);
	close(sfd);
	rc = report(t->p, is_connect ? SOCK_CONNECT : SOCK_SEND, fd, s, &si, peer);
	if (rc == 0 && !is_connect && !tr->passive)
		s->peers[s->npeers++ % 8] = *peer;
	return rc;
}

static int
on_listen(struct tracee *t, int fd)
{
	struct sockinfo si;
	struct sockent *s;
	int sfd;

	if ((sfd = grab(t->p, fd, &si, &s)) < 0)
		return 0;
	if (si.proto != IPPROTO_TCP) {
		close(sfd);
		return 0;
	}
	sock_autobind(sfd, &si);
	close(sfd);
	return report(t->p, SOCK_LISTEN, fd, s, &si, NULL);
}

static int
on_recv(struct tracee *t, int fd)
{
	struct sockinfo si;
	struct sockent *s = fd_get(t->p, fd);
	int sfd, rc;

	if (s != NULL && (s->recv_seen || s->proto == IPPROTO_TCP))
		return 0;
	if ((sfd = grab(t->p, fd, &si, &s)) < 0)
		return 0;
	close(sfd);
	if (si.proto != IPPROTO_UDP || s->recv_seen)
		return 0;
	if ((si.family == AF_INET &&
	    ((struct sockaddr_in *)&si.local)->sin_port == 0) ||
	    (si.family == AF_INET6 &&
	    ((struct sockaddr_in6 *)&si.local)->sin6_port == 0))
		return 0;	/* unbound: receives nothing */
	if ((rc = report(t->p, SOCK_RECV, fd, s, &si, NULL)) == 0 &&
	    !tr->passive)
		s->recv_seen = true;
	return rc;
}

static int
on_sendmsg(struct tracee *t, int fd, unsigned long msgp)
{
	struct msghdr mh;
	struct sockaddr_storage peer;

	if (mem_read(t->tid, msgp, &mh, sizeof(mh)) < 0)
		return 0;
	if (read_addr(t->tid, (unsigned long)mh.msg_name, mh.msg_namelen, &peer) < 0)
		return 0;
	return to_peer(t, fd, &peer, false);
}

static int
on_sendmmsg(struct tracee *t, int fd, unsigned long vec, unsigned vlen)
{
	struct mmsghdr mm;
	unsigned i;
	int rc;

	if (vlen > MMSG_MAX)
		vlen = MMSG_MAX;
	for (i = 0; i < vlen; i++) {
		if (mem_read(t->tid, vec + i * sizeof(mm), &mm, sizeof(mm)) < 0)
			return 0;
		if ((rc = on_sendmsg(t, fd, vec + i * sizeof(mm))) < 0)
			return rc;
	}
	return 0;
}

static void
on_close_range(struct proc *p, unsigned first, unsigned last, unsigned flags)
{
	size_t i = 0;

	if (flags & CLOSE_RANGE_CLOEXEC)
		return;
	while (i < p->nfds) {
		unsigned fd = p->fds[i].fd;

		if (fd >= first && fd <= last)
			fd_close(p, fd);
		else
			i++;
	}
}

static bool
is_dupfd(long cmd)
{
	return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC;
}

int
call_enter(struct tracee *t, long nr, const unsigned long *a, bool *deny)
{
	struct proc *p = t->p;
	struct sockaddr_storage peer;
	int fd = (int)a[0], rc = 0;

	*deny = false;
	switch (nr) {
	case __NR_connect:
		if (read_addr(t->tid, a[1], a[2], &peer) == 0)
			rc = to_peer(t, fd, &peer, true);
		break;
	case __NR_sendto:
		if (read_addr(t->tid, a[4], a[5], &peer) == 0)
			rc = to_peer(t, fd, &peer, false);
		break;
	case __NR_sendmsg:
		rc = on_sendmsg(t, fd, a[1]);
		break;
	case __NR_sendmmsg:
		rc = on_sendmmsg(t, fd, a[1], (unsigned)a[2]);
		break;
	case __NR_recvfrom:
	case __NR_recvmsg:
	case __NR_recvmmsg:
		rc = on_recv(t, fd);
		break;
	case __NR_listen:
		rc = on_listen(t, fd);
		break;
	case __NR_accept:
	case __NR_accept4:
		t->pend = PEND_ACCEPT;
		return PTRACE_SYSCALL;
	case __NR_close:
		fd_close(p, fd);
		break;
	case __NR_close_range:
		on_close_range(p, (unsigned)a[0], (unsigned)a[1], (unsigned)a[2]);
		break;
	case __NR_fcntl:
		if (!is_dupfd(a[1]))
			break;
		/* FALLTHROUGH */
	case __NR_dup:
		if (fd_get(p, fd) == NULL)
			break;
		t->pend = PEND_DUP;
		t->pend_arg[0] = fd;
		return PTRACE_SYSCALL;
	case __NR_dup2:
	case __NR_dup3:
		if (fd_get(p, fd) == NULL && fd_get(p, (int)a[1]) == NULL)
			break;
		t->pend = PEND_DUP2;
		t->pend_arg[0] = fd;
		t->pend_arg[1] = (int)a[1];
		return PTRACE_SYSCALL;
	case __NR_io_uring_setup:	/* its requests would bypass the filter */
		note("monitor: refused io_uring_setup pid=%d exe=%s", p->tgid,
		    p->exe);
		rc = -EACCES;
		break;
	}
	if (rc < 0)
		*deny = true;
	return PTRACE_CONT;
}

/* A program attached while running: its IPv4/IPv6 sockets are taken
 * into the table and those in use reported (LISTEN for listeners,
 * CONNECT for connected ones, accepted or not; RECV for bound UDP). An
 * io_uring it made before is said in the events: what it submits there
 * bypasses the filter (new rings are refused). */
void
report_existing(struct proc *p)
{
	char path[320], link[64];
	struct sockaddr_storage peer;
	struct sockinfo si;
	struct sockent *s;
	struct dirent *de;
	socklen_t len;
	ssize_t n;
	int fd, sfd, listening;
	bool uring = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", p->tgid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", p->tgid, de->d_name);
		if ((n = readlink(path, link, sizeof(link) - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (!uring && strcmp(link, "anon_inode:[io_uring]") == 0) {
			note("monitor: pid=%d exe=%s has an io_uring made before it "
			    "was traced: socket operations it submits there are "
			    "not seen", p->tgid, p->exe);
			uring = true;
		}
		if (strncmp(link, "socket:", 7) != 0)
			continue;
		fd = atoi(de->d_name);
		if ((sfd = grab(p, fd, &si, &s)) < 0 || s->reported) {
			if (sfd >= 0)
				close(sfd);
			continue;	/* not IP, or a copy already reported */
		}
		len = sizeof(listening);
		if (getsockopt(sfd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
			listening = 0;
		len = sizeof(peer);
		memset(&peer, 0, sizeof(peer));
		if (listening)
			report(p, SOCK_LISTEN, fd, s, &si, NULL);
		else if (getpeername(sfd, (struct sockaddr *)&peer, &len) == 0)
			report(p, SOCK_CONNECT, fd, s, &si, &peer);
		else if (si.proto == IPPROTO_UDP && port_of_ss(&si.local) != 0 &&
		    report(p, SOCK_RECV, fd, s, &si, NULL) == 0 && !tr->passive)
			s->recv_seen = true;
		close(sfd);
		if (tr->passive)
			break;	/* the daemon went away: nothing to report to */
	}
	closedir(d);
}

static void
on_accepted(struct tracee *t, struct user_regs_struct *r)
{
	struct sockaddr_storage peer;
	struct sockinfo si;
	struct sockent *s;
	socklen_t len = sizeof(peer);
	int fd = (int)r->rax, sfd, rc;
	long a[6] = { fd };

	if ((sfd = grab(t->p, fd, &si, &s)) < 0)
		return;
	memset(&peer, 0, sizeof(peer));
	getpeername(sfd, (struct sockaddr *)&peer, &len);
	close(sfd);
	if ((rc = report(t->p, SOCK_ACCEPT, fd, s, &si, &peer)) == 0)
		return;
	/* Refused: the program never sees the connection. */
	fd_close(t->p, fd);
	r->rax = -EACCES;
	inject_syscall(t, r, __NR_close, a);
}

void
call_exit(struct tracee *t)
{
	struct user_regs_struct r;
	struct sockent *s;
	enum pending pend = t->pend;

	t->pend = PEND_NONE;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &r) < 0 || (long)r.rax < 0)
		return;
	switch (pend) {
	case PEND_ACCEPT:
		on_accepted(t, &r);
		break;
	case PEND_DUP:
		if ((s = fd_get(t->p, (int)t->pend_arg[0])) != NULL)
			fd_put(t->p, (int)r.rax, s);
		break;
	case PEND_DUP2:
		if (t->pend_arg[0] == t->pend_arg[1])
			break;
		if ((s = fd_get(t->p, (int)t->pend_arg[0])) != NULL)
			fd_put(t->p, (int)t->pend_arg[1], s);
		else
			fd_close(t->p, (int)t->pend_arg[1]);
		break;
	case PEND_NONE:
	case PEND_START:	/* handled in stops.c */
		break;
	}
}

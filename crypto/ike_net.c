#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/xfrm.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/ike_net.h"

/* A per-socket "allow" policy in both directions: the SPD never catches
 * IKE itself (what strongSwan does too). */
static int
bypass(int fd, int family)
{
	struct xfrm_userpolicy_info pol;
	int level = family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = family == AF_INET ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;
	int dir;

	for (dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.sel.family = family;
		pol.dir = dir;
		pol.lft.soft_byte_limit = XFRM_INF;
		pol.lft.hard_byte_limit = XFRM_INF;
		pol.lft.soft_packet_limit = XFRM_INF;
		pol.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) != 0)
			return -1;
	}
	return 0;
}

static int
open_one(int family, const struct ipaddr *local, uint16_t port, uint32_t mark)
{
	struct sockaddr_storage ss;
	struct ipaddr any;
	int fd, on = 1;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	if (fd < 0)
		return -1;
	if (local == NULL) {
		memset(&any, 0, sizeof(any));
		any.family = family;
		local = &any;
	}
	ipaddr_to_sockaddr(local, port, &ss);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if ((family == AF_INET ?
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) :
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on))) != 0 ||
	    (family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0) ||
	    (mark != 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) != 0) ||
	    bypass(fd, family) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int
ike_net_open(struct ike_net *n, int family, const struct ipaddr *local,
    uint16_t port, uint16_t port_natt, uint32_t mark)
{
	n->family = family;
	n->port = port ? port : IKE_PORT;
	n->port_natt = port_natt ? port_natt : IKE_NATT_PORT;
	n->fd_natt = -1;
	if ((n->fd = open_one(family, local, n->port, mark)) < 0)
		return -1;
	if ((n->fd_natt = open_one(family, local, n->port_natt, mark)) < 0) {
		int e = errno;

		close(n->fd);
		n->fd = -1;
		errno = e;
		return -1;
	}
	return 0;
}

void
ike_net_close(struct ike_net *n)
{
	if (n->fd >= 0)
		close(n->fd);
	if (n->fd_natt >= 0)
		close(n->fd_natt);
	n->fd = n->fd_natt = -1;
}

int
ike_net_send(struct ike_net *n, const struct ike_dgram *d)
{
	struct sockaddr_storage to;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { (void *)d->data, d->len };
	struct msghdr mh;
	struct cmsghdr *c;
	int fd = d->src.port == n->port_natt ? n->fd_natt : n->fd;

	memset(&mh, 0, sizeof(mh));
	memset(&cb, 0, sizeof(cb));
	ipaddr_to_sockaddr(&d->dst.addr, d->dst.port, &to);
	mh.msg_name = &to;
	mh.msg_namelen = n->family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.buf;
	c = (struct cmsghdr *)cb.buf;
	if (n->family == AF_INET) {
		struct in_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi_spec_dst, d->src.addr.a, 4);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		memcpy(&pi.ipi6_addr, d->src.addr.a, 16);
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	return sendmsg(fd, &mh, 0) == (ssize_t)d->len ? 0 : -1;
}

ssize_t
ike_net_recv(struct ike_net *n, int fd, struct ike_dgram *d)
{
	struct sockaddr_storage from;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cb;
	struct iovec iov = { d->data, sizeof(d->data) };
	struct msghdr mh;
	struct cmsghdr *c;
	ssize_t r;
	int port;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cb.buf;
	mh.msg_controllen = sizeof(cb.buf);
	if ((r = recvmsg(fd, &mh, 0)) < 0)
		return -1;
	if (mh.msg_flags & MSG_TRUNC) {
		errno = EMSGSIZE;
		return -1;
	}
	d->len = (size_t)r;
	if (ipaddr_from_sockaddr(&d->src.addr, &port, (struct sockaddr *)&from) != 0)
		return -1;
	d->src.port = (uint16_t)port;
	memset(&d->dst, 0, sizeof(d->dst));
	d->dst.addr.family = n->family;
	d->dst.port = fd == n->fd_natt ? n->port_natt : n->port;
	for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(d->dst.addr.a, &pi.ipi_addr, 4);
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(d->dst.addr.a, &pi.ipi6_addr, 16);
		}
	}
	return r;
}

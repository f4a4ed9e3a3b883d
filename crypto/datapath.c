/* User-space ESP datapath between a TUN device and a UDP socket; see
 * datapath.h. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/datapath.h"
#include "crypto/esp_ip.h"
#include "crypto/tun.h"

#define HEAD	64		/* >= ESP_HEADROOM and ESP_IP_HEADROOM */
#define BUFLEN	4096
#define CAP	(BUFLEN - HEAD - ESP_TAILROOM)

/* One address family's sockets (-1: none) and the local address its
 * peers send to. */
struct dp_fam {
	int			 udp, esp;
	struct ipaddr		 local;
};

struct datapath {
	int			 tun, tun_flags;
	int			 first;		/* dp_new's family */
	struct dp_fam		 f4, f6;
	struct esp_sadb		*in;
	struct esp_sa		*out;
	struct sockaddr_storage	 peer;
	dp_route_fn		 route;
	void			*route_arg;
	dp_accept_fn		 accept;
	void			*accept_arg;
	dp_ike_fn		 ike;
	void			*ike_arg;
	struct dp_stats		 st;
	uint8_t			 buf[DP_BATCH][BUFLEN];
	struct mmsghdr		 msg[DP_BATCH];
	struct mmsghdr		 rmsg[DP_BATCH];	/* raw ESP out */
	struct iovec		 iov[DP_BATCH];
	struct sockaddr_storage	 from[DP_BATCH];	/* senders, or destinations */
};

static struct dp_fam *
fam(struct datapath *dp, int family)
{
	return family == AF_INET6 ? &dp->f6 : &dp->f4;
}

struct datapath *
dp_new(int tun, int tun_flags, int udp, struct esp_sadb *in,
    const struct ipaddr *local)
{
	struct datapath *dp = calloc(1, sizeof(*dp));

	if (dp == NULL)
		return NULL;
	dp->tun = tun;
	dp->tun_flags = tun_flags;
	dp->f4.udp = dp->f4.esp = dp->f6.udp = dp->f6.esp = -1;
	dp->in = in;
	dp->first = local->family;
	dp_set_udp(dp, udp, local);
	return dp;
}

void
dp_set_udp(struct datapath *dp, int udp, const struct ipaddr *local)
{
	struct dp_fam *f = fam(dp, local->family);

	f->udp = udp;
	f->local = *local;
}

void
dp_free(struct datapath *dp)
{
	free(dp);
}

void
dp_set_outbound(struct datapath *dp, struct esp_sa *out,
    const struct sockaddr_storage *peer)
{
	dp->out = out;
	if (peer != NULL)
		dp->peer = *peer;
}

void
dp_set_raw_esp(struct datapath *dp, int fd)
{
	int family = dp->first;
	socklen_t len = sizeof(family);

	if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) != 0)
		family = dp->first;
	fam(dp, family)->esp = fd;
}

void
dp_set_router(struct datapath *dp, dp_route_fn fn, void *arg)
{
	dp->route = fn;
	dp->route_arg = arg;
}

void
dp_set_inbound_check(struct datapath *dp, dp_accept_fn fn, void *arg)
{
	dp->accept = fn;
	dp->accept_arg = arg;
}

void
dp_set_ike_handler(struct datapath *dp, dp_ike_fn fn, void *arg)
{
	dp->ike = fn;
	dp->ike_arg = arg;
}

const struct dp_stats *
dp_stats(const struct datapath *dp)
{
	return &dp->st;
}

static socklen_t
sslen(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
}

/* Sends m[0..n) on fd and counts; what the socket refuses is lost
 * (counted). */
static void
send_batch(struct datapath *dp, int fd, struct mmsghdr *m, int n)
{
	int done = 0, r;

	while (done < n) {
		r = fd < 0 ? -1 : sendmmsg(fd, m + done, n - done, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			dp->st.errors += n - done;
			return;
		}
		done += r;
		dp->st.udp_tx += r;
	}
}

static void
set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Sends the queued m[0..n) from the sockets of their peers' families:
 * UDP ones (udp) or raw ESP ones. */
static void
send_queued(struct datapath *dp, struct mmsghdr *m, int n, bool udp)
{
	const struct sockaddr *to;
	struct dp_fam *f;
	int i, j;

	for (i = 0; i < n; i = j) {
		to = m[i].msg_hdr.msg_name;
		for (j = i + 1; j < n; j++)
			if (((const struct sockaddr *)m[j].msg_hdr.msg_name)->
			    sa_family != to->sa_family)
				break;
		f = fam(dp, to->sa_family);
		send_batch(dp, udp ? f->udp : f->esp, m + i, j - i);
	}
}

/* Queues the ESP packet of buffer k for sa's socket. */
static void
queue(struct datapath *dp, struct esp_sa *sa, int k, uint8_t *esp,
    size_t len, int *nu, int *nr)
{
	struct mmsghdr *m;

	if (esp_sa_udp_encap(sa)) {
		m = &dp->msg[(*nu)++];
	} else {
		m = &dp->rmsg[(*nr)++];
		set_port(&dp->from[k], 0);	/* raw: port means protocol */
	}
	dp->iov[k] = (struct iovec){ esp, len };
	memset(m, 0, sizeof(*m));
	m->msg_hdr.msg_name = &dp->from[k];
	m->msg_hdr.msg_namelen = sslen(&dp->from[k]);
	m->msg_hdr.msg_iov = &dp->iov[k];
	m->msg_hdr.msg_iovlen = 1;
}

int
dp_send(struct datapath *dp, struct esp_sa *sa, const uint8_t *ip, size_t len,
    const struct sockaddr_storage *peer)
{
	int nu = 0, nr = 0;
	uint8_t *esp;
	size_t esplen;

	if (len > CAP) {
		dp->st.errors++;
		return -1;
	}
	memcpy(dp->buf[0] + HEAD, ip, len);
	if (esp_ip_encap(sa, dp->buf[0] + HEAD, len, BUFLEN - HEAD - len,
	    &esp, &esplen, NULL) != 0)
		return -1;	/* counted in the SA */
	dp->from[0] = *peer;
	queue(dp, sa, 0, esp, esplen, &nu, &nr);
	if (nu > 0)
		send_queued(dp, dp->msg, nu, true);
	else
		send_queued(dp, dp->rmsg, nr, false);
	return 0;
}

int
dp_tun_input(struct datapath *dp)
{
	struct esp_sa *sa;
	uint8_t *esp;
	size_t esplen;
	ssize_t len;
	int i, nu = 0, nr = 0, handled = 0;

	for (i = 0; i < DP_BATCH; i++) {
		len = tun_read(dp->tun, dp->tun_flags, dp->buf[i] + HEAD, CAP);
		if (len == 0)
			break;
		if (len < 0) {
			dp->st.errors++;
			break;
		}
		dp->st.tun_rx++;
		handled++;
		if (dp->route != NULL)
			sa = dp->route(dp->buf[i] + HEAD, (size_t)len,
			    &dp->from[i], dp->route_arg);
		else if ((sa = dp->out) != NULL)
			dp->from[i] = dp->peer;
		if (sa == NULL) {
			dp->st.no_sa++;
			continue;
		}
		if (esp_ip_encap(sa, dp->buf[i] + HEAD, (size_t)len,
		    BUFLEN - HEAD - (size_t)len, &esp, &esplen, NULL) != 0)
			continue;	/* counted in the SA */
		queue(dp, sa, i, esp, esplen, &nu, &nr);
	}
	if (nu > 0)
		send_queued(dp, dp->msg, nu, true);
	if (nr > 0)
		send_queued(dp, dp->rmsg, nr, false);
	return handled;
}

static void
esp_input(struct datapath *dp, uint8_t *p, size_t len,
    const struct sockaddr_storage *from, bool udp)
{
	const struct ipaddr *local = &fam(dp, from->ss_family)->local;
	struct ipaddr src;
	struct esp_sa *sa;
	uint8_t *ip;
	size_t iplen;
	int port, rc;

	if ((sa = esp_sadb_lookup(dp->in, p, len, NULL)) == NULL)
		return;
	if (ipaddr_from_sockaddr(&src, &port, (const struct sockaddr *)from) != 0)
		src = *local;
	rc = esp_ip_decap(sa, p, len, &src, local, udp, &ip, &iplen, NULL);
	if (rc == 1)
		dp->st.dummies++;
	if (rc != 0)
		return;
	if (dp->accept != NULL && !dp->accept(sa, ip, iplen, dp->accept_arg)) {
		dp->st.policy++;
		return;
	}
	if (tun_write(dp->tun, dp->tun_flags, ip, iplen) != 0)
		dp->st.errors++;
	else
		dp->st.tun_tx++;
}

static void
udp_one(struct datapath *dp, int i)
{
	uint8_t *p = dp->buf[i] + HEAD;
	size_t len = dp->msg[i].msg_len;

	dp->st.udp_rx++;
	if (dp->msg[i].msg_hdr.msg_flags & MSG_TRUNC) {
		dp->st.invalid++;
		return;
	}
	switch (esp_udp_classify(p, len)) {
	case ESP_UDP_KEEPALIVE:
		dp->st.keepalives++;
		break;
	case ESP_UDP_IKE:
		dp->st.ike++;
		if (dp->ike != NULL)
			dp->ike(p + 4, len - 4, &dp->from[i], dp->ike_arg);
		break;
	case ESP_UDP_INVALID:
		dp->st.invalid++;
		break;
	case ESP_UDP_ESP:
		esp_input(dp, p, len, &dp->from[i], true);
		break;
	}
}

/* recvmmsg into the buffers; the count, 0 when nothing is there. */
static int
receive(struct datapath *dp, int fd)
{
	int i, n;

	for (i = 0; i < DP_BATCH; i++) {
		dp->iov[i] = (struct iovec){ dp->buf[i] + HEAD, CAP };
		memset(&dp->msg[i], 0, sizeof(dp->msg[i]));
		dp->msg[i].msg_hdr.msg_name = &dp->from[i];
		dp->msg[i].msg_hdr.msg_namelen = sizeof(dp->from[i]);
		dp->msg[i].msg_hdr.msg_iov = &dp->iov[i];
		dp->msg[i].msg_hdr.msg_iovlen = 1;
	}
	n = recvmmsg(fd, dp->msg, DP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		dp->st.errors++;
	}
	return n;
}

static int
udp_input(struct datapath *dp, int fd)
{
	int i, n = receive(dp, fd);

	for (i = 0; i < n; i++)
		udp_one(dp, i);
	return n;
}

int
dp_udp_input(struct datapath *dp)
{
	return udp_input(dp, fam(dp, dp->first)->udp);
}

/* A raw IPv4 socket hands over the IP header too; IPv6 does not. */
static int
esp_sock_input(struct datapath *dp, int fd)
{
	int i, n = receive(dp, fd);
	size_t len, hl;
	uint8_t *p;

	for (i = 0; i < n; i++) {
		p = dp->buf[i] + HEAD;
		len = dp->msg[i].msg_len;
		dp->st.raw_rx++;
		hl = 0;
		if (dp->from[i].ss_family == AF_INET)
			hl = len >= 20 ? (size_t)(p[0] & 0x0f) * 4 : len + 1;
		if (hl > len || (dp->msg[i].msg_hdr.msg_flags & MSG_TRUNC)) {
			dp->st.invalid++;
			continue;
		}
		esp_input(dp, p + hl, len - hl, &dp->from[i], false);
	}
	return n;
}

void
dp_socket_buffers(int fd)
{
	int size = 4 << 20;

	/* as root the buffers may exceed rmem_max; otherwise take what we get */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

int
dp_esp_input(struct datapath *dp)
{
	return esp_sock_input(dp, fam(dp, dp->first)->esp);
}

int
dp_sock_input(struct datapath *dp, int fd)
{
	if (fd < 0)
		return -1;
	if (fd == dp->f4.udp || fd == dp->f6.udp)
		return udp_input(dp, fd);
	if (fd == dp->f4.esp || fd == dp->f6.esp)
		return esp_sock_input(dp, fd);
	return -1;
}

int
dp_esp_socket(int family, char *err, size_t errlen)
{
	int fd;

	fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ESP);
	if (fd < 0) {
		snprintf(err, errlen, "raw ESP socket: %s", strerror(errno));
		return -1;
	}
	dp_socket_buffers(fd);
	return fd;
}

int
dp_udp_socket(const struct ipaddr *addr, int port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int fd, one = 1;

	ipaddr_to_sockaddr(addr, port, &ss);
	fd = socket(addr->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	dp_socket_buffers(fd);
	if (bind(fd, (struct sockaddr *)&ss, sslen(&ss)) != 0) {
		snprintf(err, errlen, "bind port %d: %s", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ipsec_start/ipsec_stop and the thread: one epoll loop over the IKE
 * sockets, the datapath's fds (or the XFRM monitor), a 1 s timer and a
 * stop eventfd. Everything but the sas text is touched by this thread
 * only. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "engine/events.h"
#include "engine/ipsec_int.h"

uint64_t
ipsec_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
ipsec_flush(struct ipsec *s)
{
	struct ike_dgram d;

	while (ike_output(s->ike, &d)) {
		if (d.dst.addr.family == AF_INET6 && s->net6.fd < 0)
			errno = EAFNOSUPPORT;
		else if (ike_net_send(d.dst.addr.family == AF_INET6 ?
		    &s->net6 : &s->net4, &d) == 0)
			continue;
		events_emit("ipsec ike send-failed error=%s", strerror(errno));
	}
}

static bool
kernel_datapath(struct engine *e)
{
	struct strbuf sb = STRBUF_INIT;
	bool k;

	engine_render_status(e, &sb);
	k = sb.buf != NULL && strstr(sb.buf, "datapath=kernel") != NULL;
	strbuf_free(&sb);
	return k;
}

static int
add_peers(struct ipsec *s)
{
	struct ike_peer p;
	size_t i, n = 0;

	for (i = 0; i < s->cfg->npeers; i++) {
		if (ike_peer_from_conf(&p, &s->cfg->peers[i]) != 0 ||
		    ike_add_peer(s->ike, &p) != 0) {
			events_emit("ipsec peer=%s refused reason=\"bad identity, "
			    "missing psk or too many peers\"",
			    s->cfg->peers[i].name);
			continue;
		}
		n++;
	}
	memset(&p, 0, sizeof(p));	/* the PSK */
	return (int)n;
}

static int
watch(struct ipsec *s, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd < 0)
		return 0;
	return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void
on_timer(struct ipsec *s)
{
	uint64_t n;

	if (read(s->timerfd, &n, sizeof(n)) < 0)
		return;
	if (s->sadb != NULL)
		esp_sadb_tick(s->sadb, ipsec_now_ms() / 1000);
	ipsec_sweep(s);
	ipsec_sas_update(s);
}

static void
on_rekey(struct ipsec *s)
{
	uint64_t n;

	if (read(s->rekeyfd, &n, sizeof(n)) == sizeof(n))
		ipsec_rekey_all(s);
}

static void
on_fd(struct ipsec *s, int fd)
{
	if (fd == s->net4.fd)
		ipsec_ike_input(s, &s->net4, fd);
	else if (fd == s->net6.fd)
		ipsec_ike_input(s, &s->net6, fd);
	else if (s->dp != NULL && (fd == s->net4.fd_natt ||
	    fd == s->net6.fd_natt || fd == s->rawfd || fd == s->rawfd6))
		dp_sock_input(s->dp, fd);
	else if (fd == s->net4.fd_natt)
		ipsec_ike_input(s, &s->net4, fd);
	else if (fd == s->net6.fd_natt)
		ipsec_ike_input(s, &s->net6, fd);
	else if (fd == s->tun)
		dp_tun_input(s->dp);
	else if (s->mon != NULL && fd == xfrm_mon_fd(s->mon))
		xfrm_mon_dispatch(s->mon);
	else if (fd == s->timerfd)
		on_timer(s);
	else if (fd == s->rekeyfd)
		on_rekey(s);
}

static void *
loop(void *arg)
{
	struct epoll_event evs[16];
	struct ipsec *s = arg;
	uint64_t now, next;
	int i, n, timeout;

	for (;;) {
		now = ipsec_now_ms();
		next = ike_next_timeout(s->ike);
		timeout = next == UINT64_MAX ? 1000 :
		    next <= now ? 0 : next - now > 1000 ? 1000 : (int)(next - now);
		n = epoll_wait(s->epfd, evs, 16, timeout);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == s->stopfd)
				return NULL;
			on_fd(s, evs[i].data.fd);
		}
		now = ipsec_now_ms();
		if (now >= ike_next_timeout(s->ike))
			ike_tick(s->ike, now);
		ipsec_flush(s);
	}
	events_emit("ipsec loop failed error=%s", strerror(errno));
	return NULL;
}

static int
open_loop(struct ipsec *s)
{
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };

	if ((s->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (s->stopfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (s->rekeyfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    (s->timerfd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_CLOEXEC | TFD_NONBLOCK)) < 0 ||
	    timerfd_settime(s->timerfd, 0, &its, NULL) != 0)
		return -errno;
	if (watch(s, s->stopfd) || watch(s, s->timerfd) || watch(s, s->rekeyfd) ||
	    watch(s, s->net4.fd) || watch(s, s->net4.fd_natt) ||
	    watch(s, s->net6.fd) || watch(s, s->net6.fd_natt) ||
	    watch(s, s->tun) || watch(s, s->rawfd) || watch(s, s->rawfd6) ||
	    (s->mon != NULL && watch(s, xfrm_mon_fd(s->mon))))
		return -errno;
	return 0;
}

static void
release(struct ipsec *s)
{
	while (s->children != NULL)
		ipsec_child_free(s, s->children);
	if (s->kernel)
		ipsec_kernel_close(s);
	else
		ipsec_dp_close(s);
	if (s->ike != NULL)
		ike_free(s->ike);
	if (s->net4.fd > 0 || s->net4.fd_natt > 0)
		ike_net_close(&s->net4);
	if (s->net6.fd > 0 || s->net6.fd_natt > 0)
		ike_net_close(&s->net6);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->stopfd >= 0)
		close(s->stopfd);
	if (s->timerfd >= 0)
		close(s->timerfd);
	if (s->rekeyfd >= 0)
		close(s->rekeyfd);
	pthread_mutex_destroy(&s->text_mu);
	free(s->text);
	free(s);
}

static struct ipsec *
alloc(struct engine *e, const struct conf *cfg)
{
	struct ipsec *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->e = e;
	s->cfg = cfg;
	s->epfd = s->stopfd = s->timerfd = s->rekeyfd = -1;
	s->tun = s->rawfd = s->clearfd = s->rawfd6 = s->clearfd6 = -1;
	s->net4.fd = s->net4.fd_natt = s->net6.fd = s->net6.fd_natt = -1;
	pthread_mutex_init(&s->text_mu, NULL);
	return s;
}

int
ipsec_start(struct engine *e, const struct conf *cfg, struct ipsec **out)
{
	struct ipsec *s;
	char err[256];
	int rc;

	if ((s = alloc(e, cfg)) == NULL)
		return -ENOMEM;
	s->kernel = kernel_datapath(e);
	if ((s->ike = ike_new(ipsec_ike_event, s)) == NULL) {
		release(s);
		return -ENOMEM;
	}
	ike_set_ts_hook(s->ike, ipsec_ts_hook, s);
	add_peers(s);
	if (ike_net_open(&s->net4, AF_INET, NULL, 0, 0,
	    s->kernel ? 0 : IPSEC_MARK_BYPASS) != 0) {
		rc = -errno;
		events_emit("ipsec start failed reason=\"ike sockets: %s\"",
		    strerror(errno));
		s->net4.fd = s->net4.fd_natt = -1;
		release(s);
		return rc;
	}
	/* IPv6 when the host has it: IKE, ESP and steering for IPv6 peers */
	if (ike_net_open(&s->net6, AF_INET6, NULL, 0, 0,
	    s->kernel ? 0 : IPSEC_MARK_BYPASS) != 0) {
		events_emit("ipsec ipv6 off reason=\"ike sockets: %s\"",
		    strerror(errno));
		s->net6.fd = s->net6.fd_natt = -1;
	}
	/* ESP in UDP arrives on the IKE sockets of port 4500 */
	if (!s->kernel) {
		dp_socket_buffers(s->net4.fd_natt);
		if (s->net6.fd_natt >= 0)
			dp_socket_buffers(s->net6.fd_natt);
	}
	err[0] = '\0';
	rc = s->kernel ? ipsec_kernel_open(s) : ipsec_dp_open(s, err, sizeof(err));
	if (rc == 0)
		rc = open_loop(s);
	if (rc == 0)
		rc = -pthread_create(&s->thread, NULL, loop, s);
	if (rc != 0) {
		events_emit("ipsec start failed reason=\"%s\"",
		    err[0] ? err : strerror(-rc));
		release(s);
		return rc;
	}
	s->running = true;
	ipsec_sas_update(s);
	engine_set_sa_renderer(e, ipsec_sas_render, s);
	events_emit("ipsec started datapath=%s peers=%zu%s%s",
	    s->kernel ? "kernel" : "userspace", cfg->npeers,
	    s->kernel ? "" : " tun=", s->kernel ? "" : s->tunname);
	*out = s;
	return 0;
}

static void
delete_one(void *arg, uint64_t ispi, uint64_t rspi, bool initiator,
    const struct ike_endpoint *local, const struct ike_endpoint *remote,
    size_t nchildren)
{
	struct ipsec *s = arg;

	(void)rspi; (void)initiator; (void)local; (void)remote; (void)nchildren;
	ike_delete_ike(s->ike, ipsec_now_ms(), ispi);
}

int
ipsec_rekey_children(struct ipsec *s)
{
	uint64_t one = 1;

	if (s == NULL || !s->running)
		return -EINVAL;
	return write(s->rekeyfd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

void
ipsec_stop(struct ipsec *s)
{
	uint64_t one = 1;

	if (s == NULL)
		return;
	engine_set_sa_renderer(s->e, NULL, NULL);
	if (s->running) {
		if (write(s->stopfd, &one, sizeof(one)) < 0)
			events_emit("ipsec stop write failed");
		pthread_join(s->thread, NULL);
	}
	/* tell the peers (best effort, one send each) */
	ike_foreach_sa(s->ike, delete_one, s);
	ipsec_flush(s);
	release(s);
	events_emit("ipsec stopped");
}

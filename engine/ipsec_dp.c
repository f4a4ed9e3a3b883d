/* The user-space datapath of the glue: a TUN device that the routes of
 * ipsec_route.c fill with the traffic for configured peers; its router
 * asks the engine what each packet's flow wants (engine_flow_lookup):
 * protected flows go out as ESP on their CHILD SA (or wait for IKE to make
 * one, held meanwhile when mandatory), flows no owned entry decides go on
 * a CHILD SA that covers them if there is one, the rest goes back out in
 * the clear through a raw socket that bypasses the TUN routes. Decrypted
 * packets must fit their CHILD SA's traffic selectors. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "crypto/tun.h"
#include "engine/events.h"
#include "engine/ipsec_int.h"

static struct ipsec_child *
child_for(struct ipsec *s, const struct ipsec_flow *f)
{
	struct ipsec_child *c;

	for (c = s->children; c != NULL; c = c->next)	/* newest first */
		if (ipsec_child_sendable(s, c) &&
		    ipsec_ts_covers(&c->k.ts_local, f->proto, &f->src, f->sport) &&
		    ipsec_ts_covers(&c->k.ts_remote, f->proto, &f->dst, f->dport))
			return c;
	return NULL;
}

/* A packet no protection applies to leaves as it came, marked so that
 * the TUN rule lets it by. */
static void
send_clear(struct ipsec *s, const uint8_t *ip, size_t len, const struct ipsec_flow *f)
{
	struct sockaddr_storage ss;
	int fd = f->dst.family == AF_INET6 ? s->clearfd6 : s->clearfd;

	if (fd < 0)
		return;
	ipaddr_to_sockaddr(&f->dst, 0, &ss);
	if (sendto(fd, ip, len, MSG_DONTWAIT, (struct sockaddr *)&ss,
	    f->dst.family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in)) < 0)
		s->clear_errors++;
	else
		s->clear_sent++;
}

/* A later IPv4 fragment has no ports, so no flow: it goes on a tunnel
 * CHILD SA between the same hosts for the same protocol if there is one;
 * it is dropped when such an SA (transport: ESP cannot carry it) or a
 * negotiation for the two hosts exists, since it may belong to a
 * protected datagram; otherwise it leaves as it came. */
static struct esp_sa *
route_fragment(struct ipsec *s, const uint8_t *ip, size_t len,
    const struct ipsec_flow *f, struct sockaddr_storage *peer)
{
	uint64_t now = ipsec_now_ms();
	struct ipsec_child *c;
	bool related = false;
	size_t i;

	for (c = s->children; c != NULL; c = c->next) {
		if (!ipsec_child_sendable(s, c) ||
		    !ipsec_ts_has_addr(&c->k.ts_local, &f->src) ||
		    !ipsec_ts_has_addr(&c->k.ts_remote, &f->dst) ||
		    (c->k.ts_local.ipproto != 0 && c->k.ts_local.ipproto != f->proto))
			continue;
		if (!c->k.transport) {
			ipaddr_to_sockaddr(&c->k.remote.addr, c->k.remote.port, peer);
			return c->out;
		}
		related = true;
	}
	for (i = 0; i < IPSEC_PENDING_MAX && !related; i++)
		related = s->pending[i].at_ms != 0 &&
		    now - s->pending[i].at_ms < 2 * IPSEC_PENDING_MS &&
		    ipaddr_equal(&s->pending[i].src, &f->src) &&
		    ipaddr_equal(&s->pending[i].dst, &f->dst);
	if (!related)
		send_clear(s, ip, len, f);
	return NULL;
}

/* Frees held packets older than IPSEC_PENDING_MS (their negotiation did
 * not end in time: dropped, counted), or all of them. */
static void
held_expire(struct ipsec *s, bool all)
{
	uint64_t now = ipsec_now_ms();
	size_t i;

	for (i = 0; i < IPSEC_HELD_MAX; i++)
		if (s->held[i].ip != NULL &&
		    (all || now - s->held[i].at_ms >= IPSEC_PENDING_MS)) {
			free(s->held[i].ip);
			s->held[i].ip = NULL;
			s->dropped_clear++;
		}
}

/* Keeps a mandatory packet (the first SYN or datagram of a flow) until its
 * CHILD SA exists; with no room it is dropped, as the kernel would. */
static void
hold(struct ipsec *s, const uint8_t *ip, size_t len, const struct ipsec_flow *f)
{
	struct ipsec_held *h = NULL;
	size_t i;

	held_expire(s, false);
	for (i = 0; i < IPSEC_HELD_MAX && h == NULL; i++)
		if (s->held[i].ip == NULL)
			h = &s->held[i];
	if (h == NULL || (h->ip = malloc(len)) == NULL) {
		s->dropped_clear++;
		return;
	}
	memcpy(h->ip, ip, len);
	h->len = len;
	h->at_ms = ipsec_now_ms();
	h->f = *f;
}

/* A new CHILD SA is in s->children: the held packets it covers leave on
 * it, in order. */
void
ipsec_dp_release_held(struct ipsec *s)
{
	struct sockaddr_storage peer;
	struct ipsec_child *c;
	size_t i;

	for (i = 0; i < IPSEC_HELD_MAX; i++) {
		if (s->held[i].ip == NULL ||
		    (c = child_for(s, &s->held[i].f)) == NULL)
			continue;
		ipaddr_to_sockaddr(&c->k.remote.addr, c->k.remote.port, &peer);
		if (dp_send(s->dp, c->out, s->held[i].ip, s->held[i].len, &peer) == 0)
			s->held_sent++;
		free(s->held[i].ip);
		s->held[i].ip = NULL;
	}
}

/* A packet no owned entry decides (a ping reply, a server the policies
 * do not name): on an installed CHILD SA whose selectors cover it, as the
 * peer that negotiated it expects (a host-to-host SA, say); else as it
 * came. */
static struct esp_sa *
route_unowned(struct ipsec *s, const uint8_t *ip, size_t len,
    const struct ipsec_flow *f, struct sockaddr_storage *peer)
{
	struct ipsec_child *c;

	if ((c = child_for(s, f)) != NULL) {
		ipaddr_to_sockaddr(&c->k.remote.addr, c->k.remote.port, peer);
		s->unowned_sent++;
		return c->out;
	}
	send_clear(s, ip, len, f);
	return NULL;
}

static struct esp_sa *
route(const uint8_t *ip, size_t len, struct sockaddr_storage *peer, void *arg)
{
	struct ipsec *s = arg;
	struct engine_flow ef;
	struct ipsec_child *c;
	struct ipsec_flow f;

	if (ipsec_parse_flow(ip, len, &f) != 0)
		return NULL;
	/* the routes send only peers' prefixes here; the rest is the TUN
	 * device's own (IPv6 multicast, say): not ours to forward */
	if (conf_find_peer(s->cfg, &f.dst) == NULL)
		return NULL;
	if (f.later_fragment)
		return route_fragment(s, ip, len, &f, peer);
	if (!engine_flow_lookup(s->e, true, f.proto, &f.src, f.sport, &f.dst,
	    f.dport, &ef))
		return route_unowned(s, ip, len, &f, peer);
	if (ef.action == FLOW_ALLOW) {
		send_clear(s, ip, len, &f);
		return NULL;
	}
	if (ef.action == FLOW_BLOCK)
		return NULL;
	if ((c = child_for(s, &f)) != NULL) {
		ipaddr_to_sockaddr(&c->k.remote.addr, c->k.remote.port, peer);
		return c->out;
	}
	ipsec_initiate(s, f.proto, &f.src, f.sport, &f.dst, f.dport, "datapath");
	if (ef.level == LEVEL_OPTIONAL)
		send_clear(s, ip, len, &f);
	else
		hold(s, ip, len, &f);
	return NULL;
}

static bool
accept_in(const struct esp_sa *sa, const uint8_t *ip, size_t len, void *arg)
{
	struct ipsec *s = arg;
	struct ipsec_child *c;
	struct ipsec_flow f;

	if (ipsec_parse_flow(ip, len, &f) != 0)
		return false;
	for (c = s->children; c != NULL; c = c->next)
		if (c->in == sa)
			return ipsec_ts_covers(&c->k.ts_remote, f.proto, &f.src,
			    f.sport) && ipsec_ts_covers(&c->k.ts_local, f.proto,
			    &f.dst, f.dport);
	return false;
}

static void
expired(struct esp_sa *sa, bool hard, void *arg)
{
	struct ipsec *s = arg;
	struct ipsec_child *c;

	for (c = s->children; c != NULL; c = c->next)
		if (c->in == sa || c->out == sa)
			break;
	if (c == NULL || c->retired_ms != 0)
		return;
	if (hard) {
		c->dead = true;	/* swept by the timer, outside the datapath */
		return;
	}
	events_emit("ipsec child soft-expired spi_in=%08x: rekeying",
	    c->k.spi_in);
	if (ike_rekey_child(s->ike, ipsec_now_ms(), c->k.spi_in) != 0)
		events_emit("ipsec child rekey failed spi_in=%08x reason=\"no "
		    "established IKE SA\"", c->k.spi_in);
}

static struct esp_sa *
make_sa(struct ipsec *s, const struct ipsec_child *c, bool in, char *err,
    size_t errlen)
{
	const struct ike_child_keys *k = &c->k;
	const struct peer_conf *pc = conf_find_peer(s->cfg, &k->remote.addr);
	uint64_t life = pc != NULL ? pc->ike.lifetime : s->cfg->ike.lifetime;
	struct esp_sa_conf conf = {
		.spi = in ? k->spi_in : k->spi_out,
		.encr = k->encr, .keybits = k->keybits, .integ = k->integ,
		.ekey = in ? k->enc_in : k->enc_out, .ekeylen = k->enclen,
		.akey = k->authlen == 0 ? NULL : in ? k->auth_in : k->auth_out,
		.akeylen = k->authlen, .esn = k->esn, .udp_encap = k->encap,
		.mode = k->transport ? ESP_MODE_TRANSPORT : ESP_MODE_TUNNEL,
	};

	/* IKE rekeys at the lifetime itself; these catch a rekey that
	 * did not happen */
	conf.soft.seconds = life + life / 5;
	conf.hard.seconds = life + life / 2;
	return esp_sa_new(&conf, in, ipsec_now_ms() / 1000, expired, s, err,
	    errlen);
}

int
ipsec_dp_child_up(struct ipsec *s, struct ipsec_child *c, char *err,
    size_t errlen)
{
	const struct ipaddr *local = c->k.local.addr.family == AF_INET6 ?
	    &s->local6 : &s->local;
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	if (c->k.transport && !ipaddr_equal(&c->k.local.addr, local))
		events_emit("ipsec child spi_in=%08x warning=\"transport mode "
		    "from %s: the datapath rebuilds headers with %s\"",
		    c->k.spi_in, ipaddr_str(&c->k.local.addr, a, sizeof(a)),
		    ipaddr_str(local, b, sizeof(b)));
	if ((c->in = make_sa(s, c, true, err, errlen)) == NULL)
		return -1;
	if ((c->out = make_sa(s, c, false, err, errlen)) == NULL ||
	    esp_sadb_add(s->sadb, c->in) != 0) {
		if (c->out != NULL)
			snprintf(err, errlen, "inbound SPI %08x already in use",
			    c->k.spi_in);
		esp_sa_free(c->in);
		c->in = NULL;
		return -1;
	}
	return 0;
}

/* The raw sockets of one family: ESP (protocol 50) and the clear
 * re-sends (IPPROTO_RAW: the header is ours), both marked to bypass the
 * TUN routes. */
static int
open_raw(int family, int *esp, int *clear, char *err, size_t errlen)
{
	uint32_t mark = IPSEC_MARK_BYPASS;

	if ((*esp = dp_esp_socket(family, err, errlen)) < 0)
		return -1;
	if ((*clear = socket(family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW)) < 0) {
		snprintf(err, errlen, "raw socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(*esp, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
	    setsockopt(*clear, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) ||
	    xfrm_socket_bypass(*esp, family) != 0) {
		snprintf(err, errlen, "socket options: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
open_fds(struct ipsec *s, char *err, size_t errlen)
{
	strcpy(s->tunname, "ipsf%d");
	if ((s->tun = tun_open(s->tunname, 0, err, errlen)) < 0)
		return -1;
	if (open_raw(AF_INET, &s->rawfd, &s->clearfd, err, errlen) != 0)
		return -1;
	if (s->net6.fd >= 0 &&
	    open_raw(AF_INET6, &s->rawfd6, &s->clearfd6, err, errlen) != 0)
		return -1;
	return 0;
}

/* The address the datapath rebuilds transport-mode headers of family
 * with: the source of the route to the first configured peer of that
 * family (unspecified when there is none). */
static void
pick_local(struct ipsec *s, int family, struct ipaddr *local)
{
	size_t i;

	memset(local, 0, sizeof(*local));
	local->family = family;
	for (i = 0; i < s->cfg->npeers; i++)
		if (s->cfg->peers[i].remote.addr.family == family &&
		    ipsec_local_for(&s->cfg->peers[i].remote.addr, local) == 0)
			return;
}

int
ipsec_dp_open(struct ipsec *s, char *err, size_t errlen)
{
	int rc;

	if (open_fds(s, err, errlen) != 0)
		return -EIO;
	pick_local(s, AF_INET, &s->local);
	pick_local(s, AF_INET6, &s->local6);
	if ((s->sadb = esp_sadb_new()) == NULL ||
	    (s->dp = dp_new(s->tun, 0, s->net4.fd_natt, s->sadb, &s->local)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	dp_set_raw_esp(s->dp, s->rawfd);
	if (s->net6.fd >= 0) {
		dp_set_udp(s->dp, s->net6.fd_natt, &s->local6);
		dp_set_raw_esp(s->dp, s->rawfd6);
	}
	dp_set_router(s->dp, route, s);
	dp_set_inbound_check(s->dp, accept_in, s);
	dp_set_ike_handler(s->dp, ipsec_ike_from_dp, s);
	if (ipsec_route_setup(s, err, errlen) != 0)
		return -EIO;
	engine_set_bypass_mark(s->e, IPSEC_MARK_BYPASS);
	if ((rc = engine_set_datapath(s->e, IPSEC_MARK_DECRYPTED,
	    IPSEC_MARK_DECRYPTED, s->steer, s->nsteer)) != 0) {
		snprintf(err, errlen, "engine_set_datapath: %s", strerror(-rc));
		return rc;
	}
	return 0;
}

void
ipsec_dp_close(struct ipsec *s)
{
	held_expire(s, true);
	if (s->routed || s->nft)
		engine_set_datapath(s->e, 0, 0, NULL, 0);	/* before the
							   routes go */
	ipsec_route_teardown(s);
	if (s->dp != NULL)
		dp_free(s->dp);
	if (s->sadb != NULL)
		esp_sadb_free(s->sadb);
	if (s->tun >= 0)
		close(s->tun);
	if (s->rawfd >= 0)
		close(s->rawfd);
	if (s->clearfd >= 0)
		close(s->clearfd);
	if (s->rawfd6 >= 0)
		close(s->rawfd6);
	if (s->clearfd6 >= 0)
		close(s->clearfd6);
}

/* IKE side of the glue: datagrams in, events out (CHILD SAs up and down,
 * failures), negotiations started for one flow, the CHILD SA list. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "engine/events.h"
#include "engine/ipsec_int.h"

static const char *
addr(const struct ipaddr *a, char *buf)
{
	return ipaddr_str(a, buf, IPADDR_STRLEN);
}

static const char *
proto_name(int p)
{
	static char buf[8];

	if (p == 6)
		return "tcp";
	if (p == 17)
		return "udp";
	if (p == 0)
		return "any";
	snprintf(buf, sizeof(buf), "%d", p);
	return buf;
}

void
ipsec_ike_input(struct ipsec *s, struct ike_net *net, int fd)
{
	struct ike_dgram d;
	int n;

	for (n = 0; n < 64; n++) {
		if (ike_net_recv(net, fd, &d) < 0)
			break;
		/* not IKE on 4500 (ESP without a datapath, keepalive): dropped */
		ike_input(s->ike, ipsec_now_ms(), &d.src, &d.dst, d.data, d.len);
	}
}

/* An IKE message the datapath found on port 4500 (marker removed). The
 * datapath's socket gives no destination address: the route to the
 * sender says which of ours it was sent to. */
void
ipsec_ike_from_dp(const uint8_t *msg, size_t len,
    const struct sockaddr_storage *from, void *arg)
{
	struct ipsec *s = arg;
	struct ike_endpoint src, dst;
	uint8_t buf[IKE_MSG_MAX + 4];
	int port;

	if (len + 4 > sizeof(buf) ||
	    ipaddr_from_sockaddr(&src.addr, &port, (const struct sockaddr *)from) != 0)
		return;
	src.port = (uint16_t)port;
	if (ipsec_local_for(&src.addr, &dst.addr) != 0)
		dst.addr = src.addr.family == AF_INET6 ? s->local6 : s->local;
	dst.port = IKE_NATT_PORT;
	memset(buf, 0, 4);
	memcpy(buf + 4, msg, len);
	ike_input(s->ike, ipsec_now_ms(), &src, &dst, buf, len + 4);
}

static void
ts_host(struct ike_ts *ts, int proto, const struct ipaddr *a, int port)
{
	memset(ts, 0, sizeof(*ts));
	ts->type = a->family == AF_INET ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE;
	ts->ipproto = (uint8_t)proto;
	ts->sport = port > 0 ? (uint16_t)port : 0;
	ts->eport = port > 0 ? (uint16_t)port : 65535;
	ts->start = ts->end = *a;
}

/* Whether ipsecfs's SPD asks for the CHILD SA the initiator wants,
 * narrowed to remote/local: one exact TCP/UDP flow when the SPD protects
 * that flow; anything wider (host to host, a protocol, port ranges) when
 * it protects some of the traffic with that peer. */
static bool
spd_wants(struct ipsec *s, const struct ike_ts *remote,
    const struct ike_ts *local)
{
	struct engine_flow ef;
	int p = remote->ipproto;

	if ((p == IPPROTO_TCP || p == IPPROTO_UDP) &&
	    remote->sport == remote->eport && local->sport == local->eport)
		return engine_flow_lookup(s->e, false, p, &remote->start,
		    remote->sport, &local->start, local->sport, &ef) &&
		    ef.action == FLOW_PROTECT;
	return engine_peer_protected(s->e, p, &remote->start);
}

/* As responder: the initiator's selectors narrowed to the two hosts (what
 * ike.c does without a hook), granted when the SPD wants them
 * (spd_wants); else TS_UNACCEPTABLE. */
bool
ipsec_ts_hook(void *arg, const struct ike_endpoint *peer,
    const struct ike_ts *tsi, size_t ni, const struct ike_ts *tsr, size_t nr,
    struct ike_ts *local, struct ike_ts *remote)
{
	struct ipsec *s = arg;
	struct ipaddr me;
	size_t i, j;
	int p;

	if (ipsec_local_for(&peer->addr, &me) != 0)
		return false;
	for (i = 0; i < ni; i++)
		for (j = 0; j < nr; j++) {
			if (!ipsec_ts_has_addr(&tsi[i], &peer->addr) ||
			    !ipsec_ts_has_addr(&tsr[j], &me) ||
			    (tsi[i].ipproto != 0 && tsr[j].ipproto != 0 &&
			    tsi[i].ipproto != tsr[j].ipproto))
				continue;
			p = tsi[i].ipproto != 0 ? tsi[i].ipproto : tsr[j].ipproto;
			*remote = tsi[i];
			*local = tsr[j];
			remote->start = remote->end = peer->addr;
			local->start = local->end = me;
			remote->ipproto = local->ipproto = (uint8_t)p;
			if (spd_wants(s, remote, local))
				return true;
		}
	return false;
}

/* A slot for the flow unless it was asked for a moment ago (NULL). */
static struct ipsec_pending *
pending_claim(struct ipsec *s, int proto, const struct ipaddr *src, int sport,
    const struct ipaddr *dst, int dport, uint64_t now)
{
	struct ipsec_pending *p, *old = &s->pending[0];
	size_t i;

	for (i = 0; i < IPSEC_PENDING_MAX; i++) {
		p = &s->pending[i];
		if (p->at_ms != 0 && p->proto == proto && p->sport == sport &&
		    p->dport == dport && ipaddr_equal(&p->src, src) &&
		    ipaddr_equal(&p->dst, dst)) {
			if (now - p->at_ms < IPSEC_PENDING_MS)
				return NULL;
			old = p;
			break;
		}
		if (p->at_ms < old->at_ms)
			old = p;
	}
	*old = (struct ipsec_pending){ proto, *src, *dst, sport, dport, now };
	return old;
}

int
ipsec_initiate(struct ipsec *s, int proto, const struct ipaddr *src,
    int sport, const struct ipaddr *dst, int dport, const char *why)
{
	struct ike_endpoint local = { *src, IKE_PORT }, remote = { *dst, IKE_PORT };
	struct ike_ts tl, tr;
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];
	uint64_t now = ipsec_now_ms();
	struct ipsec_pending *p;

	if ((p = pending_claim(s, proto, src, sport, dst, dport, now)) == NULL)
		return 0;
	if (conf_find_peer(s->cfg, dst) == NULL) {
		events_emit("ipsec initiate failed flow=%s:%s:%d-%s:%d "
		    "reason=\"no [peer.*] covers %s\"", proto_name(proto),
		    addr(src, a), sport, addr(dst, b), dport, b);
		return -ENOENT;
	}
	ts_host(&tl, proto, src, sport);
	ts_host(&tr, proto, dst, dport);
	if (ike_initiate(s->ike, now, &local, &remote, &tl, &tr) != 0) {
		/* an IKE SA with this peer is being set up: a packet of
		 * this flow half a second from now asks again */
		p->at_ms = now > IPSEC_PENDING_MS ? now - IPSEC_PENDING_MS + 500 : 1;
		return -EAGAIN;
	}
	events_emit("ipsec initiate peer=%s flow=%s:%s:%d-%s:%d by=%s",
	    addr(dst, b), proto_name(proto), addr(src, a), sport, b, dport, why);
	ipsec_flush(s);
	return 0;
}

static void
ts_str(const struct ike_ts *ts, char *buf, size_t len)
{
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	ipaddr_str(&ts->start, a, sizeof(a));
	ipaddr_str(&ts->end, b, sizeof(b));
	if (ipaddr_equal(&ts->start, &ts->end))
		snprintf(buf, len, "%s:%s:%u-%u", proto_name(ts->ipproto), a,
		    ts->sport, ts->eport);
	else
		snprintf(buf, len, "%s:%s-%s:%u-%u", proto_name(ts->ipproto), a,
		    b, ts->sport, ts->eport);
}

static void
child_up(struct ipsec *s, const struct ike_child_keys *k)
{
	struct ipsec_child *c;
	char err[160], tl[128], tr[128], r[IPADDR_STRLEN], rk[40] = "";
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		events_emit("ipsec child failed spi_in=%08x reason=\"out of memory\"",
		    k->spi_in);
		ike_delete_child(s->ike, ipsec_now_ms(), k->spi_in);
		return;
	}
	c->k = *k;
	c->born_ms = ipsec_now_ms();
	err[0] = '\0';
	rc = s->kernel ? ipsec_kernel_child_up(s, c, err, sizeof(err)) :
	    ipsec_dp_child_up(s, c, err, sizeof(err));
	/* the keys live in the SAs now */
	memset(c->k.enc_in, 0, sizeof(c->k.enc_in));
	memset(c->k.enc_out, 0, sizeof(c->k.enc_out));
	memset(c->k.auth_in, 0, sizeof(c->k.auth_in));
	memset(c->k.auth_out, 0, sizeof(c->k.auth_out));
	if (rc != 0) {
		events_emit("ipsec child failed spi_in=%08x reason=\"%s\"",
		    k->spi_in, err);
		ike_delete_child(s->ike, ipsec_now_ms(), k->spi_in);
		esp_sa_free(c->out);
		if (c->in != NULL)
			esp_sa_free(esp_sadb_remove(s->sadb, esp_sa_spi(c->in)));
		free(c);
		return;
	}
	c->next = s->children;
	s->children = c;
	if (!s->kernel)
		ipsec_dp_release_held(s);
	ts_str(&k->ts_local, tl, sizeof(tl));
	ts_str(&k->ts_remote, tr, sizeof(tr));
	if (k->replaces_spi_in != 0)
		snprintf(rk, sizeof(rk), " rekey of=%08x by=%s",
		    k->replaces_spi_in, k->we_initiated ? "us" : "peer");
	events_emit("ipsec child installed peer=%s spi_in=%08x spi_out=%08x mode=%s "
	    "encap=%s local=%s remote=%s%s",
	    addr(&k->remote.addr, r), k->spi_in, k->spi_out,
	    k->transport ? "transport" : "tunnel", k->encap ? "udp" : "no",
	    tl, tr, rk);
}

static void
child_down(struct ipsec *s, uint32_t spi_in, uint32_t spi_out)
{
	struct ipsec_child *c;

	for (c = s->children; c != NULL; c = c->next)
		if (c->k.spi_in == spi_in && c->retired_ms == 0)
			break;
	events_emit("ipsec child removed spi_in=%08x spi_out=%08x%s", spi_in,
	    spi_out, c == NULL ? " (unknown)" : "");
	if (c != NULL)
		ipsec_child_retire(s, c);
}

void
ipsec_ike_event(void *arg, const struct ike_event *ev)
{
	struct ipsec *s = arg;
	/* crypto/ike.c writes the IKE lines of the events file itself
	 * (ike up/down/failed, child up/down); these add what the datapath
	 * did with each CHILD SA */
	switch (ev->type) {
	case IKE_EV_IKE_UP:
	case IKE_EV_IKE_DOWN:
	case IKE_EV_FAILED:
		break;
	case IKE_EV_CHILD_UP:
		child_up(s, ev->child);
		break;
	case IKE_EV_CHILD_DOWN:
		child_down(s, ev->spi_in, ev->spi_out);
		break;
	}
	ipsec_sas_update(s);
}

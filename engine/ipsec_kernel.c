/* The kernel datapath of the glue: ACQUIRE starts IKE for the packet's
 * flow, CHILD SAs go into XFRM (both directions), soft EXPIRE rekeys,
 * hard EXPIRE forgets. (Not exercised on machines without esp4.) */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>

#include "engine/events.h"
#include "engine/ipsec_int.h"

static void
on_xfrm(const struct xfrm_sa_event *ev, void *arg)
{
	struct ipsec *s = arg;
	struct ipsec_child *c;

	if (ev->type == XFRM_EV_ACQUIRE) {
		if (!ev->owned)	/* only ipsecfs's own entries */
			return;
		ipsec_initiate(s, ev->sel.proto, &ev->sel.src, ev->sel.sport,
		    &ev->sel.dst, ev->sel.dport, "acquire");
		return;
	}
	for (c = s->children; c != NULL; c = c->next)
		if (c->k.spi_in == ev->spi || c->k.spi_out == ev->spi)
			break;
	if (c == NULL)
		return;
	if (!ev->hard) {
		events_emit("ipsec child soft-expired spi_in=%08x: rekeying",
		    c->k.spi_in);
		ike_rekey_child(s->ike, ipsec_now_ms(), c->k.spi_in);
	} else
		c->dead = true;
}

int
ipsec_kernel_open(struct ipsec *s)
{
	int encap = UDP_ENCAP_ESPINUDP;

	/* the kernel takes ESP in UDP off port 4500 itself; IKE messages
	 * (non-ESP marker) still reach the socket */
	if (setsockopt(s->net4.fd_natt, IPPROTO_UDP, UDP_ENCAP, &encap,
	    sizeof(encap)) != 0 || (s->net6.fd_natt >= 0 &&
	    setsockopt(s->net6.fd_natt, IPPROTO_UDP, UDP_ENCAP, &encap,
	    sizeof(encap)) != 0))
		return -errno;
	return xfrm_mon_open(&s->mon, on_xfrm, s);
}

void
ipsec_kernel_close(struct ipsec *s)
{
	if (s->mon != NULL)
		xfrm_mon_close(s->mon);
	s->mon = NULL;
}

static int
algs(const struct ike_child_keys *k, struct xfrm_sa_params *p)
{
	switch (k->encr) {
	case ENCR_AES_GCM_16:
		p->aead = "rfc4106(gcm(aes))";
		p->icv_bits = 128;
		return 0;
	case ENCR_CHACHA20_POLY1305:
		p->aead = "rfc7539esp(chacha20,poly1305)";
		p->icv_bits = 128;
		return 0;
	case ENCR_AES_CBC:
		p->enc = "cbc(aes)";
		break;
	case ENCR_NULL:
		p->enc = "ecb(cipher_null)";
		break;
	default:
		return -1;
	}
	switch (k->integ) {
	case AUTH_HMAC_SHA1_96:
		p->auth = "hmac(sha1)";
		p->auth_trunc_bits = 96;
		return 0;
	case AUTH_HMAC_SHA2_256_128:
		p->auth = "hmac(sha256)";
		p->auth_trunc_bits = 128;
		return 0;
	default:
		return -1;
	}
}

/* A transport-mode SA is tied to its flow when each side's traffic
 * selector is one address (ports: one or all): as strongSwan does. */
static bool
ts_sel(const struct ike_ts *src, const struct ike_ts *dst, struct spd_sel *sel)
{
	int fam = src->start.family;

	if (fam != dst->start.family || src->ipproto != dst->ipproto ||
	    !ipaddr_equal(&src->start, &src->end) ||
	    !ipaddr_equal(&dst->start, &dst->end) ||
	    (src->sport != src->eport && (src->sport != 0 || src->eport != 65535)) ||
	    (dst->sport != dst->eport && (dst->sport != 0 || dst->eport != 65535)))
		return false;
	memset(sel, 0, sizeof(*sel));
	sel->family = fam;
	sel->src = src->start;
	sel->dst = dst->start;
	sel->slen = sel->dlen = fam == AF_INET ? 32 : 128;
	sel->proto = src->ipproto;
	sel->sport = src->sport == src->eport ? src->sport : 0;
	sel->dport = dst->sport == dst->eport ? dst->sport : 0;
	return true;
}

int
ipsec_kernel_params(const struct ike_child_keys *k, bool in, uint64_t life,
    struct xfrm_sa_params *p)
{
	memset(p, 0, sizeof(*p));
	if (algs(k, p) != 0 || k->enclen > XFRM_SA_KEY_MAX ||
	    k->authlen > XFRM_SA_KEY_MAX)
		return -EINVAL;
	p->src = in ? k->remote.addr : k->local.addr;
	p->dst = in ? k->local.addr : k->remote.addr;
	p->spi = in ? k->spi_in : k->spi_out;
	p->tunnel = !k->transport;
	p->replay_window = in ? IPSEC_REPLAY_WINDOW : 0;
	p->esn = k->esn;
	memcpy(p->enc_key, in ? k->enc_in : k->enc_out, k->enclen);
	p->enc_keylen = k->enclen;
	memcpy(p->auth_key, in ? k->auth_in : k->auth_out, k->authlen);
	p->auth_keylen = k->authlen;
	if (k->encap) {
		p->encap_sport = in ? k->remote.port : k->local.port;
		p->encap_dport = in ? k->local.port : k->remote.port;
	}
	if (k->transport)
		p->has_sel = in ? ts_sel(&k->ts_remote, &k->ts_local, &p->sel) :
		    ts_sel(&k->ts_local, &k->ts_remote, &p->sel);
	p->soft_seconds = life + life / 5;
	p->hard_seconds = life + life / 2;
	return 0;
}

static int
one(struct ipsec *s, const struct ipsec_child *c, bool in, char *why,
    size_t whylen)
{
	const struct ike_child_keys *k = &c->k;
	const struct peer_conf *pc = conf_find_peer(s->cfg, &k->remote.addr);
	uint64_t life = pc != NULL ? pc->ike.lifetime : s->cfg->ike.lifetime;
	struct xfrm_sa_params p;
	int rc;

	if ((rc = ipsec_kernel_params(k, in, life, &p)) == 0)
		rc = xfrm_sa_install(&p, false, why, whylen);
	explicit_bzero(&p, sizeof(p));
	return rc;
}

int
ipsec_kernel_child_up(struct ipsec *s, struct ipsec_child *c, char *err,
    size_t errlen)
{
	char why[128];
	int rc;

	if ((rc = one(s, c, true, why, sizeof(why))) != 0 ||
	    (rc = one(s, c, false, why, sizeof(why))) != 0) {
		xfrm_sa_remove(&c->k.local.addr, c->k.spi_in);
		snprintf(err, errlen, "xfrm_sa_install: %s%s%s", strerror(-rc),
		    why[0] != '\0' ? ": " : "", why);
		return rc;
	}
	c->installed = true;
	return 0;
}

void
ipsec_kernel_child_down(struct ipsec *s, struct ipsec_child *c)
{
	(void)s;
	if (!c->installed)
		return;
	xfrm_sa_remove(&c->k.local.addr, c->k.spi_in);
	xfrm_sa_remove(&c->k.remote.addr, c->k.spi_out);
	c->installed = false;
}

/* XFRM for SAs: NEWSA/UPDSA/DELSA, the ESP probe, ACQUIRE/EXPIRE, and
 * per-socket bypass policies. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/in6.h>
#include <linux/ipsec.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "engine/xfrm.h"
#include "engine/xfrm_sa.h"

#ifndef IP_XFRM_POLICY
#define IP_XFRM_POLICY		17
#endif
#ifndef IPV6_XFRM_POLICY
#define IPV6_XFRM_POLICY	35
#endif
#define SADB_EALG_NULL		11

struct xfrm_mon {
	int		fd;
	xfrm_sa_cb	cb;
	void		*arg;
};

static int
nl_open(unsigned groups)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	struct timeval tmo = { .tv_sec = 5 };	/* the kernel answers at once */
	int fd;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM)) < 0)
		return -errno;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Copies the kernel's extended ACK message (NLMSGERR_ATTR_MSG), if any. */
static void
ack_message(const struct nlmsghdr *h, char *why, size_t whylen)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof(*e);
	const struct nlattr *a;

	if (why == NULL || whylen == 0 || !(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	while (NLMSG_HDRLEN + off + NLA_HDRLEN <= h->nlmsg_len) {
		a = (const struct nlattr *)((const char *)e + off);
		if (a->nla_len < NLA_HDRLEN ||
		    NLMSG_HDRLEN + off + a->nla_len > h->nlmsg_len)
			return;
		if (a->nla_type == NLMSGERR_ATTR_MSG) {
			snprintf(why, whylen, "%.*s",
			    (int)(a->nla_len - NLA_HDRLEN),
			    (const char *)a + NLA_HDRLEN);
			return;
		}
		off += NLA_ALIGN(a->nla_len);
	}
}

/* Sends one request and waits for its ACK; why gets the kernel's words
 * on an error, when it gives any. */
static int
nl_request(struct nlmsghdr *h, char *why, size_t whylen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char rb[4096] __attribute__((aligned(8)));
	int one = 1;
	ssize_t n;
	int fd, rc = -EIO;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if ((fd = nl_open(0)) < 0)
		return fd;
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = 1;
	if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&sa,
	    sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	do
		n = recv(fd, rb, sizeof(rb), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		rc = -errno;
		goto out;
	}
	for (h = (struct nlmsghdr *)rb; NLMSG_OK(h, (size_t)n);
	    h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type != NLMSG_ERROR ||
		    h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			continue;
		rc = ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		if (rc != 0)
			ack_message(h, why, whylen);
	}
out:
	close(fd);
	return rc;
}

static void *
put_attr(struct nlmsghdr *h, uint16_t type, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return (char *)a + NLA_HDRLEN;
}

static void
put_algo(struct nlmsghdr *h, uint16_t type, const char *name,
    const uint8_t *key, size_t keylen, unsigned extra)
{
	size_t head = type == XFRMA_ALG_CRYPT ? sizeof(struct xfrm_algo) :
	    sizeof(struct xfrm_algo_aead);	/* aead and auth_trunc agree */
	union {
		struct xfrm_algo_aead	a;
		char			b[sizeof(struct xfrm_algo_aead) +
					  XFRM_SA_KEY_MAX];
	} u;

	memset(&u, 0, sizeof(u));
	snprintf(u.a.alg_name, sizeof(u.a.alg_name), "%s", name);
	u.a.alg_key_len = keylen * 8;
	if (type != XFRMA_ALG_CRYPT)
		u.a.alg_icv_len = extra;
	memcpy(u.b + head, key, keylen);
	memcpy(put_attr(h, type, head + keylen), u.b, head + keylen);
}

/* A window over 32 packets or ESN needs the replay state attribute; the
 * kernel then keeps a bitmap of bmp_len words. An outbound ESN SA gets a
 * nominal window too: the kernel refuses ESN with none when the SA's
 * direction is not given, and output never checks it. */
static void
put_replay(struct nlmsghdr *h, const struct xfrm_sa_params *p,
    struct xfrm_usersa_info *si)
{
	struct xfrm_replay_state_esn *r;
	uint32_t win = p->replay_window;
	size_t words;

	if (win > XFRM_SA_REPLAY_MAX)
		win = XFRM_SA_REPLAY_MAX;
	if (!p->esn && win <= 32) {
		si->replay_window = win;
		return;
	}
	if (win == 0)
		win = 32;
	words = (win + 31) / 32;
	r = put_attr(h, XFRMA_REPLAY_ESN_VAL, sizeof(*r) + words * 4);
	memset(r, 0, sizeof(*r) + words * 4);
	r->bmp_len = words;
	r->replay_window = win;
	if (p->esn)
		si->flags |= XFRM_STATE_ESN;
}

static void
sa_sel(const struct spd_sel *s, struct xfrm_selector *sel)
{
	sel->family = s->family;
	memcpy(&sel->saddr, s->src.a, ipaddr_len(s->family));
	memcpy(&sel->daddr, s->dst.a, ipaddr_len(s->family));
	sel->prefixlen_s = s->slen;
	sel->prefixlen_d = s->dlen;
	sel->proto = s->proto;
	sel->sport = htons(s->sport);
	sel->sport_mask = s->sport ? 0xffff : 0;
	sel->dport = htons(s->dport);
	sel->dport_mask = s->dport ? 0xffff : 0;
}

static void
sa_info(const struct xfrm_sa_params *p, struct xfrm_usersa_info *si)
{
	int fam = p->dst.family;

	si->family = fam;
	memcpy(&si->id.daddr, p->dst.a, ipaddr_len(fam));
	memcpy(&si->saddr, p->src.a, ipaddr_len(fam));
	si->id.spi = htonl(p->spi);
	si->id.proto = IPPROTO_ESP;
	si->reqid = p->reqid;
	si->mode = p->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	si->lft.soft_byte_limit = si->lft.hard_byte_limit = XFRM_INF;
	si->lft.soft_packet_limit = si->lft.hard_packet_limit = XFRM_INF;
	si->lft.soft_add_expires_seconds = p->soft_seconds;
	si->lft.hard_add_expires_seconds = p->hard_seconds;
	if (p->has_sel)
		sa_sel(&p->sel, &si->sel);
	else
		si->sel.family = fam;
}

int
xfrm_sa_message(const struct xfrm_sa_params *p, bool update, void *buf,
    size_t len)
{
	struct nlmsghdr *h = buf;
	struct xfrm_usersa_info *si;

	if ((p->dst.family != AF_INET && p->dst.family != AF_INET6) ||
	    p->src.family != p->dst.family || p->enc_keylen > XFRM_SA_KEY_MAX ||
	    p->auth_keylen > XFRM_SA_KEY_MAX ||
	    (p->aead == NULL && (p->enc == NULL || p->auth == NULL)) ||
	    len < XFRM_SA_MSG_MAX)
		return -EINVAL;
	memset(buf, 0, XFRM_SA_MSG_MAX);
	h->nlmsg_type = update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA;
	h->nlmsg_len = NLMSG_LENGTH(sizeof(*si));
	si = NLMSG_DATA(h);
	sa_info(p, si);
	put_replay(h, p, si);
	if (p->aead != NULL) {
		put_algo(h, XFRMA_ALG_AEAD, p->aead, p->enc_key,
		    p->enc_keylen, p->icv_bits);
	} else {
		put_algo(h, XFRMA_ALG_CRYPT, p->enc, p->enc_key,
		    p->enc_keylen, 0);
		put_algo(h, XFRMA_ALG_AUTH_TRUNC, p->auth, p->auth_key,
		    p->auth_keylen, p->auth_trunc_bits);
	}
	if (p->encap_dport != 0) {
		struct xfrm_encap_tmpl *et;

		et = put_attr(h, XFRMA_ENCAP, sizeof(*et));
		et->encap_type = 2;	/* UDP_ENCAP_ESPINUDP */
		et->encap_sport = htons(p->encap_sport);
		et->encap_dport = htons(p->encap_dport);
	}
	return h->nlmsg_len;
}

int
xfrm_sa_install(const struct xfrm_sa_params *p, bool update, char *why,
    size_t whylen)
{
	union {
		struct nlmsghdr	h;
		uint64_t	align;
		char		buf[XFRM_SA_MSG_MAX];
	} m;
	int rc;

	if ((rc = xfrm_sa_message(p, update, &m, sizeof(m))) < 0)
		return rc;
	rc = nl_request(&m.h, why, whylen);
	explicit_bzero(&m, sizeof(m));
	return rc;
}

int
xfrm_sa_remove(const struct ipaddr *dst, uint32_t spi)
{
	union {
		struct nlmsghdr	h;
		uint64_t	align;
		char		buf[256];
	} m;
	struct xfrm_usersa_id *id;

	if (dst->family != AF_INET && dst->family != AF_INET6)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.h.nlmsg_type = XFRM_MSG_DELSA;
	m.h.nlmsg_len = NLMSG_LENGTH(sizeof(*id));
	id = NLMSG_DATA(&m.h);
	memcpy(&id->daddr, dst->a, ipaddr_len(dst->family));
	id->spi = htonl(spi);
	id->family = dst->family;
	id->proto = IPPROTO_ESP;
	return nl_request(&m.h, NULL, 0);
}

bool
xfrm_probe_esp(void)
{
	struct xfrm_sa_params p;
	uint32_t spi = 0;

	memset(&p, 0, sizeof(p));
	(void)ipaddr_parse("192.0.2.1", &p.src);
	(void)ipaddr_parse("192.0.2.2", &p.dst);
	if (getrandom(&spi, sizeof(spi), 0) != sizeof(spi))
		spi = (uint32_t)getpid();
	p.spi = spi | 0x80000000u;	/* never 1..255 (reserved) */
	p.aead = "rfc4106(gcm(aes))";
	p.icv_bits = 128;
	p.enc_keylen = 20;		/* AES-128 key + salt */
	if (xfrm_sa_install(&p, false, NULL, 0) != 0)
		return false;
	(void)xfrm_sa_remove(&p.dst, p.spi);
	return true;
}

int
xfrm_mon_open(struct xfrm_mon **out, xfrm_sa_cb cb, void *arg)
{
	struct xfrm_mon *m;
	int fd;

	fd = nl_open((1u << (XFRMNLGRP_ACQUIRE - 1)) |
	    (1u << (XFRMNLGRP_EXPIRE - 1)));
	if (fd < 0)
		return fd;
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		close(fd);
		return -ENOMEM;
	}
	m->fd = fd;
	m->cb = cb;
	m->arg = arg;
	*out = m;
	return 0;
}

int
xfrm_mon_fd(const struct xfrm_mon *m)
{
	return m->fd;
}

void
xfrm_mon_close(struct xfrm_mon *m)
{
	if (m == NULL)
		return;
	close(m->fd);
	free(m);
}

static bool
acquire_tmpl(const struct nlmsghdr *h, size_t fixed, struct xfrm_user_tmpl *out)
{
	const struct nlattr *a = (const void *)((const char *)NLMSG_DATA(h) +
	    NLMSG_ALIGN(fixed));
	int rem = (int)h->nlmsg_len - (int)NLMSG_LENGTH(NLMSG_ALIGN(fixed));

	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	    a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) == XFRMA_TMPL &&
		    a->nla_len >= NLA_HDRLEN + sizeof(*out)) {
			memcpy(out, (const char *)a + NLA_HDRLEN, sizeof(*out));
			return true;
		}
		rem -= NLA_ALIGN(a->nla_len);
		a = (const void *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return false;
}

static int
on_acquire(struct xfrm_mon *m, const struct nlmsghdr *h)
{
	struct xfrm_user_acquire acq, *aq = &acq;
	struct xfrm_user_tmpl t;
	struct xfrm_sa_event ev;
	int fam;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*aq)))
		return -EBADMSG;
	memcpy(aq, NLMSG_DATA(h), sizeof(*aq));	/* netlink aligns to 4 only */
	fam = aq->policy.sel.family ? aq->policy.sel.family : aq->sel.family;
	if (fam != AF_INET && fam != AF_INET6)
		return -EAFNOSUPPORT;
	memset(&ev, 0, sizeof(ev));
	ev.type = XFRM_EV_ACQUIRE;
	xfrm_to_sel(&aq->sel, &ev.sel);
	ev.src.family = ev.dst.family = fam;
	memcpy(ev.src.a, &aq->saddr, ipaddr_len(fam));
	memcpy(ev.dst.a, &aq->id.daddr, ipaddr_len(fam));
	ev.auth_only = aq->ealgos == 1u << SADB_EALG_NULL;
	ev.dir = aq->policy.dir;
	ev.priority = aq->policy.priority;
	ev.policy_index = aq->policy.index;
	ev.owned = aq->policy.sel.user == SPD_TAG &&
	    spd_prio_owned(aq->policy.priority);
	ev.seq = aq->seq;
	if (acquire_tmpl(h, sizeof(*aq), &t)) {
		ev.tunnel = t.mode == XFRM_MODE_TUNNEL;
		ev.optional = t.optional;
	}
	m->cb(&ev, m->arg);
	return 1;
}

static int
on_expire(struct xfrm_mon *m, const struct nlmsghdr *h)
{
	struct xfrm_user_expire exp, *ex = &exp;
	struct xfrm_sa_event ev;
	int fam;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ex)))
		return -EBADMSG;
	memcpy(ex, NLMSG_DATA(h), sizeof(*ex));
	fam = ex->state.family;
	if (fam != AF_INET && fam != AF_INET6)
		return -EAFNOSUPPORT;
	memset(&ev, 0, sizeof(ev));
	ev.type = XFRM_EV_EXPIRE;
	xfrm_to_sel(&ex->state.sel, &ev.sel);
	ev.src.family = ev.dst.family = fam;
	memcpy(ev.src.a, &ex->state.saddr, ipaddr_len(fam));
	memcpy(ev.dst.a, &ex->state.id.daddr, ipaddr_len(fam));
	ev.spi = ntohl(ex->state.id.spi);
	ev.hard = ex->hard;
	ev.reqid = ex->state.reqid;
	ev.tunnel = ex->state.mode == XFRM_MODE_TUNNEL;
	m->cb(&ev, m->arg);
	return 1;
}

int
xfrm_mon_dispatch(struct xfrm_mon *m)
{
	char rb[16384] __attribute__((aligned(8)));
	struct nlmsghdr *h;
	ssize_t n;
	int count = 0;

	for (;;) {
		n = recv(m->fd, rb, sizeof(rb), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? count : -errno;
		for (h = (struct nlmsghdr *)rb; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == XFRM_MSG_ACQUIRE)
				count += on_acquire(m, h) > 0;
			else if (h->nlmsg_type == XFRM_MSG_EXPIRE)
				count += on_expire(m, h) > 0;
		}
	}
}

int
xfrm_socket_bypass(int fd, int family)
{
	struct xfrm_userpolicy_info pol;
	int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
	int opt = family == AF_INET6 ? IPV6_XFRM_POLICY : IP_XFRM_POLICY;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	memset(&pol, 0, sizeof(pol));
	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = family;
	pol.lft.soft_byte_limit = pol.lft.hard_byte_limit = XFRM_INF;
	pol.lft.soft_packet_limit = pol.lft.hard_packet_limit = XFRM_INF;
	pol.dir = XFRM_POLICY_OUT;
	if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
		return -errno;
	pol.dir = XFRM_POLICY_IN;
	if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
		return -errno;
	return 0;
}

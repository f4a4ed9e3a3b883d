/* XFRM netlink for the SPD: batched NEWPOLICY/UPDPOLICY/DELPOLICY and a
 * dump filtered to owned entries. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "engine/xfrm.h"

#define CHUNK		(96 * 1024)	/* bytes per sendmsg, < default sndbuf */
#define MSG_MAX		512		/* room for one policy message */
#define RCVBUF		(4 * 1024 * 1024)

struct xfrm_nl {
	int		 fd;
	uint32_t	 seq;
	uint32_t	 first_seq;	/* seq of queued op 0 */
	char		*buf;		/* queued messages */
	size_t		 len, cap;
	size_t		*off;		/* start of each queued message */
	size_t		 nops, capops;
	uint64_t	 trips, msgs;
};

int
xfrm_open(struct xfrm_nl **out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct xfrm_nl *x;
	struct timeval tmo = { .tv_sec = 5 };	/* the kernel answers at once */
	int one = 1, rcv = RCVBUF;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return -ENOMEM;
	x->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_XFRM);
	if (x->fd < 0 || bind(x->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		if (x->fd >= 0)
			close(x->fd);
		free(x);
		return err;
	}
	if (setsockopt(x->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		(void)setsockopt(x->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	(void)setsockopt(x->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)setsockopt(x->fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	x->seq = (uint32_t)getpid() << 8;
	*out = x;
	return 0;
}

void
xfrm_close(struct xfrm_nl *x)
{
	if (x == NULL)
		return;
	close(x->fd);
	free(x->buf);
	free(x->off);
	free(x);
}

size_t
xfrm_queued(const struct xfrm_nl *x)
{
	return x->nops;
}

void
xfrm_counters(const struct xfrm_nl *x, uint64_t *trips, uint64_t *msgs)
{
	*trips = x->trips;
	*msgs = x->msgs;
}

/* Room for one more message; returns its header, zeroed. */
static struct nlmsghdr *
msg_start(struct xfrm_nl *x, uint16_t type)
{
	struct nlmsghdr *h;

	if (x->cap - x->len < MSG_MAX) {
		size_t ncap = x->cap ? x->cap * 2 : 64 * 1024;
		char *nb = realloc(x->buf, ncap);

		if (nb == NULL)
			return NULL;
		x->buf = nb;
		x->cap = ncap;
	}
	if (x->nops == x->capops) {
		size_t nc = x->capops ? x->capops * 2 : 256;
		size_t *no = reallocarray(x->off, nc, sizeof(*no));

		if (no == NULL)
			return NULL;
		x->off = no;
		x->capops = nc;
	}
	if (x->nops == 0)
		x->first_seq = x->seq + 1;
	h = (struct nlmsghdr *)(x->buf + x->len);
	memset(h, 0, MSG_MAX);
	h->nlmsg_len = NLMSG_LENGTH(0);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST;
	h->nlmsg_seq = ++x->seq;
	x->off[x->nops++] = x->len;
	return h;
}

static void
msg_end(struct xfrm_nl *x, struct nlmsghdr *h)
{
	x->len += NLMSG_ALIGN(h->nlmsg_len);
}

static void *
msg_put(struct nlmsghdr *h, size_t len)
{
	void *p = (char *)h + NLMSG_ALIGN(h->nlmsg_len);

	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + len;
	return p;
}

static void *
attr_put(struct nlmsghdr *h, uint16_t type, size_t len)
{
	struct nlattr *a = msg_put(h, NLA_HDRLEN + len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	return (char *)a + NLA_HDRLEN;
}

static void
put_mark(struct nlmsghdr *h, const struct spd_key *k)
{
	struct xfrm_mark m = { .v = k->mark, .m = k->mask };

	if (k->mask != 0)
		memcpy(attr_put(h, XFRMA_MARK, sizeof(m)), &m, sizeof(m));
}

static void
put_addr(xfrm_address_t *xa, const struct ipaddr *a, int family)
{
	memcpy(xa, a->a, ipaddr_len(family));
}

static void
sel_to_xfrm(const struct spd_sel *s, struct xfrm_selector *xs)
{
	memset(xs, 0, sizeof(*xs));
	xs->family = s->family;
	put_addr(&xs->saddr, &s->src, s->family);
	put_addr(&xs->daddr, &s->dst, s->family);
	xs->prefixlen_s = s->slen;
	xs->prefixlen_d = s->dlen;
	xs->proto = s->proto;
	if (s->sport) {
		xs->sport = htons(s->sport);
		xs->sport_mask = 0xffff;
	}
	if (s->dport) {
		xs->dport = htons(s->dport);
		xs->dport_mask = 0xffff;
	}
	xs->user = SPD_TAG;
}

/* The SADB id of the NULL cipher: an authentication-only template allows
 * only it, so the SA side (ACQUIRE, dump) sees what the entry asks for. */
#define SADB_EALG_NULL	11

static void
tmpl_fill(const struct spd_entry *e, struct xfrm_user_tmpl *t)
{
	int fam = e->key.sel.family;

	memset(t, 0, sizeof(*t));
	t->id.proto = IPPROTO_ESP;
	t->family = fam;
	t->mode = e->tunnel ? XFRM_MODE_TUNNEL : XFRM_MODE_TRANSPORT;
	if (e->tunnel) {
		put_addr(&t->saddr, &e->tsrc, fam);
		put_addr(&t->id.daddr, &e->tdst, fam);
		if (e->key.dir == SPD_IN) {
			put_addr(&t->saddr, &e->tdst, fam);
			put_addr(&t->id.daddr, &e->tsrc, fam);
		}
	}
	t->optional = e->level == LEVEL_OPTIONAL;
	t->aalgos = ~0u;
	t->calgos = ~0u;
	t->ealgos = e->type == PROT_AUTHENTICATION ?
	    1u << SADB_EALG_NULL : ~(1u << SADB_EALG_NULL);
}

int
xfrm_queue_add(struct xfrm_nl *x, const struct spd_entry *e, int replace)
{
	struct nlmsghdr *h;
	struct xfrm_userpolicy_info pi;
	struct xfrm_user_tmpl t;

	if ((h = msg_start(x, replace ? XFRM_MSG_UPDPOLICY :
	    XFRM_MSG_NEWPOLICY)) == NULL)
		return -ENOMEM;
	/* Built aside and copied: netlink only aligns to 4 bytes. */
	memset(&pi, 0, sizeof(pi));
	sel_to_xfrm(&e->key.sel, &pi.sel);
	pi.lft.soft_byte_limit = XFRM_INF;
	pi.lft.hard_byte_limit = XFRM_INF;
	pi.lft.soft_packet_limit = XFRM_INF;
	pi.lft.hard_packet_limit = XFRM_INF;
	pi.priority = e->priority;
	pi.dir = e->key.dir;
	pi.action = e->action == SPD_BLOCK ? XFRM_POLICY_BLOCK :
	    XFRM_POLICY_ALLOW;
	memcpy(msg_put(h, sizeof(pi)), &pi, sizeof(pi));
	put_mark(h, &e->key);
	if (e->action == SPD_PROTECT) {
		tmpl_fill(e, &t);
		memcpy(attr_put(h, XFRMA_TMPL, sizeof(t)), &t, sizeof(t));
	}
	msg_end(x, h);
	return 0;
}

int
xfrm_queue_del(struct xfrm_nl *x, const struct spd_key *k)
{
	struct nlmsghdr *h;
	struct xfrm_userpolicy_id id;

	if ((h = msg_start(x, XFRM_MSG_DELPOLICY)) == NULL)
		return -ENOMEM;
	memset(&id, 0, sizeof(id));
	sel_to_xfrm(&k->sel, &id.sel);
	id.dir = k->dir;
	memcpy(msg_put(h, sizeof(id)), &id, sizeof(id));
	put_mark(h, k);
	msg_end(x, h);
	return 0;
}

static int
send_all(struct xfrm_nl *x, const char *p, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	do
		n = sendto(x->fd, p, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static size_t
op_end(const struct xfrm_nl *x, size_t i)
{
	return i + 1 < x->nops ? x->off[i + 1] : x->len;
}

/* Sends ops first..last in one sendmsg; the last one asks for an ACK. */
static int
send_chunk(struct xfrm_nl *x, size_t first, size_t last)
{
	((struct nlmsghdr *)(x->buf + x->off[last]))->nlmsg_flags |= NLM_F_ACK;
	return send_all(x, x->buf + x->off[first],
	    op_end(x, last) - x->off[first]);
}

/* Sends the queue in chunks of at most CHUNK bytes. Returns the number of
 * ACKs to wait for, or -errno. */
static int
send_chunks(struct xfrm_nl *x)
{
	size_t i, first = 0;
	int rc, acks = 0;

	for (i = 1; i < x->nops; i++) {
		if (op_end(x, i) - x->off[first] <= CHUNK)
			continue;
		if ((rc = send_chunk(x, first, i - 1)) != 0)
			return rc;
		acks++;
		first = i;
	}
	if ((rc = send_chunk(x, first, x->nops - 1)) != 0)
		return rc;
	return acks + 1;
}

static void
note_err(struct xfrm_nl *x, const struct nlmsghdr *h, int *errs, int *nfail,
    int *acks_left)
{
	const struct nlmsgerr *me = NLMSG_DATA(h);
	uint32_t seq = h->nlmsg_seq;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*me)))
		return;
	if (seq - x->first_seq < x->nops) {
		if (me->error != 0) {
			(*nfail)++;
			if (errs != NULL)
				errs[seq - x->first_seq] = me->error;
		}
		if (((struct nlmsghdr *)(x->buf +
		    x->off[seq - x->first_seq]))->nlmsg_flags & NLM_F_ACK)
			(*acks_left)--;
	}
}

static void
queue_reset(struct xfrm_nl *x)
{
	x->len = 0;
	x->nops = 0;
}

void
xfrm_discard(struct xfrm_nl *x)
{
	queue_reset(x);
}

int
xfrm_commit(struct xfrm_nl *x, int *errs)
{
	char rb[32 * 1024] __attribute__((aligned(8)));
	int acks, nfail = 0;
	ssize_t n;

	if (x->nops == 0)
		return 0;
	if (errs != NULL)
		memset(errs, 0, x->nops * sizeof(*errs));
	x->msgs += x->nops;
	if ((acks = send_chunks(x)) < 0) {
		queue_reset(x);
		return acks;
	}
	x->trips++;
	while (acks > 0) {
		struct nlmsghdr *h;

		do
			n = recv(x->fd, rb, sizeof(rb), 0);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			int err = -errno;

			queue_reset(x);
			return err;
		}
		for (h = (struct nlmsghdr *)rb; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == NLMSG_ERROR)
				note_err(x, h, errs, &nfail, &acks);
	}
	queue_reset(x);
	return nfail;
}

static void
xfrm_to_sel(const struct xfrm_selector *xs, struct spd_sel *s)
{
	memset(s, 0, sizeof(*s));
	s->family = xs->family;
	s->src.family = s->dst.family = xs->family;
	memcpy(s->src.a, &xs->saddr, ipaddr_len(xs->family));
	memcpy(s->dst.a, &xs->daddr, ipaddr_len(xs->family));
	s->slen = xs->prefixlen_s;
	s->dlen = xs->prefixlen_d;
	s->proto = xs->proto;
	s->sport = xs->sport_mask ? ntohs(xs->sport) : 0;
	s->dport = xs->dport_mask ? ntohs(xs->dport) : 0;
}

static bool
find_attr(const struct nlmsghdr *h, uint16_t type, void *out, size_t len)
{
	const struct nlattr *a;
	int rem;

	a = (const struct nlattr *)((const char *)NLMSG_DATA(h) +
	    NLMSG_ALIGN(sizeof(struct xfrm_userpolicy_info)));
	rem = (int)h->nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(
	    sizeof(struct xfrm_userpolicy_info)));
	while (rem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	    a->nla_len <= rem) {
		if ((a->nla_type & NLA_TYPE_MASK) == type &&
		    a->nla_len >= NLA_HDRLEN + len) {
			memcpy(out, (const char *)a + NLA_HDRLEN, len);
			return true;
		}
		rem -= NLA_ALIGN(a->nla_len);
		a = (const struct nlattr *)((const char *)a + NLA_ALIGN(a->nla_len));
	}
	return false;
}

/* One dumped policy; 1 when owned and parsed into e. */
static int
parse_policy(const struct nlmsghdr *h, struct spd_entry *e)
{
	struct xfrm_userpolicy_info info, *pi = &info;
	struct xfrm_user_tmpl tmpl, *t = &tmpl;
	struct xfrm_mark mark;
	int fam;

	if (h->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*pi)))
		return 0;
	memcpy(pi, NLMSG_DATA(h), sizeof(*pi));
	fam = pi->sel.family;
	if (pi->sel.user != SPD_TAG || !spd_prio_owned(pi->priority) ||
	    pi->dir > XFRM_POLICY_OUT || (fam != AF_INET && fam != AF_INET6))
		return 0;
	memset(e, 0, sizeof(*e));
	xfrm_to_sel(&pi->sel, &e->key.sel);
	e->key.dir = pi->dir;
	if (find_attr(h, XFRMA_MARK, &mark, sizeof(mark))) {
		e->key.mark = mark.v;
		e->key.mask = mark.m;
	}
	e->priority = pi->priority;
	e->action = pi->action == XFRM_POLICY_BLOCK ? SPD_BLOCK : SPD_ALLOW;
	e->tsrc.family = e->tdst.family = fam;
	if (pi->action == XFRM_POLICY_ALLOW &&
	    find_attr(h, XFRMA_TMPL, t, sizeof(*t))) {
		e->action = SPD_PROTECT;
		e->level = t->optional ? LEVEL_OPTIONAL : LEVEL_MANDATORY;
		e->type = t->ealgos == 1u << SADB_EALG_NULL ?
		    PROT_AUTHENTICATION : PROT_ENCRYPTION;
		e->tunnel = t->mode == XFRM_MODE_TUNNEL;
		if (e->tunnel) {
			const xfrm_address_t *s = &t->saddr, *d = &t->id.daddr;

			if (pi->dir == XFRM_POLICY_IN) {
				s = &t->id.daddr;
				d = &t->saddr;
			}
			memcpy(e->tsrc.a, s, ipaddr_len(fam));
			memcpy(e->tdst.a, d, ipaddr_len(fam));
		}
	}
	return 1;
}

#define DUMP_BUF	(64 * 1024)

/* Reads one datagram of the dump: 1 for more, 0 at its end, -errno. */
static int
dump_read(struct xfrm_nl *x, uint32_t seq, char *rb, struct spd_vec *out,
    struct spd_entry *e)
{
	struct nlmsghdr *h;
	ssize_t n;

	do
		n = recv(x->fd, rb, DUMP_BUF, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	for (h = (struct nlmsghdr *)rb; NLMSG_OK(h, (size_t)n);
	    h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_seq != seq)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 0;
		if (h->nlmsg_type == NLMSG_ERROR)
			return ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
		if (parse_policy(h, e) && spd_vec_push(out, e) != 0)
			return -ENOMEM;
	}
	return 1;
}

int
xfrm_dump_owned(struct xfrm_nl *x, struct spd_vec *out)
{
	struct {
		struct nlmsghdr	h;
		char		pad[NLMSG_ALIGN(sizeof(struct xfrm_userpolicy_id))];
	} req;
	struct spd_entry e;
	uint32_t seq = ++x->seq;
	char *rb;
	int rc;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct xfrm_userpolicy_id));
	req.h.nlmsg_type = XFRM_MSG_GETPOLICY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = seq;
	if ((rc = send_all(x, (char *)&req, req.h.nlmsg_len)) != 0)
		return rc;
	x->trips++;
	if ((rb = malloc(DUMP_BUF)) == NULL)
		return -ENOMEM;
	rc = 1;
	while (rc > 0)
		rc = dump_read(x, seq, rb, out, &e);
	free(rb);
	return rc;
}

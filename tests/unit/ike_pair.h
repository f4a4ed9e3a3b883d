/* Two IKE instances wired back to back in memory, for the state machine
 * tests: a 10.0.0.1 (initiator), b 10.0.0.2 (responder). */
#ifndef IPSECFS_TEST_IKE_PAIR_H
#define IPSECFS_TEST_IKE_PAIR_H

#include <stdbool.h>
#include <string.h>

#include "crypto/ike.h"
#include "engine/proposal.h"

#define PAIR_MAX_EV	32

struct side {
	struct ike		*ike;
	struct ike_endpoint	 ep;
	struct ike_event	 ev[PAIR_MAX_EV];
	struct ike_child_keys	 child[PAIR_MAX_EV];
	size_t			 nev;
	struct ike_peer		 peer;
};

struct pair {
	struct side	a, b;
	uint64_t	now;
	size_t		delivered;
	int		drop_next;	/* datagrams to lose */
	bool		saw_4500;
	bool		nat_a;		/* a sits behind a NAT (192.0.2.99, ports + 10000) */
	size_t		keepalives;	/* 1-byte 0xFF datagrams from a */
};

static void
pair_record(void *arg, const struct ike_event *ev)
{
	struct side *s = arg;

	if (s->nev == PAIR_MAX_EV)
		return;
	s->ev[s->nev] = *ev;
	if (ev->type == IKE_EV_CHILD_UP)
		s->child[s->nev] = *ev->child;
	s->nev++;
}

static void
pair_peer(struct ike_peer *p, const char *remote, const char *ike,
    const char *esp, const char *psk)
{
	char err[128];

	memset(p, 0, sizeof(*p));
	prefix_parse(remote, &p->remote);
	assert_int_equal(proposal_parse(ike, PROPOSAL_IKE, &p->ike, err,
	    sizeof(err)), 0);
	assert_int_equal(proposal_parse(esp, PROPOSAL_ESP, &p->esp, err,
	    sizeof(err)), 0);
	p->psk_len = strlen(psk);
	memcpy(p->psk, psk, p->psk_len);
	p->transport = true;
}

static void
pair_init(struct pair *pr)
{
	memset(pr, 0, sizeof(*pr));
	pr->now = 1000000;
	pr->a.ike = ike_new(pair_record, &pr->a);
	pr->b.ike = ike_new(pair_record, &pr->b);
	ipaddr_parse("10.0.0.1", &pr->a.ep.addr);
	ipaddr_parse("10.0.0.2", &pr->b.ep.addr);
	pr->a.ep.port = pr->b.ep.port = IKE_PORT;
	pair_peer(&pr->a.peer, "10.0.0.2", "aes128gcm16-prfsha256-ecp256",
	    "aes128gcm16", "a shared secret");
	pair_peer(&pr->b.peer, "10.0.0.1", "aes128gcm16-prfsha256-ecp256",
	    "aes128gcm16", "a shared secret");
}

static void
pair_start(struct pair *pr)
{
	assert_int_equal(ike_add_peer(pr->a.ike, &pr->a.peer), 0);
	assert_int_equal(ike_add_peer(pr->b.ike, &pr->b.peer), 0);
}

static void
pair_free(struct pair *pr)
{
	ike_free(pr->a.ike);
	ike_free(pr->b.ike);
}

/* Moves datagrams both ways until none is left (bounded). */
static void
pair_run(struct pair *pr)
{
	struct ike_dgram d;
	int rounds, moved;

	for (rounds = 0; rounds < 100; rounds++) {
		moved = 0;
		while (ike_output(pr->a.ike, &d)) {
			moved++;
			if (d.dst.port == IKE_NATT_PORT)
				pr->saw_4500 = true;
			if (d.len == 1 && d.data[0] == 0xff)
				pr->keepalives++;
			if (pr->drop_next > 0) {
				pr->drop_next--;
				continue;
			}
			if (pr->nat_a) {
				ipaddr_parse("192.0.2.99", &d.src.addr);
				d.src.port += 10000;
			}
			pr->delivered++;
			ike_input(pr->b.ike, pr->now, &d.src, &d.dst, d.data, d.len);
		}
		while (ike_output(pr->b.ike, &d)) {
			moved++;
			if (pr->drop_next > 0) {
				pr->drop_next--;
				continue;
			}
			if (pr->nat_a) {
				d.dst.addr = pr->a.ep.addr;
				d.dst.port -= 10000;
			}
			pr->delivered++;
			ike_input(pr->a.ike, pr->now, &d.src, &d.dst, d.data, d.len);
		}
		if (moved == 0)
			return;
	}
	fail_msg("datagrams never stopped");
}

static size_t
count_ev(const struct side *s, enum ike_event_type t)
{
	size_t i, n = 0;

	for (i = 0; i < s->nev; i++)
		n += s->ev[i].type == t;
	return n;
}

static const struct ike_event *
last_ev(const struct side *s, enum ike_event_type t, size_t *at)
{
	size_t i;

	for (i = s->nev; i-- > 0; )
		if (s->ev[i].type == t) {
			if (at != NULL)
				*at = i;
			return &s->ev[i];
		}
	return NULL;
}

#endif

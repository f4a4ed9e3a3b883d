/* libFuzzer target: an established IKE SA receiving authenticated
 * messages whose decrypted payload chain is the input, so that what a
 * peer holding the keys can send reaches every handler: CREATE_CHILD_SA
 * (new CHILD SA, CHILD and IKE rekey), INFORMATIONAL (delete, liveness),
 * as requests to the responder and as responses to the initiator.
 *
 * Input: byte 0 selects the case (bit 0: INFORMATIONAL instead of
 * CREATE_CHILD_SA; bit 1: a response to the initiator's pending request;
 * bits 2-3: which request that is), byte 1 is the first payload type, the
 * rest is the payload chain. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/ike.h"
#include "crypto/ike_int.h"

static struct ike *a, *b;
static struct ike_endpoint ea, eb;
static struct ike_ts tsa, tsb;

static void ignore(void *arg, const struct ike_event *ev) { (void)arg; (void)ev; }

static void
run(void)
{
	struct ike_dgram d;
	int moved = 1, rounds = 0;

	while (moved && rounds++ < 20) {
		moved = 0;
		while (ike_output(a, &d)) {
			moved = 1;
			ike_input(b, 1000, &d.src, &d.dst, d.data, d.len);
		}
		while (ike_output(b, &d)) {
			moved = 1;
			ike_input(a, 1000, &d.src, &d.dst, d.data, d.len);
		}
	}
}

static struct ike_sa *
up(struct ike *ike)
{
	struct ike_sa *sa;

	for (sa = ike->sas; sa != NULL; sa = sa->next)
		if (sa->st == S_ESTABLISHED && sa->req.kind == REQ_NONE)
			return sa;
	return NULL;
}

/* A fresh pair with one IKE SA and one CHILD SA. */
static void
reset(void)
{
	struct ike_peer p;
	char err[64];

	ike_free(a);
	ike_free(b);
	a = ike_new(ignore, NULL);
	b = ike_new(ignore, NULL);
	memset(&p, 0, sizeof(p));
	prefix_parse("0.0.0.0/0", &p.remote);
	proposal_parse("aes128gcm16-prfsha256-ecp256", PROPOSAL_IKE, &p.ike,
	    err, sizeof(err));
	proposal_parse("aes128gcm16, aes128-sha1-modp2048", PROPOSAL_ESP, &p.esp,
	    err, sizeof(err));
	memcpy(p.psk, "fuzz", 4);
	p.psk_len = 4;
	p.transport = true;
	ike_add_peer(a, &p);
	ike_add_peer(b, &p);
	ipaddr_parse("192.0.2.1", &ea.addr);
	ipaddr_parse("192.0.2.2", &eb.addr);
	ea.port = eb.port = IKE_PORT;
	ike_ts_default(&tsa, &ea.addr);
	ike_ts_default(&tsb, &eb.addr);
	ike_initiate(a, 1000, &ea, &eb, &tsa, &tsb);
	run();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_wbuf *in;
	struct ike_sa *sa, *sb;
	uint8_t exch;

	if (size < 2 || size - 2 > IKE_MSG_MAX - 200)
		return 0;
	if (a == NULL)
		reset();
	if ((sa = up(a)) == NULL || up(b) == NULL) {
		reset();
		if ((sa = up(a)) == NULL)
			return 0;
	}
	sb = up(b);
	if (sb == NULL || (in = malloc(sizeof(*in))) == NULL)
		return 0;
	ike_wbuf_init(in);
	memcpy(in->buf, data + 2, size - 2);
	in->len = size - 2;
	in->first = data[1];
	exch = (data[0] & 1) ? INFORMATIONAL : CREATE_CHILD_SA;
	if (!(data[0] & 2)) {
		/* a request from the initiator, answered by b's handlers */
		ike_send_sk(a, sa, exch, false, 0, in, REQ_LIVENESS);
	} else {
		/* a's request gets b's forged answer instead of the real one */
		switch ((data[0] >> 2) & 3) {
		case 0: ike_liveness(a, 1000, sa->ispi); break;
		case 1: ike_initiate(a, 1000, &ea, &eb, &tsa, &tsb); break;
		case 2: if (sa->nchild) ike_rekey_child(a, 1000, sa->child[0].spi_in); break;
		case 3: ike_rekey_ike(a, 1000, sa->ispi); break;
		}
		if (sa->req.kind != REQ_NONE) {
			struct ike_dgram d;

			while (ike_output(a, &d))
				;	/* the real request is never delivered */
			ike_send_sk(b, sb, exch, true, sa->req.msgid, in, REQ_NONE);
			sb->peer_msgid++;	/* as if it had been answered */
		}
	}
	free(in);
	run();
	ike_tick(a, 1000);
	ike_tick(b, 1000);
	/* out of step (a request dropped): start again next time */
	if (up(a) == NULL || up(b) == NULL)
		reset();
	return 0;
}

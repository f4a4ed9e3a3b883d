/* libFuzzer target: IKEv2 message header, payload chain and every payload
 * validator, on whole messages and on decrypted SK contents (the first
 * input byte names the first inner payload when the input is not a
 * message). */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "crypto/ike_msg.h"

static void
validate(const struct ike_msg *m)
{
	struct ike_sa_pl sa;
	struct ike_ke_pl ke;
	struct ike_notify_pl n;
	struct ike_id_pl id;
	struct ike_auth_pl au;
	struct ike_ts_pl ts;
	struct ike_delete_pl del;
	struct ike_wbuf *w;
	const uint8_t *nonce;
	size_t i, nlen;

	for (i = 0; i < m->npl; i++) {
		const struct ike_payload *p = &m->pl[i];

		switch (p->type) {
		case PL_SA:
			if (ike_parse_sa(p, &sa) == IKE_OK && sa.n > 0) {
				/* what parses must build and parse again */
				if ((w = malloc(sizeof(*w))) == NULL)
					abort();
				ike_wbuf_init(w);
				ike_add_sa(w, sa.prop, sa.n);
				if (!w->failed) {
					struct ike_payload q = {
						PL_SA, false, w->buf + 4, w->len - 4 };
					struct ike_sa_pl sa2;

					if (ike_parse_sa(&q, &sa2) != IKE_OK ||
					    sa2.n != sa.n)
						abort();
				}
				free(w);
			}
			break;
		case PL_KE:	ike_parse_ke(p, &ke); break;
		case PL_NONCE:	ike_parse_nonce(p, &nonce, &nlen); break;
		case PL_NOTIFY:	ike_parse_notify(p, &n); break;
		case PL_IDi:
		case PL_IDr:	ike_parse_id(p, &id); break;
		case PL_AUTH:	ike_parse_auth(p, &au); break;
		case PL_TSi:
		case PL_TSr:	ike_parse_ts(p, &ts); break;
		case PL_DELETE:	ike_parse_delete(p, &del); break;
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_msg *m = malloc(sizeof(*m));
	uint8_t bad;

	if (m == NULL)
		return 0;
	if (ike_msg_parse(data, size, m) == IKE_OK) {
		validate(m);
		ike_msg_sk_inner(m);
	}
	if (size > 0) {
		m->npl = 0;
		if (ike_chain_parse(data[0], data + 1, size - 1, m, &bad) == IKE_OK)
			validate(m);
	}
	free(m);
	return 0;
}

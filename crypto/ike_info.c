/* INFORMATIONAL exchanges (RFC 7296 §1.4): delete and liveness. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/ike_int.h"

int
ike_info_start(struct ike *ike, struct ike_sa *sa, enum ike_req_kind kind,
    uint32_t spi)
{
	struct ike_wbuf *in = malloc(sizeof(*in));
	int rc;

	if (in == NULL)
		return -1;
	ike_wbuf_init(in);
	if (kind == REQ_DELETE_IKE)
		ike_add_delete(in, PROTO_IKE, NULL, 0);
	else if (kind == REQ_DELETE_CHILD)
		ike_add_delete(in, PROTO_ESP, &spi, 1);
	sa->pend.rekey_spi_in = spi;
	rc = ike_send_sk(ike, sa, INFORMATIONAL, false, 0, in, kind);
	free(in);
	return rc;
}

void
ike_info_response(struct ike *ike, struct ike_sa *sa, struct ike_msg *m)
{
	enum ike_req_kind kind = sa->req.kind;

	sa->req.kind = REQ_NONE;
	if (kind == REQ_DELETE_IKE)
		ike_sa_kill(ike, sa, true);
	else if (kind == REQ_DELETE_CHILD)
		ike_child_remove(ike, sa, sa->pend.rekey_spi_in);
	(void)m;
}

void
ike_info_request(struct ike *ike, struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_wbuf *out = malloc(sizeof(*out));
	struct ike_delete_pl d;
	uint32_t ours[IKE_MAX_DEL];
	bool kill = false;
	size_t i, j, n = 0;

	if (out == NULL)
		return;
	ike_wbuf_init(out);
	if (ike_msg_find_notify(m, N_AUTHENTICATION_FAILED) != NULL) {
		/* the initiator did not accept our AUTH: this SA is void */
		ike_fail(ike, sa, N_AUTHENTICATION_FAILED, "peer refused our AUTH");
		kill = true;
	}
	for (i = 0; i < m->npl; i++) {
		if (m->pl[i].type != PL_DELETE ||
		    ike_parse_delete(&m->pl[i], &d) != IKE_OK)
			continue;
		if (d.protoid == PROTO_IKE) {
			kill = true;
			continue;
		}
		for (j = 0; j < d.n; j++) {
			size_t k;

			for (k = 0; k < sa->nchild; k++)
				if (sa->child[k].spi_out == d.spi[j])
					break;
			if (k == sa->nchild || n == IKE_MAX_DEL)
				continue;
			ours[n++] = sa->child[k].spi_in;
			ike_child_remove(ike, sa, sa->child[k].spi_in);
		}
	}
	if (!kill && n > 0)
		ike_add_delete(out, PROTO_ESP, ours, n);
	ike_send_sk(ike, sa, INFORMATIONAL, true, m->hdr.msgid, out, REQ_NONE);
	free(out);
	if (kill)
		ike_sa_kill(ike, sa, true);
}

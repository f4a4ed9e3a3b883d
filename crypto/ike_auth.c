/* IKE_AUTH with pre-shared keys (RFC 7296 §1.2, §2.15) and the first
 * CHILD SA. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <tomcrypt.h>

#include "crypto/ike_int.h"

/* Our identity as an ID payload body (type, 3 reserved, data). */
static size_t
id_body(const struct ike_sa *sa, bool local, uint8_t *out, size_t cap)
{
	const struct ike_peer *p = sa->peer;
	const struct ipaddr *a = local ? &sa->local.addr : &sa->remote.addr;
	uint8_t type = local ? p->local_id_type : p->remote_id_type;
	const uint8_t *d = local ? p->local_id : p->remote_id;
	size_t n = local ? p->local_id_len : p->remote_id_len;

	if (type == 0) {
		type = a->family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		d = a->a;
		n = ipaddr_len(a->family);
	}
	if (4 + n > cap)
		return 0;
	memset(out, 0, 4);
	out[0] = type;
	memcpy(out + 4, d, n);
	return 4 + n;
}

/* AUTH = prf(prf(PSK, "Key Pad for IKEv2"), msg | nonce | prf(SK_p, ID')) */
static int
psk_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *idb,
    size_t idlen, uint8_t *out)
{
	static const char pad[] = "Key Pad for IKEv2";
	uint8_t macid[PRF_MAX_LEN], kp[PRF_MAX_LEN];
	const uint8_t *d[3];
	size_t l[3];
	int rc;

	if (prf(sa->prf, of_initiator ? sa->skpi : sa->skpr, sa->prflen, idb,
	    idlen, macid) != 0 || sa->peer->psk_len == 0 ||
	    prf(sa->prf, sa->peer->psk, sa->peer->psk_len, (const uint8_t *)pad,
	    strlen(pad), kp) != 0)
		return -1;
	d[0] = of_initiator ? sa->init_req : sa->init_resp;
	l[0] = of_initiator ? sa->init_req_len : sa->init_resp_len;
	d[1] = of_initiator ? sa->nr : sa->ni;
	l[1] = of_initiator ? sa->nrlen : sa->nilen;
	d[2] = macid;
	l[2] = sa->prflen;
	rc = prf_v(sa->prf, kp, sa->prflen, d, l, 3, out);
	zeromem(kp, sizeof(kp));
	return rc;
}

static void
add_our_id_auth(struct ike_sa *sa, struct ike_wbuf *in, uint8_t ptype)
{
	uint8_t idb[4 + IKE_ID_MAX], auth[PRF_MAX_LEN];
	size_t n = id_body(sa, true, idb, sizeof(idb));

	if (n == 0) {
		in->failed = true;
		return;
	}
	ike_add_id(in, ptype, idb[0], idb + 4, n - 4);
	if (psk_auth(sa, sa->initiator, idb, n, auth) != 0) {
		in->failed = true;
		return;
	}
	ike_add_auth(in, AUTH_SHARED_KEY_MIC, auth, sa->prflen);
}

/* Checks the peer's ID and AUTH payloads. */
static bool
peer_auth_ok(struct ike_sa *sa, const struct ike_msg *m, uint8_t ptype)
{
	const struct ike_payload *pi = ike_msg_find(m, ptype);
	const struct ike_payload *pa = ike_msg_find(m, PL_AUTH);
	struct ike_id_pl id;
	struct ike_auth_pl au;
	uint8_t want[4 + IKE_ID_MAX], mac[PRF_MAX_LEN];
	size_t n;

	if (pi == NULL || pa == NULL || ike_parse_id(pi, &id) != IKE_OK ||
	    ike_parse_auth(pa, &au) != IKE_OK)
		return false;
	if ((n = id_body(sa, false, want, sizeof(want))) == 0)
		return false;
	if (id.type != want[0] || id.len != n - 4 ||
	    memcmp(id.data, want + 4, n - 4) != 0)
		return false;
	if (au.method != AUTH_SHARED_KEY_MIC || au.len != sa->prflen ||
	    psk_auth(sa, !sa->initiator, id.body, id.bodylen, mac) != 0)
		return false;
	return mem_neq(mac, au.data, au.len) == 0;
}

void
ike_auth_start(struct ike *ike, struct ike_sa *sa)
{
	struct ike_prop props[PROPOSAL_MAX];
	struct ike_wbuf *in = malloc(sizeof(*in));
	size_t n;

	if (in == NULL) {
		ike_sa_kill(ike, sa, false);
		return;
	}
	ike_wbuf_init(in);
	add_our_id_auth(sa, in, PL_IDi);
	ike_add_notify(in, 0, NULL, 0, N_INITIAL_CONTACT, NULL, 0);
	if (sa->peer->transport)
		ike_add_notify(in, 0, NULL, 0, N_USE_TRANSPORT_MODE, NULL, 0);
	sa->first.spi_in = ike_new_spi32();
	ike_esp_props(sa, sa->first.spi_in, false, DH_NONE, props, &n);
	ike_add_sa(in, props, n);
	ike_add_ts(in, PL_TSi, &sa->first.ts_local, 1);
	ike_add_ts(in, PL_TSr, &sa->first.ts_remote, 1);
	sa->st = S_I_AUTH;
	if (ike_send_sk(ike, sa, IKE_AUTH, false, 0, in, REQ_AUTH) != 0) {
		ike_fail(ike, sa, 0, "cannot build IKE_AUTH");
		ike_sa_kill(ike, sa, false);
	}
	free(in);
}

/* The first error notify of a message, or 0. */
static uint16_t
error_notify(const struct ike_msg *m)
{
	struct ike_notify_pl n;
	size_t i;

	for (i = 0; i < m->npl; i++)
		if (m->pl[i].type == PL_NOTIFY &&
		    ike_parse_notify(&m->pl[i], &n) == IKE_OK && n.type < 16384)
			return n.type;
	return 0;
}

/* Responder side of the first CHILD SA: adds SA/TS (or an error notify)
 * to the response in out. */
static void
respond_child(struct ike *ike, struct ike_sa *sa, const struct ike_msg *m,
    struct ike_wbuf *out)
{
	const struct ike_payload *ps = ike_msg_find(m, PL_SA);
	const struct ike_payload *pi = ike_msg_find(m, PL_TSi);
	const struct ike_payload *pr = ike_msg_find(m, PL_TSr);
	struct ike_sa_pl offer;
	struct ike_ts nl, nr;
	struct ike_prop chosen;
	bool transport;
	uint32_t spi_in, spi_out;

	if (ps == NULL || pi == NULL || pr == NULL)
		return;		/* no CHILD SA asked for */
	if (ike_parse_sa(ps, &offer) != IKE_OK ||
	    ike_select(&offer, &sa->peer->esp, PROTO_ESP, false, &chosen) != 0 ||
	    chosen.spisize != 4) {
		ike_add_notify(out, 0, NULL, 0, N_NO_PROPOSAL_CHOSEN, NULL, 0);
		return;
	}
	if (!ike_ts_choose(ike, sa, pi, pr, &nl, &nr)) {
		ike_add_notify(out, 0, NULL, 0, N_TS_UNACCEPTABLE, NULL, 0);
		return;
	}
	transport = sa->peer->transport &&
	    ike_msg_find_notify(m, N_USE_TRANSPORT_MODE) != NULL;
	spi_out = ike_get32(chosen.spi);
	spi_in = ike_new_spi32();
	chosen.spi[0] = spi_in >> 24;
	chosen.spi[1] = (spi_in >> 16) & 0xff;
	chosen.spi[2] = (spi_in >> 8) & 0xff;
	chosen.spi[3] = spi_in & 0xff;
	if (transport)
		ike_add_notify(out, 0, NULL, 0, N_USE_TRANSPORT_MODE, NULL, 0);
	ike_add_sa(out, &chosen, 1);
	ike_add_ts(out, PL_TSi, &nr, 1);
	ike_add_ts(out, PL_TSr, &nl, 1);
	ike_child_up(ike, sa, &chosen, spi_in, spi_out, &nl, &nr, transport,
	    false, NULL, 0, sa->ni, sa->nilen, sa->nr, sa->nrlen, 0);
}

/* INITIAL_CONTACT: the peer has no other SA with us (it restarted), so
 * ours with it are stale (RFC 7296 §2.4). */
static void
drop_stale(struct ike *ike, struct ike_sa *sa)
{
	struct ike_sa *o;

	for (o = ike->sas; o != NULL; o = o->next)
		if (o != sa && o->peer == sa->peer && o->st == S_ESTABLISHED &&
		    ipaddr_equal(&o->remote.addr, &sa->remote.addr))
			ike_sa_kill(ike, o, true);
}

void
ike_auth_request(struct ike *ike, struct ike_sa *sa, struct ike_msg *m)
{
	struct ike_wbuf *out = malloc(sizeof(*out));
	uint32_t msgid = m->hdr.msgid;

	if (out == NULL)
		return;
	ike_wbuf_init(out);
	if (!peer_auth_ok(sa, m, PL_IDi)) {
		ike_add_notify(out, 0, NULL, 0, N_AUTHENTICATION_FAILED, NULL, 0);
		ike_send_sk(ike, sa, IKE_AUTH, true, msgid, out, REQ_NONE);
		ike_fail(ike, sa, N_AUTHENTICATION_FAILED,
		    "initiator's AUTH does not verify");
		ike_sa_kill(ike, sa, false);
		free(out);
		return;
	}
	if (ike->stats.half_open > 0)
		ike->stats.half_open--;
	sa->st = S_ESTABLISHED;
	if (ike_msg_find_notify(m, N_INITIAL_CONTACT) != NULL)
		drop_stale(ike, sa);
	add_our_id_auth(sa, out, PL_IDr);
	ike_event(ike, sa, IKE_EV_IKE_UP);
	respond_child(ike, sa, m, out);
	ike_send_sk(ike, sa, IKE_AUTH, true, msgid, out, REQ_NONE);
	free(out);
}

void
ike_auth_response(struct ike *ike, struct ike_sa *sa, struct ike_msg *m)
{
	const struct ike_payload *ps, *pi, *pr;
	struct ike_sa_pl offer;
	struct ike_ts_pl tsi, tsr;
	struct ike_prop chosen;
	uint16_t err = error_notify(m);

	sa->req.kind = REQ_NONE;
	if (err == N_AUTHENTICATION_FAILED) {
		ike_fail(ike, sa, err, "peer refused our AUTH");
		ike_sa_kill(ike, sa, false);
		return;
	}
	if (!peer_auth_ok(sa, m, PL_IDr)) {
		/* tell the responder, once, in an INFORMATIONAL (§2.21.2) */
		struct ike_wbuf *in = malloc(sizeof(*in));

		if (in != NULL) {
			ike_wbuf_init(in);
			ike_add_notify(in, 0, NULL, 0, N_AUTHENTICATION_FAILED,
			    NULL, 0);
			ike_send_sk(ike, sa, INFORMATIONAL, false, 0, in, REQ_NONE);
			free(in);
		}
		ike_fail(ike, sa, N_AUTHENTICATION_FAILED,
		    "responder's AUTH does not verify");
		ike_sa_kill(ike, sa, false);
		return;
	}
	sa->st = S_ESTABLISHED;
	ike_event(ike, sa, IKE_EV_IKE_UP);
	if (err != 0) {
		ike_fail(ike, sa, err, "first CHILD SA refused");
		return;
	}
	ps = ike_msg_find(m, PL_SA);
	pi = ike_msg_find(m, PL_TSi);
	pr = ike_msg_find(m, PL_TSr);
	if (ps == NULL || pi == NULL || pr == NULL ||
	    ike_parse_sa(ps, &offer) != IKE_OK || offer.n != 1 ||
	    ike_select(&offer, &sa->peer->esp, PROTO_ESP, false, &chosen) != 0 ||
	    chosen.spisize != 4 || ike_parse_ts(pi, &tsi) != IKE_OK ||
	    ike_parse_ts(pr, &tsr) != IKE_OK || tsi.n < 1 || tsr.n < 1 ||
	    !ike_ts_within(&tsi.ts[0], &sa->first.ts_local) ||
	    !ike_ts_within(&tsr.ts[0], &sa->first.ts_remote)) {
		ike_fail(ike, sa, N_TS_UNACCEPTABLE, "bad CHILD SA in IKE_AUTH response");
		ike_info_start(ike, sa, REQ_DELETE_IKE, 0);
		return;
	}
	ike_child_up(ike, sa, &chosen, sa->first.spi_in, ike_get32(chosen.spi),
	    &tsi.ts[0], &tsr.ts[0],
	    ike_msg_find_notify(m, N_USE_TRANSPORT_MODE) != NULL, true,
	    NULL, 0, sa->ni, sa->nilen, sa->nr, sa->nrlen, 0);
}

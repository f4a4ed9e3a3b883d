/* Inside the IKEv2 state machine: the IKE SA and the helpers the exchange
 * files share. Not for use outside crypto/ike*.c. */
#ifndef IPSECFS_IKE_INT_H
#define IPSECFS_IKE_INT_H

#include "crypto/cipher.h"
#include "crypto/dh.h"
#include "crypto/ike.h"
#include "crypto/ike_msg.h"
#include "crypto/prf.h"

#define IKE_NONCE_LEN		32
#define IKE_MAX_PEERS		64
#define IKE_MAX_CHILDREN	16
#define IKE_OUTQ		64
#define IKE_COOKIE_ROTATE_MS	120000
#define IKE_HALF_OPEN_TIMEOUT_MS 30000
#define IKE_KEEPALIVE_MS	20000	/* NAT keepalives (RFC 3948 §4) */

enum ike_state {
	S_I_INIT,	/* initiator: IKE_SA_INIT sent */
	S_I_AUTH,	/* initiator: IKE_AUTH sent */
	S_R_INIT,	/* responder: IKE_SA_INIT answered (half open) */
	S_ESTABLISHED,
	S_DEAD,		/* to be freed */
};

/* What the request in flight is. */
enum ike_req_kind {
	REQ_NONE, REQ_INIT, REQ_AUTH, REQ_CHILD, REQ_REKEY_CHILD,
	REQ_REKEY_IKE, REQ_DELETE_CHILD, REQ_DELETE_IKE, REQ_LIVENESS,
};

struct ike_child {
	uint32_t	spi_in, spi_out;
	struct ike_ts	ts_local, ts_remote;
	bool		transport;
	bool		we_initiated;
	bool		rekeying;	/* a rekey is queued or in flight */
	uint64_t	created;
	uint32_t	rekey_of;	/* spi_in of the CHILD SA it replaces */
	uint8_t		min_nonce[256];	/* lower nonce of its exchange (§2.8.1) */
	size_t		min_nonce_len;
};

/* A CHILD SA (or a new IKE SA, for an IKE rekey) being negotiated. */
struct ike_pending {
	struct ike_ts	 ts_local, ts_remote;
	uint32_t	 spi_in;
	uint32_t	 rekey_spi_in;		/* CHILD rekey: the old one */
	uint64_t	 new_spi;		/* IKE rekey: our new SPI */
	struct ike_dh	*dh;			/* PFS / IKE rekey */
	uint8_t		 nonce[IKE_NONCE_LEN];
};

struct ike_sent {
	enum ike_req_kind kind;
	uint32_t	 msgid;
	struct ike_dgram *dg;		/* as sent, for retransmission */
	unsigned	 tries;
	uint64_t	 due;
};

struct ike_sa {
	struct ike_sa		*next;
	const struct ike_peer	*peer;
	enum ike_state		 st;
	bool			 initiator;	/* original initiator of the IKE SA */
	uint64_t		 ispi, rspi;
	struct ike_endpoint	 local, remote;
	bool			 natt;		/* using port 4500 */
	bool			 nat_here, nat_there;
	uint64_t		 keepalive_due;
	uint64_t		 created;
	bool			 rekeying;	/* IKE SA rekey queued or in flight */
	/* made by rekeying the IKE SA with these SPIs (0: not a rekey), and
	 * the lower nonce of that exchange, for collisions (§2.8.2) */
	uint64_t		 rekey_of_ispi, rekey_of_rspi;
	uint8_t			 min_nonce[256];
	size_t			 min_nonce_len;

	/* IKE SA transforms */
	uint16_t		 encr, keybits, integ, prf, dhg;
	struct ike_dh		*dh;
	uint8_t			 ni[256], nr[256];
	size_t			 nilen, nrlen;
	uint8_t			*init_req, *init_resp;	/* for AUTH */
	size_t			 init_req_len, init_resp_len;
	uint8_t			 cookie[64];
	size_t			 cookie_len;

	uint8_t			 skd[PRF_MAX_LEN], skpi[PRF_MAX_LEN],
				 skpr[PRF_MAX_LEN];
	size_t			 prflen;
	struct cipher		*c_out, *c_in;
	uint64_t		 ivctr;

	/* our requests */
	uint32_t		 next_msgid;
	struct ike_sent		 req;
	struct ike_pending	 pend;
	/* the peer's requests */
	uint32_t		 peer_msgid;	/* next expected */
	struct ike_dgram	*last_resp;

	/* the first CHILD SA, negotiated in IKE_AUTH */
	struct ike_pending	 first;

	struct ike_child	 child[IKE_MAX_CHILDREN];
	size_t			 nchild;

	/* requests waiting for the one in flight */
	struct ike_queued {
		enum ike_req_kind kind;
		uint32_t	  spi;
		struct ike_ts	  tsl, tsr;
	}			 queue[8];
	size_t			 nqueue;
};

struct ike {
	ike_event_fn		 fn;
	void			*arg;
	ike_ts_fn		 ts_fn;
	void			*ts_arg;
	struct ike_peer		*peers[IKE_MAX_PEERS];
	size_t			 npeers;
	struct ike_sa		*sas;
	struct ike_dgram	*outq[IKE_OUTQ];
	size_t			 outq_head, outq_len;
	unsigned		 cookie_threshold;
	unsigned		 half_open_limit;
	unsigned		 rt_first_ms, rt_tries;
	uint8_t			 cookie_secret[32], cookie_old[32];
	uint8_t			 cookie_ver;
	uint64_t		 cookie_rotated;
	struct ike_stats	 stats;
	uint64_t		 now;
};

/* ike.c */
void ike_random(void *buf, size_t len);
uint64_t ike_new_spi64(void);
uint32_t ike_new_spi32(void);
const struct ike_peer *ike_find_peer(const struct ike *ike, const struct ipaddr *a);
struct ike_sa *ike_sa_new(struct ike *ike, const struct ike_peer *peer,
    bool initiator, const struct ike_endpoint *local,
    const struct ike_endpoint *remote);
void ike_sa_kill(struct ike *ike, struct ike_sa *sa, bool notify_children);
void ike_event(struct ike *ike, const struct ike_sa *sa, enum ike_event_type t);
void ike_fail(struct ike *ike, struct ike_sa *sa, uint16_t notify,
    const char *reason);
/* Queues w (a finished message) to the peer; as a request, keeps it for
 * retransmission. */
void ike_send(struct ike *ike, struct ike_sa *sa, const struct ike_wbuf *w,
    bool request, enum ike_req_kind kind, uint32_t msgid);
void ike_resend(struct ike *ike, const struct ike_dgram *d);
void ike_send_raw(struct ike *ike, const struct ike_endpoint *src,
    const struct ike_endpoint *dst, const struct ike_wbuf *w);
/* Starts a message of this SA: header with our role's flags. */
void ike_begin(struct ike_sa *sa, struct ike_wbuf *w, uint8_t exchange,
    bool response, uint32_t msgid);
/* Encrypts inner into w and sends: as request (new msgid) or response. */
int ike_send_sk(struct ike *ike, struct ike_sa *sa, uint8_t exchange,
    bool response, uint32_t msgid, const struct ike_wbuf *inner,
    enum ike_req_kind kind);
void ike_run_queue(struct ike *ike, struct ike_sa *sa);
int ike_derive_ike_keys(struct ike_sa *sa, const uint8_t *gir, size_t girlen,
    const uint8_t *skd_old);

/* ike_init.c */
int ike_init_start(struct ike *ike, struct ike_sa *sa);
void ike_init_request(struct ike *ike, struct ike_msg *m,
    const struct ike_endpoint *src, const struct ike_endpoint *dst);
void ike_init_response(struct ike *ike, struct ike_sa *sa, struct ike_msg *m,
    const struct ike_endpoint *src, const struct ike_endpoint *dst);
void ike_natd_hash(uint64_t ispi, uint64_t rspi, const struct ike_endpoint *e,
    uint8_t out[20]);

/* ike_auth.c */
void ike_auth_start(struct ike *ike, struct ike_sa *sa);
void ike_auth_request(struct ike *ike, struct ike_sa *sa, struct ike_msg *m);
void ike_auth_response(struct ike *ike, struct ike_sa *sa, struct ike_msg *m);

/* ike_child.c */
int ike_select(const struct ike_sa_pl *offer, const struct proposal_list *ours,
    uint8_t protoid, bool want_dh, struct ike_prop *chosen);
int ike_prop_get(const struct ike_prop *p, uint8_t type, uint16_t *id,
    uint16_t *keylen);
void ike_esp_props(const struct ike_sa *sa, uint32_t spi, bool with_dh,
    uint16_t dhg, struct ike_prop *props, size_t *n);
bool ike_ts_narrow(const struct ike_ts *offer, const struct ike_ts *limit,
    struct ike_ts *out);
bool ike_ts_within(const struct ike_ts *in, const struct ike_ts *outer);
bool ike_ts_choose(struct ike *ike, struct ike_sa *sa,
    const struct ike_payload *pi, const struct ike_payload *pr,
    struct ike_ts *local, struct ike_ts *remote);
void ike_ts_default(struct ike_ts *ts, const struct ipaddr *a);
/* Derives keys and reports a CHILD SA up; records it in sa. */
int ike_child_up(struct ike *ike, struct ike_sa *sa, const struct ike_prop *chosen,
    uint32_t spi_in, uint32_t spi_out, const struct ike_ts *tsl,
    const struct ike_ts *tsr, bool transport, bool we_initiated,
    const uint8_t *gir,
    size_t girlen, const uint8_t *ni, size_t nilen, const uint8_t *nr,
    size_t nrlen, uint32_t replaces);
struct ike_child *ike_child_find(struct ike_sa *sa, uint32_t spi_in);
void ike_child_remove(struct ike *ike, struct ike_sa *sa, uint32_t spi_in);
int ike_create_child_start(struct ike *ike, struct ike_sa *sa,
    enum ike_req_kind kind, uint32_t spi, const struct ike_ts *tsl,
    const struct ike_ts *tsr);
void ike_create_child_request(struct ike *ike, struct ike_sa *sa,
    struct ike_msg *m);
void ike_create_child_response(struct ike *ike, struct ike_sa *sa,
    struct ike_msg *m);

/* ike_info.c */
int ike_info_start(struct ike *ike, struct ike_sa *sa, enum ike_req_kind kind,
    uint32_t spi);
void ike_info_request(struct ike *ike, struct ike_sa *sa, struct ike_msg *m);
void ike_info_response(struct ike *ike, struct ike_sa *sa, struct ike_msg *m);

#endif

/* IKEv2 message and payload codec (RFC 7296 §3).
 *
 * Parsing is in two steps, as in OpenBSD iked: ike_msg_parse() checks the
 * header and splits the generic payload chain (bounds only); the
 * ike_parse_*() functions then validate one payload body each into a plain
 * struct whose pointers point into the message buffer. Nothing here
 * allocates; nothing here acts on what it reads. */
#ifndef IPSECFS_IKE_MSG_H
#define IPSECFS_IKE_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/ipaddr.h"
#include "engine/proposal.h"

#define IKE_HDR_LEN		28
#define IKE_GEN_HDR_LEN		4
#define IKE_MSG_MAX		8192	/* largest message we parse or build */
#define IKE_MAX_PAYLOADS	32
#define IKE_VERSION		0x20

enum ike_exchange {
	IKE_SA_INIT = 34, IKE_AUTH = 35, CREATE_CHILD_SA = 36, INFORMATIONAL = 37,
};

enum { IKE_FLAG_I = 0x08, IKE_FLAG_V = 0x10, IKE_FLAG_R = 0x20 };

enum ike_payload_type {
	PL_NONE = 0, PL_SA = 33, PL_KE = 34, PL_IDi = 35, PL_IDr = 36,
	PL_CERT = 37, PL_CERTREQ = 38, PL_AUTH = 39, PL_NONCE = 40,
	PL_NOTIFY = 41, PL_DELETE = 42, PL_VENDOR = 43, PL_TSi = 44,
	PL_TSr = 45, PL_SK = 46, PL_CP = 47, PL_EAP = 48, PL_SKF = 53,
};

enum ike_proto { PROTO_IKE = 1, PROTO_AH = 2, PROTO_ESP = 3 };

enum ike_id_type {
	ID_IPV4_ADDR = 1, ID_FQDN = 2, ID_RFC822_ADDR = 3, ID_IPV6_ADDR = 5,
	ID_KEY_ID = 11,
};

enum ike_auth_method { AUTH_RSA_SIG = 1, AUTH_SHARED_KEY_MIC = 2 };

enum ike_ts_type { TS_IPV4_ADDR_RANGE = 7, TS_IPV6_ADDR_RANGE = 8 };

/* Notify message types (IANA) */
enum ike_notify {
	N_UNSUPPORTED_CRITICAL_PAYLOAD = 1, N_INVALID_IKE_SPI = 4,
	N_INVALID_MAJOR_VERSION = 5, N_INVALID_SYNTAX = 7,
	N_INVALID_MESSAGE_ID = 9, N_INVALID_SPI = 11,
	N_NO_PROPOSAL_CHOSEN = 14, N_INVALID_KE_PAYLOAD = 17,
	N_AUTHENTICATION_FAILED = 24, N_SINGLE_PAIR_REQUIRED = 34,
	N_NO_ADDITIONAL_SAS = 35, N_INTERNAL_ADDRESS_FAILURE = 36,
	N_FAILED_CP_REQUIRED = 37, N_TS_UNACCEPTABLE = 38,
	N_INVALID_SELECTORS = 39, N_TEMPORARY_FAILURE = 43,
	N_CHILD_SA_NOT_FOUND = 44,
	/* status types */
	N_INITIAL_CONTACT = 16384, N_SET_WINDOW_SIZE = 16385,
	N_NAT_DETECTION_SOURCE_IP = 16388, N_NAT_DETECTION_DESTINATION_IP = 16389,
	N_COOKIE = 16390, N_USE_TRANSPORT_MODE = 16391,
	N_REKEY_SA = 16393, N_ESP_TFC_PADDING_NOT_SUPPORTED = 16394,
	N_NON_FIRST_FRAGMENTS_ALSO = 16395,
	N_SIGNATURE_HASH_ALGORITHMS = 16431,
};

struct ike_hdr {
	uint64_t	ispi;
	uint64_t	rspi;
	uint8_t		next;		/* first payload type */
	uint8_t		version;
	uint8_t		exchange;
	uint8_t		flags;
	uint32_t	msgid;
	uint32_t	length;
};

/* One payload of a chain: its body (after the generic header). */
struct ike_payload {
	uint8_t		 type;
	bool		 critical;
	const uint8_t	*body;
	size_t		 len;
};

struct ike_msg {
	struct ike_hdr		hdr;
	const uint8_t		*raw;	/* the whole message */
	size_t			 rawlen;
	struct ike_payload	 pl[IKE_MAX_PAYLOADS];
	size_t			 npl;
};

/* Why a parse failed (for counters and logs). */
enum ike_perr {
	IKE_OK = 0, IKE_ERR_SHORT, IKE_ERR_LENGTH, IKE_ERR_VERSION,
	IKE_ERR_CHAIN, IKE_ERR_TOO_MANY, IKE_ERR_CRITICAL, IKE_ERR_SK_NOT_LAST,
	IKE_ERR_SYNTAX,
};
const char *ike_perr_str(int err);

/* Header and outer payload chain. An SK payload must be the last one; its
 * "next payload" (the first inner type) is kept in the returned
 * payload's .critical-less sibling: use ike_msg_sk_inner(). */
int ike_msg_parse(const uint8_t *buf, size_t len, struct ike_msg *m);
int ike_hdr_parse(const uint8_t *buf, size_t len, struct ike_hdr *h);

/* Splits a payload chain starting with type first (used for decrypted SK
 * contents). Appends to m->pl. Unknown payloads with the critical bit set
 * give IKE_ERR_CRITICAL and *bad_type. */
int ike_chain_parse(uint8_t first, const uint8_t *buf, size_t len,
    struct ike_msg *m, uint8_t *bad_type);

/* Type of the first payload inside the SK payload, or PL_NONE. */
uint8_t ike_msg_sk_inner(const struct ike_msg *m);
const struct ike_payload *ike_msg_find(const struct ike_msg *m, uint8_t type);
const struct ike_payload *ike_msg_find_notify(const struct ike_msg *m,
    uint16_t type);

/* --- validated payload bodies --- */

#define IKE_SPI_MAX	8

struct ike_prop {
	uint8_t		num;
	uint8_t		protoid;	/* PROTO_* */
	uint8_t		spisize;
	uint8_t		spi[IKE_SPI_MAX];
	struct proposal	p;
};

struct ike_sa_pl {
	struct ike_prop	prop[PROPOSAL_MAX];
	size_t		n;
	bool		truncated;	/* more proposals than we keep */
};

struct ike_ke_pl {
	uint16_t	 group;
	const uint8_t	*data;
	size_t		 len;
};

struct ike_notify_pl {
	uint8_t		 protoid;
	uint8_t		 spisize;
	uint16_t	 type;
	const uint8_t	*spi;
	const uint8_t	*data;
	size_t		 len;
};

struct ike_id_pl {
	uint8_t		 type;
	const uint8_t	*data;
	size_t		 len;
	const uint8_t	*body;	/* whole body: what AUTH signs (RESTOFINITxIDPAYLOAD) */
	size_t		 bodylen;
};

struct ike_auth_pl {
	uint8_t		 method;
	const uint8_t	*data;
	size_t		 len;
};

struct ike_ts {
	uint8_t		type;
	uint8_t		ipproto;	/* 0: any */
	uint16_t	sport, eport;
	struct ipaddr	start, end;
};

#define IKE_MAX_TS	8
struct ike_ts_pl {
	struct ike_ts	ts[IKE_MAX_TS];
	size_t		n;
};

#define IKE_MAX_DEL	16
struct ike_delete_pl {
	uint8_t		protoid;
	uint8_t		spisize;
	size_t		n;
	uint32_t	spi[IKE_MAX_DEL];	/* ESP/AH SPIs, host order */
};

int ike_parse_sa(const struct ike_payload *p, struct ike_sa_pl *out);
int ike_parse_ke(const struct ike_payload *p, struct ike_ke_pl *out);
int ike_parse_nonce(const struct ike_payload *p, const uint8_t **n, size_t *len);
int ike_parse_notify(const struct ike_payload *p, struct ike_notify_pl *out);
int ike_parse_id(const struct ike_payload *p, struct ike_id_pl *out);
int ike_parse_auth(const struct ike_payload *p, struct ike_auth_pl *out);
int ike_parse_ts(const struct ike_payload *p, struct ike_ts_pl *out);
int ike_parse_delete(const struct ike_payload *p, struct ike_delete_pl *out);

/* --- building --- */

struct ike_wbuf {
	uint8_t	buf[IKE_MSG_MAX];
	size_t	len;
	size_t	next_at;	/* where the previous "next payload" byte is */
	size_t	pl_at;		/* start of the open payload */
	uint8_t	first;		/* type of the first payload of a bare chain */
	bool	failed;		/* out of room: sticky */
};

void ike_wbuf_init(struct ike_wbuf *w);
void ike_put(struct ike_wbuf *w, const void *p, size_t n);
void ike_put8(struct ike_wbuf *w, uint8_t v);
void ike_put16(struct ike_wbuf *w, uint16_t v);
void ike_put32(struct ike_wbuf *w, uint32_t v);
void ike_put64(struct ike_wbuf *w, uint64_t v);

/* Writes the header (length fixed by ike_msg_end()). */
void ike_msg_begin(struct ike_wbuf *w, const struct ike_hdr *h);
/* Opens a payload of type (linking it from the previous one); close it
 * with ike_pl_end(). For a bare chain (SK contents) start with
 * ike_wbuf_init() and no header: the first type is ike_chain_first(). */
void ike_pl_begin(struct ike_wbuf *w, uint8_t type);
void ike_pl_end(struct ike_wbuf *w);
void ike_msg_end(struct ike_wbuf *w);
uint8_t ike_chain_first(const struct ike_wbuf *w);

/* Payload writers: each opens and closes one payload. */
void ike_add_sa(struct ike_wbuf *w, const struct ike_prop *props, size_t n);
void ike_add_ke(struct ike_wbuf *w, uint16_t group, const uint8_t *d, size_t n);
void ike_add_nonce(struct ike_wbuf *w, const uint8_t *n, size_t len);
void ike_add_notify(struct ike_wbuf *w, uint8_t protoid, const uint8_t *spi,
    size_t spisize, uint16_t type, const uint8_t *data, size_t len);
void ike_add_id(struct ike_wbuf *w, uint8_t ptype, uint8_t idtype,
    const uint8_t *d, size_t n);
void ike_add_auth(struct ike_wbuf *w, uint8_t method, const uint8_t *d, size_t n);
void ike_add_ts(struct ike_wbuf *w, uint8_t ptype, const struct ike_ts *ts, size_t n);
void ike_add_delete(struct ike_wbuf *w, uint8_t protoid, const uint32_t *spis,
    size_t n);

static inline uint16_t ike_get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t ike_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t ike_get64(const uint8_t *p)
{
	return (uint64_t)ike_get32(p) << 32 | ike_get32(p + 4);
}

#endif

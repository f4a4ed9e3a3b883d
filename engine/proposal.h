/* IKEv2 and ESP proposals in strongSwan's syntax
 * ("aes128gcm16-prfsha256-ecp256", "aes128-sha1-modp2048", "chacha20poly1305"),
 * parsed into IKEv2 transforms (RFC 7296 §3.3.2, IANA numbers). */
#ifndef IPSECFS_PROPOSAL_H
#define IPSECFS_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/strbuf.h"

/* Transform types */
enum { TT_ENCR = 1, TT_PRF = 2, TT_INTEG = 3, TT_DH = 4, TT_ESN = 5 };

/* Transform IDs used by ipsecfs (IANA "IKEv2 Transform Attribute Types") */
enum {
	ENCR_NULL = 11, ENCR_AES_CBC = 12, ENCR_AES_GCM_16 = 20,
	ENCR_CHACHA20_POLY1305 = 28,
};
enum { PRF_HMAC_SHA1 = 2, PRF_HMAC_SHA2_256 = 5, PRF_HMAC_SHA2_384 = 6 };
enum {
	AUTH_NONE = 0, AUTH_HMAC_SHA1_96 = 2, AUTH_HMAC_SHA2_256_128 = 12,
	AUTH_HMAC_SHA2_384_192 = 13,
};
enum { DH_NONE = 0, DH_MODP_2048 = 14, DH_ECP_256 = 19, DH_ECP_384 = 20 };
enum { ESN_NO = 0, ESN_YES = 1 };

#define PROPOSAL_MAX_TRANSFORMS	16
#define PROPOSAL_MAX		8	/* proposals in one list */

struct transform {
	uint8_t		type;		/* TT_* */
	uint16_t	id;
	uint16_t	keylen;		/* bits; 0 when the algorithm has none */
};

/* One proposal: any of its transforms of each type may be chosen. */
struct proposal {
	struct transform t[PROPOSAL_MAX_TRANSFORMS];
	size_t		 nt;
};

struct proposal_list {
	struct proposal	p[PROPOSAL_MAX];
	size_t		n;
};

enum proposal_kind { PROPOSAL_IKE, PROPOSAL_ESP };

/* Parses a comma-separated list. IKE proposals need encryption, PRF (or an
 * AEAD with a PRF), integrity unless AEAD, and DH; ESP proposals need
 * encryption (or null) and integrity unless AEAD, and take no DH unless
 * given (PFS). Returns 0, or -1 with a reason in err. */
int proposal_parse(const char *text, enum proposal_kind kind,
    struct proposal_list *out, char *err, size_t errlen);

/* Whether p has a transform of type (TT_*). */
bool proposal_has_type(const struct proposal *p, uint8_t type);

/* The first transform of type in p: its id and key length. 0, or -1 when
 * p has none. */
int proposal_get(const struct proposal *p, uint8_t type, uint16_t *id,
    uint16_t *keylen);

/* The ESP algorithms of one proposal written alone ("aes128gcm16",
 * "aes256-sha256", "null-sha1"), as the test tools and benchmarks name
 * them: encryption and its key bits, integrity (AUTH_NONE for an AEAD).
 * 0, or -1 with a reason in err. */
int proposal_esp_algs(const char *name, uint16_t *encr, uint16_t *keybits,
    uint16_t *integ, char *err, size_t errlen);

/* Prints back in strongSwan syntax. */
void proposal_print(const struct proposal_list *l, struct strbuf *sb);

/* Names for sas and events: "AES_GCM_16_128", "HMAC_SHA2_256_128", "ECP_256"... */
const char *transform_name(const struct transform *t, char *buf, size_t len);

#endif

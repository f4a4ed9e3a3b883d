/* IKEv2/ESP proposals in strongSwan's syntax: parsing, printing, names.
 * The rules follow strongSwan's proposal_create_from_string(): see
 * docs/configuration.md for where ipsecfs is stricter. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine/proposal.h"

struct keyword {
	const char	*name;
	uint8_t		 type;
	uint16_t	 id;
	uint16_t	 keylen;
	int		 alias;		/* accepted, never printed */
};

static const struct keyword keywords[] = {
	{ "aes128",		TT_ENCR, ENCR_AES_CBC, 128, 0 },
	{ "aes192",		TT_ENCR, ENCR_AES_CBC, 192, 0 },
	{ "aes256",		TT_ENCR, ENCR_AES_CBC, 256, 0 },
	{ "aes128gcm16",	TT_ENCR, ENCR_AES_GCM_16, 128, 0 },
	{ "aes192gcm16",	TT_ENCR, ENCR_AES_GCM_16, 192, 0 },
	{ "aes256gcm16",	TT_ENCR, ENCR_AES_GCM_16, 256, 0 },
	{ "aes128gcm",		TT_ENCR, ENCR_AES_GCM_16, 128, 1 },
	{ "aes192gcm",		TT_ENCR, ENCR_AES_GCM_16, 192, 1 },
	{ "aes256gcm",		TT_ENCR, ENCR_AES_GCM_16, 256, 1 },
	{ "chacha20poly1305",	TT_ENCR, ENCR_CHACHA20_POLY1305, 0, 0 },
	{ "null",		TT_ENCR, ENCR_NULL, 0, 0 },
	{ "sha1",		TT_INTEG, AUTH_HMAC_SHA1_96, 0, 0 },
	{ "sha",		TT_INTEG, AUTH_HMAC_SHA1_96, 0, 1 },
	{ "sha256",		TT_INTEG, AUTH_HMAC_SHA2_256_128, 0, 0 },
	{ "sha2_256",		TT_INTEG, AUTH_HMAC_SHA2_256_128, 0, 1 },
	{ "sha384",		TT_INTEG, AUTH_HMAC_SHA2_384_192, 0, 0 },
	{ "sha2_384",		TT_INTEG, AUTH_HMAC_SHA2_384_192, 0, 1 },
	{ "prfsha1",		TT_PRF, PRF_HMAC_SHA1, 0, 0 },
	{ "prfsha256",		TT_PRF, PRF_HMAC_SHA2_256, 0, 0 },
	{ "prfsha384",		TT_PRF, PRF_HMAC_SHA2_384, 0, 0 },
	{ "modp2048",		TT_DH, DH_MODP_2048, 0, 0 },
	{ "ecp256",		TT_DH, DH_ECP_256, 0, 0 },
	{ "ecp384",		TT_DH, DH_ECP_384, 0, 0 },
	{ "esn",		TT_ESN, ESN_YES, 0, 0 },
	{ "noesn",		TT_ESN, ESN_NO, 0, 0 },
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

/* The PRF an IKE proposal takes from its integrity algorithm. */
static const struct { uint16_t integ, prf; } integ_prf[] = {
	{ AUTH_HMAC_SHA1_96, PRF_HMAC_SHA1 },
	{ AUTH_HMAC_SHA2_256_128, PRF_HMAC_SHA2_256 },
	{ AUTH_HMAC_SHA2_384_192, PRF_HMAC_SHA2_384 },
};

/* Transform types in the order proposals are stored and printed. */
static const uint8_t type_order[] = { TT_ENCR, TT_INTEG, TT_PRF, TT_DH, TT_ESN };

#define TOKEN_MAX	32	/* longer than any keyword */
#define QUOTE_MAX	48	/* how much of the input an error quotes */

/* Copies at most QUOTE_MAX bytes of s[0..n) into buf for an error
 * message, replacing anything unprintable. */
static const char *
quote(const char *s, size_t n, char *buf, size_t len)
{
	size_t i, max = len - 1;

	if (n > QUOTE_MAX)
		n = QUOTE_MAX;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		buf[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static const struct keyword *
keyword_find(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (strlen(keywords[i].name) == n &&
		    strncasecmp(keywords[i].name, s, n) == 0)
			return &keywords[i];
	return NULL;
}

static const struct keyword *
keyword_of(const struct transform *t)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (!keywords[i].alias && keywords[i].type == t->type &&
		    keywords[i].id == t->id && keywords[i].keylen == t->keylen)
			return &keywords[i];
	return NULL;
}

static bool
is_aead(const struct transform *t)
{
	return t->type == TT_ENCR && (t->id == ENCR_AES_GCM_16 ||
	    t->id == ENCR_CHACHA20_POLY1305);
}

int
proposal_get(const struct proposal *p, uint8_t type, uint16_t *id,
    uint16_t *keylen)
{
	size_t i;

	for (i = 0; i < p->nt; i++)
		if (p->t[i].type == type) {
			*id = p->t[i].id;
			*keylen = p->t[i].keylen;
			return 0;
		}
	return -1;
}

int
proposal_esp_algs(const char *name, uint16_t *encr, uint16_t *keybits,
    uint16_t *integ, char *err, size_t errlen)
{
	struct proposal_list l;
	uint16_t ignored;

	if (proposal_parse(name, PROPOSAL_ESP, &l, err, errlen) != 0)
		return -1;
	if (l.n != 1) {
		snprintf(err, errlen, "%s: one proposal expected", name);
		return -1;
	}
	if (proposal_get(&l.p[0], TT_ENCR, encr, keybits) != 0) {
		snprintf(err, errlen, "%s: no encryption", name);
		return -1;
	}
	if (proposal_get(&l.p[0], TT_INTEG, integ, &ignored) != 0)
		*integ = AUTH_NONE;
	return 0;
}

bool
proposal_has_type(const struct proposal *p, uint8_t type)
{
	size_t i;

	for (i = 0; i < p->nt; i++)
		if (p->t[i].type == type)
			return true;
	return false;
}

/* Adds a transform unless the proposal already has it. */
static int
add(struct proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	size_t i;

	for (i = 0; i < p->nt; i++)
		if (p->t[i].type == type && p->t[i].id == id &&
		    p->t[i].keylen == keylen)
			return 0;
	if (p->nt == PROPOSAL_MAX_TRANSFORMS)
		return -1;
	p->t[p->nt].type = type;
	p->t[p->nt].id = id;
	p->t[p->nt].keylen = keylen;
	p->nt++;
	return 0;
}

static void
remove_type(struct proposal *p, uint8_t type)
{
	size_t i, j;

	for (i = j = 0; i < p->nt; i++)
		if (p->t[i].type != type)
			p->t[j++] = p->t[i];
	p->nt = j;
}

static size_t
type_rank(uint8_t type)
{
	size_t i;

	for (i = 0; i < sizeof(type_order); i++)
		if (type_order[i] == type)
			return i;
	return sizeof(type_order);
}

/* Stable sort by type_order; keeps the preference order within a type. */
static void
sort_transforms(struct proposal *p)
{
	struct transform t;
	size_t i, j;

	for (i = 1; i < p->nt; i++) {
		t = p->t[i];
		for (j = i; j > 0 && type_rank(p->t[j - 1].type) >
		    type_rank(t.type); j--)
			p->t[j] = p->t[j - 1];
		p->t[j] = t;
	}
}

/* Adds the PRF of each integrity algorithm, as strongSwan does. */
static int
derive_prf(struct proposal *p)
{
	size_t i, j, n = p->nt;

	for (i = 0; i < n; i++) {
		if (p->t[i].type != TT_INTEG)
			continue;
		for (j = 0; j < sizeof(integ_prf) / sizeof(integ_prf[0]); j++)
			if (integ_prf[j].integ == p->t[i].id &&
			    add(p, TT_PRF, integ_prf[j].prf, 0) != 0)
				return -1;
	}
	return 0;
}

/* Applies strongSwan's completeness rules to one parsed proposal. */
static const char *
check(struct proposal *p, enum proposal_kind kind)
{
	bool aead = false, classic = false;
	size_t i;

	for (i = 0; i < p->nt; i++) {
		if (p->t[i].type != TT_ENCR)
			continue;
		if (is_aead(&p->t[i]))
			aead = true;
		else
			classic = true;
	}
	if (!aead && !classic)
		return "no encryption algorithm";
	if (aead && classic)
		return "AEAD and classic encryption algorithms can't be "
		    "in the same proposal";
	if (classic && !proposal_has_type(p, TT_INTEG))
		return "classic encryption needs an integrity algorithm "
		    "(e.g. sha256)";
	if (kind == PROPOSAL_IKE) {
		if (!proposal_has_type(p, TT_PRF) && derive_prf(p) != 0)
			return "too many algorithms (max 16)";
		if (!proposal_has_type(p, TT_PRF))
			return "an AEAD algorithm needs a PRF (e.g. prfsha256)";
		if (!proposal_has_type(p, TT_DH))
			return "no DH group (e.g. ecp256)";
	}
	if (aead)
		remove_type(p, TT_INTEG);
	if (kind == PROPOSAL_ESP && !proposal_has_type(p, TT_ESN) &&
	    add(p, TT_ESN, ESN_NO, 0) != 0)
		return "too many algorithms (max 16)";
	sort_transforms(p);
	return NULL;
}

/* Parses one dash-separated token; PRFs are dropped from ESP proposals
 * as strongSwan does. */
static int
parse_token(const char *s, size_t n, enum proposal_kind kind,
    struct proposal *p, char *err, size_t errlen)
{
	const struct keyword *k;
	char q[QUOTE_MAX + 1];

	if (n == 0) {
		snprintf(err, errlen, "empty algorithm name");
		return -1;
	}
	if ((k = keyword_find(s, n)) == NULL) {
		snprintf(err, errlen, "unknown algorithm '%s'",
		    quote(s, n, q, sizeof(q)));
		return -1;
	}
	if (kind == PROPOSAL_IKE && (k->type == TT_ESN ||
	    (k->type == TT_ENCR && k->id == ENCR_NULL))) {
		snprintf(err, errlen, "'%s' is for ESP proposals only",
		    k->name);
		return -1;
	}
	if (kind == PROPOSAL_ESP && k->type == TT_PRF)
		return 0;
	if (add(p, k->type, k->id, k->keylen) != 0) {
		snprintf(err, errlen, "too many algorithms (max %d)",
		    PROPOSAL_MAX_TRANSFORMS);
		return -1;
	}
	return 0;
}

static size_t
trim(const char **s, size_t n)
{
	while (n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		n--;
	}
	while (n > 0 && ((*s)[n - 1] == ' ' || (*s)[n - 1] == '\t'))
		n--;
	return n;
}

static int
parse_one(const char *s, size_t n, enum proposal_kind kind,
    struct proposal *p, char *err, size_t errlen)
{
	const char *tok = s, *end = s + n, *dash, *why;
	char q[QUOTE_MAX + 1], reason[128];
	size_t tn;

	memset(p, 0, sizeof(*p));
	for (;;) {
		dash = memchr(tok, '-', (size_t)(end - tok));
		if (dash == NULL)
			dash = end;
		tn = trim(&tok, (size_t)(dash - tok));
		if (parse_token(tok, tn, kind, p, reason, sizeof(reason)) != 0) {
			snprintf(err, errlen, "'%s': %s",
			    quote(s, n, q, sizeof(q)), reason);
			return -1;
		}
		if (dash == end)
			break;
		tok = dash + 1;
	}
	if ((why = check(p, kind)) != NULL) {
		snprintf(err, errlen, "'%s': %s", quote(s, n, q, sizeof(q)), why);
		return -1;
	}
	return 0;
}

int
proposal_parse(const char *text, enum proposal_kind kind,
    struct proposal_list *out, char *err, size_t errlen)
{
	const char *s = text, *comma;
	size_t n;

	memset(out, 0, sizeof(*out));
	for (;;) {
		comma = strchr(s, ',');
		n = comma ? (size_t)(comma - s) : strlen(s);
		n = trim(&s, n);
		if (n == 0) {
			snprintf(err, errlen, "empty proposal");
			goto fail;
		}
		if (out->n == PROPOSAL_MAX) {
			snprintf(err, errlen, "too many proposals (max %d)",
			    PROPOSAL_MAX);
			goto fail;
		}
		if (parse_one(s, n, kind, &out->p[out->n], err, errlen) != 0)
			goto fail;
		out->n++;
		if (comma == NULL)
			return 0;
		s = comma + 1;
	}
fail:
	memset(out, 0, sizeof(*out));
	return -1;
}

void
proposal_print(const struct proposal_list *l, struct strbuf *sb)
{
	const struct keyword *k;
	const struct proposal *p;
	char name[64];
	size_t i, j;

	for (i = 0; i < l->n; i++) {
		p = &l->p[i];
		if (i > 0)
			strbuf_add(sb, ", ", 2);
		for (j = 0; j < p->nt; j++) {
			if (j > 0)
				strbuf_add(sb, "-", 1);
			if ((k = keyword_of(&p->t[j])) != NULL)
				strbuf_printf(sb, "%s", k->name);
			else
				strbuf_printf(sb, "%s", transform_name(&p->t[j],
				    name, sizeof(name)));
		}
	}
}

static const char *
base_name(uint8_t type, uint16_t id)
{
	switch (type) {
	case TT_ENCR:
		switch (id) {
		case ENCR_NULL:			return "NULL";
		case ENCR_AES_CBC:		return "AES_CBC";
		case ENCR_AES_GCM_16:		return "AES_GCM_16";
		case ENCR_CHACHA20_POLY1305:	return "CHACHA20_POLY1305";
		}
		break;
	case TT_PRF:
		switch (id) {
		case PRF_HMAC_SHA1:		return "PRF_HMAC_SHA1";
		case PRF_HMAC_SHA2_256:		return "PRF_HMAC_SHA2_256";
		case PRF_HMAC_SHA2_384:		return "PRF_HMAC_SHA2_384";
		}
		break;
	case TT_INTEG:
		switch (id) {
		case AUTH_NONE:			return "NONE";
		case AUTH_HMAC_SHA1_96:		return "HMAC_SHA1_96";
		case AUTH_HMAC_SHA2_256_128:	return "HMAC_SHA2_256_128";
		case AUTH_HMAC_SHA2_384_192:	return "HMAC_SHA2_384_192";
		}
		break;
	case TT_DH:
		switch (id) {
		case DH_NONE:			return "NONE";
		case DH_MODP_2048:		return "MODP_2048";
		case DH_ECP_256:		return "ECP_256";
		case DH_ECP_384:		return "ECP_384";
		}
		break;
	case TT_ESN:
		switch (id) {
		case ESN_NO:			return "NO_EXT_SEQ";
		case ESN_YES:			return "EXT_SEQ";
		}
		break;
	}
	return NULL;
}

const char *
transform_name(const struct transform *t, char *buf, size_t len)
{
	const char *base = base_name(t->type, t->id);

	if (base == NULL)
		snprintf(buf, len, "UNKNOWN_%u_%u", t->type, t->id);
	else if (t->keylen)
		snprintf(buf, len, "%s_%u", base, t->keylen);
	else
		snprintf(buf, len, "%s", base);
	return buf;
}

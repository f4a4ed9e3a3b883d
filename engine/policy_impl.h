/* Internals of the policy language, shared by engine/policy*.c only. */
#ifndef IPSECFS_POLICY_IMPL_H
#define IPSECFS_POLICY_IMPL_H

#include <netdb.h>

#include "engine/policy.h"

/* Limits that keep memory and time bounded whatever the input. */
#define POLICY_MAX_WORD		1024	/* bytes in one word (name, range) */
#define POLICY_MAX_NAME		64	/* bytes in a protection name */
#define POLICY_MAX_APPS		64
#define POLICY_MAX_NETS		10000
#define POLICY_MAX_HOSTS	64	/* hostname networks, each resolved at load */
#define POLICY_MAX_HOSTADDRS	64	/* addresses kept per hostname */
#define POLICY_MAX_PROTS	1000
#define POLICY_MAX_ITEMS	1000	/* per protection */
#define POLICY_MAX_PREFIXES	65536	/* over all networks */

enum tok_type {
	TOK_EOF, TOK_WORD, TOK_LBRACE, TOK_RBRACE, TOK_SEMI, TOK_COMMA, TOK_EQUAL
};

struct token {
	enum tok_type	 type;
	const char	*s;		/* into the text; not NUL-terminated */
	size_t		 len;
	int		 line, col;
};

struct lexer {
	const char		*p, *end;
	int			 line, col;
	struct policy_error	*err;
};

void lex_init(struct lexer *lx, const char *text, size_t len,
    struct policy_error *err);
/* The next token; -1 with the error filled on a bad byte or word. */
int lex_next(struct lexer *lx, struct token *t);
bool tok_is(const struct token *t, const char *word);
/* "'word'", "'{'", "end of text": for "expected X, found Y". */
const char *tok_describe(const struct token *t, char *buf, size_t len);

/* What the parser knows beyond the model: which protection each network
 * names, and where (policy_parse.c fills it, policy_valid.c checks it). */
struct pref {
	char	name[POLICY_MAX_NAME + 1];	/* "" unless protected */
	int	line, col;
};

/* Semantic checks on a parsed policy, then hostname resolution and the
 * specificity order. The earliest error in the text is reported. */
int policy_validate(struct policy *p, const struct pref *refs,
    struct policy_error *err);

void policy_seterr(struct policy_error *err, int line, int col,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Networks (policy_net.c). Fills form, text, lo, hi and, except for
 * hostnames, prefixes from the range as written (NUL-terminated). */
int pnet_parse_range(struct pnet *n, const char *range, int line, int col,
    struct policy_error *err);
bool pnet_contains(const struct pnet *n, const struct ipaddr *a);
/* Whether two networks are the same range (same bounds, or same hostname). */
int pnet_cmp(const struct pnet *x, const struct pnet *y);
/* Recomputes p->by_specificity; -1 on allocation failure. */
int policy_order(struct policy *p);

/* Hostnames (policy_resolve.c): resolves n->text into n->prefixes. */
int pnet_resolve(struct pnet *n, struct policy_error *err);

/* The resolver used for hostnames: getaddrinfo(3) unless a fuzz target or
 * a test that must not touch DNS replaces it. */
typedef int (*policy_gai_fn)(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);
typedef void (*policy_freeai_fn)(struct addrinfo *res);
extern policy_gai_fn policy_getaddrinfo;
extern policy_freeai_fn policy_freeaddrinfo;

#endif

/* The policy language's grammar (ipsecfs-policy(5)), text to model:
 *
 *   policy      = "application" name { "," name } "{" { network | protection } "}"
 *   network     = "network" range ( "trusted" | "untrusted" | "protected" pname ) ";"
 *   protection  = "protection" pname "{" item { item } "}"
 *   item        = "localport" "=" port "remoteport" "=" port
 *                 ( "encryption" | "authentication" ) ( "optional" | "mandatory" ) ";"
 *   port        = 0..65535 | "any"
 *
 * Iterative, one token of lookahead, stops at the first error. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/policy_impl.h"

struct parser {
	struct lexer		 lx;
	struct token		 tok;
	struct policy		*p;
	struct policy_error	*err;
	struct pref		*refs;		/* one per network */
	size_t			 capapps, capnets, caprefs, capprots;
	size_t			 nhosts, nprefixes;
};

static int
next(struct parser *ps)
{
	return lex_next(&ps->lx, &ps->tok);
}

static int
expected(struct parser *ps, const char *what)
{
	char found[64];

	policy_seterr(ps->err, ps->tok.line, ps->tok.col, "expected %s, found %s",
	    what, tok_describe(&ps->tok, found, sizeof(found)));
	return -1;
}

static int
nomem(struct parser *ps)
{
	policy_seterr(ps->err, ps->tok.line, ps->tok.col, "out of memory");
	return -1;
}

/* Makes room for one more element in *arr (n used, *cap allocated). */
static int
grow(struct parser *ps, void *arr, size_t *cap, size_t n, size_t size)
{
	void **a = arr, *q;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 8;
	if ((q = realloc(*a, c * size)) == NULL)
		return nomem(ps);
	memset((char *)q + n * size, 0, (c - n) * size);
	*a = q;
	*cap = c;
	return 0;
}

static void
tok_copy(const struct token *t, char *buf, size_t size)
{
	size_t n = t->len < size - 1 ? t->len : size - 1;

	memcpy(buf, t->s, n);
	buf[n] = '\0';
}

static bool
valid_app(const char *s)
{
	const char *c;

	if (s[0] != '/')
		return strchr(s, '/') == NULL && strlen(s) <= NAME_MAX &&
		    strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
	if (s[1] == '\0' || strlen(s) >= PATH_MAX)
		return false;
	for (c = s; *c != '\0'; c++)	/* no empty, "." or ".." component */
		if (c[0] == '/' && (c[1] == '/' || c[1] == '\0' ||
		    (c[1] == '.' && (c[2] == '/' || c[2] == '\0')) ||
		    (c[1] == '.' && c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
			return false;
	return true;
}

static int
parse_app(struct parser *ps)
{
	struct policy *p = ps->p;
	char *name;

	if (ps->tok.type != TOK_WORD)
		return expected(ps, "a program name");
	if (p->napps == POLICY_MAX_APPS) {
		policy_seterr(ps->err, ps->tok.line, ps->tok.col,
		    "too many application names (limit %d)", POLICY_MAX_APPS);
		return -1;
	}
	if ((name = strndup(ps->tok.s, ps->tok.len)) == NULL)
		return nomem(ps);
	if (!valid_app(name)) {
		policy_seterr(ps->err, ps->tok.line, ps->tok.col,
		    "'%.60s' is neither a program basename nor an absolute path",
		    name);
		free(name);
		return -1;
	}
	for (size_t i = 0; i < p->napps; i++)
		if (strcmp(p->apps[i], name) == 0) {
			policy_seterr(ps->err, ps->tok.line, ps->tok.col,
			    "program '%.60s' named twice", name);
			free(name);
			return -1;
		}
	if (grow(ps, &p->apps, &ps->capapps, p->napps, sizeof(*p->apps)) != 0) {
		free(name);
		return -1;
	}
	p->apps[p->napps++] = name;
	return next(ps);
}

static bool
valid_pname(const struct token *t)
{
	size_t i;

	if (t->type != TOK_WORD || t->len > POLICY_MAX_NAME)
		return false;
	for (i = 0; i < t->len; i++)
		if (!isalnum((unsigned char)t->s[i]) && t->s[i] != '_' &&
		    (i == 0 || (t->s[i] != '-' && t->s[i] != '.')))
			return false;
	return true;
}

static int
parse_pname(struct parser *ps, char *buf)
{
	if (ps->tok.type != TOK_WORD)
		return expected(ps, "a protection name");
	if (!valid_pname(&ps->tok)) {
		char found[64];

		policy_seterr(ps->err, ps->tok.line, ps->tok.col,
		    "bad protection name %s: up to %d letters, digits, '_', "
		    "'-' or '.'", tok_describe(&ps->tok, found, sizeof(found)),
		    POLICY_MAX_NAME);
		return -1;
	}
	tok_copy(&ps->tok, buf, POLICY_MAX_NAME + 1);
	return next(ps);
}

/* A range is one word, or words joined at a '-' ("a - b", "a -b"). */
static int
parse_range(struct parser *ps, char *buf, size_t size)
{
	size_t len = 0;

	if (ps->tok.type != TOK_WORD)
		return expected(ps, "an address, prefix, range or hostname");
	for (;;) {
		if (len + ps->tok.len >= size) {
			policy_seterr(ps->err, ps->tok.line, ps->tok.col,
			    "network range too long");
			return -1;
		}
		memcpy(buf + len, ps->tok.s, ps->tok.len);
		len += ps->tok.len;
		buf[len] = '\0';
		if (next(ps) != 0)
			return -1;
		if (ps->tok.type != TOK_WORD ||
		    (buf[len - 1] != '-' && ps->tok.s[0] != '-'))
			return 0;
	}
}

static int
parse_kind(struct parser *ps, struct pnet *n, struct pref *ref)
{
	if (tok_is(&ps->tok, "trusted"))
		n->kind = NET_TRUSTED;
	else if (tok_is(&ps->tok, "untrusted"))
		n->kind = NET_UNTRUSTED;
	else if (tok_is(&ps->tok, "protected"))
		n->kind = NET_PROTECTED;
	else
		return expected(ps, "'trusted', 'untrusted' or 'protected'");
	if (next(ps) != 0)
		return -1;
	if (n->kind != NET_PROTECTED)
		return 0;
	ref->line = ps->tok.line;
	ref->col = ps->tok.col;
	return parse_pname(ps, ref->name);
}

static int
limit(struct parser *ps, size_t n, size_t max, const char *what)
{
	if (n < max)
		return 0;
	policy_seterr(ps->err, ps->tok.line, ps->tok.col,
	    "too many %s (limit %zu)", what, max);
	return -1;
}

static int
parse_network(struct parser *ps)
{
	struct policy *p = ps->p;
	char range[POLICY_MAX_WORD + 1];
	struct pnet *n;
	int line, col;

	if (limit(ps, p->nnets, POLICY_MAX_NETS, "networks") != 0 ||
	    grow(ps, &p->nets, &ps->capnets, p->nnets, sizeof(*p->nets)) != 0 ||
	    grow(ps, &ps->refs, &ps->caprefs, p->nnets, sizeof(*ps->refs)) != 0)
		return -1;
	if (next(ps) != 0)
		return -1;
	line = ps->tok.line;
	col = ps->tok.col;
	if (parse_range(ps, range, sizeof(range)) != 0)
		return -1;
	n = &p->nets[p->nnets++];
	if (pnet_parse_range(n, range, line, col, ps->err) != 0)
		return -1;
	if (n->form == RANGE_HOST && ++ps->nhosts > POLICY_MAX_HOSTS) {
		policy_seterr(ps->err, line, col,
		    "too many hostname networks (limit %d)", POLICY_MAX_HOSTS);
		return -1;
	}
	if ((ps->nprefixes += n->nprefixes) > POLICY_MAX_PREFIXES) {
		policy_seterr(ps->err, line, col,
		    "networks cover too many prefixes (limit %d)",
		    POLICY_MAX_PREFIXES);
		return -1;
	}
	if (parse_kind(ps, n, &ps->refs[p->nnets - 1]) != 0)
		return -1;
	if (ps->tok.type != TOK_SEMI)
		return expected(ps, "';'");
	return next(ps);
}

static int
parse_port(struct parser *ps, const char *key, int *port)
{
	size_t i;
	long v = 0;

	if (!tok_is(&ps->tok, key))
		return expected(ps, key[0] == 'l' ? "'localport'" : "'remoteport'");
	if (next(ps) != 0)
		return -1;
	if (ps->tok.type != TOK_EQUAL)
		return expected(ps, "'='");
	if (next(ps) != 0)
		return -1;
	if (tok_is(&ps->tok, "any")) {
		*port = POLICY_PORT_ANY;
		return next(ps);
	}
	if (ps->tok.type != TOK_WORD)
		return expected(ps, "a port number or 'any'");
	for (i = 0; i < ps->tok.len; i++) {
		if (!isdigit((unsigned char)ps->tok.s[i]))
			return expected(ps, "a port number or 'any'");
		if (v <= 65535)
			v = v * 10 + (ps->tok.s[i] - '0');
	}
	if (v > 65535) {
		char found[64];

		policy_seterr(ps->err, ps->tok.line, ps->tok.col,
		    "port %s out of range 0-65535",
		    tok_describe(&ps->tok, found, sizeof(found)));
		return -1;
	}
	*port = (int)v;
	return next(ps);
}

static int
parse_item(struct parser *ps, struct pitem *it)
{
	it->line = ps->tok.line;
	it->col = ps->tok.col;
	if (parse_port(ps, "localport", &it->lport) != 0 ||
	    parse_port(ps, "remoteport", &it->rport) != 0)
		return -1;
	if (tok_is(&ps->tok, "encryption"))
		it->type = PROT_ENCRYPTION;
	else if (tok_is(&ps->tok, "authentication"))
		it->type = PROT_AUTHENTICATION;
	else
		return expected(ps, "'encryption' or 'authentication'");
	if (next(ps) != 0)
		return -1;
	if (tok_is(&ps->tok, "optional"))
		it->level = LEVEL_OPTIONAL;
	else if (tok_is(&ps->tok, "mandatory"))
		it->level = LEVEL_MANDATORY;
	else
		return expected(ps, "'optional' or 'mandatory'");
	if (next(ps) != 0)
		return -1;
	if (ps->tok.type != TOK_SEMI)
		return expected(ps, "';'");
	return next(ps);
}

static int
unterminated(struct parser *ps, const char *what, int line, int col)
{
	policy_seterr(ps->err, ps->tok.line, ps->tok.col,
	    "end of text in the %s block opened at %d:%d", what, line, col);
	return -1;
}

static int
parse_protection(struct parser *ps)
{
	struct policy *p = ps->p;
	char name[POLICY_MAX_NAME + 1];
	struct protection *pr;
	size_t cap = 0;
	int line, col;

	if (limit(ps, p->nprots, POLICY_MAX_PROTS, "protections") != 0 ||
	    grow(ps, &p->prots, &ps->capprots, p->nprots, sizeof(*p->prots)) != 0)
		return -1;
	if (next(ps) != 0)
		return -1;
	pr = &p->prots[p->nprots];
	pr->line = ps->tok.line;
	pr->col = ps->tok.col;
	if (parse_pname(ps, name) != 0)
		return -1;
	if ((pr->name = strdup(name)) == NULL)
		return nomem(ps);
	p->nprots++;
	if (ps->tok.type != TOK_LBRACE)
		return expected(ps, "'{'");
	line = ps->tok.line;
	col = ps->tok.col;
	if (next(ps) != 0)
		return -1;
	while (ps->tok.type != TOK_RBRACE) {
		if (ps->tok.type == TOK_EOF)
			return unterminated(ps, "protection", line, col);
		if (!tok_is(&ps->tok, "localport"))
			return expected(ps, "'localport' or '}'");
		if (limit(ps, pr->nitems, POLICY_MAX_ITEMS,
		    "items in one protection") != 0 ||
		    grow(ps, &pr->items, &cap, pr->nitems, sizeof(*pr->items)) != 0 ||
		    parse_item(ps, &pr->items[pr->nitems++]) != 0)
			return -1;
	}
	return next(ps);
}

static int
parse_body(struct parser *ps)
{
	int line = ps->tok.line, col = ps->tok.col;

	if (next(ps) != 0)
		return -1;
	while (ps->tok.type != TOK_RBRACE) {
		if (ps->tok.type == TOK_EOF)
			return unterminated(ps, "application", line, col);
		if (tok_is(&ps->tok, "network")) {
			if (parse_network(ps) != 0)
				return -1;
		} else if (tok_is(&ps->tok, "protection")) {
			if (parse_protection(ps) != 0)
				return -1;
		} else
			return expected(ps, "'network', 'protection' or '}'");
	}
	return next(ps);
}

static int
parse_policy(struct parser *ps)
{
	if (next(ps) != 0)
		return -1;
	if (!tok_is(&ps->tok, "application"))
		return expected(ps, "'application'");
	if (next(ps) != 0 || parse_app(ps) != 0)
		return -1;
	while (ps->tok.type == TOK_COMMA)
		if (next(ps) != 0 || parse_app(ps) != 0)
			return -1;
	if (ps->tok.type != TOK_LBRACE)
		return expected(ps, "',' or '{'");
	if (parse_body(ps) != 0)
		return -1;
	if (tok_is(&ps->tok, "application")) {
		policy_seterr(ps->err, ps->tok.line, ps->tok.col,
		    "only one application block per policy");
		return -1;
	}
	if (ps->tok.type != TOK_EOF)
		return expected(ps, "end of text after the application block");
	return 0;
}

struct policy *
policy_parse(const char *text, size_t len, struct policy_error *err)
{
	struct policy_error scratch;
	struct parser ps;

	if (err == NULL)
		err = &scratch;
	memset(err, 0, sizeof(*err));
	if (len > POLICY_MAX_TEXT) {
		policy_seterr(err, 0, 0, "policy text is %zu bytes, over the "
		    "limit of %d", len, POLICY_MAX_TEXT);
		return NULL;
	}
	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	lex_init(&ps.lx, text, len, err);
	if ((ps.p = calloc(1, sizeof(*ps.p))) == NULL) {
		policy_seterr(err, 0, 0, "out of memory");
		return NULL;
	}
	if (parse_policy(&ps) != 0 || policy_validate(ps.p, ps.refs, err) != 0) {
		free(ps.refs);
		policy_free(ps.p);
		return NULL;
	}
	free(ps.refs);
	return ps.p;
}

/* The policy language's tokens: words, { } ; , = and # comments. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/policy_impl.h"

void
policy_seterr(struct policy_error *err, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

void
lex_init(struct lexer *lx, const char *text, size_t len, struct policy_error *err)
{
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	lx->col = 1;
	lx->err = err;
}

static bool
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	    c == '\f';
}

/* Printable ASCII that is not punctuation of the language. */
static bool
is_word(unsigned char c)
{
	switch (c) {
	case '{': case '}': case ';': case ',': case '=': case '#':
		return false;
	default:
		return c > ' ' && c < 0x7f;
	}
}

static void
advance(struct lexer *lx)
{
	if (*lx->p == '\n') {
		lx->line++;
		lx->col = 1;
	} else
		lx->col++;
	lx->p++;
}

static int
bad_byte(struct lexer *lx, unsigned char c)
{
	if (c == '\0')
		policy_seterr(lx->err, lx->line, lx->col, "NUL byte in policy text");
	else
		policy_seterr(lx->err, lx->line, lx->col,
		    "unexpected byte 0x%02x", c);
	return -1;
}

/* Skips whitespace and comments; comments may hold any byte but NUL. */
static int
skip_blank(struct lexer *lx)
{
	while (lx->p < lx->end) {
		unsigned char c = (unsigned char)*lx->p;

		if (is_space(c)) {
			advance(lx);
		} else if (c == '#') {
			while (lx->p < lx->end && *lx->p != '\n') {
				if (*lx->p == '\0')
					return bad_byte(lx, 0);
				advance(lx);
			}
		} else
			break;
	}
	return 0;
}

int
lex_next(struct lexer *lx, struct token *t)
{
	unsigned char c;

	if (skip_blank(lx) != 0)
		return -1;
	t->s = lx->p;
	t->len = 0;
	t->line = lx->line;
	t->col = lx->col;
	if (lx->p == lx->end) {
		t->type = TOK_EOF;
		return 0;
	}
	c = (unsigned char)*lx->p;
	switch (c) {
	case '{': t->type = TOK_LBRACE; break;
	case '}': t->type = TOK_RBRACE; break;
	case ';': t->type = TOK_SEMI; break;
	case ',': t->type = TOK_COMMA; break;
	case '=': t->type = TOK_EQUAL; break;
	default:
		if (!is_word(c))
			return bad_byte(lx, c);
		t->type = TOK_WORD;
		while (lx->p < lx->end && is_word((unsigned char)*lx->p)) {
			advance(lx);
			t->len++;
		}
		if (t->len > POLICY_MAX_WORD) {
			policy_seterr(lx->err, t->line, t->col,
			    "word longer than %d bytes", POLICY_MAX_WORD);
			return -1;
		}
		return 0;
	}
	advance(lx);
	t->len = 1;
	return 0;
}

bool
tok_is(const struct token *t, const char *word)
{
	return t->type == TOK_WORD && t->len == strlen(word) &&
	    memcmp(t->s, word, t->len) == 0;
}

const char *
tok_describe(const struct token *t, char *buf, size_t len)
{
	if (t->type == TOK_EOF)
		snprintf(buf, len, "end of text");
	else if (t->len > 40)
		snprintf(buf, len, "'%.40s...'", t->s);
	else
		snprintf(buf, len, "'%.*s'", (int)t->len, t->s);
	return buf;
}

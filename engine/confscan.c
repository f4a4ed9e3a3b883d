/* Scans ipsecfs.conf line by line with iniparser 4.1's rules (see
 * confscan.h and docs/configuration.md). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/confscan.h"

struct scanner {
	const char	*p;		/* next physical line */
	int		 lineno;	/* of the last physical line read */
	char		 buf[CONFSCAN_LINE_MAX + 1];
	char		*section;	/* current section, NULL before any */
	bool		 header;	/* the last line was a [section] */
	char		*out;		/* end of the text for iniparser */
	struct conf_scan *sc;
	int		*errline;
	char		*err;
	size_t		 errlen;
};

static int
fail(struct scanner *s, int line, const char *reason)
{
	*s->errline = line;
	snprintf(s->err, s->errlen, "%s", reason);
	return -1;
}

static size_t
rstrip(char *b, size_t n)
{
	while (n > 0 && isspace((unsigned char)b[n - 1]))
		n--;
	b[n] = '\0';
	return n;
}

static char *
strip(char *b)
{
	while (isspace((unsigned char)*b))
		b++;
	rstrip(b, strlen(b));
	return b;
}

static void
lower(char *b)
{
	for (; *b; b++)
		*b = (char)tolower((unsigned char)*b);
}

/* Reads one logical line into s->buf: physical lines ending in a
 * backslash continue on the next one, as in iniparser (even comments).
 * Returns 1, 0 at the end, or -1. *first is its first physical line. */
static int
read_line(struct scanner *s, int *first)
{
	size_t len = 0, n;
	const char *nl;

	if (*s->p == '\0')
		return 0;
	*first = s->lineno + 1;
	for (;;) {
		if (*s->p == '\0')
			return fail(s, *first,
			    "a line continues past the end of the file");
		nl = strchr(s->p, '\n');
		n = nl ? (size_t)(nl - s->p) : strlen(s->p);
		s->lineno++;
		if (len + n > CONFSCAN_LINE_MAX)
			return fail(s, *first, "line too long (max 1000 "
			    "characters)");
		memcpy(s->buf + len, s->p, n);
		len = rstrip(s->buf, len + n);
		s->p += nl ? n + 1 : n;
		if (len == 0 || s->buf[len - 1] != '\\')
			return 1;
		s->buf[--len] = '\0';
	}
}

static bool
valid_name(const char *n, const char *extra)
{
	if (*n == '\0')
		return false;
	for (; *n; n++)
		if (!islower((unsigned char)*n) && !isdigit((unsigned char)*n) &&
		    *n != '_' && strchr(extra, *n) == NULL)
			return false;
	return true;
}

static int
add_entry(struct scanner *s, int line, const char *key, bool quoted)
{
	struct conf_scan *sc = s->sc;
	struct conf_entry *e;
	size_t cap;

	if (sc->n == CONFSCAN_ENTRIES_MAX)
		return fail(s, line, "too many sections and keys (max 8192)");
	if (sc->n == sc->cap) {
		cap = sc->cap ? sc->cap * 2 : 32;
		if ((e = reallocarray(sc->e, cap, sizeof(*e))) == NULL)
			return fail(s, line, "out of memory");
		sc->e = e;
		sc->cap = cap;
	}
	e = &sc->e[sc->n];
	memset(e, 0, sizeof(*e));
	e->line = line;
	e->quoted = quoted;
	if ((e->section = strdup(s->section)) == NULL ||
	    (key && (e->key = strdup(key)) == NULL)) {
		free(e->section);
		return fail(s, line, "out of memory");
	}
	sc->n++;
	return 0;
}

/* The earlier entry with this section and key (NULL: the header). */
static const struct conf_entry *
find(const struct conf_scan *sc, const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < sc->n; i++) {
		if (strcmp(sc->e[i].section, section) != 0)
			continue;
		if (key == NULL ? sc->e[i].key == NULL :
		    sc->e[i].key && strcmp(sc->e[i].key, key) == 0)
			return &sc->e[i];
	}
	return NULL;
}

static int
section_line(struct scanner *s, int line, char *b)
{
	const struct conf_entry *dup;
	char msg[160], *name, *close;

	if ((close = strchr(b, ']')) == NULL)
		return fail(s, line, "a section header must end with ]");
	*close++ = '\0';
	while (isspace((unsigned char)*close))
		close++;
	if (*close != '\0' && *close != ';' && *close != '#')
		return fail(s, line, "text after the section header");
	name = strip(b + 1);
	lower(name);
	if (strchr(name, '['))
		return fail(s, line, "bad section header");
	if (!valid_name(name, ".-"))
		return fail(s, line, *name ? "bad section name (letters, "
		    "digits, '.', '-', '_')" : "empty section name");
	if ((dup = find(s->sc, name, NULL)) != NULL) {
		snprintf(msg, sizeof(msg), "[%s]: section given twice "
		    "(first on line %d)", name, dup->line);
		return fail(s, line, msg);
	}
	free(s->section);
	if ((s->section = strdup(name)) == NULL)
		return fail(s, line, "out of memory");
	s->header = true;
	return add_entry(s, line, NULL, false);
}

/* A quoted value must close, and only a comment may follow. */
static int
check_quotes(struct scanner *s, int line, const char *v, bool *quoted)
{
	const char *close;

	*quoted = false;
	if (*v != '"' && *v != '\'')
		return 0;
	if ((close = strchr(v + 1, *v)) == NULL)
		return fail(s, line, "missing closing quote");
	close++;
	while (isspace((unsigned char)*close))
		close++;
	if (*close != '\0' && *close != ';' && *close != '#')
		return fail(s, line, "text after the closing quote");
	*quoted = true;
	return 0;
}

static int
key_line(struct scanner *s, int line, char *b)
{
	const struct conf_entry *dup;
	char msg[160], *eq, *key;
	bool quoted;

	if ((eq = strchr(b, '=')) == NULL)
		return fail(s, line, "expected 'key = value', '[section]' "
		    "or a comment");
	*eq = '\0';
	key = strip(b);
	lower(key);
	if (*key == '\0')
		return fail(s, line, "missing key name before '='");
	if (!valid_name(key, ".-"))
		return fail(s, line, "bad key name (letters, digits, '_', "
		    "'-', '.')");
	if (s->section == NULL) {
		snprintf(msg, sizeof(msg), "%s: key outside any section", key);
		return fail(s, line, msg);
	}
	if ((dup = find(s->sc, s->section, key)) != NULL) {
		snprintf(msg, sizeof(msg), "%s: given twice in [%s] (first on "
		    "line %d)", key, s->section, dup->line);
		return fail(s, line, msg);
	}
	if (check_quotes(s, line, strip(eq + 1), &quoted) != 0)
		return -1;
	return add_entry(s, line, key, quoted);
}

static int
scan_line(struct scanner *s, int line)
{
	char *b = strip(s->buf);

	s->header = false;
	if (*b == '\0' || *b == '#' || *b == ';')
		return 0;
	if (*b == '[')
		return section_line(s, line, b);
	return key_line(s, line, b);
}

/* Copies the logical line [start, s->p) into the text for iniparser; a
 * section header goes as a bare "[name]", keeping the line count. */
static void
emit(struct scanner *s, const char *start, int first)
{
	int i;

	if (!s->header) {
		memcpy(s->out, start, (size_t)(s->p - start));
		s->out += s->p - start;
		return;
	}
	s->out += sprintf(s->out, "[%s]\n", s->section);
	for (i = first; i < s->lineno; i++)
		*s->out++ = '\n';
}

int
conf_scan(const char *text, struct conf_scan *sc, char **clean, int *line,
    char *err, size_t errlen)
{
	size_t size = strlen(text) + 2;
	struct scanner s;
	const char *start;
	int first, rc;

	memset(sc, 0, sizeof(*sc));
	memset(&s, 0, sizeof(s));
	*line = 0;
	if ((*clean = malloc(size)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s.p = text;
	s.out = *clean;
	s.sc = sc;
	s.errline = line;
	s.err = err;
	s.errlen = errlen;
	for (;;) {
		start = s.p;
		if ((rc = read_line(&s, &first)) != 1 ||
		    (rc = scan_line(&s, first)) != 0)
			break;
		emit(&s, start, first);
	}
	*s.out = '\0';
	explicit_bzero(s.buf, sizeof(s.buf));	/* it held values, maybe keys */
	free(s.section);
	if (rc != 0) {
		conf_scan_free(sc);
		explicit_bzero(*clean, size);
		free(*clean);
		*clean = NULL;
	}
	return rc;
}

void
conf_scan_free(struct conf_scan *sc)
{
	size_t i;

	for (i = 0; i < sc->n; i++) {
		free(sc->e[i].section);
		free(sc->e[i].key);
	}
	free(sc->e);
	memset(sc, 0, sizeof(*sc));
}

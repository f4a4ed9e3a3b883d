/* ipsecfs.conf: embedded defaults, then the file's values through
 * iniparser, each checked with its line number from confscan. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iniparser.h>

#include "engine/conf.h"
#include "engine/confscan.h"
#include "engine/ipaddr.h"
#include "engine/log.h"

#define DEFAULT_MOUNTPOINT	"/run/ipsecfs"
#define DEFAULT_STATEDIR	"/var/lib/ipsecfs"
#define DEFAULT_UDP_TTL		60
#define DEFAULT_IKE_PROPOSALS	"aes128gcm16-prfsha256-ecp256, aes128-sha1-modp2048"
#define DEFAULT_ESP_PROPOSALS	"aes128gcm16, chacha20poly1305, aes128-sha1"
#define DEFAULT_LIFETIME	3600

#define CONF_SIZE_MAX		(1024 * 1024)
#define PSK_MIN			16
#define ID_MAX			255
#define PEER_NAME_MAX		64
#define GROUP_MAX		32
#define SHOW_MAX		64	/* how much of a value a message quotes */

enum { IN_DAEMON = 1, IN_IKE = 2, IN_PEER = 4 };

/* The [ike] keys a peer section overrides. */
enum {
	SET_PROPOSALS = 1, SET_ESP_PROPOSALS = 2, SET_MODE = 4, SET_ENCAP = 8,
	SET_LIFETIME = 16,
};

struct peer_extra {
	unsigned	set;		/* SET_* given in the section */
	int		line;		/* of [peer.NAME] */
	int		remote_line;	/* 0: no remote */
};

struct load {
	const char		*path;
	char			*err;
	size_t			 errlen;
	dictionary		*d;
	struct conf		*c;
	struct peer_extra	*extra;		/* one per c->peers */
	size_t			 peercap;
	int			 where;		/* IN_* of the current section */
	struct peer_conf	*peer;		/* the current [peer.*] */
	struct peer_extra	*pextra;
};

typedef int (*setter)(struct load *, const struct conf_entry *, const char *);

static int
fail(struct load *l, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
fail(struct load *l, int line, const char *key, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line > 0 && key)
		snprintf(l->err, l->errlen, "%s:%d: %s: %s", l->path, line, key,
		    reason);
	else if (line > 0)
		snprintf(l->err, l->errlen, "%s:%d: %s", l->path, line, reason);
	else
		snprintf(l->err, l->errlen, "%s: %s", l->path, reason);
	return -1;
}

/* A value as messages quote it: bounded, unprintables as '?'. Never
 * used for a psk. */
static const char *
show(const char *v, char *buf, size_t len)
{
	size_t i;

	for (i = 0; v[i] && i < SHOW_MAX && i + 4 < len; i++)
		buf[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	if (v[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

static int
bad(struct load *l, const struct conf_entry *e, const char *v,
    const char *why)
{
	char s[SHOW_MAX + 4];

	return fail(l, e->line, e->key, "'%s' %s", show(v, s, sizeof(s)), why);
}

static int
parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)*v) || strlen(v) > 10)
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (*end != '\0' || errno != 0 || n < min || n > max)
		return -1;
	*out = (unsigned)n;
	return 0;
}

/* Index of v in names (case-insensitive), or -1. */
static int
choice(const char *v, const char *const *names)
{
	int i;

	for (i = 0; names[i]; i++)
		if (strcasecmp(v, names[i]) == 0)
			return i;
	return -1;
}

static bool
printable(const char *v)
{
	for (; *v; v++)
		if (*v < 0x20 || *v >= 0x7f)
			return false;
	return true;
}

static int
set_string(struct load *l, const struct conf_entry *e, char **dst,
    const char *v)
{
	char *s;

	if ((s = strdup(v)) == NULL)
		return fail(l, e->line, e->key, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

/* [daemon] */

static int
set_path(struct load *l, const struct conf_entry *e, const char *v)
{
	char **dst = strcmp(e->key, "mountpoint") == 0 ? &l->c->mountpoint :
	    &l->c->statedir;

	if (*v != '/')
		return bad(l, e, v, "is not an absolute path");
	if (strlen(v) >= PATH_MAX || !printable(v))
		return bad(l, e, v, "is not a usable path");
	return set_string(l, e, dst, v);
}

static int
set_datapath(struct load *l, const struct conf_entry *e, const char *v)
{
	static const char *const names[] = { "auto", "kernel", "userspace", NULL };
	int i;

	if ((i = choice(v, names)) < 0)
		return bad(l, e, v, "is not auto, kernel or userspace");
	l->c->datapath = i == 0 ? DATAPATH_AUTO : i == 1 ? DATAPATH_KERNEL :
	    DATAPATH_USERSPACE;
	return 0;
}

static int
set_udp_ttl(struct load *l, const struct conf_entry *e, const char *v)
{
	if (parse_uint(v, 1, 86400, &l->c->udp_ttl) != 0)
		return bad(l, e, v, "is not a number of seconds in 1..86400");
	return 0;
}

static int
set_admin_group(struct load *l, const struct conf_entry *e, const char *v)
{
	const char *p;

	if (*v == '-' || strlen(v) > GROUP_MAX)
		return bad(l, e, v, "is not a group name");
	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return bad(l, e, v, "is not a group name");
	return set_string(l, e, &l->c->admin_group, v);
}

static int
set_yesno(struct load *l, const struct conf_entry *e, const char *v)
{
	static const char *const names[] = { "no", "yes", NULL };
	bool *dst = strcmp(e->key, "allow_other") == 0 ? &l->c->allow_other :
	    &l->c->keep_policies;
	int i;

	if ((i = choice(v, names)) < 0)
		return bad(l, e, v, "is not yes or no");
	*dst = i == 1;
	return 0;
}

/* [ike] and the overrides in [peer.*] */

static struct ike_settings *
ike_target(struct load *l, unsigned bit)
{
	if (l->peer == NULL)
		return &l->c->ike;
	l->pextra->set |= bit;
	return &l->peer->ike;
}

static int
set_proposals(struct load *l, const struct conf_entry *e, const char *v)
{
	bool esp = strcmp(e->key, "esp_proposals") == 0;
	struct ike_settings *ike = ike_target(l, esp ? SET_ESP_PROPOSALS :
	    SET_PROPOSALS);
	char why[256];

	if (proposal_parse(v, esp ? PROPOSAL_ESP : PROPOSAL_IKE,
	    esp ? &ike->esp_proposals : &ike->proposals, why, sizeof(why)) != 0)
		return fail(l, e->line, e->key, "%s", why);
	return 0;
}

static int
set_mode(struct load *l, const struct conf_entry *e, const char *v)
{
	static const char *const names[] = { "transport", "tunnel", NULL };
	int i;

	if ((i = choice(v, names)) < 0)
		return bad(l, e, v, "is not transport or tunnel");
	ike_target(l, SET_MODE)->mode = i == 0 ? MODE_TRANSPORT : MODE_TUNNEL;
	return 0;
}

static int
set_encap(struct load *l, const struct conf_entry *e, const char *v)
{
	static const char *const names[] = { "auto", "yes", NULL };
	int i;

	if ((i = choice(v, names)) < 0)
		return bad(l, e, v, "is not auto or yes");
	ike_target(l, SET_ENCAP)->encap = i == 0 ? ENCAP_AUTO : ENCAP_YES;
	return 0;
}

static int
set_lifetime(struct load *l, const struct conf_entry *e, const char *v)
{
	unsigned n;

	if (parse_uint(v, 60, 86400, &n) != 0)
		return bad(l, e, v, "is not a number of seconds in 60..86400");
	ike_target(l, SET_LIFETIME)->lifetime = n;
	return 0;
}

/* [peer.*] */

static int
set_remote(struct load *l, const struct conf_entry *e, const char *v)
{
	if (prefix_parse(v, &l->peer->remote) != 0)
		return bad(l, e, v, "is not an address or prefix (with the "
		    "host bits zero)");
	l->pextra->remote_line = e->line;
	return 0;
}

static int
set_id(struct load *l, const struct conf_entry *e, const char *v)
{
	char **dst = strcmp(e->key, "local_id") == 0 ? &l->peer->local_id :
	    &l->peer->remote_id;

	if (strlen(v) > ID_MAX || !printable(v))
		return bad(l, e, v, "is not an identity (printable, at most "
		    "255 characters)");
	return set_string(l, e, dst, v);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The key's text never goes into a message. */
static int
set_psk(struct load *l, const struct conf_entry *e, const char *v)
{
	size_t n = strlen(v), len, i;
	unsigned char *k;

	if (!e->quoted && (v[0] != '0' || v[1] != 'x'))
		return fail(l, e->line, e->key, "must be a quoted string or "
		    "0x followed by hex digits");
	if (!e->quoted && (n == 2 || n % 2 != 0))
		return fail(l, e->line, e->key, "odd or zero number of hex "
		    "digits after 0x");
	len = e->quoted ? n : (n - 2) / 2;
	if ((k = malloc(len)) == NULL)
		return fail(l, e->line, e->key, "out of memory");
	for (i = 0; i < len; i++) {
		if (e->quoted) {
			k[i] = (unsigned char)v[i];
		} else if (hexval(v[2 + 2 * i]) < 0 ||
		    hexval(v[3 + 2 * i]) < 0) {
			explicit_bzero(k, len);
			free(k);
			return fail(l, e->line, e->key, "bad hex digit after 0x");
		} else {
			k[i] = (unsigned char)(hexval(v[2 + 2 * i]) << 4 |
			    hexval(v[3 + 2 * i]));
		}
	}
	if (len < PSK_MIN) {
		explicit_bzero(k, len);
		free(k);
		return fail(l, e->line, e->key, "shorter than %d bytes",
		    PSK_MIN);
	}
	if (l->peer->psk) {
		explicit_bzero(l->peer->psk, l->peer->psk_len);
		free(l->peer->psk);
	}
	l->peer->psk = k;
	l->peer->psk_len = len;
	return 0;
}

static const struct keydef {
	const char	*name;
	int		 where;
	setter		 set;
} keydefs[] = {
	{ "mountpoint",		IN_DAEMON,		set_path },
	{ "statedir",		IN_DAEMON,		set_path },
	{ "datapath",		IN_DAEMON,		set_datapath },
	{ "udp_ttl",		IN_DAEMON,		set_udp_ttl },
	{ "admin_group",	IN_DAEMON,		set_admin_group },
	{ "allow_other",	IN_DAEMON,		set_yesno },
	{ "keep_policies",	IN_DAEMON,		set_yesno },
	{ "proposals",		IN_IKE | IN_PEER,	set_proposals },
	{ "esp_proposals",	IN_IKE | IN_PEER,	set_proposals },
	{ "mode",		IN_IKE | IN_PEER,	set_mode },
	{ "encap",		IN_IKE | IN_PEER,	set_encap },
	{ "lifetime",		IN_IKE | IN_PEER,	set_lifetime },
	{ "remote",		IN_PEER,		set_remote },
	{ "local_id",		IN_PEER,		set_id },
	{ "remote_id",		IN_PEER,		set_id },
	{ "psk",		IN_PEER,		set_psk },
};
#define NKEYDEFS	(sizeof(keydefs) / sizeof(keydefs[0]))

/* Edit distance, for "did you mean"; large for long strings. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[33], prev, tmp, i, j, best;

	if (la > 32 || lb > 32)
		return 99;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (d[j] + 1 < best)
				best = d[j] + 1;
			if (d[j - 1] + 1 < best)
				best = d[j - 1] + 1;
			d[j] = best;
			prev = tmp;
		}
	}
	return d[lb];
}

static int
unknown_key(struct load *l, const struct conf_entry *e)
{
	const char *hint = NULL;
	size_t i;

	for (i = 0; i < NKEYDEFS && hint == NULL; i++)
		if ((keydefs[i].where & l->where) &&
		    distance(e->key, keydefs[i].name) <= 2)
			hint = keydefs[i].name;
	for (i = 0; i < NKEYDEFS && hint == NULL; i++)
		if (strcmp(e->key, keydefs[i].name) == 0)
			return fail(l, e->line, e->key, "not allowed in [%s]",
			    e->section);
	if (hint)
		return fail(l, e->line, e->key, "unknown key in [%s] (did you "
		    "mean %s?)", e->section, hint);
	return fail(l, e->line, e->key, "unknown key in [%s]", e->section);
}

static int
add_peer(struct load *l, const struct conf_entry *e, const char *name)
{
	struct conf *c = l->c;
	struct peer_conf *p;
	struct peer_extra *x;
	size_t cap;

	if (*name == '\0' || strlen(name) > PEER_NAME_MAX)
		return fail(l, e->line, NULL, "[%s]: a peer name has 1 to %d "
		    "characters", e->section, PEER_NAME_MAX);
	if (c->npeers == l->peercap) {
		cap = l->peercap ? l->peercap * 2 : 4;
		if ((p = reallocarray(c->peers, cap, sizeof(*p))) == NULL)
			return fail(l, e->line, NULL, "out of memory");
		c->peers = p;
		if ((x = reallocarray(l->extra, cap, sizeof(*x))) == NULL)
			return fail(l, e->line, NULL, "out of memory");
		l->extra = x;
		l->peercap = cap;
	}
	p = &c->peers[c->npeers];
	x = &l->extra[c->npeers];
	memset(p, 0, sizeof(*p));
	memset(x, 0, sizeof(*x));
	if ((p->name = strdup(name)) == NULL)
		return fail(l, e->line, NULL, "out of memory");
	c->npeers++;
	x->line = e->line;
	l->peer = p;
	l->pextra = x;
	l->where = IN_PEER;
	return 0;
}

static int
enter_section(struct load *l, const struct conf_entry *e)
{
	const char *s = e->section;

	l->peer = NULL;
	l->pextra = NULL;
	if (strcmp(s, "daemon") == 0) {
		l->where = IN_DAEMON;
		return 0;
	}
	if (strcmp(s, "ike") == 0) {
		l->where = IN_IKE;
		return 0;
	}
	if (strncmp(s, "peer.", 5) == 0)
		return add_peer(l, e, s + 5);
	if (strncmp(s, "peer", 4) == 0)
		return fail(l, e->line, NULL, "[%s]: unknown section (did you "
		    "mean [peer.NAME]?)", s);
	if (distance(s, "daemon") <= 2 || distance(s, "ike") <= 1)
		return fail(l, e->line, NULL, "[%s]: unknown section (did you "
		    "mean [%s]?)", s, distance(s, "ike") <= 1 ? "ike" : "daemon");
	return fail(l, e->line, NULL, "[%s]: unknown section (expected "
	    "[daemon], [ike] or [peer.NAME])", s);
}

static int
apply(struct load *l, const struct conf_entry *e)
{
	char k[2 * CONFSCAN_LINE_MAX + 2];
	const char *v;
	size_t i;

	if (e->key == NULL)
		return enter_section(l, e);
	for (i = 0; i < NKEYDEFS; i++)
		if (strcmp(e->key, keydefs[i].name) == 0 &&
		    (keydefs[i].where & l->where))
			break;
	if (i == NKEYDEFS)
		return unknown_key(l, e);
	snprintf(k, sizeof(k), "%s:%s", e->section, e->key);
	if ((v = iniparser_getstring(l->d, k, NULL)) == NULL)
		return fail(l, e->line, e->key, "iniparser has no value for it");
	if (*v == '\0')
		return fail(l, e->line, e->key, "empty value (leave the key "
		    "out for the default)");
	return keydefs[i].set(l, e, v);
}

static bool
same_prefix(const struct prefix *a, const struct prefix *b)
{
	return a->len == b->len && ipaddr_equal(&a->addr, &b->addr);
}

/* Every peer needs remote and psk; unset [ike] keys come from [ike]. */
static int
finish_peers(struct load *l)
{
	struct conf *c = l->c;
	struct peer_conf *p;
	struct peer_extra *x;
	size_t i, j;

	for (i = 0; i < c->npeers; i++) {
		p = &c->peers[i];
		x = &l->extra[i];
		if (x->remote_line == 0)
			return fail(l, x->line, "remote", "missing in [peer.%s]",
			    p->name);
		if (p->psk == NULL)
			return fail(l, x->line, "psk", "missing in [peer.%s]",
			    p->name);
		for (j = 0; j < i; j++)
			if (same_prefix(&c->peers[j].remote, &p->remote))
				return fail(l, x->remote_line, "remote", "same "
				    "as in [peer.%s] (line %d)",
				    c->peers[j].name, l->extra[j].remote_line);
		if (!(x->set & SET_PROPOSALS))
			p->ike.proposals = c->ike.proposals;
		if (!(x->set & SET_ESP_PROPOSALS))
			p->ike.esp_proposals = c->ike.esp_proposals;
		if (!(x->set & SET_MODE))
			p->ike.mode = c->ike.mode;
		if (!(x->set & SET_ENCAP))
			p->ike.encap = c->ike.encap;
		if (!(x->set & SET_LIFETIME))
			p->ike.lifetime = c->ike.lifetime;
	}
	return 0;
}

/* Reads all of size bytes, and checks that nothing follows. */
static int
read_all(int fd, char *buf, size_t size)
{
	size_t off = 0;
	ssize_t n;

	while (off <= size) {
		n = read(fd, buf + off, size + 1 - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	return n < 0 ? -1 : off == size ? 0 : 1;
}

/* Reads the whole file for confscan. O_NONBLOCK: a FIFO must not hang
 * the daemon's start; it is refused as not a regular file. */
static char *
read_file(struct load *l, struct stat *st)
{
	const char *why = NULL;
	char *buf = NULL;
	size_t size = 0;
	int fd, rc;

	if ((fd = open(l->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0) {
		fail(l, 0, NULL, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode))
		why = "not a regular file";
	else if (st->st_size > CONF_SIZE_MAX)
		why = "larger than 1 MiB";
	else if ((buf = malloc((size = (size_t)st->st_size) + 2)) == NULL)
		why = "out of memory";
	else if ((rc = read_all(fd, buf, size)) != 0)
		why = rc < 0 ? "read error" : "changed while being read";
	else if (memchr(buf, '\0', size) != NULL)
		why = "contains a NUL byte";
	close(fd);
	if (why) {
		fail(l, 0, NULL, "%s", why);
		if (buf)
			explicit_bzero(buf, size + 2);
		free(buf);
		return NULL;
	}
	buf[size] = '\0';
	return buf;
}

/* iniparser's own messages quote whole lines, which may hold a psk:
 * confscan reports every syntax error first, and these are dropped. */
static int
quiet(const char *fmt, ...)
{
	return 0;
}

static void
free_dict(dictionary *d)
{
	ssize_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->size; i++)
		if (d->val[i])
			explicit_bzero(d->val[i], strlen(d->val[i]));
	iniparser_freedict(d);
}

/* iniparser 4.1 only reads a named file: it gets the scanned text
 * through a memfd, so it reads exactly what confscan checked. */
static dictionary *
ini_load(const char *text)
{
	size_t len = strlen(text), off = 0;
	dictionary *d = NULL;
	char fdpath[64];
	ssize_t n;
	int fd;

	if ((fd = memfd_create("ipsecfs.conf", MFD_CLOEXEC)) < 0)
		return NULL;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) <= 0)
			goto out;
		off += (size_t)n;
	}
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	iniparser_set_error_callback(quiet);
	d = iniparser_load(fdpath);
	iniparser_set_error_callback(NULL);
out:
	close(fd);
	return d;
}

static int
load_values(struct load *l, const struct conf_scan *sc, const char *text)
{
	size_t i;

	if ((l->d = ini_load(text)) == NULL)
		return fail(l, 0, NULL, "iniparser cannot read it: %s",
		    strerror(errno));
	if (l->d->n < 0 || (size_t)l->d->n != sc->n)
		return fail(l, 0, NULL, "iniparser read it differently than "
		    "ipsecfs did");
	for (i = 0; i < sc->n; i++)
		if (apply(l, &sc->e[i]) != 0)
			return -1;
	return finish_peers(l);
}

static void
warn_mode(const struct load *l, const struct stat *st)
{
	if (l->c->npeers > 0 && (st->st_mode & (S_IRGRP | S_IROTH)))
		log_warn("%s: holds pre-shared keys but is readable by group "
		    "or others (chmod 600)", l->path);
}

static int
load_file(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct load l = { .path = path, .err = err, .errlen = errlen, .c = c };
	struct conf_scan sc;
	struct stat st;
	char *text, *clean, why[256];
	int line, rc;

	if ((text = read_file(&l, &st)) == NULL)
		return -1;
	rc = conf_scan(text, &sc, &clean, &line, why, sizeof(why));
	explicit_bzero(text, strlen(text));
	free(text);
	if (rc != 0)
		return fail(&l, line, NULL, "%s", why);
	if ((c->path = strdup(path)) == NULL)
		rc = fail(&l, 0, NULL, "out of memory");
	else
		rc = load_values(&l, &sc, clean);
	explicit_bzero(clean, strlen(clean));
	free(clean);
	free_dict(l.d);
	free(l.extra);
	conf_scan_free(&sc);
	if (rc == 0)
		warn_mode(&l, &st);
	return rc;
}

static int
set_defaults(struct conf *c)
{
	char err[256];

	memset(c, 0, sizeof(*c));
	c->datapath = DATAPATH_AUTO;
	c->udp_ttl = DEFAULT_UDP_TTL;
	c->ike.mode = MODE_TRANSPORT;
	c->ike.encap = ENCAP_AUTO;
	c->ike.lifetime = DEFAULT_LIFETIME;
	if (proposal_parse(DEFAULT_IKE_PROPOSALS, PROPOSAL_IKE,
	    &c->ike.proposals, err, sizeof(err)) != 0 ||
	    proposal_parse(DEFAULT_ESP_PROPOSALS, PROPOSAL_ESP,
	    &c->ike.esp_proposals, err, sizeof(err)) != 0) {
		log_err("built-in proposals: %s", err);
		abort();
	}
	if ((c->mountpoint = strdup(DEFAULT_MOUNTPOINT)) == NULL ||
	    (c->statedir = strdup(DEFAULT_STATEDIR)) == NULL) {
		conf_free(c);
		return -1;
	}
	return 0;
}

void
conf_defaults(struct conf *c)
{
	if (set_defaults(c) != 0) {
		log_err("configuration defaults: out of memory");
		abort();
	}
}

int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct conf n;
	struct stat st;

	if (set_defaults(&n) != 0) {
		snprintf(err, errlen, "out of memory");
		memset(c, 0, sizeof(*c));
		return -1;
	}
	if (path == NULL) {
		if (stat(CONF_DEFAULT_PATH, &st) != 0 && errno == ENOENT) {
			*c = n;
			return 0;
		}
		path = CONF_DEFAULT_PATH;
	}
	if (load_file(&n, path, err, errlen) != 0) {
		conf_free(&n);
		memset(c, 0, sizeof(*c));
		return -1;
	}
	*c = n;
	return 0;
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->npeers; i++) {
		free(c->peers[i].name);
		free(c->peers[i].local_id);
		free(c->peers[i].remote_id);
		if (c->peers[i].psk)
			explicit_bzero(c->peers[i].psk, c->peers[i].psk_len);
		free(c->peers[i].psk);
	}
	free(c->peers);
	free(c->path);
	free(c->mountpoint);
	free(c->statedir);
	free(c->admin_group);
	memset(c, 0, sizeof(*c));
}

const struct peer_conf *
conf_find_peer(const struct conf *c, const struct ipaddr *addr)
{
	const struct peer_conf *best = NULL;
	size_t i;

	for (i = 0; i < c->npeers; i++)
		if (ipaddr_in_prefix(addr, &c->peers[i].remote) &&
		    (best == NULL || c->peers[i].remote.len > best->remote.len))
			best = &c->peers[i];
	return best;
}

/* Networks: parsing a range as written, splitting it into CIDR prefixes,
 * containment, and ordering networks by specificity. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/policy_impl.h"

typedef unsigned __int128 u128;

static u128
addr_value(const struct ipaddr *a)
{
	size_t i, n = ipaddr_len(a->family);
	u128 v = 0;

	for (i = 0; i < n; i++)
		v = (v << 8) | a->a[i];
	return v;
}

static void
addr_set(struct ipaddr *a, int family, u128 v)
{
	size_t i, n = ipaddr_len(family);

	memset(a, 0, sizeof(*a));
	a->family = family;
	for (i = n; i > 0; i--) {
		a->a[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

/* 2^k - 1, for 0 <= k <= 128. */
static u128
low_mask(int k)
{
	return k >= 128 ? ~(u128)0 : ((u128)1 << k) - 1;
}

/* The fewest prefixes covering exactly lo..hi (same family, lo <= hi):
 * at each step the largest aligned block starting at lo that ends by hi.
 * At most 2 * bits prefixes. */
static int
ctz128(u128 v)
{
	uint64_t lo = (uint64_t)v, hi = (uint64_t)(v >> 64);

	if (lo != 0)
		return __builtin_ctzll(lo);
	if (hi != 0)
		return 64 + __builtin_ctzll(hi);
	return 128;
}

/* The fewest prefixes covering exactly lo..hi (same family, lo <= hi):
 * at each step the largest aligned block starting at lo that ends by hi.
 * At most 2 * bits prefixes. */
static size_t
split_span(const struct ipaddr *lo, const struct ipaddr *hi, struct prefix *out)
{
	int bits = ipaddr_bits(lo->family), k;
	u128 a = addr_value(lo), b = addr_value(hi);
	size_t n = 0;

	for (;;) {
		k = ctz128(a);
		if (k > bits)
			k = bits;
		while (k > 0 && b - a < low_mask(k))
			k--;
		addr_set(&out[n].addr, lo->family, a);
		out[n].len = bits - k;
		n++;
		if (a + low_mask(k) == b)
			break;
		a += low_mask(k) + 1;
	}
	return n;
}

static int
set_prefixes(struct pnet *n, const struct prefix *pf, size_t count,
    struct policy_error *err)
{
	n->prefixes = calloc(count, sizeof(*pf));
	if (n->prefixes == NULL) {
		policy_seterr(err, n->line, n->col, "out of memory");
		return -1;
	}
	memcpy(n->prefixes, pf, count * sizeof(*pf));
	n->nprefixes = count;
	return 0;
}

static int
set_text(struct pnet *n, const char *s, struct policy_error *err)
{
	free(n->text);
	if ((n->text = strdup(s)) == NULL) {
		policy_seterr(err, n->line, n->col, "out of memory");
		return -1;
	}
	return 0;
}

static int
parse_prefix(struct pnet *n, const char *range, struct policy_error *err)
{
	char addr[IPADDR_STRLEN + 8], buf[IPADDR_STRLEN + 8];
	const char *slash = strchr(range, '/'), *q;
	struct prefix pf;
	int bits, len = 0;

	if ((size_t)(slash - range) < sizeof(addr)) {
		memcpy(addr, range, (size_t)(slash - range));
		addr[slash - range] = '\0';
	} else
		addr[0] = '\0';
	if (ipaddr_parse(addr, &pf.addr) != 0) {
		policy_seterr(err, n->line, n->col,
		    "bad address in prefix '%.60s'", range);
		return -1;
	}
	bits = ipaddr_bits(pf.addr.family);
	for (q = slash + 1; *q >= '0' && *q <= '9' && len <= bits; q++)
		len = len * 10 + (*q - '0');
	if (q == slash + 1 || *q != '\0' || len > bits) {
		policy_seterr(err, n->line, n->col,
		    "bad prefix length in '%.60s' (0-%d)", range, bits);
		return -1;
	}
	pf.len = len;
	n->lo = pf.addr;
	addr_set(&n->hi, pf.addr.family,
	    addr_value(&pf.addr) | low_mask(bits - len));
	if (addr_value(&pf.addr) & low_mask(bits - len)) {
		addr_set(&pf.addr, pf.addr.family,
		    addr_value(&pf.addr) & ~low_mask(bits - len));
		policy_seterr(err, n->line, n->col,
		    "host bits set in prefix '%.60s' (did you mean %s?)", range,
		    prefix_str(&pf, buf, sizeof(buf)));
		return -1;
	}
	n->form = RANGE_PREFIX;
	if (set_prefixes(n, &pf, 1, err) != 0)
		return -1;
	return set_text(n, prefix_str(&pf, buf, sizeof(buf)), err);
}

static int
parse_span(struct pnet *n, const char *range, const char *dash,
    struct policy_error *err)
{
	char lo[IPADDR_STRLEN], hi[IPADDR_STRLEN], text[2 * IPADDR_STRLEN + 2];
	struct prefix pf[2 * 128];
	size_t count;

	if (ipaddr_parse(dash + 1, &n->hi) != 0) {
		policy_seterr(err, n->line, n->col,
		    "bad address '%.60s' at the end of range", dash + 1);
		return -1;
	}
	if (n->lo.family != n->hi.family) {
		policy_seterr(err, n->line, n->col,
		    "range '%.100s' mixes IPv4 and IPv6", range);
		return -1;
	}
	if (ipaddr_cmp(&n->lo, &n->hi) > 0) {
		policy_seterr(err, n->line, n->col,
		    "empty range '%.100s': first address is above the last", range);
		return -1;
	}
	n->form = RANGE_SPAN;
	count = split_span(&n->lo, &n->hi, pf);
	snprintf(text, sizeof(text), "%s-%s", ipaddr_str(&n->lo, lo, sizeof(lo)),
	    ipaddr_str(&n->hi, hi, sizeof(hi)));
	if (set_prefixes(n, pf, count, err) != 0)
		return -1;
	return set_text(n, text, err);
}

/* RFC 1123 names: dot-separated labels of letters, digits and inner
 * hyphens, 1-63 bytes each, 253 in all; the last label is not all digits,
 * so that a mistyped address is never taken for a name. */
static bool
valid_hostname(const char *s)
{
	size_t len = strlen(s), label = 0, i;
	bool digits = true;

	if (len == 0 || len > 253)
		return false;
	for (i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || s[i - 1] == '-')
				return false;
			if (c == '\0')
				return !digits;
			label = 0;
			digits = true;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return false;
		if (c == '-' && label == 0)
			return false;
		if (!isdigit((unsigned char)c))
			digits = false;
		label++;
	}
	return false;
}

int
pnet_parse_range(struct pnet *n, const char *range, int line, int col,
    struct policy_error *err)
{
	char buf[IPADDR_STRLEN], lo[IPADDR_STRLEN];
	const char *dash = strchr(range, '-');
	size_t i;

	n->line = line;
	n->col = col;
	if (strchr(range, '/') != NULL)
		return parse_prefix(n, range, err);
	if (ipaddr_parse(range, &n->lo) == 0) {
		struct prefix pf = { n->lo, ipaddr_bits(n->lo.family) };

		n->form = RANGE_ADDR;
		n->hi = n->lo;
		if (set_prefixes(n, &pf, 1, err) != 0)
			return -1;
		return set_text(n, ipaddr_str(&n->lo, buf, sizeof(buf)), err);
	}
	if (dash != NULL && (size_t)(dash - range) < sizeof(lo)) {
		memcpy(lo, range, (size_t)(dash - range));
		lo[dash - range] = '\0';
		if (ipaddr_parse(lo, &n->lo) == 0)
			return parse_span(n, range, dash, err);
	}
	if (!valid_hostname(range)) {
		policy_seterr(err, line, col, "'%.60s' is not an address, "
		    "prefix, range or hostname", range);
		return -1;
	}
	n->form = RANGE_HOST;
	memset(&n->lo, 0, sizeof(n->lo));
	memset(&n->hi, 0, sizeof(n->hi));
	if (set_text(n, range, err) != 0)
		return -1;
	for (i = 0; n->text[i] != '\0'; i++)
		n->text[i] = (char)tolower((unsigned char)n->text[i]);
	return 0;
}

bool
pnet_contains(const struct pnet *n, const struct ipaddr *a)
{
	size_t i;

	if (n->form != RANGE_HOST)
		return a->family == n->lo.family && ipaddr_cmp(a, &n->lo) >= 0 &&
		    ipaddr_cmp(a, &n->hi) <= 0;
	for (i = 0; i < n->nprefixes; i++)
		if (ipaddr_in_prefix(a, &n->prefixes[i]))
			return true;
	return false;
}

int
pnet_cmp(const struct pnet *x, const struct pnet *y)
{
	int c;

	if ((x->form == RANGE_HOST) != (y->form == RANGE_HOST))
		return x->form == RANGE_HOST ? 1 : -1;
	if (x->form == RANGE_HOST)
		return strcmp(x->text, y->text);
	if ((c = ipaddr_cmp(&x->lo, &y->lo)) != 0)
		return c;
	return ipaddr_cmp(&x->hi, &y->hi);
}

/* Addresses covered, minus one (so that ::/0 fits). */
static u128
net_size(const struct pnet *n)
{
	if (n->form != RANGE_HOST)
		return addr_value(&n->hi) - addr_value(&n->lo);
	return n->nprefixes > 0 ? n->nprefixes - 1 : 0;
}

struct spec {
	u128	size;
	size_t	index;
};

static int
cmp_spec(const void *a, const void *b)
{
	const struct spec *x = a, *y = b;

	if (x->size != y->size)
		return x->size < y->size ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Most specific first: fewest addresses covered; ties in written order. */
int
policy_order(struct policy *p)
{
	struct spec *v;
	size_t *idx, i, n = p->nnets ? p->nnets : 1;

	v = calloc(n, sizeof(*v));
	idx = calloc(n, sizeof(*idx));
	if (v == NULL || idx == NULL) {
		free(v);
		free(idx);
		return -1;
	}
	for (i = 0; i < p->nnets; i++) {
		v[i].size = net_size(&p->nets[i]);
		v[i].index = i;
	}
	qsort(v, p->nnets, sizeof(*v), cmp_spec);
	for (i = 0; i < p->nnets; i++)
		idx[i] = v[i].index;
	free(v);
	free(p->by_specificity);
	p->by_specificity = idx;
	return 0;
}

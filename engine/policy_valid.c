/* Semantic checks of a parsed policy: duplicate names and networks,
 * protections undefined, unused or empty. Then hostnames are resolved and
 * the networks ordered by specificity. */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/policy_impl.h"

/* Keeps the error that comes first in the text. */
static void
note(struct policy_error *best, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
note(struct policy_error *best, int line, int col, const char *fmt, ...)
{
	va_list ap;

	if (line > best->line || (line == best->line && col >= best->col))
		return;
	best->line = line;
	best->col = col;
	va_start(ap, fmt);
	vsnprintf(best->msg, sizeof(best->msg), fmt, ap);
	va_end(ap);
}

static int
cmp_prot(const void *a, const void *b, void *arg)
{
	const struct policy *p = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(p->prots[i].name, p->prots[j].name);

	return c != 0 ? c : (i < j ? -1 : i > j);
}

static size_t
find_prot(const struct policy *p, const size_t *sorted, const char *name)
{
	size_t lo = 0, hi = p->nprots, mid;
	int c;

	while (lo < hi) {	/* first index with that name */
		mid = lo + (hi - lo) / 2;
		c = strcmp(p->prots[sorted[mid]].name, name);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->nprots && strcmp(p->prots[sorted[lo]].name, name) == 0)
		return sorted[lo];
	return SIZE_MAX;
}

static void
check_prots(struct policy *p, const size_t *sorted, const struct pref *refs,
    struct policy_error *best)
{
	const struct protection *pr, *prev;
	bool *used;
	size_t i;

	for (i = 0; i < p->nprots; i++) {
		pr = &p->prots[sorted[i]];
		prev = i > 0 ? &p->prots[sorted[i - 1]] : NULL;
		if (prev != NULL && strcmp(prev->name, pr->name) == 0)
			note(best, pr->line, pr->col, "protection '%s' defined "
			    "twice (first at %d:%d)", pr->name, prev->line, prev->col);
		if (pr->nitems == 0)
			note(best, pr->line, pr->col, "protection '%s' has no items",
			    pr->name);
	}
	if ((used = calloc(p->nprots + 1, sizeof(*used))) == NULL) {
		note(best, 0, 0, "out of memory");
		return;
	}
	for (i = 0; i < p->nnets; i++) {
		if (p->nets[i].kind != NET_PROTECTED)
			continue;
		p->nets[i].prot = find_prot(p, sorted, refs[i].name);
		if (p->nets[i].prot == SIZE_MAX)
			note(best, refs[i].line, refs[i].col,
			    "undefined protection '%s'", refs[i].name);
		else
			used[p->nets[i].prot] = true;
	}
	for (i = 0; i < p->nprots; i++)
		if (!used[i])
			note(best, p->prots[i].line, p->prots[i].col,
			    "protection '%s' is not used by any network",
			    p->prots[i].name);
	free(used);
}

static int
cmp_net(const void *a, const void *b, void *arg)
{
	const struct policy *p = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = pnet_cmp(&p->nets[i], &p->nets[j]);

	return c != 0 ? c : (i < j ? -1 : i > j);
}

static void
check_nets(const struct policy *p, size_t *sorted, struct policy_error *best)
{
	const struct pnet *n, *prev;
	size_t i;

	for (i = 1; i < p->nnets; i++) {
		n = &p->nets[sorted[i]];
		prev = &p->nets[sorted[i - 1]];
		if (pnet_cmp(prev, n) == 0)
			note(best, n->line, n->col, "network '%.100s' given twice "
			    "(first at %d:%d as '%.100s')", n->text, prev->line,
			    prev->col, prev->text);
	}
}

/* Index arrays of prots by name and nets by range keep lookups and
 * duplicate checks O(n log n). */
int
policy_validate(struct policy *p, const struct pref *refs,
    struct policy_error *err)
{
	struct policy_error best = { INT_MAX, INT_MAX, "" };
	size_t *prots, *nets, i;

	prots = calloc(p->nprots + 1, sizeof(*prots));
	nets = calloc(p->nnets + 1, sizeof(*nets));
	if (prots == NULL || nets == NULL) {
		free(prots);
		free(nets);
		policy_seterr(err, 0, 0, "out of memory");
		return -1;
	}
	for (i = 0; i < p->nprots; i++)
		prots[i] = i;
	for (i = 0; i < p->nnets; i++)
		nets[i] = i;
	qsort_r(prots, p->nprots, sizeof(*prots), cmp_prot, p);
	qsort_r(nets, p->nnets, sizeof(*nets), cmp_net, p);
	check_prots(p, prots, refs, &best);
	check_nets(p, nets, &best);
	free(prots);
	free(nets);
	if (best.line != INT_MAX) {
		*err = best;
		return -1;
	}
	for (i = 0; i < p->nnets; i++)
		if (p->nets[i].form == RANGE_HOST &&
		    pnet_resolve(&p->nets[i], err) != 0)
			return -1;
	if (policy_order(p) != 0) {
		policy_seterr(err, 0, 0, "out of memory");
		return -1;
	}
	return 0;
}

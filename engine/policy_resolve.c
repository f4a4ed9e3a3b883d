/* Hostname networks: resolved at load and again on policy_resolve(). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/policy_impl.h"

policy_gai_fn policy_getaddrinfo = getaddrinfo;
policy_freeai_fn policy_freeaddrinfo = freeaddrinfo;

static int
cmp_prefix(const void *a, const void *b)
{
	const struct prefix *x = a, *y = b;

	return ipaddr_cmp(&x->addr, &y->addr);
}

static bool
have_addr(const struct prefix *pf, size_t n, const struct ipaddr *a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ipaddr_equal(&pf[i].addr, a))
			return true;
	return false;
}

/* Every distinct address the name has, as full-length prefixes, sorted.
 * On failure n keeps what it had. */
int
pnet_resolve(struct pnet *n, struct policy_error *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct prefix pf[POLICY_MAX_HOSTADDRS], *copy;
	struct ipaddr a;
	size_t count = 0;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = policy_getaddrinfo(n->text, NULL, &hints, &res);
	if (rc != 0) {
		policy_seterr(err, n->line, n->col, "cannot resolve '%s': %s",
		    n->text, rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && count < POLICY_MAX_HOSTADDRS; ai = ai->ai_next) {
		if (ai->ai_addr == NULL ||
		    ipaddr_from_sockaddr(&a, NULL, ai->ai_addr) != 0 ||
		    have_addr(pf, count, &a))
			continue;
		pf[count].addr = a;
		pf[count].len = ipaddr_bits(a.family);
		count++;
	}
	policy_freeaddrinfo(res);
	if (count == 0) {
		policy_seterr(err, n->line, n->col,
		    "cannot resolve '%s': no IPv4 or IPv6 address", n->text);
		return -1;
	}
	qsort(pf, count, sizeof(pf[0]), cmp_prefix);
	if ((copy = calloc(count, sizeof(*copy))) == NULL) {
		policy_seterr(err, n->line, n->col, "out of memory");
		return -1;
	}
	memcpy(copy, pf, count * sizeof(*copy));
	free(n->prefixes);
	n->prefixes = copy;
	n->nprefixes = count;
	return 0;
}

/* Each hostname network is resolved on its own: one that fails keeps its
 * old addresses, the others take their new ones. */
int
policy_resolve(struct policy *p, struct policy_error *err)
{
	struct policy_error first;
	size_t i;
	int rc = 0;

	for (i = 0; i < p->nnets; i++) {
		if (p->nets[i].form != RANGE_HOST)
			continue;
		if (pnet_resolve(&p->nets[i], rc == 0 ? &first : NULL) != 0)
			rc = -1;
	}
	if (policy_order(p) != 0 && rc == 0) {
		policy_seterr(&first, 0, 0, "out of memory");
		rc = -1;
	}
	if (rc != 0 && err != NULL)
		*err = first;
	return rc;
}

/* The decision for one flow (policy.h): most specific network holding the
 * peer, then the first item of its protection matching the ports. */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "engine/policy_impl.h"

/* An item's port matches a flow's when it is "any" or equal. A flow port
 * of POLICY_PORT_ANY (not known yet, as for a listening socket's remote
 * port) is matched only by "any": the decision then holds for every port. */
static bool
port_match(int item, int flow)
{
	return item == POLICY_PORT_ANY || item == flow;
}

static void
decide_protected(const struct policy *p, const struct pnet *n, int lport,
    int rport, struct decision *out)
{
	const struct protection *pr = &p->prots[n->prot];
	size_t i;

	for (i = 0; i < pr->nitems; i++) {
		const struct pitem *it = &pr->items[i];

		if (port_match(it->lport, lport) && port_match(it->rport, rport)) {
			out->action = DECIDE_PROTECT;
			out->type = it->type;
			out->level = it->level;
			out->item = it;
			return;
		}
	}
}

void
policy_decide(const struct policy *p, const struct ipaddr *peer,
    int lport, int rport, int proto, struct decision *out)
{
	const struct pnet *n;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->action = DECIDE_NONE;
	if (p == NULL || peer == NULL ||
	    (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return;
	for (i = 0; i < p->nnets; i++) {
		n = &p->nets[p->by_specificity[i]];
		if (!pnet_contains(n, peer))
			continue;
		out->net = n;
		switch (n->kind) {
		case NET_TRUSTED:
			out->action = DECIDE_BYPASS;
			break;
		case NET_UNTRUSTED:
			out->action = DECIDE_DISCARD;
			break;
		case NET_PROTECTED:
			decide_protected(p, n, lport, rport, out);
			break;
		}
		return;
	}
}

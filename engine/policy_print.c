/* The canonical text of a policy: what policy_parse() reads back into the
 * same model. Comments and layout are not kept; networks and protections
 * keep the order they were written in, networks first. */
#include "config.h"

#include "engine/policy.h"

static const char *const kind_word[] = { "trusted", "untrusted", "protected" };
static const char *const type_word[] = { "encryption", "authentication" };
static const char *const level_word[] = { "optional", "mandatory" };

static void
print_port(struct strbuf *sb, const char *key, int port)
{
	if (port == POLICY_PORT_ANY)
		strbuf_printf(sb, "%s=any", key);
	else
		strbuf_printf(sb, "%s=%d", key, port);
}

static void
print_protection(const struct protection *pr, struct strbuf *sb)
{
	const struct pitem *it;
	size_t i;

	strbuf_printf(sb, "    protection %s {\n", pr->name);
	for (i = 0; i < pr->nitems; i++) {
		it = &pr->items[i];
		strbuf_add(sb, "        ", 8);
		print_port(sb, "localport", it->lport);
		strbuf_add(sb, " ", 1);
		print_port(sb, "remoteport", it->rport);
		strbuf_printf(sb, " %s %s;\n", type_word[it->type],
		    level_word[it->level]);
	}
	strbuf_add(sb, "    }\n", 6);
}

void
policy_print(const struct policy *p, struct strbuf *sb)
{
	const struct pnet *n;
	size_t i;

	strbuf_add(sb, "application ", 12);
	for (i = 0; i < p->napps; i++)
		strbuf_printf(sb, "%s%s", i ? ", " : "", p->apps[i]);
	strbuf_add(sb, "\n{\n", 3);
	for (i = 0; i < p->nnets; i++) {
		n = &p->nets[i];
		strbuf_printf(sb, "    network %s %s", n->text, kind_word[n->kind]);
		if (n->kind == NET_PROTECTED)
			strbuf_printf(sb, " %s", p->prots[n->prot].name);
		strbuf_add(sb, ";\n", 2);
	}
	for (i = 0; i < p->nprots; i++)
		print_protection(&p->prots[i], sb);
	strbuf_add(sb, "}\n", 2);
}

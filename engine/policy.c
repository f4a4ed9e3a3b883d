/* The policy model's lifetime, and which programs a policy names. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/policy.h"

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->napps; i++)
		free(p->apps[i]);
	free(p->apps);
	for (i = 0; i < p->nnets; i++) {
		free(p->nets[i].text);
		free(p->nets[i].prefixes);
	}
	free(p->nets);
	for (i = 0; i < p->nprots; i++) {
		free(p->prots[i].name);
		free(p->prots[i].items);
	}
	free(p->prots);
	free(p->by_specificity);
	free(p);
}

bool
policy_names_program(const struct policy *p, const char *exe)
{
	const char *base;
	size_t i;

	if (p == NULL || exe == NULL)
		return false;
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	for (i = 0; i < p->napps; i++) {
		const char *name = p->apps[i];

		if (strcmp(name, name[0] == '/' ? exe : base) == 0)
			return true;
	}
	return false;
}

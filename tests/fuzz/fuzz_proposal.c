/* libFuzzer target: proposal strings of both kinds. A parsed list must
 * print back to a string that parses to the same list. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/proposal.h"

static void
same(const struct proposal_list *a, const struct proposal_list *b)
{
	size_t i, j;

	if (a->n != b->n)
		abort();
	for (i = 0; i < a->n; i++) {
		if (a->p[i].nt != b->p[i].nt)
			abort();
		for (j = 0; j < a->p[i].nt; j++)
			if (a->p[i].t[j].type != b->p[i].t[j].type ||
			    a->p[i].t[j].id != b->p[i].t[j].id ||
			    a->p[i].t[j].keylen != b->p[i].t[j].keylen)
				abort();
	}
}

static void
one(const char *text, enum proposal_kind kind)
{
	struct proposal_list l, again;
	struct strbuf sb = STRBUF_INIT;
	char err[256], name[64];
	size_t i, j;

	if (proposal_parse(text, kind, &l, err, sizeof(err)) != 0) {
		if (strlen(err) == 0)
			abort();
		return;
	}
	proposal_print(&l, &sb);
	if (strbuf_failed(&sb) || sb.buf == NULL ||
	    proposal_parse(sb.buf, kind, &again, err, sizeof(err)) != 0)
		abort();
	same(&l, &again);
	for (i = 0; i < l.n; i++)
		for (j = 0; j < l.p[i].nt; j++)
			transform_name(&l.p[i].t[j], name, sizeof(name));
	strbuf_free(&sb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	one(text, PROPOSAL_IKE);
	one(text, PROPOSAL_ESP);
	free(text);
	return 0;
}

/* libFuzzer target for the policy language: parse; when the text is
 * valid, print it, parse the print and print again: both prints must be
 * the same text. Hostnames resolve to nothing but "localhost" (a fixed
 * 127.0.0.1 and ::1), so that fuzzing never waits on DNS. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/policy.h"
#include "engine/policy_impl.h"

static struct sockaddr_in v4 = { .sin_family = AF_INET,
};
static struct sockaddr_in6 v6 = { .sin6_family = AF_INET6,
    .sin6_addr = IN6ADDR_LOOPBACK_INIT };
static struct addrinfo ai6 = { .ai_family = AF_INET6,
    .ai_addrlen = sizeof(v6), .ai_addr = (struct sockaddr *)&v6 };
static struct addrinfo ai4 = { .ai_family = AF_INET,
    .ai_addrlen = sizeof(v4), .ai_addr = (struct sockaddr *)&v4, .ai_next = &ai6 };

static int
fixed_resolver(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	if (strcmp(node, "localhost") != 0)
		return EAI_NONAME;
	v4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*res = &ai4;
	return 0;
}

static void
fixed_free(struct addrinfo *res)
{
}

static char *
print(const struct policy *p, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	policy_print(p, &sb);
	return strbuf_detach(&sb, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_error err;
	struct policy *p, *q;
	char *a, *b;
	size_t alen, blen;

	policy_getaddrinfo = fixed_resolver;
	policy_freeaddrinfo = fixed_free;
	p = policy_parse((const char *)data, size, &err);
	if (p == NULL) {
		if (err.msg[0] == '\0')
			abort();	/* every failure says why */
		return 0;
	}
	if ((a = print(p, &alen)) == NULL)
		abort();
	q = policy_parse(a, alen, &err);
	if (q == NULL) {
		fprintf(stderr, "canonical form does not parse: %d:%d: %s\n%s",
		    err.line, err.col, err.msg, a);
		abort();
	}
	if ((b = print(q, &blen)) == NULL)
		abort();
	if (alen != blen || memcmp(a, b, alen) != 0) {
		fprintf(stderr, "prints differ:\n%s---\n%s", a, b);
		abort();
	}
	free(a);
	free(b);
	policy_free(p);
	policy_free(q);
	return 0;
}

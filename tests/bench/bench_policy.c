/* Parse throughput of the policy language on a generated policy of 1,000
 * networks (addresses, prefixes and ranges, IPv4 and IPv6, 10 protections),
 * against a baseline run in the same process: inet_pton(3) alone over
 * every address written in that policy. The ratio says how many times the
 * cost of merely reading the addresses a whole parse takes. */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/policy.h"

#define NNETS	1000
#define NPROTS	10

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The policy text, and every address in it (for the baseline). */
static char *
generate(size_t *len, char addrs[][48], int *naddrs)
{
	struct strbuf sb = STRBUF_INIT;
	int i, j, n = 0;

	strbuf_printf(&sb, "# generated: %d networks\napplication bench, "
	    "/usr/bin/bench\n{\n", NNETS);
	for (i = 0; i < NNETS; i++) {
		int a = i >> 8, b = i & 255;
		const char *kind = i % 3 == 0 ? "trusted" : i % 3 == 1 ?
		    "untrusted" : "protected";

		switch (i % 4) {
		case 0:
			snprintf(addrs[n++], 48, "10.%d.%d.1", a, b);
			strbuf_printf(&sb, "    network %s", addrs[n - 1]);
			break;
		case 1:
			snprintf(addrs[n++], 48, "172.%d.%d.0", 16 + a, b);
			strbuf_printf(&sb, "    network %s/24", addrs[n - 1]);
			break;
		case 2:
			snprintf(addrs[n++], 48, "192.%d.%d.10", a, b);
			snprintf(addrs[n++], 48, "192.%d.%d.200", a, b);
			strbuf_printf(&sb, "    network %s-%s", addrs[n - 2],
			    addrs[n - 1]);
			break;
		default:
			snprintf(addrs[n++], 48, "2001:db8:%x:%x::", a, b);
			strbuf_printf(&sb, "    network %s/64", addrs[n - 1]);
			break;
		}
		if (i % 3 == 2)
			strbuf_printf(&sb, " %s P%d;\n", kind, i % NPROTS);
		else
			strbuf_printf(&sb, " %s;\n", kind);
	}
	for (i = 0; i < NPROTS; i++) {
		strbuf_printf(&sb, "    protection P%d {\n", i);
		for (j = 0; j < 3; j++)
			strbuf_printf(&sb, "        localport=%d remoteport=any "
			    "encryption mandatory;\n", 1000 * i + j);
		strbuf_printf(&sb, "        localport=any remoteport=any "
		    "authentication optional;\n    }\n");
	}
	strbuf_printf(&sb, "}\n");
	*naddrs = n;
	return strbuf_detach(&sb, len);
}

int
main(void)
{
	static char addrs[2 * NNETS][48];
	struct policy_error err;
	struct policy *p;
	unsigned char buf[16];
	double t0, parse_s, pton_s;
	size_t len;
	long i, rounds = 0, prounds = 0;
	int j, n, sink = 0;
	char *text = generate(&len, addrs, &n);

	if (text == NULL || (p = policy_parse(text, len, &err)) == NULL) {
		fprintf(stderr, "bench_policy: %d:%d: %s\n", err.line, err.col, err.msg);
		return 1;
	}
	policy_free(p);
	t0 = now();
	do {
		for (i = 0; i < 20; i++) {
			p = policy_parse(text, len, &err);
			sink += p != NULL;
			policy_free(p);
		}
		rounds += 20;
	} while ((parse_s = now() - t0) < 1.0);
	t0 = now();
	do {
		for (i = 0; i < 20; i++)
			for (j = 0; j < n; j++)
				sink += inet_pton(strchr(addrs[j], ':') ? AF_INET6 :
				    AF_INET, addrs[j], buf);
		prounds += 20;
	} while ((pton_s = now() - t0) < 1.0);

	parse_s /= (double)rounds;
	pton_s /= (double)prounds;
	printf("policy text: %zu bytes, %d networks, %d addresses, %d protections\n",
	    len, NNETS, n, NPROTS);
	printf("parse:     %8.1f MB/s  %8.0f policies/s  (%.1f us per policy)\n",
	    (double)len / parse_s / 1e6, 1.0 / parse_s, parse_s * 1e6);
	printf("inet_pton: %8.1f us for the same %d addresses (baseline)\n",
	    pton_s * 1e6, n);
	printf("ratio parse / inet_pton: %.1f\n", parse_s / pton_s);
	free(text);
	return sink == 0;
}

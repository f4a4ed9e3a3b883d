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
#define MAXROUNDS 100000	/* bound on each timed run, whatever the clock does */

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

static char addrs[2 * NNETS][48];
static int naddrs, sink;

/* Seconds per parse of text, best of a 0.2 s run. */
static double
time_parse(const char *text, size_t len)
{
	struct policy_error err;
	struct policy *p;
	double t0 = now(), t;
	long rounds = 0;
	int i;

	do {
		for (i = 0; i < 10; i++) {
			p = policy_parse(text, len, &err);
			sink += p != NULL;
			policy_free(p);
		}
		rounds += 10;
	} while ((t = now() - t0) < 0.2 && rounds < MAXROUNDS);
	return t / (double)rounds;
}

/* Seconds for inet_pton over every address once. */
static double
time_pton(void)
{
	unsigned char buf[16];
	double t0 = now(), t;
	long rounds = 0;
	int i, j;

	do {
		for (i = 0; i < 10; i++)
			for (j = 0; j < naddrs; j++)
				sink += inet_pton(strchr(addrs[j], ':') ?
				    AF_INET6 : AF_INET, addrs[j], buf);
		rounds += 10;
	} while ((t = now() - t0) < 0.2 && rounds < MAXROUNDS);
	return t / (double)rounds;
}

/* The two alternate five times and each keeps its best, so that other
 * load on the machine moves the ratio as little as possible. */
int
main(void)
{
	struct policy_error err;
	struct policy *p;
	double parse_s = 1e9, pton_s = 1e9, t;
	size_t len;
	int i;
	char *text = generate(&len, addrs, &naddrs);

	if (text == NULL || (p = policy_parse(text, len, &err)) == NULL) {
		fprintf(stderr, "bench_policy: %d:%d: %s\n", err.line, err.col, err.msg);
		return 1;
	}
	policy_free(p);
	for (i = 0; i < 5; i++) {
		if ((t = time_parse(text, len)) < parse_s)
			parse_s = t;
		if ((t = time_pton()) < pton_s)
			pton_s = t;
	}
	printf("policy text: %zu bytes, %d networks, %d addresses, %d protections\n",
	    len, NNETS, naddrs, NPROTS);
	printf("parse:     %8.1f MB/s  %8.0f policies/s  (%.1f us per policy)\n",
	    (double)len / parse_s / 1e6, 1.0 / parse_s, parse_s * 1e6);
	printf("inet_pton: %8.1f us for the same %d addresses (baseline)\n",
	    pton_s * 1e6, naddrs);
	printf("ratio parse / inet_pton: %.1f\n", parse_s / pton_s);
	free(text);
	return sink == 0;
}

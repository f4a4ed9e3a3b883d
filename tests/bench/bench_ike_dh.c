/* DH cost per group: key generation plus shared secret, per operation,
 * and as a ratio to ECP-256 measured in the same run. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "crypto/dh.h"
#include "engine/proposal.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* seconds per (keygen + public value + shared secret) */
static double
cost(uint16_t group, int n)
{
	uint8_t pub[DH_MAX_PUB], peer[DH_MAX_PUB], sec[DH_MAX_SECRET];
	size_t pl, sl;
	struct ike_dh *other = ike_dh_new(group), *d;
	double t0;
	int i;

	if (other == NULL || ike_dh_public(other, peer, &pl) != 0)
		return -1;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if ((d = ike_dh_new(group)) == NULL ||
		    ike_dh_public(d, pub, &pl) != 0 ||
		    ike_dh_shared(d, peer, pl, sec, &sl) != 0)
			return -1;
		ike_dh_free(d);
	}
	ike_dh_free(other);
	return (now_s() - t0) / n;
}

int
main(void)
{
	static const struct { uint16_t g; const char *name; int n; } groups[] = {
		{ DH_ECP_256, "ECP_256 (19)", 100 },
		{ DH_ECP_384, "ECP_384 (20)", 50 },
		{ DH_MODP_2048, "MODP_2048 (14)", 30 },
	};
	double base = 0, c;
	size_t i;

	printf("DH key exchange (keygen + public value + shared secret), libtomcrypt/libtommath\n");
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if ((c = cost(groups[i].g, groups[i].n)) < 0) {
			printf("%-16s failed\n", groups[i].name);
			return 1;
		}
		if (i == 0)
			base = c;
		printf("%-16s %8.2f ms/op  %6.2fx ECP_256\n", groups[i].name,
		    c * 1e3, c / base);
	}
	return 0;
}

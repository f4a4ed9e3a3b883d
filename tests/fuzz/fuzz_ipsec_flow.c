/* libFuzzer target: the 5-tuple of a packet (engine/ipsec_flow.c), which
 * the glue's router and inbound check take from what the TUN device and
 * peers (decrypted ESP) give it. The flow found must be covered by the
 * exact selectors made from it, and by nothing of another family. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/ipsec_int.h"

static void
exact(struct ike_ts *ts, int proto, const struct ipaddr *a, int port)
{
	memset(ts, 0, sizeof(*ts));
	ts->ipproto = (uint8_t)proto;
	ts->start = ts->end = *a;
	ts->sport = (uint16_t)port;
	ts->eport = proto == 6 || proto == 17 ? (uint16_t)port : 65535;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipsec_flow f;
	struct ike_ts ts;
	struct ipaddr other;

	if (ipsec_parse_flow(data, size, &f) != 0)
		return 0;
	if (f.src.family != AF_INET && f.src.family != AF_INET6)
		abort();
	if (f.sport < 0 || f.sport > 65535 || f.dport < 0 || f.dport > 65535)
		abort();
	exact(&ts, f.proto, &f.src, f.sport);
	if (!ipsec_ts_covers(&ts, f.proto, &f.src, f.sport))
		abort();
	memset(&other, 0, sizeof(other));
	other.family = f.src.family == AF_INET ? AF_INET6 : AF_INET;
	if (ipsec_ts_covers(&ts, f.proto, &other, f.sport))
		abort();
	return 0;
}

/* The 5-tuple of an IP packet and whether a traffic selector covers one
 * end of it: what the router and the inbound check decide on. Packets
 * come from the TUN device and, decrypted, from peers: fuzzed by
 * tests/fuzz/fuzz_ipsec_flow.c. */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "engine/ipsec_int.h"

/* Walks the IPv6 extension headers from next header f->proto at offset
 * *hl: leaves the upper-layer protocol and its offset, or marks a later
 * fragment. -1 when a header does not fit in len. */
static int
ipv6_upper(const uint8_t *ip, size_t len, struct ipsec_flow *f, size_t *hl)
{
	const uint8_t *h;
	int i;

	for (i = 0; i < 8; i++) {
		if (f->proto != 0 && f->proto != 43 && f->proto != 60 &&
		    f->proto != 51 && f->proto != 44)
			break;		/* the upper layer */
		if (*hl + 8 > len)
			return -1;
		h = ip + *hl;
		if (f->proto == 44) {	/* fragment */
			*hl += 8;
			if ((h[2] << 8 | (h[3] & 0xf8)) != 0)
				f->later_fragment = true;
		} else if (f->proto == 51)	/* AH */
			*hl += ((size_t)h[1] + 2) * 4;
		else			/* hop-by-hop, routing, options */
			*hl += ((size_t)h[1] + 1) * 8;
		f->proto = h[0];
		if (f->later_fragment)
			return 0;
	}
	return *hl <= len ? 0 : -1;
}

/* The 5-tuple of an IP packet (ports 0 when it has none, or when it is
 * a non-first fragment; IPv6 extension headers are skipped). -1 when it
 * is not a whole IPv4/IPv6 header. */
int
ipsec_parse_flow(const uint8_t *ip, size_t len, struct ipsec_flow *f)
{
	size_t hl;
	const uint8_t *l4;

	memset(f, 0, sizeof(*f));
	if (len >= 20 && (ip[0] >> 4) == 4) {
		hl = (size_t)(ip[0] & 0x0f) * 4;
		if (hl < 20 || hl > len)
			return -1;
		f->proto = ip[9];
		f->src.family = f->dst.family = AF_INET;
		memcpy(f->src.a, ip + 12, 4);
		memcpy(f->dst.a, ip + 16, 4);
		if ((ip[6] & 0x1f) != 0 || ip[7] != 0) {
			f->later_fragment = true;	/* no ports */
			return 0;
		}
	} else if (len >= 40 && (ip[0] >> 4) == 6) {
		hl = 40;
		f->proto = ip[6];
		f->src.family = f->dst.family = AF_INET6;
		memcpy(f->src.a, ip + 8, 16);
		memcpy(f->dst.a, ip + 24, 16);
		if (ipv6_upper(ip, len, f, &hl) != 0)
			return -1;
		if (f->later_fragment)
			return 0;
	} else
		return -1;
	l4 = ip + hl;
	if ((f->proto == IPPROTO_TCP || f->proto == IPPROTO_UDP) &&
	    len >= hl + 4) {
		f->sport = l4[0] << 8 | l4[1];
		f->dport = l4[2] << 8 | l4[3];
	}
	return 0;
}

bool
ipsec_ts_has_addr(const struct ike_ts *ts, const struct ipaddr *a)
{
	return ts->start.family == a->family && ts->end.family == a->family &&
	    ipaddr_cmp(a, &ts->start) >= 0 && ipaddr_cmp(a, &ts->end) <= 0;
}

bool
ipsec_ts_covers(const struct ike_ts *ts, int proto, const struct ipaddr *a,
    int port)
{
	if (ts->ipproto != 0 && ts->ipproto != proto)
		return false;
	if (!ipsec_ts_has_addr(ts, a))
		return false;
	/* ICMP and others carry no ports: only a full range covers them */
	if (proto != 6 && proto != 17)
		return ts->sport == 0 && ts->eport == 65535;
	return port >= ts->sport && port <= ts->eport;
}

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ipaddr.h"

int
ipaddr_parse(const char *s, struct ipaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

static bool
host_bits_zero(const struct ipaddr *a, int len)
{
	int bits = ipaddr_bits(a->family), i;

	for (i = len; i < bits; i++)
		if (a->a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int
prefix_parse(const char *s, struct prefix *p)
{
	char buf[64], *slash, *end;
	long len;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (ipaddr_parse(buf, &p->addr) != 0)
		return -1;
	p->len = ipaddr_bits(p->addr.family);
	if (slash == NULL)
		return 0;
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		return -1;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (*end != '\0' || len < 0 || len > p->len)
		return -1;
	p->len = (int)len;
	return host_bits_zero(&p->addr, p->len) ? 0 : -1;
}

int
ipaddr_cmp(const struct ipaddr *x, const struct ipaddr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->a, y->a, ipaddr_len(x->family));
}

bool
ipaddr_equal(const struct ipaddr *x, const struct ipaddr *y)
{
	return ipaddr_cmp(x, y) == 0;
}

bool
ipaddr_in_prefix(const struct ipaddr *a, const struct prefix *p)
{
	int full = p->len / 8, rest = p->len % 8;
	uint8_t mask;

	if (a->family != p->addr.family)
		return false;
	if (memcmp(a->a, p->addr.a, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a->a[full] & mask) == p->addr.a[full];
}

int
ipaddr_from_sockaddr(struct ipaddr *a, int *port, const struct sockaddr *sa)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		a->family = AF_INET;
		memcpy(a->a, &in->sin_addr, 4);
		if (port)
			*port = ntohs(in->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		a->family = AF_INET6;
		memcpy(a->a, &in6->sin6_addr, 16);
		if (port)
			*port = ntohs(in6->sin6_port);
		return 0;
	}
	return -1;
}

void
ipaddr_to_sockaddr(const struct ipaddr *a, int port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		memcpy(&in->sin_addr, a->a, 4);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		memcpy(&in6->sin6_addr, a->a, 16);
	}
}

const char *
ipaddr_str(const struct ipaddr *a, char *buf, size_t len)
{
	if (inet_ntop(a->family, a->a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
prefix_str(const struct prefix *p, char *buf, size_t len)
{
	char addr[IPADDR_STRLEN];

	snprintf(buf, len, "%s/%d", ipaddr_str(&p->addr, addr, sizeof(addr)), p->len);
	return buf;
}

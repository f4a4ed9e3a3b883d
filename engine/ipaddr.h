/* IPv4/IPv6 addresses and CIDR prefixes, family-neutral. */
#ifndef IPSECFS_IPADDR_H
#define IPSECFS_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An address of either family, network byte order, IPv4 in the first 4 bytes. */
struct ipaddr {
	int	family;		/* AF_INET or AF_INET6 */
	uint8_t	a[16];
};

struct prefix {
	struct ipaddr	addr;	/* host bits zero */
	int		len;	/* 0..32 or 0..128 */
};

#define IPADDR_STRLEN	46	/* INET6_ADDRSTRLEN */

static inline int ipaddr_bits(int family) { return family == AF_INET ? 32 : 128; }
static inline size_t ipaddr_len(int family) { return family == AF_INET ? 4 : 16; }

/* Parses a literal address (no hostname). 0 or -1. */
int ipaddr_parse(const char *s, struct ipaddr *a);
/* Parses "ADDR" (full length) or "ADDR/LEN"; host bits must be zero. 0 or -1. */
int prefix_parse(const char *s, struct prefix *p);

int ipaddr_cmp(const struct ipaddr *x, const struct ipaddr *y);	/* same family */
bool ipaddr_equal(const struct ipaddr *x, const struct ipaddr *y);
bool ipaddr_in_prefix(const struct ipaddr *a, const struct prefix *p);
int ipaddr_from_sockaddr(struct ipaddr *a, int *port, const struct sockaddr *sa);
void ipaddr_to_sockaddr(const struct ipaddr *a, int port, struct sockaddr_storage *ss);
const char *ipaddr_str(const struct ipaddr *a, char *buf, size_t len);
/* "10.0.0.0/8", "fd00::/64" */
const char *prefix_str(const struct prefix *p, char *buf, size_t len);

#endif

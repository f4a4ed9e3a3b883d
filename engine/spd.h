/* SPD entries as ipsecfs wants them in the kernel, and a table of them
 * keyed by what the kernel keys them by (selector and direction).
 *
 * Ownership: every entry ipsecfs writes carries SPD_TAG in the selector's
 * `user` field (the kernel keeps it but never matches on it, and neither
 * iproute2 nor strongSwan sets it) and a priority inside
 * [SPD_PRIO_BASE, SPD_PRIO_BASE + SPD_PRIO_SPAN). An entry is ipsecfs's
 * only when both hold. */
#ifndef IPSECFS_SPD_H
#define IPSECFS_SPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/ipaddr.h"
#include "engine/policy.h"
#include "engine/strbuf.h"

#define SPD_TAG		0x69707366u	/* "ipsf" */
#define SPD_PRIO_BASE	100000u		/* beats strongSwan's (>= ~180000) */
#define SPD_PRIO_SPAN	(1u << 24)

enum spd_dir { SPD_IN = 0, SPD_OUT = 1 };	/* XFRM_POLICY_IN, _OUT */
enum spd_action { SPD_ALLOW, SPD_BLOCK, SPD_PROTECT };

/* What a selector matches. Ports are host order, 0 = any. */
struct spd_sel {
	int		family;
	struct ipaddr	src, dst;
	uint8_t		slen, dlen;
	uint8_t		proto;
	uint16_t	sport, dport;
};

struct spd_key {
	struct spd_sel	sel;
	uint8_t		dir;
	uint32_t	mark, mask;	/* XFRMA_MARK; mask 0: none */
};

struct spd_entry {
	struct spd_key	key;		/* memset to zero before filling */
	uint8_t		action;		/* SPD_* */
	uint8_t		type;		/* PROTECT: PROT_ENCRYPTION | PROT_AUTHENTICATION */
	uint8_t		level;		/* PROTECT: LEVEL_OPTIONAL | LEVEL_MANDATORY */
	uint8_t		tunnel;		/* PROTECT: tunnel mode (else transport) */
	struct ipaddr	tsrc, tdst;	/* tunnel end points (exact entries) */
	uint32_t	priority;
	/* SPD_DP_*: a protected flow (type and level say how) in the form
	 * the userspace datapath needs; the kernel holds it as action. Not
	 * in the kernel, so not compared by spd_entry_equal(). */
	uint8_t		dp;
};

enum spd_dp {
	SPD_DP_NONE,		/* as the policy says */
	SPD_DP_PROTECT,		/* allow: the datapath protects it */
	SPD_DP_BLOCKED,		/* block: mandatory, and nothing steers it
				   into the datapath */
	SPD_DP_CLEAR,		/* allow: optional, nothing steers it: clear */
};

/* A growable array of entries. */
struct spd_vec {
	struct spd_entry *v;
	size_t		  n, cap;
};

int spd_vec_push(struct spd_vec *vec, const struct spd_entry *e);
void spd_vec_free(struct spd_vec *vec);
/* Gives back unused room. */
void spd_vec_shrink(struct spd_vec *vec);

bool spd_key_equal(const struct spd_key *a, const struct spd_key *b);
bool spd_entry_equal(const struct spd_entry *a, const struct spd_entry *b);
uint32_t spd_key_hash(const struct spd_key *k);
bool spd_prio_owned(uint32_t prio);

/* "out 10.0.0.1/32:21 -> 0.0.0.0/0:any tcp protect esp enc required
 * transport prio 100001" (one line, no newline). */
void spd_entry_print(const struct spd_entry *e, struct strbuf *sb);

/* The kernel's view of the first matching entry among v for an unmarked
 * packet of direction dir, as XFRM would choose it (lowest priority value,
 * then the first one). NULL when none matches. */
const struct spd_entry *spd_lookup(const struct spd_vec *v, int dir, int proto,
    const struct ipaddr *src, int sport, const struct ipaddr *dst, int dport);

#endif

/* The application policy language (the paper's §3.3) and its decision
 * function. See ipsecfs-policy(5).
 *
 * A policy is parsed from text into a validated model; the model prints
 * back in a canonical form that parses to the same model. Networks are
 * kept both as written and as the list of CIDR prefixes they cover
 * (an a-b range splits into the fewest prefixes; a hostname resolves to
 * one full-length prefix per address), because XFRM selectors are prefixes. */
#ifndef IPSECFS_POLICY_H
#define IPSECFS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/ipaddr.h"
#include "engine/strbuf.h"

#define POLICY_MAX_TEXT		(1024 * 1024)	/* longest policy text, bytes */
#define POLICY_PORT_ANY		(-1)

enum net_kind { NET_TRUSTED, NET_UNTRUSTED, NET_PROTECTED };
enum prot_type { PROT_ENCRYPTION, PROT_AUTHENTICATION };
enum prot_level { LEVEL_OPTIONAL, LEVEL_MANDATORY };
enum range_form { RANGE_ADDR, RANGE_PREFIX, RANGE_SPAN, RANGE_HOST };

struct pnet {
	enum range_form	 form;
	char		*text;		/* the range as written (canonical for addresses) */
	struct ipaddr	 lo, hi;	/* ADDR, PREFIX, SPAN: inclusive bounds */
	struct prefix	*prefixes;	/* what the network covers, as CIDR prefixes */
	size_t		 nprefixes;
	enum net_kind	 kind;
	size_t		 prot;		/* index in policy.prots when kind == NET_PROTECTED */
	int		 line, col;
};

struct pitem {
	int		lport, rport;	/* 0..65535 or POLICY_PORT_ANY */
	enum prot_type	type;
	enum prot_level	level;
	int		line, col;
};

struct protection {
	char		*name;
	struct pitem	*items;
	size_t		 nitems;
	int		 line, col;
};

struct policy {
	char		**apps;		/* program basenames or absolute paths */
	size_t		  napps;
	struct pnet	 *nets;		/* in the order written */
	size_t		  nnets;
	struct protection *prots;
	size_t		  nprots;
	size_t		 *by_specificity; /* indexes into nets, most specific first */
};

struct policy_error {
	int	line, col;		/* 1-based; 0:0 when not tied to a place */
	char	msg[256];
};

/* Parses and validates; NULL with *err filled on any error. Never reads
 * more than len bytes; text need not be NUL-terminated. */
struct policy *policy_parse(const char *text, size_t len, struct policy_error *err);
void policy_free(struct policy *p);

/* Canonical text; appends to sb. */
void policy_print(const struct policy *p, struct strbuf *sb);

/* Resolves hostname networks again; on failure keeps the old addresses
 * and returns -1 with *err filled. */
int policy_resolve(struct policy *p, struct policy_error *err);

/* Whether the program at exe (absolute path) is one the policy names:
 * an absolute name matches the path exactly, a basename matches the last
 * path component. */
bool policy_names_program(const struct policy *p, const char *exe);

enum decision_action { DECIDE_NONE, DECIDE_BYPASS, DECIDE_DISCARD, DECIDE_PROTECT };

struct decision {
	enum decision_action	 action;
	enum prot_type		 type;		/* PROTECT only */
	enum prot_level		 level;		/* PROTECT only */
	const struct pnet	*net;		/* the network that decided, or NULL */
	const struct pitem	*item;		/* PROTECT only */
};

/* The decision for one flow: the most specific network holding peer wins;
 * within its protection, the first item matching (lport, rport) wins. No
 * network holding peer → DECIDE_NONE. A protected network whose items match
 * no port pair also gives DECIDE_NONE. proto is IPPROTO_TCP or IPPROTO_UDP. */
void policy_decide(const struct policy *p, const struct ipaddr *peer,
    int lport, int rport, int proto, struct decision *out);

#endif

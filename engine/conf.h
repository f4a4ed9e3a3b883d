/* ipsecfs.conf: INI via libiniparser, every key with an embedded default.
 * See ipsecfs.conf(5). */
#ifndef IPSECFS_CONF_H
#define IPSECFS_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/policy.h"
#include "engine/proposal.h"

#define CONF_DEFAULT_PATH	"/etc/ipsecfs/ipsecfs.conf"

enum datapath_choice { DATAPATH_AUTO, DATAPATH_KERNEL, DATAPATH_USERSPACE };
enum ipsec_mode { MODE_TRANSPORT, MODE_TUNNEL };
enum encap_choice { ENCAP_AUTO, ENCAP_YES };

struct ike_settings {
	struct proposal_list	proposals;	/* IKE SA */
	struct proposal_list	esp_proposals;	/* CHILD SA */
	enum ipsec_mode		mode;
	enum encap_choice	encap;
	unsigned		lifetime;	/* CHILD SA seconds */
};

struct peer_conf {
	char			*name;		/* the part after "peer." */
	struct prefix		 remote;	/* addresses this entry covers */
	char			*local_id;	/* NULL: the local address */
	char			*remote_id;	/* NULL: the peer's address */
	unsigned char		*psk;
	size_t			 psk_len;
	struct ike_settings	 ike;		/* [ike] with this peer's overrides */
};

struct conf {
	char			*path;		/* file read, or NULL for defaults only */
	/* [daemon] */
	char			*mountpoint;
	char			*statedir;
	enum datapath_choice	 datapath;
	unsigned		 udp_ttl;
	char			*admin_group;	/* may write besides root; NULL: none */
	bool			 allow_other;	/* let other users read the tree */
	bool			 keep_policies;	/* on exit, keep owned SPD entries (fail closed) */
	/* [ike] */
	struct ike_settings	 ike;
	struct peer_conf	*peers;
	size_t			 npeers;
};

/* Loads path (NULL: CONF_DEFAULT_PATH if it exists, else defaults only).
 * A path given explicitly must exist. On error returns -1 with
 * "FILE:LINE: key: reason" (line when known) in err. *c is overwritten,
 * not freed; it owns its strings and peers (conf_free); on error it is
 * left zeroed. Not thread-safe (iniparser's error callback is global). */
int conf_load(struct conf *c, const char *path, char *err, size_t errlen);
/* The built-in defaults (DESIGN.md's values); aborts if out of memory. */
void conf_defaults(struct conf *c);
void conf_free(struct conf *c);

/* The most specific [peer.*] entry covering addr, or NULL. */
const struct peer_conf *conf_find_peer(const struct conf *c, const struct ipaddr *addr);

#endif

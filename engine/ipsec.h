/* The glue that makes protected policies protect traffic: ipsecfs's IKEv2
 * (crypto/ike.h) on UDP 500/4500, peers from ipsecfs.conf, CHILD SAs into
 * the kernel's XFRM (kernel datapath) or into the user-space ESP datapath
 * (crypto/datapath.h: a TUN device, ESP in UDP or raw ESP), negotiations
 * started by XFRM ACQUIRE or by the datapath's router meeting a protected
 * flow without an SA. One thread of its own; the `sas` file and the
 * `events` lines come from it. See docs/ipsec.md. */
#ifndef IPSECFS_IPSEC_H
#define IPSECFS_IPSEC_H

#include "engine/conf.h"
#include "engine/engine.h"

struct ipsec;

/* Starts IKE and the datapath for engine e (started, and outliving the
 * returned state) and configuration cfg. 0 or -errno (events say why). */
int ipsec_start(struct engine *e, const struct conf *cfg, struct ipsec **out);
/* Stops the thread, deletes the SAs and removes the routes, rules and
 * nftables table it added. NULL is allowed. */
void ipsec_stop(struct ipsec *s);
/* Asks IKE to rekey every CHILD SA now, as its lifetime would (tests:
 * `lifetime` is at least a minute). Any thread; the glue's thread does
 * it. 0 or -errno. */
int ipsec_rekey_children(struct ipsec *s);

#endif

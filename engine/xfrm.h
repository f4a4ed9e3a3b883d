/* The kernel's SPD over XFRM netlink: batched writes and a read-back of
 * the entries ipsecfs owns. Messages are built by hand (iproute2 style):
 * a whole batch goes out in a few sendmsg calls and only the last message
 * of each asks for an ACK, so a batch costs one round trip; errors still
 * come back, one per failed message. Not thread-safe: the engine lock
 * serialises callers. */
#ifndef IPSECFS_XFRM_H
#define IPSECFS_XFRM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/spd.h"

struct xfrm_nl;
struct xfrm_selector;

/* A kernel selector as ipsecfs's spd_sel (ports 0 when unmasked). */
void xfrm_to_sel(const struct xfrm_selector *xs, struct spd_sel *s);

int xfrm_open(struct xfrm_nl **out);
void xfrm_close(struct xfrm_nl *x);

/* Queues an add (or, with replace, an update of the entry with the same
 * key), or a delete. The n-th queued operation is op n of the batch. */
int xfrm_queue_add(struct xfrm_nl *x, const struct spd_entry *e, int replace);
int xfrm_queue_del(struct xfrm_nl *x, const struct spd_key *k);
size_t xfrm_queued(const struct xfrm_nl *x);
/* Forgets the queued operations without sending them. */
void xfrm_discard(struct xfrm_nl *x);

/* Sends the queued operations and waits for the kernel's answer. errs
 * (may be NULL) receives 0 or -errno per operation, in queue order.
 * Returns the number of failed operations, or -errno when the exchange
 * itself failed (then the outcome of each operation is unknown). The
 * queue is empty afterwards. */
int xfrm_commit(struct xfrm_nl *x, int *errs);

/* Appends every SPD entry ipsecfs owns (tag and priority band) to out. */
int xfrm_dump_owned(struct xfrm_nl *x, struct spd_vec *out);

/* Netlink round trips and messages so far (for status). */
void xfrm_counters(const struct xfrm_nl *x, uint64_t *trips, uint64_t *msgs);

#endif

/* ESP anti-replay window (RFC 4303 §3.4.3, Appendix A for extended
 * sequence numbers), kept as a ring of 64-bit blocks that moves by index,
 * never by shifting bits (RFC 6479). */
#ifndef IPSECFS_REPLAY_H
#define IPSECFS_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_BLOCKS		64	/* ring size, a power of two */
#define REPLAY_WINDOW_MAX	((REPLAY_BLOCKS - 1) * 64)	/* 4032 */
#define REPLAY_WINDOW_DEFAULT	1024

struct replay {
	uint64_t	top;		/* highest sequence number accepted */
	uint32_t	window;		/* packets below top still accepted */
	bool		esn;
	uint64_t	ring[REPLAY_BLOCKS];
};

/* window 0 takes REPLAY_WINDOW_DEFAULT. Returns 0, or -1 when window is
 * above REPLAY_WINDOW_MAX. */
int	replay_init(struct replay *r, uint32_t window, bool esn);

/* Before the ICV check: infers the whole sequence number from the 32 bits
 * on the wire (with ESN, RFC 4303 A2.2) into *seq, and returns 0 when it
 * is new, -1 when it was seen or lies left of the window (or is 0). */
int	replay_check(const struct replay *r, uint32_t seq_lo, uint64_t *seq);

/* After the ICV check passed: records seq, moving the window if needed. */
void	replay_update(struct replay *r, uint64_t seq);

#endif

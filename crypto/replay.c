/* Anti-replay window as a ring of 64-bit blocks (RFC 6479). */
#include "config.h"

#include <string.h>

#include "crypto/replay.h"

#define RING_BITS	(REPLAY_BLOCKS * 64)

int
replay_init(struct replay *r, uint32_t window, bool esn)
{
	if (window == 0)
		window = REPLAY_WINDOW_DEFAULT;
	if (window > REPLAY_WINDOW_MAX)
		return -1;
	memset(r, 0, sizeof(*r));
	r->window = window;
	r->esn = esn;
	return 0;
}

/* RFC 4303 Appendix A2.2: which 2^32 subspace seq_lo belongs to. Returns
 * -1 when it would be below sequence number 0. */
static int
infer(const struct replay *r, uint32_t seql, uint64_t *seq)
{
	uint32_t tl = (uint32_t)r->top, th = (uint32_t)(r->top >> 32);
	uint32_t bottom = tl - r->window + 1;	/* modulo 2^32 */

	if (tl >= r->window - 1) {
		if (seql < bottom)
			th++;	/* ahead, in the next subspace */
	} else if (seql >= bottom) {
		if (th == 0)
			return -1;
		th--;		/* behind, in the previous subspace */
	}
	*seq = (uint64_t)th << 32 | seql;
	return 0;
}

int
replay_check(const struct replay *r, uint32_t seq_lo, uint64_t *seq)
{
	uint64_t s = seq_lo, bit;

	if (r->esn && infer(r, seq_lo, &s) != 0)
		return -1;
	*seq = s;
	if (s == 0)
		return -1;
	if (s > r->top)
		return 0;
	if (r->top - s >= r->window)
		return -1;
	bit = s % RING_BITS;
	return r->ring[bit / 64] & (1ULL << (bit % 64)) ? -1 : 0;
}

void
replay_update(struct replay *r, uint64_t seq)
{
	uint64_t blk, top_blk, n, i, bit;

	if (seq > r->top) {
		blk = seq / 64;
		top_blk = r->top / 64;
		n = blk - top_blk;
		if (n > REPLAY_BLOCKS)
			n = REPLAY_BLOCKS;
		for (i = 1; i <= n; i++)
			r->ring[(top_blk + i) % REPLAY_BLOCKS] = 0;
		r->top = seq;
	}
	bit = seq % RING_BITS;
	r->ring[bit / 64] |= 1ULL << (bit % 64);
}

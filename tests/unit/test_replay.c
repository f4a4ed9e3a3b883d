/* crypto/replay.c: window edges, far jumps, duplicates, old packets, and
 * the ESN subspace inference of RFC 4303 Appendix A. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/replay.h"

/* check then update, as ESP does after a good ICV */
static int
accept(struct replay *r, uint32_t lo, uint64_t *seq)
{
	uint64_t s;

	if (replay_check(r, lo, &s) != 0)
		return -1;
	replay_update(r, s);
	if (seq != NULL)
		*seq = s;
	return 0;
}

static void
test_basic(void **state)
{
	struct replay r;
	uint64_t s;

	assert_int_equal(replay_init(&r, 0, false), 0);
	assert_int_equal(r.window, 1024);
	assert_int_equal(replay_init(&r, REPLAY_WINDOW_MAX + 1, false), -1);
	assert_int_equal(replay_init(&r, 1024, false), 0);
	assert_int_equal(replay_check(&r, 0, &s), -1);	/* never sent */
	assert_int_equal(accept(&r, 1, NULL), 0);
	assert_int_equal(accept(&r, 1, NULL), -1);	/* duplicate */
	assert_int_equal(accept(&r, 3, NULL), 0);
	assert_int_equal(accept(&r, 2, NULL), 0);	/* late, in window */
	assert_int_equal(accept(&r, 2, NULL), -1);
	assert_int_equal(accept(&r, 3, NULL), -1);
	/* a failed ICV does not move the window: check without update */
	assert_int_equal(replay_check(&r, 500, &s), 0);
	assert_int_equal(replay_check(&r, 500, &s), 0);
}

static void
test_edges(void **state)
{
	struct replay r;
	uint32_t i;

	replay_init(&r, 1024, false);
	assert_int_equal(accept(&r, 2000, NULL), 0);
	/* window is [977, 2000] */
	assert_int_equal(accept(&r, 976, NULL), -1);	/* just left of it */
	assert_int_equal(accept(&r, 977, NULL), 0);	/* left edge */
	assert_int_equal(accept(&r, 977, NULL), -1);
	assert_int_equal(accept(&r, 1999, NULL), 0);
	/* every packet of the window, in reverse, exactly once */
	for (i = 1998; i >= 978; i--)
		assert_int_equal(accept(&r, i, NULL), 0);
	for (i = 977; i <= 2000; i++)
		assert_int_equal(accept(&r, i, NULL), -1);
	/* one step right drops the old left edge only */
	assert_int_equal(accept(&r, 2001, NULL), 0);
	assert_int_equal(accept(&r, 977, NULL), -1);
}

static void
test_far_ahead(void **state)
{
	struct replay r;
	uint32_t i;

	replay_init(&r, 1024, false);
	for (i = 1; i <= 64 * 70; i++)
		assert_int_equal(accept(&r, i, NULL), 0);
	/* jump past the whole ring: nothing old may survive as "seen" */
	assert_int_equal(accept(&r, 1000000, NULL), 0);
	assert_int_equal(accept(&r, 1000000 - 1023, NULL), 0);
	assert_int_equal(accept(&r, 1000000 - 1024, NULL), -1);
	for (i = 1000000 - 1022; i < 1000000; i++)
		assert_int_equal(accept(&r, i, NULL), 0);
	/* the bit of each new block starts clear although the ring wrapped */
	for (i = 1000001; i < 1000001 + 64 * 200; i += 37)
		assert_int_equal(accept(&r, i, NULL), 0);
	assert_int_equal(accept(&r, 4294967295u, NULL), 0);
	assert_int_equal(accept(&r, 4294967295u, NULL), -1);
}

static void
test_big_window(void **state)
{
	struct replay r;
	uint32_t i;

	replay_init(&r, REPLAY_WINDOW_MAX, false);
	assert_int_equal(accept(&r, 10000, NULL), 0);
	for (i = 10000 - REPLAY_WINDOW_MAX + 1; i < 10000; i++)
		assert_int_equal(accept(&r, i, NULL), 0);
	assert_int_equal(accept(&r, 10000 - REPLAY_WINDOW_MAX, NULL), -1);
}

static void
test_esn_wrap(void **state)
{
	struct replay r;
	uint64_t s;

	replay_init(&r, 1024, true);
	/* at the start, a low number from "the previous subspace" is refused */
	assert_int_equal(accept(&r, 0xfffffff0u, NULL), -1);
	assert_int_equal(accept(&r, 5, &s), 0);
	assert_int_equal(s, 5);
	r.top = 0xfffffff0u;	/* as if we had got there */
	assert_int_equal(accept(&r, 0xfffffffeu, &s), 0);
	assert_int_equal(s, 0xfffffffeULL);
	/* the low 32 bits wrap: high bits become 1 */
	assert_int_equal(accept(&r, 3, &s), 0);
	assert_int_equal(s, 0x100000003ULL);
	/* late packet from before the wrap: high bits 0 again */
	assert_int_equal(accept(&r, 0xfffffff5u, &s), 0);
	assert_int_equal(s, 0xfffffff5ULL);
	assert_int_equal(accept(&r, 0xfffffff5u, &s), -1);
	assert_int_equal(accept(&r, 0xfffffffeu, &s), -1);
	assert_int_equal(accept(&r, 3, &s), -1);
	/* a 32-bit number left of the window in the new subspace is the
	 * next subspace (A2.2 case A): accepted as 2^33 + x */
	r.top = 0x100001000ULL;
	assert_int_equal(replay_check(&r, 0x10, &s), 0);
	assert_int_equal(s, 0x200000010ULL);
	assert_int_equal(replay_check(&r, 0x1000 - 100, &s), 0);
	assert_int_equal(s, 0x100000f9cULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_far_ahead),
		cmocka_unit_test(test_big_window),
		cmocka_unit_test(test_esn_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

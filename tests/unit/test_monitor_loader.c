/* Programs run by the dynamic loader (monitor/loader.c): which files are
 * the loader, and which of its arguments is the program it runs. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "monitor/tracer.h"

static void
test_is_loader(void **state)
{
	(void)state;
	assert_true(is_loader("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"));
	assert_true(is_loader("/lib/ld-musl-x86_64.so.1"));
	assert_true(is_loader("/usr/bin/ld.so"));
	assert_true(is_loader("ld-linux.so.2"));
	assert_false(is_loader("/usr/bin/socat"));
	assert_false(is_loader("/usr/bin/ld"));
	assert_false(is_loader("/usr/lib/libld-x.so/socat"));
	assert_false(is_loader("/opt/ld-tools/bin/python3"));
}

/* argv as /proc/PID/cmdline has it: each argument ends in '\0' */
#define ARGS(s)	(s), sizeof(s) - 1

static void
test_program_arg(void **state)
{
	(void)state;
	assert_string_equal(loader_program_arg(ARGS(
	    "/lib64/ld-linux-x86-64.so.2\0/usr/bin/socat\0-u\0")),
	    "/usr/bin/socat");
	assert_string_equal(loader_program_arg(ARGS(
	    "ld.so\0--argv0\0x\0--library-path\0/lib\0--inhibit-cache\0./socat\0")),
	    "./socat");
	/* an option's value that looks like an option is still its value */
	assert_string_equal(loader_program_arg(ARGS(
	    "ld.so\0--preload\0--x\0prog\0--list\0")), "prog");
	assert_string_equal(loader_program_arg(ARGS(
	    "ld.so\0--list\0--verify\0prog\0")), "prog");
	assert_null(loader_program_arg(ARGS("ld.so\0--list\0")));
	assert_null(loader_program_arg(ARGS("ld.so\0--argv0\0")));
	assert_null(loader_program_arg(ARGS("ld.so\0")));
	assert_null(loader_program_arg(ARGS("ld.so\0\0prog\0")));
	/* the last argument without its '\0' (a cmdline read cut short) */
	assert_string_equal(loader_program_arg("ld.so\0socat", 11), "socat");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_loader),
		cmocka_unit_test(test_program_arg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

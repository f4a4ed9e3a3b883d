/* The tracer's descriptor counting: a socket is gone when the last (proc,
 * fd) naming it is, across dup, fork copies and exits of whole groups. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "monitor/tracer.h"

/* Two real pids (pidfd_open needs them): ourselves and a child. */
static pid_t child;

static int
setup(void **state)
{
	(void)state;
	tr->passive = true;	/* no daemon: CLOSE events are not sent */
	if ((child = fork()) == 0) {
		pause();
		_exit(0);
	}
	return child > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	kill(child, SIGKILL);
	return 0;
}

static void
test_dup_and_close(void **state)
{
	struct proc *p = proc_new(getpid(), "/bin/x", true);
	struct sockent *s;

	(void)state;
	assert_non_null(p);
	s = sock_get(100, AF_INET, SOCK_STREAM, 6);
	fd_put(p, 3, s);
	fd_put(p, 7, s);			/* dup */
	assert_int_equal(s->refs, 2);
	assert_ptr_equal(fd_get(p, 7), s);
	fd_close(p, 3);
	assert_non_null(sock_lookup(100));
	fd_close(p, 7);
	assert_null(sock_lookup(100));		/* last descriptor gone */
	fd_close(p, 7);				/* unknown fd: nothing */
	proc_free(p);
}

static void
test_fork_copy_and_exit(void **state)
{
	struct proc *p = proc_new(getpid(), "/bin/x", true);
	struct proc *c = proc_new(child, "/bin/x", true);
	struct sockent *s, *u;

	(void)state;
	assert_non_null(p);
	assert_non_null(c);
	s = sock_get(200, AF_INET, SOCK_STREAM, 6);
	u = sock_get(201, AF_INET6, SOCK_DGRAM, 17);
	fd_put(p, 4, s);
	fd_put(p, 5, u);
	fd_copy(c, p);				/* fork */
	assert_int_equal(s->refs, 2);
	assert_int_equal(u->refs, 2);
	fd_put(c, 4, u);			/* dup2(5, 4) in the child */
	assert_int_equal(s->refs, 1);
	assert_int_equal(u->refs, 3);
	proc_free(p);				/* parent exits */
	assert_null(sock_lookup(200));
	assert_non_null(sock_lookup(201));
	proc_free(c);
	assert_null(sock_lookup(201));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dup_and_close),
		cmocka_unit_test(test_fork_copy_and_exit),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

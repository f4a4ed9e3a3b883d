/* The seccomp filter, run by the kernel: a child installs it without a
 * tracer, so every call the filter stops fails with ENOSYS (RET_TRACE
 * with nobody attached) and every call it lets through behaves as usual.
 * That is exactly the set of calls the monitor sees. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "monitor/tracer.h"

/* Runs nr(args) in a child with the filter; returns the child's errno
 * (0 on success) or -1 when the child could not run. */
static int
errno_under_filter(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		long rc;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter_prog()) < 0)
			_exit(255);
		rc = syscall(nr, a0, a1, a2, a3, a4, a5);
		_exit(rc < 0 ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) ||
	    WEXITSTATUS(st) == 255)
		return -1;
	return WEXITSTATUS(st);
}

static struct sockaddr_in dst = { .sin_family = AF_INET, .sin_port = 9 };

static void
test_stopped(void **state)
{
	(void)state;
	assert_int_equal(errno_under_filter(SYS_connect, -1, (long)&dst, sizeof(dst), 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_listen, -1, 1, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_accept, -1, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_accept4, -1, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_sendmsg, -1, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_recvmsg, -1, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_sendmmsg, -1, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_recvmmsg, -1, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_close, -1, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_close_range, 1000, 1001, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_dup, -1, 0, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_dup2, -1, 5, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_dup3, -1, 5, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_fcntl, 0, F_DUPFD, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_fcntl, 0, F_DUPFD_CLOEXEC, 0, 0, 0, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_io_uring_setup, 1, 0, 0, 0, 0, 0), ENOSYS);
}

static void
test_address_decides(void **state)
{
	(void)state;
	/* with an address: stopped; without (a connected socket): not */
	assert_int_equal(errno_under_filter(SYS_sendto, -1, 0, 0, 0, (long)&dst, sizeof(dst)), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_sendto, -1, 0, 0, 0, 0, 0), EBADF);
	assert_int_equal(errno_under_filter(SYS_recvfrom, -1, 0, 0, 0, (long)&dst, 0), ENOSYS);
	assert_int_equal(errno_under_filter(SYS_recvfrom, -1, 0, 0, 0, 0, 0), EBADF);
	/* the high half of the pointer counts too */
	assert_int_equal(errno_under_filter(SYS_sendto, -1, 0, 0, 0, 1L << 40, 0), ENOSYS);
}

static void
test_let_through(void **state)
{
	(void)state;
	assert_int_equal(errno_under_filter(SYS_getpid, 0, 0, 0, 0, 0, 0), 0);
	assert_int_equal(errno_under_filter(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0, 0), 0);
	assert_int_equal(errno_under_filter(SYS_bind, -1, (long)&dst, sizeof(dst), 0, 0, 0), EBADF);
	assert_int_equal(errno_under_filter(SYS_fcntl, 0, F_GETFD, 0, 0, 0, 0), 0);
	assert_int_equal(errno_under_filter(SYS_read, -1, 0, 0, 0, 0, 0), EBADF);
	assert_int_equal(errno_under_filter(SYS_write, -1, 0, 0, 0, 0, 0), EBADF);
	assert_int_equal(errno_under_filter(SYS_shutdown, -1, 0, 0, 0, 0, 0), EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stopped),
		cmocka_unit_test(test_address_decides),
		cmocka_unit_test(test_let_through),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

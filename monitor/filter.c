/* The seccomp filter put into traced programs: SECCOMP_RET_TRACE for
 * the socket calls the monitor reports, SECCOMP_RET_ALLOW for every
 * other call, which then runs at full speed. sendto/recvfrom stop only
 * with an address argument (a connected socket's send/recv does not);
 * fcntl only for F_DUPFD/F_DUPFD_CLOEXEC. Other ABIs (i386, x32) stop
 * on their socket calls with FILTER_DATA_COMPAT so they cannot escape.
 * The program is assembled once with symbolic jump targets. */
#include "config.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "monitor/tracer.h"

#define FILTERS_LOOKED_AT	16

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)
#define X32_BIT	0x40000000

enum label { NEXT, L_TRACE, L_COMPAT, L_ALLOW, L_ADDR, L_FCNTL, L_I386, NLABELS };

#define MAXINSN	96

static struct sock_filter insn[MAXINSN];
static struct { int at; enum label t, f; } fix[MAXINSN];
static int ninsn, nfix, label_at[NLABELS];
static struct sock_fprog prog;

/* Syscalls that always stop (x86_64 numbers). */
static const int always[] = {
	__NR_connect, __NR_listen, __NR_accept, __NR_accept4,
	__NR_sendmsg, __NR_sendmmsg, __NR_recvmsg, __NR_recvmmsg,
	__NR_close, __NR_close_range, __NR_dup, __NR_dup2, __NR_dup3,
	__NR_io_uring_setup,
};
/* i386 socket calls: socketcall and the direct ones (Linux 4.3+). */
static const int i386_socket[] = {
	102, 362, 363, 364, 369, 370, 371, 372, 337, 345,
};

static void
stmt(int code, unsigned k)
{
	insn[ninsn++] = (struct sock_filter)BPF_STMT(code, k);
}

static void
jeq(unsigned k, enum label t, enum label f)
{
	fix[nfix].at = ninsn;
	fix[nfix].t = t;
	fix[nfix++].f = f;
	insn[ninsn++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, k, 0, 0);
}

static void
jge(unsigned k, enum label t, enum label f)
{
	jeq(k, t, f);
	insn[ninsn - 1].code = BPF_JMP | BPF_JGE | BPF_K;
}

static void
label(enum label l)
{
	label_at[l] = ninsn;
}

static unsigned char
target(int at, enum label l)
{
	return l == NEXT ? 0 : (unsigned char)(label_at[l] - at - 1);
}

static void
assemble(void)
{
	size_t i;

	stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	jeq(AUDIT_ARCH_X86_64, NEXT, L_I386);
	stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	jge(X32_BIT, L_COMPAT, NEXT);
	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		jeq(always[i], L_TRACE, NEXT);
	jeq(__NR_sendto, L_ADDR, NEXT);
	jeq(__NR_recvfrom, L_ADDR, NEXT);
	jeq(__NR_fcntl, L_FCNTL, L_ALLOW);

	label(L_ADDR);
	stmt(BPF_LD | BPF_W | BPF_ABS, ARG_LO(4));
	jeq(0, NEXT, L_TRACE);
	stmt(BPF_LD | BPF_W | BPF_ABS, ARG_HI(4));
	jeq(0, L_ALLOW, L_TRACE);

	label(L_FCNTL);
	stmt(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1));
	jeq(F_DUPFD, L_TRACE, NEXT);
	jeq(F_DUPFD_CLOEXEC, L_TRACE, L_ALLOW);

	label(L_I386);
	stmt(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (i = 0; i < sizeof(i386_socket) / sizeof(i386_socket[0]); i++)
		jeq(i386_socket[i], L_COMPAT, NEXT);
	jeq(0xffffffff, L_COMPAT, L_ALLOW);	/* never matches */

	label(L_TRACE);
	stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE | FILTER_DATA_OURS);
	label(L_COMPAT);
	stmt(BPF_RET | BPF_K, SECCOMP_RET_TRACE | FILTER_DATA_COMPAT);
	label(L_ALLOW);
	stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	for (i = 0; i < (size_t)nfix; i++) {
		insn[fix[i].at].jt = target(fix[i].at, fix[i].t);
		insn[fix[i].at].jf = target(fix[i].at, fix[i].f);
	}
	prog.len = ninsn;
	prog.filter = insn;
}

const struct sock_fprog *
filter_prog(void)
{
	if (ninsn == 0)
		assemble();
	return &prog;
}

/* Whether one of stopped thread tid's filters is ours, put there by an
 * earlier tracer (one killed outright): it is not injected again.
 * PTRACE_SECCOMP_GET_FILTER needs CAP_SYS_ADMIN; without it, false. */
bool
filter_installed(pid_t tid)
{
	const struct sock_fprog *fp = filter_prog();
	struct sock_filter got[BPF_MAXINSNS];
	unsigned long i;
	long n;

	for (i = 0; i < FILTERS_LOOKED_AT; i++) {
		n = ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)i, NULL);
		if (n < 0)
			return false;	/* no more filters, or not allowed */
		if (n != fp->len)
			continue;
		if (ptrace(PTRACE_SECCOMP_GET_FILTER, tid, (void *)i, got) == n &&
		    memcmp(got, fp->filter, n * sizeof(got[0])) == 0)
			return true;
	}
	return false;
}

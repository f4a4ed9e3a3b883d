/* Running system calls inside a stopped tracee, and installing the
 * seccomp filter that way.
 *
 * At a stop where resuming continues in user mode (PTRACE_EVENT_STOP from
 * PTRACE_INTERRUPT or a new child, a signal-delivery-stop, a
 * syscall-exit-stop) the registers are saved, rip is pointed at a
 * `syscall' instruction found in the tracee's vDSO, rax/args are set and
 * orig_rax is -1 (so the kernel's restart logic leaves them alone), and
 * the tracee runs to the syscall-exit-stop of that call. Then the saved
 * registers are put back. If the tracee had been interrupted inside a
 * restartable syscall (orig_rax >= 0, rax = -ERESTART*), the restart the
 * kernel would have done is done here: rip -= 2, rax = orig_rax (or
 * restart_syscall), so the interrupted call runs again, now through the
 * filter. */
#include "config.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/log.h"
#include "monitor/tracer.h"

#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516

/* The address of a `syscall' (0f 05) in the tracee's vDSO. */
static int
find_sysinsn(struct proc *p)
{
	char path[64], line[256];
	unsigned long lo, hi;
	unsigned char *buf, *hit;
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/maps", p->tgid);
	if ((f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, "[vdso]") == NULL ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2 || hi - lo > (1 << 20))
			continue;
		if ((buf = malloc(hi - lo)) == NULL)
			break;
		if (mem_read(p->tgid, lo, buf, hi - lo) == 0 &&
		    (hit = memmem(buf, hi - lo, "\x0f\x05", 2)) != NULL) {
			p->sysinsn = lo + (unsigned long)(hit - buf);
			rc = 0;
		}
		free(buf);
		break;
	}
	fclose(f);
	return rc;
}

static void
restart_fixup(struct user_regs_struct *r)
{
	if ((long)r->orig_rax < 0)
		return;
	switch (-(long)r->rax) {
	case ERESTARTSYS:
	case ERESTARTNOINTR:
	case ERESTARTNOHAND:
		r->rax = r->orig_rax;
		r->rip -= 2;
		break;
	case ERESTART_RESTARTBLOCK:
		r->rax = __NR_restart_syscall;
		r->rip -= 2;
		break;
	}
}

/* Runs to the syscall-exit-stop of the injected call; its result or
 * -ESRCH when the tracee died (t->dead is then set). */
static long
run_to_exit(struct tracee *t)
{
	struct __ptrace_syscall_info info;
	int st, sig;

	if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		return -errno;
	for (;;) {
		if (waitpid(t->tid, &st, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			t->dead = true;
			return -ESRCH;
		}
		sig = WSTOPSIG(st);
		if (sig == (SIGTRAP | 0x80) ||
		    (st >> 16) == PTRACE_EVENT_SECCOMP) {
			if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid,
			    sizeof(info), &info) < 0)
				return -errno;
			if (info.op == PTRACE_SYSCALL_INFO_EXIT)
				return info.exit.rval;
		} else if ((st >> 16) == 0 && t->pend_sig == 0) {
			t->pend_sig = sig;	/* delivered on the next resume */
		}
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			return -errno;
	}
}

long
inject_syscall(struct tracee *t, struct user_regs_struct *restore, long nr,
    const long a[6])
{
	struct user_regs_struct r;
	long ret;

	if (t->p->sysinsn == 0 && find_sysinsn(t->p) < 0)
		return -ENOEXEC;
	restart_fixup(restore);
	r = *restore;
	r.rip = t->p->sysinsn;
	r.rax = nr;
	r.orig_rax = -1;
	r.rdi = a[0]; r.rsi = a[1]; r.rdx = a[2];
	r.r10 = a[3]; r.r8 = a[4]; r.r9 = a[5];
	if (ptrace(PTRACE_SETREGS, t->tid, 0, &r) < 0)
		return -errno;
	ret = run_to_exit(t);
	if (t->dead)
		return ret;
	if (ptrace(PTRACE_SETREGS, t->tid, 0, restore) < 0)
		return -errno;
	return ret;
}

/* The filter program as the tracee will see it at addr. */
static size_t
filter_image(unsigned long addr, unsigned char *buf, size_t len)
{
	const struct sock_fprog *fp = filter_prog();
	struct sock_fprog img;
	size_t n = sizeof(img) + fp->len * sizeof(struct sock_filter);

	if (n > len)
		return 0;
	memset(&img, 0, sizeof(img));
	img.len = fp->len;
	img.filter = (struct sock_filter *)(addr + sizeof(img));
	memcpy(buf, &img, sizeof(img));
	memcpy(buf + sizeof(img), fp->filter, fp->len * sizeof(struct sock_filter));
	return n;
}

static long
install(struct tracee *t, struct user_regs_struct *base, unsigned long addr)
{
	long a[6] = { SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, (long)addr };
	long nnp[6] = { PR_SET_NO_NEW_PRIVS, 1 };
	long rc;

	rc = inject_syscall(t, base, __NR_seccomp, a);
	if (rc == -EACCES) {	/* no CAP_SYS_ADMIN: needs no_new_privs */
		if ((rc = inject_syscall(t, base, __NR_prctl, nnp)) == 0)
			rc = inject_syscall(t, base, __NR_seccomp, a);
	}
	return rc;
}

/* Writes the filter below the red zone of t's stack or, when that page
 * cannot be written, into a page mapped for the purpose, and installs it
 * for every thread of the process (TSYNC). */
int
inject_filter(struct tracee *t)
{
	unsigned char buf[1024];
	struct user_regs_struct base;
	unsigned long addr;
	size_t n;
	long rc, mm[6] = { 0, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0 };

	if (ptrace(PTRACE_GETREGS, t->tid, 0, &base) < 0)
		return -errno;
	addr = (base.rsp - 128 - sizeof(buf)) & ~15UL;
	if ((n = filter_image(addr, buf, sizeof(buf))) == 0)
		return -E2BIG;
	if (mem_write(t->tid, addr, buf, n) == 0) {
		rc = install(t, &base, addr);
	} else {
		rc = inject_syscall(t, &base, __NR_mmap, mm);
		if (rc < 0 && rc > -4096)
			goto out;
		addr = (unsigned long)rc;
		filter_image(addr, buf, sizeof(buf));
		rc = mem_write(t->tid, addr, buf, n) == 0 ?
		    install(t, &base, addr) : -EFAULT;
		if (!t->dead) {
			long um[6] = { (long)addr, 4096 };
			inject_syscall(t, &base, __NR_munmap, um);
		}
	}
out:
	if (rc != 0) {
		t->p->filter = FILTER_FAILED;
		log_warn("monitor: filter for pid %d failed: %ld", t->p->tgid, rc);
		note("monitor: no filter for pid=%d exe=%s: %s; every call "
		    "stops instead", t->p->tgid, t->p->exe,
		    strerror(rc < 0 ? (int)-rc : EBUSY));
		return rc > 0 ? -EBUSY : (int)rc;
	}
	t->p->filter = FILTER_ON;
	return 0;
}

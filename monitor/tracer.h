/* The tracer process: its tables and the functions its files share. */
#ifndef IPSECFS_MONITOR_TRACER_H
#define IPSECFS_MONITOR_TRACER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#include "engine/sockev.h"
#include "monitor/monitor.h"

/* One socket, across every descriptor of every traced process. */
struct sockent {
	uint64_t		 id;		/* inode */
	int			 refs;		/* (proc, fd) pairs naming it */
	int			 family, type, proto;
	bool			 recv_seen;	/* RECV reported */
	bool			 reported;	/* some event named it */
	struct sockaddr_storage	 local, peer;	/* as last reported */
	int			 npeers;	/* SEND peers reported (ring) */
	struct sockaddr_storage	 peers[8];
	struct sockent		*next;
};

struct fdent {
	int		 fd;
	struct sockent	*s;
};

enum filter_state { FILTER_NONE, FILTER_ON, FILTER_FAILED };

/* A traced thread group. */
struct proc {
	pid_t		 tgid;
	int		 pidfd;
	char		 exe[PATH_MAX];
	bool		 active;	/* policies name it: report events */
	bool		 detaching;	/* no filter: detach at each stop */
	enum filter_state filter;
	bool		 loader;	/* exec'd the loader: program unknown yet */
	uint64_t	 netns;		/* inode of its network namespace */
	unsigned long	 sysinsn;	/* address of a syscall instruction */
	int		 nthreads;
	struct fdent	*fds;
	size_t		 nfds, capfds;
	struct proc	*next;
};

enum pending { PEND_NONE, PEND_START, PEND_ACCEPT, PEND_DUP, PEND_DUP2 };

/* A traced thread. */
struct tracee {
	pid_t		 tid;
	struct proc	*p;
	bool		 started;	/* first stop seen */
	bool		 expect_sigstop; /* our SIGSTOP from the exec path */
	bool		 listening;	/* PTRACE_LISTEN in group-stop */
	enum pending	 pend;		/* what the syscall-exit stop is for */
	long		 pend_arg[2];
	int		 pend_sig;	/* signal to deliver on next resume */
	bool		 dead;		/* not ours any more: its exit reaped
					 * during injection, or detached */
	struct tracee	*next;
};

struct counters {
	unsigned long	 attached, detached, execs, stops, events, denied;
	unsigned long	 errors, compat, fan_events, fan_overflow;
	unsigned long	 asks;
	double		 stop_ns, ask_ns;	/* time in seccomp stops, asking */
};

struct tracer {
	int		 ctl, ev;	/* to the daemon */
	int		 fan;		/* fanotify, -1 if none */
	int		 sigfd, ep;
	int		 selfns;	/* our network namespace */
	bool		 any_netns;	/* trace programs of other namespaces too */
	pid_t		 daemon;	/* never traced */
	bool		 passive;	/* daemon gone or stopped */
	struct proc	*procs;
	struct tracee	*tracees;
	struct sockent	*socks;
	struct counters	 n;
};

extern struct tracer *tr;

/* Nice value of the tracer and of the daemon thread answering it. */
#define MONITOR_NICE	(-10)

#define PTRACE_OPTS (PTRACE_O_TRACESECCOMP | PTRACE_O_TRACECLONE | \
	PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXEC | \
	PTRACE_O_TRACESYSGOOD)

/* tracer.c */
int	tracer_main(int ctl, int ev, pid_t daemon, bool any_netns, int cpu);
/* Pins the calling thread to cpu (>= 0). */
void	pin_to_cpu(int cpu);
void	tracer_go_passive(void);

/* ask.c */
void	daemon_lost(void);
int	daemon_match(const char *exe);
int	daemon_event(const struct sock_event *ev, const char *exe,
	    char *why, size_t whylen);
void	note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
double	mon_now_ns(void);

/* stops.c */
void	reap(void);
void	resume(struct tracee *t, int req, int sig);

/* procs.c: tables */
struct proc	*proc_find(pid_t tgid);
struct proc	*proc_new(pid_t tgid, const char *exe, bool active);
void		 proc_free(struct proc *p);
struct tracee	*tracee_find(pid_t tid);
struct tracee	*tracee_new(pid_t tid, struct proc *p);
void		 tracee_free(struct tracee *t);
struct sockent	*sock_lookup(uint64_t id);
struct sockent	*sock_get(uint64_t id, int family, int type, int proto);
struct sockent	*fd_get(struct proc *p, int fd);
void		 fd_put(struct proc *p, int fd, struct sockent *s);
void		 fd_close(struct proc *p, int fd);
void		 fd_close_all(struct proc *p);
void		 fd_copy(struct proc *to, const struct proc *from);
void		 fd_revalidate(struct proc *p);
int		 read_exe(pid_t pid, char *buf, size_t len);
struct pstatus {
	char	 name[16];
	char	 state;		/* R, S, D, Z, t, ... */
	pid_t	 tgid, ppid, tracer;
	int	 threads;
};
int		 read_status(pid_t tid, struct pstatus *ps);

/* filter.c */
struct sock_fprog;
const struct sock_fprog *filter_prog(void);
bool	filter_installed(pid_t tid);
#define FILTER_DATA_OURS	0x5ec
#define FILTER_DATA_COMPAT	0x5ed

/* inject.c */
int	inject_filter(struct tracee *t);
long	inject_syscall(struct tracee *t, struct user_regs_struct *restore,
	    long nr, const long a[6]);

/* sock.c */
struct sockinfo {
	uint64_t		id;
	int			family, type, proto;
	struct sockaddr_storage	local;
};
int	sock_grab(struct proc *p, int fd);
int	sock_info(int sfd, struct sockinfo *si);
int	sock_autobind(int sfd, struct sockinfo *si);
int	sock_src(int sfd, uint64_t netns, const struct sockaddr_storage *peer,
	    struct sockaddr_storage *local);
int	mem_read(pid_t pid, unsigned long addr, void *buf, size_t len);
int	mem_write(pid_t pid, unsigned long addr, const void *buf, size_t len);

/* calls.c: a seccomp stop or the syscall-exit stop it asked for;
 * returns the ptrace request to resume with (PTRACE_CONT/SYSCALL). */
int	call_enter(struct tracee *t, long nr, const unsigned long *args,
	    bool *deny);
void	call_exit(struct tracee *t);
void	sock_closed(struct sockent *s, struct proc *p, int fd);
void	report_existing(struct proc *p);

/* attach.c */
enum attach {
	ATTACH_RUNNING,	/* found by a scan */
	ATTACH_EXEC,	/* stopped in its exec of a named program */
	ATTACH_LOADER,	/* stopped in its exec of the dynamic loader */
};
int	attach_proc(pid_t tgid, const char *exe, enum attach how);
void	scan_procs(void);
void	release_proc(struct proc *p);
void	seize_tick(int sig);
bool	untouchable(pid_t pid);
bool	exec_alone(pid_t tgid, pid_t tid);

/* execs.c */
int	fan_mark(const char *path, int filesystem);
void	fan_handle(void);
void	fan_held(void);
void	fan_tick(const pid_t *tids, int ntids);
unsigned fan_allowed(void);

/* loader.c */
bool	is_loader(const char *path);
const char *loader_program_arg(const char *args, size_t len);
int	read_program(pid_t pid, char *buf, size_t len);
bool	exec_names(pid_t tid, int fd);
bool	loader_named(struct proc *p);

#endif

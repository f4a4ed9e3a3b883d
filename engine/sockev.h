/* A socket event: what the monitor saw a traced program do, and what the
 * engine translates into SPD entries (the paper's §3.4). */
#ifndef IPSECFS_SOCKEV_H
#define IPSECFS_SOCKEV_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

enum sock_op {
	SOCK_LISTEN,	/* TCP listen on local */
	SOCK_ACCEPT,	/* TCP connection accepted: local <-> peer (new sock_id) */
	SOCK_CONNECT,	/* TCP connect local -> peer (UDP connect: peer fixed) */
	SOCK_SEND,	/* UDP sendto/sendmsg/send local -> peer */
	SOCK_RECV,	/* UDP recvfrom/recvmsg on local */
	SOCK_CLOSE,	/* the last descriptor of the socket is gone */
};

struct sock_event {
	enum sock_op		op;
	pid_t			pid;
	int			fd;
	uint64_t		sock_id;	/* socket inode: one socket across dup/fork */
	const char		*exe;		/* absolute path of the program */
	int			family;		/* AF_INET, AF_INET6 */
	int			proto;		/* IPPROTO_TCP, IPPROTO_UDP */
	struct sockaddr_storage	local;		/* bound address and port */
	struct sockaddr_storage	peer;		/* CONNECT, ACCEPT, SEND */
};

const char *sock_op_name(enum sock_op op);

#endif

/* Steering for the user-space datapath: the TUN device up with room for
 * the ESP overhead, a routing table holding every configured peer's
 * IPv4 prefix through it, a rule sending unmarked traffic (not ipsecfs's
 * own sockets) to that table, and an nftables rule marking what comes out
 * of the TUN device (decrypted) for the engine's inbound allow twins.
 * Done with ip(8) and nft(8), each run bounded to a few seconds. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/events.h"
#include "engine/ipsec_int.h"

#define TUN_MTU		1400	/* 1500 minus ESP-in-UDP, IV, padding, ICV */
#define RUN_LIMIT_MS	5000

extern char **environ;

/* Runs argv (stdin from text when not NULL, output discarded); 0 when it
 * exits 0 within RUN_LIMIT_MS, else -1 (killed on time out). */
static int
run(char *const argv[], const char *text)
{
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, st, i;
	bool sent = true;
	pid_t pid;

	/* a socket, not a pipe: a child that dies early must not SIGPIPE us */
	if (text != NULL &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	if (text != NULL)
		posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	i = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (text != NULL) {
		close(in[0]);
		if (i == 0)
			sent = send(in[1], text, strlen(text), MSG_NOSIGNAL) ==
			    (ssize_t)strlen(text);
		close(in[1]);
	}
	if (i != 0)
		return -1;
	for (i = 0; i < RUN_LIMIT_MS / 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return sent && WIFEXITED(st) && WEXITSTATUS(st) == 0 ?
			    0 : -1;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

int
ipsec_local_for(const struct ipaddr *dst, struct ipaddr *local)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, port, rc = -1;

	if ((fd = socket(dst->family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	ipaddr_to_sockaddr(dst, IKE_PORT, &ss);
	if (connect(fd, (struct sockaddr *)&ss, dst->family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    ipaddr_from_sockaddr(local, &port, (struct sockaddr *)&ss) == 0)
		rc = 0;
	close(fd);
	return rc;
}

static int
route_peers(struct ipsec *s, const char *table, char *err, size_t errlen)
{
	char pfx[IPADDR_STRLEN + 8], src[IPADDR_STRLEN];
	const struct peer_conf *pc;
	struct ipaddr local;
	size_t i;

	for (i = 0; i < s->cfg->npeers; i++) {
		pc = &s->cfg->peers[i];
		if (pc->remote.addr.family != AF_INET)
			continue;	/* IPv6 peers: not steered yet */
		prefix_str(&pc->remote, pfx, sizeof(pfx));
		if (ipsec_local_for(&pc->remote.addr, &local) != 0)
			local = s->local;
		ipaddr_str(&local, src, sizeof(src));
		char *argv[] = { "ip", "-4", "route", "replace", pfx, "dev",
		    s->tunname, "table", (char *)table, "src", src, NULL };
		if (run(argv, NULL) != 0) {
			snprintf(err, errlen, "ip route %s dev %s table %s failed",
			    pfx, s->tunname, table);
			return -1;
		}
	}
	return 0;
}

int
ipsec_route_setup(struct ipsec *s, char *err, size_t errlen)
{
	char table[16], pref[16], mark[32], mtu[16], nft[512];
	char *up[] = { "ip", "link", "set", "dev", s->tunname, "mtu", mtu,
	    "up", NULL };
	char *rule[] = { "ip", "-4", "rule", "add", "pref", pref, "fwmark",
	    mark, "lookup", table, NULL };
	char *nftc[] = { "nft", "-f", "-", NULL };

	snprintf(table, sizeof(table), "%u", IPSEC_TABLE);
	snprintf(pref, sizeof(pref), "%u", IPSEC_RULE_PREF);
	snprintf(mark, sizeof(mark), "0/0x%x", IPSEC_MARK_BYPASS);
	snprintf(mtu, sizeof(mtu), "%u", TUN_MTU);
	/* what a crashed run may have left: its rule, routes, nftables table */
	s->routed = s->nft = true;
	ipsec_route_teardown(s);
	if (run(up, NULL) != 0) {
		snprintf(err, errlen, "ip link set %s up failed", s->tunname);
		return -1;
	}
	s->routed = true;	/* from here on teardown has work */
	if (route_peers(s, table, err, errlen) != 0)
		return -1;
	if (run(rule, NULL) != 0) {
		snprintf(err, errlen, "ip rule pref %s fwmark %s failed", pref,
		    mark);
		return -1;
	}
	snprintf(nft, sizeof(nft),
	    "table inet ipsecfs_%s {\n"
	    " chain decrypted {\n"
	    "  type filter hook prerouting priority -150; policy accept;\n"
	    "  iifname \"%s\" meta mark set meta mark | 0x%x\n"
	    " }\n"
	    "}\n", s->tunname, s->tunname, IPSEC_MARK_DECRYPTED);
	if (run(nftc, nft) != 0) {
		snprintf(err, errlen, "nft: marking rule on %s failed",
		    s->tunname);
		return -1;
	}
	s->nft = true;
	return 0;
}

void
ipsec_route_teardown(struct ipsec *s)
{
	char table[16], pref[16], name[IF_NAMESIZE + 16];
	char *rule[] = { "ip", "-4", "rule", "del", "pref", pref, "lookup",
	    table, NULL };
	char *flush[] = { "ip", "-4", "route", "flush", "table", table, NULL };
	char *nftc[] = { "nft", "delete", "table", "inet", name, NULL };

	snprintf(table, sizeof(table), "%u", IPSEC_TABLE);
	snprintf(pref, sizeof(pref), "%u", IPSEC_RULE_PREF);
	snprintf(name, sizeof(name), "ipsecfs_%s", s->tunname);
	if (s->routed) {
		for (int i = 0; i < 8 && run(rule, NULL) == 0; i++)
			;	/* ours only: this pref and table */
		run(flush, NULL);
	}
	if (s->nft)
		run(nftc, NULL);
	s->routed = s->nft = false;
}

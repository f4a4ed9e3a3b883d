/* Steering for the user-space datapath: the TUN device up with room for
 * the ESP overhead (and no IPv6 address of its own), a routing table
 * holding every configured peer's prefix through it, IPv4 and IPv6, a
 * rule per family sending unmarked traffic (not ipsecfs's own sockets) to
 * that table, and an nftables rule marking what comes out of the TUN
 * device (decrypted) for the engine's inbound allow twins. Done with
 * ip(8) and nft(8), each run bounded to a few seconds. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/events.h"
#include "engine/ipsec_int.h"

#define TUN_MTU		1400	/* 1500 minus IPv6, ESP-in-UDP, IV, padding,
				   ICV; above IPv6's 1280 */
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

static bool
addr_unspecified(const struct ipaddr *a)
{
	size_t i;

	for (i = 0; i < ipaddr_len(a->family); i++)
		if (a->a[i] != 0)
			return false;
	return true;
}

/* Peer prefix pc->remote through the TUN device in table, with the
 * source address the host uses towards it. */
static int
route_peer(struct ipsec *s, const struct peer_conf *pc, const char *table,
    char *err, size_t errlen)
{
	char pfx[IPADDR_STRLEN + 8], src[IPADDR_STRLEN];
	bool v6 = pc->remote.addr.family == AF_INET6;
	struct ipaddr local;
	char *argv[] = { "ip", v6 ? "-6" : "-4", "route", "replace", pfx, "dev",
	    s->tunname, "table", (char *)table, "src", src, NULL };

	prefix_str(&pc->remote, pfx, sizeof(pfx));
	if (ipsec_local_for(&pc->remote.addr, &local) != 0)
		local = v6 ? s->local6 : s->local;
	ipaddr_str(&local, src, sizeof(src));
	if (addr_unspecified(&local))
		argv[9] = NULL;		/* no source known: the kernel picks */
	if (run(argv, NULL) == 0)
		return 0;
	snprintf(err, errlen, "ip route %s dev %s table %s failed", pfx,
	    s->tunname, table);
	return -1;
}

static int
route_peers(struct ipsec *s, const char *table, char *err, size_t errlen)
{
	const struct peer_conf *pc;
	char pfx[IPADDR_STRLEN + 8];
	size_t i;

	free(s->steer);
	s->nsteer = 0;
	if ((s->steer = calloc(s->cfg->npeers + 1, sizeof(*s->steer))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < s->cfg->npeers; i++) {
		pc = &s->cfg->peers[i];
		if (pc->remote.addr.family == AF_INET6 && s->net6.fd < 0) {
			events_emit("ipsec peer=%s not steered reason=\"no IPv6 "
			    "here\" remote=%s", pc->name,
			    prefix_str(&pc->remote, pfx, sizeof(pfx)));
			continue;
		}
		if (route_peer(s, pc, table, err, errlen) != 0)
			return -1;
		s->steer[s->nsteer++] = pc->remote;
	}
	return 0;
}

/* The rule of one family: unmarked traffic looks up the TUN routes. */
static int
add_rule(const char *family, char *err, size_t errlen)
{
	char table[16], pref[16], mark[32];
	char *rule[] = { "ip", (char *)family, "rule", "add", "pref", pref,
	    "fwmark", mark, "lookup", table, NULL };

	snprintf(table, sizeof(table), "%u", IPSEC_TABLE);
	snprintf(pref, sizeof(pref), "%u", IPSEC_RULE_PREF);
	snprintf(mark, sizeof(mark), "0/0x%x", IPSEC_MARK_BYPASS);
	if (run(rule, NULL) == 0)
		return 0;
	snprintf(err, errlen, "ip %s rule pref %s fwmark %s failed", family,
	    pref, mark);
	return -1;
}

/* The TUN device up; with IPv6, without an address of its own (no
 * link-local address, so no DAD, router or multicast listener traffic
 * of its own into the datapath). */
static int
link_up(struct ipsec *s, char *err, size_t errlen)
{
	char mtu[16];
	char *up[] = { "ip", "link", "set", "dev", s->tunname, "mtu", mtu,
	    "up", NULL };
	char *nolla[] = { "ip", "link", "set", "dev", s->tunname,
	    "addrgenmode", "none", NULL };

	snprintf(mtu, sizeof(mtu), "%u", TUN_MTU);
	if (s->net6.fd >= 0 && run(nolla, NULL) != 0) {
		snprintf(err, errlen, "ip link set %s addrgenmode none failed",
		    s->tunname);
		return -1;
	}
	if (run(up, NULL) != 0) {
		snprintf(err, errlen, "ip link set %s up failed", s->tunname);
		return -1;
	}
	return 0;
}

int
ipsec_route_setup(struct ipsec *s, char *err, size_t errlen)
{
	char table[16], nft[512];
	char *nftc[] = { "nft", "-f", "-", NULL };

	snprintf(table, sizeof(table), "%u", IPSEC_TABLE);
	/* what a crashed run may have left: its rules, routes, nftables table */
	s->routed = s->nft = true;
	ipsec_route_teardown(s);
	if (link_up(s, err, errlen) != 0)
		return -1;
	s->routed = true;	/* from here on teardown has work */
	if (route_peers(s, table, err, errlen) != 0 ||
	    add_rule("-4", err, errlen) != 0 ||
	    (s->net6.fd >= 0 && add_rule("-6", err, errlen) != 0))
		return -1;
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

/* This family's rules (this pref and table: ours only) and routes. */
static void
unroute(const char *family)
{
	char table[16], pref[16];
	char *rule[] = { "ip", (char *)family, "rule", "del", "pref", pref,
	    "lookup", table, NULL };
	char *flush[] = { "ip", (char *)family, "route", "flush", "table",
	    table, NULL };
	int i;

	snprintf(table, sizeof(table), "%u", IPSEC_TABLE);
	snprintf(pref, sizeof(pref), "%u", IPSEC_RULE_PREF);
	for (i = 0; i < 8 && run(rule, NULL) == 0; i++)
		;
	run(flush, NULL);
}

void
ipsec_route_teardown(struct ipsec *s)
{
	char name[IF_NAMESIZE + 16];
	char *nftc[] = { "nft", "delete", "table", "inet", name, NULL };

	snprintf(name, sizeof(name), "ipsecfs_%s", s->tunname);
	if (s->routed) {
		unroute("-4");
		unroute("-6");
	}
	if (s->nft)
		run(nftc, NULL);
	s->routed = s->nft = false;
	free(s->steer);
	s->steer = NULL;
	s->nsteer = 0;
}

/* ipsec-node: what the daemon does around the ipsec glue, without FUSE:
 * loads ipsecfs.conf, starts the engine, installs policies, starts
 * ipsec_start(), and feeds the engine socket events for the sockets a
 * test's programs use (their addresses and ports are fixed by the test).
 *
 *   ipsec-node -c CONF [-p NAME=POLICYFILE]... [-e EVENT]... -d DUMP [-R READY]
 *
 * EVENT: "OP PROTO LOCAL [PEER] EXE", OP listen|connect|accept|send|recv,
 * PROTO tcp|udp, addresses 10.0.0.1:80 or [fd00::1]:80.
 * Runs until SIGTERM/SIGINT; SIGUSR1 (and the end) writes to DUMP the sas,
 * spd and status files and the events so far; SIGUSR2 rekeys every CHILD
 * SA (ipsec_rekey_children). READY is created once everything is
 * started. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "engine/conf.h"
#include "engine/engine.h"
#include "engine/events.h"
#include "engine/ipsec.h"
#include "engine/strbuf.h"

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ipsec-node: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 65536);
	*len = buf != NULL ? fread(buf, 1, 65535, f) : 0;
	fclose(f);
	return buf;
}

static void
load_policy(struct engine *e, const char *arg)
{
	struct policy_error err;
	char name[64], *eq = strchr(arg, '=');
	struct policy *p;
	size_t len;
	char *text;
	int rc;

	if (eq == NULL || (size_t)(eq - arg) >= sizeof(name))
		die("-p NAME=FILE: %s", arg);
	snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
	if ((text = slurp(eq + 1, &len)) == NULL)
		die("cannot read %s", eq + 1);
	p = policy_parse(text, len, &err);
	free(text);
	if (p == NULL)
		die("%s:%d:%d: %s", eq + 1, err.line, err.col, err.msg);
	if ((rc = engine_set_policy(e, name, p)) != 0)
		die("policy %s: %s", name, strerror(-rc));
}

static void
parse_addr(const char *s, struct sockaddr_storage *ss)
{
	char buf[80], *colon;
	struct ipaddr a;

	snprintf(buf, sizeof(buf), "%s", s);
	if ((colon = strrchr(buf, ':')) == NULL)
		die("address:port wanted: %s", s);
	*colon = '\0';
	if (buf[0] == '[' && colon[-1] == ']') {
		colon[-1] = '\0';
		memmove(buf, buf + 1, strlen(buf));
	}
	if (ipaddr_parse(buf, &a) != 0)
		die("bad address %s", s);
	ipaddr_to_sockaddr(&a, atoi(colon + 1), ss);
}

static void
feed(struct engine *e, const char *spec, int n)
{
	static const char *ops[] = { "listen", "accept", "connect", "send",
	    "recv" };
	char op[16], proto[8], l[80], p[80], exe[256], why[256];
	struct sock_event ev;
	int k, i, rc;

	memset(&ev, 0, sizeof(ev));
	k = sscanf(spec, "%15s %7s %79s %79s %255s", op, proto, l, p, exe);
	if (k == 4) {
		snprintf(exe, sizeof(exe), "%s", p);
		p[0] = '\0';
	} else if (k != 5)
		die("event: OP PROTO LOCAL [PEER] EXE: %s", spec);
	for (i = 0; i < 5; i++)
		if (strcmp(op, ops[i]) == 0)
			ev.op = (enum sock_op)i;
	if (i == 5 && strcmp(op, ops[ev.op]) != 0)
		die("unknown op %s", op);
	ev.proto = strcmp(proto, "udp") == 0 ? IPPROTO_UDP : IPPROTO_TCP;
	ev.pid = getpid();
	ev.fd = 100 + n;
	ev.sock_id = 1000 + (uint64_t)n;
	ev.exe = exe;
	parse_addr(l, &ev.local);
	ev.family = ev.local.ss_family;
	if (p[0] != '\0')
		parse_addr(p, &ev.peer);
	if ((rc = engine_socket_event(e, &ev, why, sizeof(why))) != 0)
		die("event %s: %s (%s)", spec, strerror(-rc), why);
}

static void
dump(struct engine *e, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char tmp[4096], buf[8192];
	uint64_t seq = 0;
	size_t n;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	engine_render_sas(e, &sb);
	fprintf(f, "== sas\n%s", sb.buf != NULL ? sb.buf : "");
	strbuf_reset(&sb);
	engine_render_spd(e, &sb);
	fprintf(f, "== spd\n%s", sb.buf != NULL ? sb.buf : "");
	strbuf_reset(&sb);
	engine_render_status(e, &sb);
	fprintf(f, "== status\n%s== events\n", sb.buf != NULL ? sb.buf : "");
	strbuf_free(&sb);
	while ((n = events_read(&seq, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, f);
	fclose(f);
	rename(tmp, path);
}

int
main(int argc, char **argv)
{
	const char *cpath = NULL, *dpath = NULL, *ready = NULL;
	const char *pol[16], *evs[32];
	int npol = 0, nev = 0, c, i, rc, sfd;
	struct signalfd_siginfo si;
	struct engine *e;
	struct ipsec *s;
	struct conf cfg;
	char err[512];
	sigset_t set;

	while ((c = getopt(argc, argv, "c:p:e:d:R:")) != -1) {
		switch (c) {
		case 'c': cpath = optarg; break;
		case 'p': if (npol < 16) pol[npol++] = optarg; break;
		case 'e': if (nev < 32) evs[nev++] = optarg; break;
		case 'd': dpath = optarg; break;
		case 'R': ready = optarg; break;
		default: return 2;
		}
	}
	if (cpath == NULL || dpath == NULL)
		die("usage: ipsec-node -c CONF [-p NAME=FILE] [-e EVENT] -d DUMP [-R READY]");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		die("signalfd: %s", strerror(errno));
	if (conf_load(&cfg, cpath, err, sizeof(err)) != 0)
		die("%s", err);
	if ((rc = engine_new(&cfg, &e)) != 0 || (rc = engine_start(e)) != 0)
		die("engine: %s", strerror(-rc));
	for (i = 0; i < npol; i++)
		load_policy(e, pol[i]);
	/* as the daemon: after engine_start, before serving */
	if ((rc = ipsec_start(e, &cfg, &s)) != 0) {
		dump(e, dpath);
		die("ipsec_start: %s", strerror(-rc));
	}
	for (i = 0; i < nev; i++)
		feed(e, evs[i], i);
	if (ready != NULL)
		fclose(fopen(ready, "w"));
	while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR2) {
			if ((rc = ipsec_rekey_children(s)) != 0)
				fprintf(stderr, "ipsec-node: rekey: %s\n",
				    strerror(-rc));
			continue;
		}
		dump(e, dpath);
		if (si.ssi_signo != SIGUSR1)
			break;
	}
	/* as the daemon: ipsec_stop before engine_stop */
	ipsec_stop(s);
	dump(e, dpath);
	engine_stop(e);
	engine_free(e);
	conf_free(&cfg);
	close(sfd);
	return 0;
}

/* ike-peer: runs ipsecfs's IKEv2 against a real peer over UDP and prints
 * what it negotiated, one line per event:
 *
 *   IKE_UP ispi=... rspi=... encr=AES_GCM_16_128 prf=PRF_HMAC_SHA2_256 dh=19
 *   CHILD_UP spi_in=c1234567 spi_out=c7654321 encr=AES_GCM_16_128 integ=NONE
 *            mode=transport encap=no ts_local=... ts_remote=...
 *   FAILED notify=24 reason=...
 *
 *   ike-peer -i -l LOCAL -p PEER -k PSK [-a IKE] [-e ESP] [-n N] ...
 *   ike-peer -r -l LOCAL -p PEER[/LEN] -k PSK [-n N] ...
 *
 * As initiator it sets up N IKE SAs with their first CHILD SA one after
 * the other (deleting each IKE SA once its CHILD SA is up when N > 1) and
 * prints the rate; as responder it answers until N CHILD SAs are up (0:
 * until the time limit), lingers -L ms, and exits. With -X the initiator
 * then rekeys the CHILD SA, rekeys the IKE SA and checks liveness. -d DIR writes every
 * datagram received to DIR/rx-N (seeds for the fuzz corpus). Exit status 0 when
 * every set-up succeeded, 1 otherwise, 2 on usage errors. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/ike.h"
#include "crypto/ike_net.h"
#include "engine/log.h"
#include "engine/proposal.h"

struct run {
	struct ike	*ike;
	bool		 initiator;
	unsigned	 want, ike_up, child_up, failed, child_down, ike_down;
	uint64_t	 last_ispi;
	uint32_t	 last_spi_in;
	bool		 quiet;
};

static volatile sig_atomic_t stop;
static const char *dump_dir;
static unsigned dump_n;

static void
dump(const struct ike_dgram *d)
{
	char path[4096];
	FILE *f;

	if (dump_dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/rx-%u", dump_dir, dump_n++);
	if ((f = fopen(path, "wb")) == NULL)
		return;
	fwrite(d->data, 1, d->len, f);
	fclose(f);
}

static void on_signal(int sig) { (void)sig; stop = 1; }

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
tname(uint8_t type, uint16_t id, uint16_t keylen, char *buf, size_t len)
{
	struct transform t = { type, id, keylen };

	if (type == TT_INTEG && id == AUTH_NONE)
		return "NONE";
	return transform_name(&t, buf, len);
}

static void
ts_str(const struct ike_ts *ts, char *buf, size_t len)
{
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	ipaddr_str(&ts->start, a, sizeof(a));
	ipaddr_str(&ts->end, b, sizeof(b));
	if (strcmp(a, b) == 0)
		snprintf(buf, len, "%s[%u/%u-%u]", a, ts->ipproto, ts->sport,
		    ts->eport);
	else
		snprintf(buf, len, "%s-%s[%u/%u-%u]", a, b, ts->ipproto,
		    ts->sport, ts->eport);
}

static void
on_event(void *arg, const struct ike_event *ev)
{
	struct run *r = arg;
	char b1[64], b2[64], b3[64], t1[128], t2[128];
	const struct ike_child_keys *k = ev->child;

	switch (ev->type) {
	case IKE_EV_IKE_UP:
		r->ike_up++;
		r->last_ispi = ev->ispi;
		if (!r->quiet)
			printf("IKE_UP ispi=%016llx rspi=%016llx encr=%s integ=%s "
			    "prf=%s dh=%u\n", (unsigned long long)ev->ispi,
			    (unsigned long long)ev->rspi,
			    tname(TT_ENCR, ev->encr, ev->keybits, b1, sizeof(b1)),
			    tname(TT_INTEG, ev->integ, 0, b2, sizeof(b2)),
			    tname(TT_PRF, ev->prf, 0, b3, sizeof(b3)), ev->dh);
		break;
	case IKE_EV_CHILD_UP:
		r->child_up++;
		r->last_spi_in = k->spi_in;
		ts_str(&k->ts_local, t1, sizeof(t1));
		ts_str(&k->ts_remote, t2, sizeof(t2));
		if (!r->quiet)
			printf("CHILD_UP spi_in=%08x spi_out=%08x encr=%s integ=%s "
			    "mode=%s encap=%s ts_local=%s ts_remote=%s\n",
			    k->spi_in, k->spi_out,
			    tname(TT_ENCR, k->encr, k->keybits, b1, sizeof(b1)),
			    tname(TT_INTEG, k->integ, 0, b2, sizeof(b2)),
			    k->transport ? "transport" : "tunnel",
			    k->encap ? "yes" : "no", t1, t2);
		break;
	case IKE_EV_FAILED:
		r->failed++;
		printf("FAILED notify=%u reason=%s\n", ev->notify, ev->reason);
		break;
	case IKE_EV_CHILD_DOWN:
		r->child_down++;
		if (!r->quiet)
			printf("CHILD_DOWN spi_in=%08x spi_out=%08x\n", ev->spi_in,
			    ev->spi_out);
		break;
	case IKE_EV_IKE_DOWN:
		r->ike_down++;
		if (!r->quiet)
			printf("IKE_DOWN ispi=%016llx\n",
			    (unsigned long long)ev->ispi);
		break;
	}
	fflush(stdout);
}

/* "PROTO/PORT" (either may be "any") into a single-host selector. */
static int
parse_ts(const char *s, const struct ipaddr *a, struct ike_ts *ts)
{
	unsigned proto = 0, port = 0;
	char p1[16], p2[16];

	memset(ts, 0, sizeof(*ts));
	ts->type = a->family == AF_INET ? TS_IPV4_ADDR_RANGE : TS_IPV6_ADDR_RANGE;
	ts->start = ts->end = *a;
	ts->eport = 65535;
	if (s == NULL)
		return 0;
	if (sscanf(s, "%15[^/]/%15s", p1, p2) != 2)
		return -1;
	if (strcmp(p1, "any") != 0 && sscanf(p1, "%u", &proto) != 1)
		return -1;
	if (strcmp(p2, "any") != 0) {
		if (sscanf(p2, "%u", &port) != 1 || port > 65535)
			return -1;
		ts->sport = ts->eport = (uint16_t)port;
	}
	ts->ipproto = (uint8_t)proto;
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ike-peer -i|-r -l LOCAL -p PEER -k PSK [-a IKE] "
	    "[-e ESP] [-s PROTO/PORT] [-S PROTO/PORT] [-t] [-E] [-n N] [-w SEC] "
	    "[-L MS] [-q] [-d DIR]\n");
	exit(2);
}

static void
pump(struct run *r, struct ike_net *net, int timeout)
{
	struct pollfd pfd[2] = { { net->fd, POLLIN, 0 }, { net->fd_natt, POLLIN, 0 } };
	struct ike_dgram d;
	uint64_t now = now_ms(), next = ike_next_timeout(r->ike);
	int i;

	while (ike_output(r->ike, &d))	/* what requests just queued */
		ike_net_send(net, &d);
	if (next != UINT64_MAX && (int64_t)(next - now) < timeout)
		timeout = next <= now ? 0 : (int)(next - now);
	if (poll(pfd, 2, timeout) > 0)
		for (i = 0; i < 2; i++)
			while ((pfd[i].revents & POLLIN) &&
			    ike_net_recv(net, pfd[i].fd, &d) >= 0 &&
			    (dump(&d), 1))
				ike_input(r->ike, now_ms(), &d.src, &d.dst, d.data,
				    d.len);
	ike_tick(r->ike, now_ms());
	while (ike_output(r->ike, &d))
		ike_net_send(net, &d);
}

/* Rekeys the last CHILD SA, then the IKE SA, then checks liveness on the
 * new IKE SA; each step waits for its outcome. */
static int
run_rekeys(struct run *r, struct ike_net *net, uint64_t deadline)
{
	unsigned up = r->child_up, down = r->child_down, iup = r->ike_up,
	    idown = r->ike_down, fails = r->failed;

	if (ike_rekey_child(r->ike, now_ms(), r->last_spi_in) != 0)
		return -1;
	while ((r->child_up == up || r->child_down == down) &&
	    r->failed == fails && !stop && now_ms() < deadline)
		pump(r, net, 100);
	if (r->child_up == up || r->child_down == down)
		return -1;
	if (ike_rekey_ike(r->ike, now_ms(), r->last_ispi) != 0)
		return -1;
	while ((r->ike_up == iup || r->ike_down == idown) &&
	    r->failed == fails && !stop && now_ms() < deadline)
		pump(r, net, 100);
	if (r->ike_up == iup || r->ike_down == idown)
		return -1;
	if (ike_liveness(r->ike, now_ms(), r->last_ispi) != 0)
		return -1;
	pump(r, net, 0);
	while (ike_next_timeout(r->ike) != UINT64_MAX && r->failed == fails &&
	    !stop && now_ms() < deadline)
		pump(r, net, 100);
	if (r->failed != fails || ike_next_timeout(r->ike) != UINT64_MAX)
		return -1;
	printf("LIVENESS ok ispi=%016llx\n", (unsigned long long)r->last_ispi);
	return 0;
}

int
main(int argc, char **argv)
{
	struct run r = { 0 };
	struct ike_peer peer;
	struct ike_net net;
	struct ike_endpoint local, remote;
	struct ike_ts tsl, tsr;
	const char *lstr = NULL, *pstr = NULL, *psk = NULL, *sl = NULL, *sr = NULL;
	const char *ikep = "aes128gcm16-prfsha256-ecp256", *espp = "aes128gcm16";
	char err[128];
	unsigned wait_s = 20, linger = 500, n = 1, done_n = 0;
	uint64_t deadline, t0, t1;
	bool rekey = false;
	int c, rc = 0;

	memset(&peer, 0, sizeof(peer));
	peer.transport = true;
	while ((c = getopt(argc, argv, "irl:p:k:a:e:s:S:tEn:w:L:qd:X")) != -1) {
		switch (c) {
		case 'i': r.initiator = true; break;
		case 'r': r.initiator = false; break;
		case 'l': lstr = optarg; break;
		case 'p': pstr = optarg; break;
		case 'k': psk = optarg; break;
		case 'a': ikep = optarg; break;
		case 'e': espp = optarg; break;
		case 's': sl = optarg; break;
		case 'S': sr = optarg; break;
		case 't': peer.transport = false; break;
		case 'E': peer.force_encap = true; break;
		case 'n': n = (unsigned)atoi(optarg); break;
		case 'w': wait_s = (unsigned)atoi(optarg); break;
		case 'L': linger = (unsigned)atoi(optarg); break;
		case 'q': r.quiet = true; break;
		case 'd': dump_dir = optarg; break;
		case 'X': rekey = true; break;
		default: usage();
		}
	}
	log_init("ike-peer", 1, 0);
	memset(&local, 0, sizeof(local));
	memset(&remote, 0, sizeof(remote));
	if (lstr == NULL || pstr == NULL || psk == NULL ||
	    ipaddr_parse(lstr, &local.addr) != 0 ||
	    prefix_parse(strchr(pstr, '/') ? pstr : pstr, &peer.remote) != 0)
		usage();
	remote.addr = peer.remote.addr;
	local.port = remote.port = IKE_PORT;
	if (proposal_parse(ikep, PROPOSAL_IKE, &peer.ike, err, sizeof(err)) != 0 ||
	    proposal_parse(espp, PROPOSAL_ESP, &peer.esp, err, sizeof(err)) != 0) {
		fprintf(stderr, "ike-peer: %s\n", err);
		return 2;
	}
	peer.psk_len = strlen(psk);
	if (peer.psk_len == 0 || peer.psk_len > IKE_PSK_MAX)
		usage();
	memcpy(peer.psk, psk, peer.psk_len);
	if (parse_ts(sl, &local.addr, &tsl) != 0 ||
	    parse_ts(sr, &remote.addr, &tsr) != 0)
		usage();
	if (!r.initiator && sl != NULL)
		peer.ts_local = tsl;
	if (!r.initiator && sr != NULL)
		peer.ts_remote = tsr;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	if (ike_net_open(&net, local.addr.family, &local.addr, 0, 0, 0) != 0) {
		perror("ike-peer: sockets");
		return 1;
	}
	r.ike = ike_new(on_event, &r);
	if (r.ike == NULL || ike_add_peer(r.ike, &peer) != 0)
		return 1;
	deadline = now_ms() + wait_s * 1000ULL;
	t0 = now_ms();
	if (r.initiator) {
		while (done_n < n && !stop && now_ms() < deadline) {
			unsigned before = r.child_up, fails = r.failed;

			if (ike_initiate(r.ike, now_ms(), &local, &remote, &tsl,
			    &tsr) != 0) {
				fprintf(stderr, "ike-peer: cannot initiate\n");
				rc = 1;
				break;
			}
			while (r.child_up == before && r.failed == fails &&
			    !stop && now_ms() < deadline)
				pump(&r, &net, 100);
			if (r.child_up == before) {
				rc = 1;
				break;
			}
			done_n++;
			if (n > 1) {
				ike_delete_ike(r.ike, now_ms(), r.last_ispi);
				while (ike_next_timeout(r.ike) != UINT64_MAX &&
				    !stop && now_ms() < deadline)
					pump(&r, &net, 100);
			}
		}
		if (rekey && rc == 0 && run_rekeys(&r, &net, deadline) != 0)
			rc = 1;
		t1 = now_ms();
		if (n > 1 && done_n == n)
			printf("RATE setups=%u ms=%llu per_s=%.1f\n", n,
			    (unsigned long long)(t1 - t0),
			    t1 > t0 ? n * 1000.0 / (double)(t1 - t0) : 0.0);
	} else {
		while (!stop && now_ms() < deadline && (n == 0 || r.child_up < n))
			pump(&r, &net, 100);
		if (n != 0 && r.child_up < n)
			rc = 1;
	}
	/* answer what is still in flight (deletes, retransmissions) */
	deadline = now_ms() + linger;
	while (!stop && now_ms() < deadline)
		pump(&r, &net, 50);
	if (r.failed > 0)
		rc = 1;
	ike_free(r.ike);
	ike_net_close(&net);
	return rc;
}

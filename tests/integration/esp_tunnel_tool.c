/* esp_tunnel_tool: one end of an ESP-in-UDP tunnel with two static SAs,
 * for tests/integration/esp_tunnel.sh. Keys are given on the command line
 * as KEYMAT (encryption key, salt, then integrity key: RFC 7296 §2.17).
 *
 *   esp_tunnel_tool --tun NAME --local ADDR --peer ADDR --alg ALG
 *       --spi-out HEX --spi-in HEX --key-out HEX --key-in HEX
 *       [--port N] [--raw] [--esn] [--transport] [--vnet-hdr] [--stats FILE]
 *
 * --raw sends ESP as IP protocol 50 instead of in UDP (RFC 3948).
 *
 * ALG: aes128gcm16 aes256gcm16 chacha20poly1305 aes128-sha1 aes256-sha256
 * null-sha1 null-sha256. Runs until SIGTERM or SIGINT; SIGUSR1 (and the
 * end) writes the counters to FILE as "name value" lines. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "crypto/cipher.h"
#include "crypto/datapath.h"
#include "crypto/esp_sadb.h"
#include "crypto/tun.h"
#include "engine/proposal.h"

struct opts {
	char		 tun[64];
	struct ipaddr	 local, peer;
	int		 port;
	bool		 alg;		/* --alg given */
	uint16_t	 encr, keybits, integ;
	uint32_t	 spi_out, spi_in;
	uint8_t		 key_out[80], key_in[80];
	size_t		 key_out_len, key_in_len;
	bool		 esn, transport, vnet, raw;
	const char	*stats;
};

static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "esp_tunnel_tool: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(2);
}

static size_t
parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	if (strncmp(s, "0x", 2) == 0)
		s += 2;
	while (s[0] != '\0') {
		if (n == cap || s[1] == '\0' || sscanf(s, "%2x", &v) != 1)
			die("bad hex key: %s", s);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static void
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "tun", 1, NULL, 't' }, { "local", 1, NULL, 'l' },
		{ "peer", 1, NULL, 'p' }, { "port", 1, NULL, 'P' },
		{ "alg", 1, NULL, 'a' }, { "spi-out", 1, NULL, 'o' },
		{ "spi-in", 1, NULL, 'i' }, { "key-out", 1, NULL, 'O' },
		{ "key-in", 1, NULL, 'I' }, { "esn", 0, NULL, 'e' },
		{ "transport", 0, NULL, 'T' }, { "vnet-hdr", 0, NULL, 'v' },
		{ "stats", 1, NULL, 's' }, { "raw", 0, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	char err[160];
	int c;

	memset(o, 0, sizeof(*o));
	o->port = 4500;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 't': snprintf(o->tun, sizeof(o->tun), "%s", optarg); break;
		case 'l': if (ipaddr_parse(optarg, &o->local)) die("bad address %s", optarg); break;
		case 'p': if (ipaddr_parse(optarg, &o->peer)) die("bad address %s", optarg); break;
		case 'P': o->port = atoi(optarg); break;
		case 'o': o->spi_out = strtoul(optarg, NULL, 16); break;
		case 'i': o->spi_in = strtoul(optarg, NULL, 16); break;
		case 'O': o->key_out_len = parse_hex(optarg, o->key_out, sizeof(o->key_out)); break;
		case 'I': o->key_in_len = parse_hex(optarg, o->key_in, sizeof(o->key_in)); break;
		case 'e': o->esn = true; break;
		case 'T': o->transport = true; break;
		case 'v': o->vnet = true; break;
		case 'r': o->raw = true; break;
		case 's': o->stats = optarg; break;
		case 'a':
			if (proposal_esp_algs(optarg, &o->encr, &o->keybits,
			    &o->integ, err, sizeof(err)) != 0)
				die("%s", err);
			o->alg = true;
			break;
		default:
			exit(2);
		}
	}
	if (o->tun[0] == '\0' || !o->alg || o->local.family == 0 ||
	    o->peer.family == 0 || o->spi_out == 0 || o->spi_in == 0)
		die("%s", "need --tun, --local, --peer, --alg, --spi-out, --spi-in");
}

static struct esp_sa *
make_sa(const struct opts *o, bool inbound)
{
	struct esp_sa_conf c = { .encr = o->encr,
	    .keybits = o->keybits, .integ = o->integ,
	    .esn = o->esn, .udp_encap = !o->raw,
	    .mode = o->transport ? ESP_MODE_TRANSPORT :
	    ESP_MODE_TUNNEL };
	const uint8_t *k = inbound ? o->key_in : o->key_out;
	size_t klen = inbound ? o->key_in_len : o->key_out_len;
	struct esp_sa *sa;
	char err[160];

	c.spi = inbound ? o->spi_in : o->spi_out;
	cipher_keylen(c.encr, c.keybits, c.integ, &c.ekeylen,
	    &c.akeylen);
	if (klen != c.ekeylen + c.akeylen)
		die("%s key has the wrong length", inbound ? "inbound" : "outbound");
	c.ekey = k;
	c.akey = k + c.ekeylen;
	if ((sa = esp_sa_new(&c, inbound, 0, NULL, NULL, err, sizeof(err))) == NULL)
		die("%s", err);
	return sa;
}

static void
write_stats(const char *path, const struct datapath *dp,
    const struct esp_sa *in, const struct esp_sa *out,
    const struct esp_sadb *db)
{
	const struct dp_stats *s = dp_stats(dp);
	char tmp[4096];
	FILE *f;
	int d;

	if (path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "tun_rx %lu\ntun_tx %lu\nudp_rx %lu\nudp_tx %lu\n"
	    "raw_rx %lu\nkeepalives %lu\nike %lu\ninvalid %lu\nerrors %lu\n",
	    (unsigned long)s->tun_rx, (unsigned long)s->tun_tx,
	    (unsigned long)s->udp_rx, (unsigned long)s->udp_tx,
	    (unsigned long)s->raw_rx,
	    (unsigned long)s->keepalives, (unsigned long)s->ike,
	    (unsigned long)s->invalid, (unsigned long)s->errors);
	fprintf(f, "in_packets %lu\nout_packets %lu\n",
	    (unsigned long)esp_sa_stats(in)->packets,
	    (unsigned long)esp_sa_stats(out)->packets);
	for (d = 0; d < ESP_DROP_MAX; d++) {
		fprintf(f, "in_drop_%s %lu\n", esp_drop_name(d),
		    (unsigned long)(esp_sa_stats(in)->drops[d] +
		    esp_sadb_drops(db)[d]));
		fprintf(f, "out_drop_%s %lu\n", esp_drop_name(d),
		    (unsigned long)esp_sa_stats(out)->drops[d]);
	}
	fclose(f);
	rename(tmp, path);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage peer;
	struct signalfd_siginfo si;
	struct pollfd pfd[4];
	struct esp_sa *in, *out;
	struct esp_sadb *db;
	struct datapath *dp;
	struct opts o;
	sigset_t set;
	char err[160];
	int tun, udp, raw = -1, sfd, flags;

	parse(argc, argv, &o);
	flags = o.vnet ? TUN_VNET_HDR : 0;
	if ((tun = tun_open(o.tun, flags, err, sizeof(err))) < 0)
		die("%s", err);
	if ((udp = dp_udp_socket(&o.local, o.port, err, sizeof(err))) < 0)
		die("%s", err);
	if (o.raw && (raw = dp_esp_socket(o.local.family, err, sizeof(err))) < 0)
		die("%s", err);
	in = make_sa(&o, true);
	out = make_sa(&o, false);
	if ((db = esp_sadb_new()) == NULL || esp_sadb_add(db, in) != 0)
		die("%s", "cannot make the SA table");
	if ((dp = dp_new(tun, flags, udp, db, &o.local)) == NULL)
		die("%s", "out of memory");
	ipaddr_to_sockaddr(&o.peer, o.port, &peer);
	dp_set_outbound(dp, out, &peer);
	dp_set_raw_esp(dp, raw);

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) < 0)
		die("signalfd: %s", strerror(errno));
	pfd[0] = (struct pollfd){ .fd = tun, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = udp, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	pfd[3] = (struct pollfd){ .fd = raw, .events = POLLIN };
	write_stats(o.stats, dp, in, out, db);
	for (;;) {
		if (poll(pfd, raw < 0 ? 3 : 4, -1) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (pfd[0].revents & POLLIN)
			dp_tun_input(dp);
		if (pfd[1].revents & POLLIN)
			dp_udp_input(dp);
		if (raw >= 0 && (pfd[3].revents & POLLIN))
			dp_esp_input(dp);
		if (!(pfd[2].revents & POLLIN) ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		write_stats(o.stats, dp, in, out, db);
		if (si.ssi_signo != SIGUSR1)
			break;
	}
	dp_free(dp);
	esp_sa_free(out);
	esp_sadb_free(db);	/* frees in */
	close(tun);
	close(udp);
	if (raw >= 0)
		close(raw);
	close(sfd);
	return 0;
}

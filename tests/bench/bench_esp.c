/* ESP per-packet cost, reported as the bare-PC IPsec paper did: time per
 * packet against packet size with a linear fit (fixed cost + cost per
 * byte), and incoming (decapsulation) against outgoing (encapsulation).
 * Baselines measured in the same process: a memcpy of the packet, and the
 * raw transform (cipher_seal of the same bytes, no ESP framing). For the
 * paper's own transform (AES-CBC-128 + HMAC-SHA1-96) tunnel and transport
 * mode through esp_ip.c are compared too.
 *
 * Figures are ratios and fits, never pass/fail. ESP_BENCH_MS sets the time
 * per measurement (default 30 ms). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/cipher.h"
#include "crypto/esp.h"
#include "crypto/esp_ip.h"
#include "engine/proposal.h"

#define NSIZES	5
#define NPKT	512	/* distinct packets per decapsulation round */
#define BUFLEN	1600

static const size_t sizes[NSIZES] = { 64, 256, 512, 1024, 1400 };

/* The algorithms, named as in ESP proposals; main() resolves them. */
static struct {
	const char	*name;
	uint16_t	 encr, keybits, integ;
} algs[] = {
	{ "aes128gcm16" }, { "aes256gcm16" }, { "chacha20poly1305" },
	{ "aes128-sha1" }, { "aes256-sha256" }, { "null-sha256" },
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

static uint8_t ekey[36] = "bench-esp-encryption-key-and-salt!!", akey[32] =
    "bench-esp-integrity-key-32bytes";
static double budget_ns = 30e6;
static volatile uint8_t sink;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static struct esp_sa *
sa_new(size_t a, bool inbound, enum esp_mode mode)
{
	struct esp_sa_conf c = { .spi = 0x100, .encr = algs[a].encr,
	    .keybits = algs[a].keybits, .integ = algs[a].integ, .ekey = ekey,
	    .akey = akey, .mode = mode, .esn = true };
	struct esp_sa *sa;
	char err[128];

	cipher_keylen(c.encr, c.keybits, c.integ, &c.ekeylen, &c.akeylen);
	if ((sa = esp_sa_new(&c, inbound, 0, NULL, NULL, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "bench_esp: %s\n", err);
		exit(1);
	}
	return sa;
}

/* An IPv4 UDP packet of len bytes at p. */
static void
fill_ip(uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)i;
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = p[7] = 0;
	p[9] = 17;
}

struct row {
	double	memcpy_ns, raw_ns, encap_ns, decap_ns;
};

/* Runs fn over as many packets as fit in the budget; best of three. */
#define MEASURE(result, body) do {					\
	double best_ = 1e30, t0_, t_;					\
	long n_, i_, per_ = 64;						\
	int r_;								\
	for (r_ = 0; r_ < 3; r_++) {					\
		for (n_ = 0, t0_ = now_ns(); (t_ = now_ns() - t0_) <	\
		    budget_ns / 3; n_ += per_)				\
			for (i_ = 0; i_ < per_; i_++) { body; }		\
		if (t_ / n_ < best_)					\
			best_ = t_ / n_;				\
	}								\
	(result) = best_;						\
} while (0)

static double
measure_decap(struct esp_sa *out, struct esp_sa *in, uint8_t (*pkts)[BUFLEN],
    size_t len, bool ip_level)
{
	static size_t plen[NPKT];
	double best = 1e30, t0, total = 0;
	uint8_t *esp, *ip;
	size_t i, iplen;
	long done = 0;
	struct esp_payload p;
	struct ipaddr a = { AF_INET, { 10, 0, 0, 1 } };

	while (total < budget_ns) {
		for (i = 0; i < NPKT; i++) {	/* fresh sequence numbers */
			fill_ip(pkts[i] + 64, len);
			if (esp_ip_encap(out, pkts[i] + 64, len, BUFLEN - 64 -
			    len, &esp, &plen[i], NULL) != 0)
				exit(1);
			memmove(pkts[i] + 64, esp, plen[i]);
		}
		t0 = now_ns();
		for (i = 0; i < NPKT; i++) {
			if (ip_level ? esp_ip_decap(in, pkts[i] + 64, plen[i],
			    &a, &a, false, &ip, &iplen, NULL) != 0 :
			    esp_decap(in, pkts[i] + 64, plen[i], &p, NULL) != 0) {
				fprintf(stderr, "bench_esp: decap failed\n");
				exit(1);
			}
		}
		t0 = now_ns() - t0;
		total += t0;
		done += NPKT;
		if (t0 / NPKT < best)
			best = t0 / NPKT;
	}
	(void)done;
	return best;
}

static struct row
measure(size_t a, size_t len, uint8_t (*pkts)[BUFLEN])
{
	static uint8_t buf[BUFLEN], dst[BUFLEN];
	struct esp_sa *out = sa_new(a, false, ESP_MODE_TUNNEL);
	struct esp_sa *in = sa_new(a, true, ESP_MODE_TUNNEL);
	struct cipher *c;
	struct cipher_aad aad = { buf, 8, NULL, 0 };
	size_t el, al, hdr = esp_hdrlen(out), olen, body;
	uint8_t iv[16] = { 0 }, icv[16];
	struct row r;
	char err[64];

	cipher_keylen(algs[a].encr, algs[a].keybits, algs[a].integ, &el, &al);
	c = cipher_new(algs[a].encr, algs[a].keybits, algs[a].integ, ekey, el,
	    akey, al, err, sizeof(err));
	body = esp_encap_len(out, len) - hdr - cipher_icvlen(c);
	fill_ip(buf + hdr, len);
	MEASURE(r.memcpy_ns, { memcpy(dst, buf, len); sink = dst[len / 2]; });
	MEASURE(r.raw_ns, cipher_seal(c, &aad, iv, buf + hdr, body, icv));
	MEASURE(r.encap_ns, esp_encap(out, ESP_NH_IPV4, buf + hdr, len, buf,
	    sizeof(buf), &olen, NULL));
	esp_sa_free(out);
	out = sa_new(a, false, ESP_MODE_TUNNEL);
	r.decap_ns = measure_decap(out, in, pkts, len, false);
	cipher_free(c);
	esp_sa_free(out);
	esp_sa_free(in);
	return r;
}

/* Least squares y = a + b x over the sizes. */
static void
fit(const double *y, double *a, double *b)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0;
	int i;

	for (i = 0; i < NSIZES; i++) {
		sx += sizes[i];
		sy += y[i];
		sxx += (double)sizes[i] * sizes[i];
		sxy += sizes[i] * y[i];
	}
	*b = (NSIZES * sxy - sx * sy) / (NSIZES * sxx - sx * sx);
	*a = (sy - *b * sx) / NSIZES;
}

static void
report(size_t a, uint8_t (*pkts)[BUFLEN])
{
	double enc[NSIZES], dec[NSIZES], raw[NSIZES], fa, fb;
	struct row r;
	int i;

	printf("\n%s\n%6s %9s %9s %9s %9s %8s %8s %7s %7s\n", algs[a].name,
	    "bytes", "memcpy", "raw", "encap", "decap", "enc MB/s",
	    "dec MB/s", "dec/enc", "enc/raw");
	for (i = 0; i < NSIZES; i++) {
		r = measure(a, sizes[i], pkts);
		enc[i] = r.encap_ns;
		dec[i] = r.decap_ns;
		raw[i] = r.raw_ns;
		printf("%6zu %9.1f %9.1f %9.1f %9.1f %8.1f %8.1f %7.3f %7.3f\n",
		    sizes[i], r.memcpy_ns, r.raw_ns, r.encap_ns, r.decap_ns,
		    sizes[i] * 1e3 / r.encap_ns, sizes[i] * 1e3 / r.decap_ns,
		    r.decap_ns / r.encap_ns, r.encap_ns / r.raw_ns);
	}
	fit(enc, &fa, &fb);
	printf("  fit encap: %.1f ns + %.3f ns/byte (%.0f MB/s asymptotic)\n",
	    fa, fb, 1e3 / fb);
	fit(dec, &fa, &fb);
	printf("  fit decap: %.1f ns + %.3f ns/byte (%.0f MB/s asymptotic)\n",
	    fa, fb, 1e3 / fb);
	fit(raw, &fa, &fb);
	printf("  fit raw:   %.1f ns + %.3f ns/byte\n", fa, fb);
}

/* Tunnel against transport mode for the paper's transform, incoming and
 * outgoing, through the IP-level functions the datapath uses. */
static void
modes(uint8_t (*pkts)[BUFLEN])
{
	static uint8_t buf[BUFLEN], hdr[20];
	double t[2][2][NSIZES], fa, fb;
	struct esp_sa *out, *in;
	size_t a = 3, len, olen;
	uint8_t *esp;
	int m, i;

	printf("\n%s, tunnel vs transport (esp_ip_encap/decap)\n"
	    "%6s %9s %9s %9s %9s\n", algs[a].name, "bytes", "tun enc",
	    "tun dec", "tra enc", "tra dec");
	for (i = 0; i < NSIZES; i++) {
		len = sizes[i];
		fill_ip(buf + 64, len);
		memcpy(hdr, buf + 64, sizeof(hdr));
		for (m = 0; m < 2; m++) {
			enum esp_mode mode = m ? ESP_MODE_TRANSPORT :
			    ESP_MODE_TUNNEL;

			out = sa_new(a, false, mode);
			in = sa_new(a, true, mode);
			/* encapsulation overwrites the IP header: restore it */
			MEASURE(t[m][0][i], { memcpy(buf + 64, hdr, 20);
			    esp_ip_encap(out, buf + 64, len, sizeof(buf) - 64 -
			    len, &esp, &olen, NULL); });
			t[m][1][i] = measure_decap(out, in, pkts, len, true);
			esp_sa_free(out);
			esp_sa_free(in);
		}
		printf("%6zu %9.1f %9.1f %9.1f %9.1f\n", len, t[0][0][i],
		    t[0][1][i], t[1][0][i], t[1][1][i]);
	}
	for (m = 0; m < 2; m++) {
		fit(t[m][0], &fa, &fb);
		printf("  %s: encap %.1f ns + %.3f ns/byte", m ? "transport" :
		    "tunnel   ", fa, fb);
		fit(t[m][1], &fa, &fb);
		printf(", decap %.1f ns + %.3f ns/byte\n", fa, fb);
	}
}

int
main(void)
{
	uint8_t (*pkts)[BUFLEN] = malloc(NPKT * BUFLEN);
	const char *ms = getenv("ESP_BENCH_MS");
	char err[128];
	size_t a;

	if (pkts == NULL)
		return 1;
	if (ms != NULL && atoi(ms) > 0)
		budget_ns = atoi(ms) * 1e6;
	printf("ESP per-packet cost (ns/packet; best of runs; ESN on;\n"
	    "raw = the transform alone on the same bytes; memcpy = baseline)\n");
	for (a = 0; a < NALGS; a++)
		if (proposal_esp_algs(algs[a].name, &algs[a].encr,
		    &algs[a].keybits, &algs[a].integ, err, sizeof(err)) != 0) {
			fprintf(stderr, "bench_esp: %s\n", err);
			return 1;
		}
	for (a = 0; a < NALGS; a++)
		report(a, pkts);
	modes(pkts);
	free(pkts);
	return 0;
}

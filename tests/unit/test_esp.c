/* crypto/esp.c, esp_sadb.c, esp_ip.c: whole published ESP packets
 * (RFC 7634 Appendix A, draft-mcgrew-gcm-test-01), round trips for every
 * algorithm x mode x ESN, bit flips, padding, truncation, lifetimes,
 * sequence number exhaustion, the SPI table and RFC 3948 demultiplexing. */
#include "config.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/cipher.h"
#include "crypto/esp.h"
#include "crypto/esp_ip.h"
#include "crypto/esp_sadb.h"
#include "engine/proposal.h"
#include "tests/unit/hex.h"

struct alg {
	uint16_t	encr, keybits, integ;
};

static const struct alg algs[] = {
	{ ENCR_AES_GCM_16, 128, AUTH_NONE },
	{ ENCR_AES_GCM_16, 256, AUTH_NONE },
	{ ENCR_CHACHA20_POLY1305, 0, AUTH_NONE },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA1_96 },
	{ ENCR_AES_CBC, 256, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_AES_CBC, 128, AUTH_HMAC_SHA2_256_128 },
	{ ENCR_NULL, 0, AUTH_HMAC_SHA1_96 },
	{ ENCR_NULL, 0, AUTH_HMAC_SHA2_256_128 },
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

static uint8_t ekey[36], akey[32];

static struct esp_sa *
new_sa(const struct alg *a, uint32_t spi, bool inbound, bool esn,
    enum esp_mode mode, esp_expire_fn fn, void *arg,
    const struct esp_lifetime *soft, const struct esp_lifetime *hard)
{
	struct esp_sa_conf c = { .spi = spi, .encr = a->encr,
	    .keybits = a->keybits, .integ = a->integ, .ekey = ekey,
	    .akey = akey, .esn = esn, .mode = mode };
	struct esp_sa *sa;
	char err[128] = "";

	assert_int_equal(cipher_keylen(a->encr, a->keybits ? a->keybits :
	    (a->encr == ENCR_CHACHA20_POLY1305 ? 256 : 0), a->integ,
	    &c.ekeylen, &c.akeylen), 0);
	if (soft != NULL)
		c.soft = *soft;
	if (hard != NULL)
		c.hard = *hard;
	sa = esp_sa_new(&c, inbound, 1000, fn, arg, err, sizeof(err));
	if (sa == NULL)
		fail_msg("esp_sa_new: %s", err);
	return sa;
}

static uint64_t
total_drops(const struct esp_sa *sa)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < ESP_DROP_MAX; i++)
		n += esp_sa_stats(sa)->drops[i];
	return n;
}

struct pkt_kat {
	uint16_t	 encr, keybits;
	const char	*key;
	uint32_t	 spi;
	const char	*packet;	/* SPI through ICV */
	const char	*payload;	/* without padding and trailer */
	uint8_t		 nh;
};

static const struct pkt_kat pkt_kats[] = {
	/* RFC 7634 Appendix A: an ICMP echo request in tunnel mode */
	{ ENCR_CHACHA20_POLY1305, 0,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
	  "a0a1a2a3", 0x01020304,
	  "0102030400000005 1011121314151617"
	  "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
	  "14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
	  "cbec163fac469b502773f6fb94e664da9165b82829f641e0"
	  "76aaa8266b7fb0f7b11b369907e1ad43",
	  "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	  "000736270809 0a0b0c0d0e0f10111213141516171819 1a1b1c1d1e1f20212223"
	  "2425262728292a2b2c2d2e2f3031323334353637", 4 },
	/* draft-mcgrew-gcm-test-01 case 2 (its next header is 1) */
	{ ENCR_AES_GCM_16, 128, "feffe9928665731c6d6a8f9467308308cafebabe",
	  0x0000a5f8,
	  "0000a5f80000000afacedbaddecaf888"
	  "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c"
	  "3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1"
	  "83b70d3aa8bc6ee4c309e9d85a41ad4a",
	  "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
	  "0001000000000000037369700963796265726369747902646b0000010001",
	  1 },
	/* case 3, AES-256 */
	{ ENCR_AES_GCM_16, 256,
	  "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	  "11223344", 0x4a2cbfe3,
	  "4a2cbfe3000000020102030405060708"
	  "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	  "748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c49"
	  "15956c96",
	  "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	  "7002400020bf0000020405b401010402", 1 },
	/* the empty payload: only padding and trailer */
	{ ENCR_AES_GCM_16, 128, "7d773d00c144c525ac619d18c84a3f47d9664267",
	  0x335467ae,
	  "335467aeffffffff43457e9182443bc6"
	  "437f866bcb3f699fe9b0822bac961c4504bef270", "", 1 },
};

static void
test_packet_kats(void **state)
{
	uint8_t key[36], pkt[256], exp[256];
	struct esp_payload p;
	enum esp_drop why;
	size_t i, n, el, kl;

	for (i = 0; i < sizeof(pkt_kats) / sizeof(pkt_kats[0]); i++) {
		const struct pkt_kat *k = &pkt_kats[i];
		struct esp_sa_conf c = { .spi = k->spi, .encr = k->encr,
		    .keybits = k->keybits, .ekey = key, .mode = ESP_MODE_TUNNEL };
		struct esp_sa *sa;
		char err[128];

		kl = unhex(k->key, key, sizeof(key));
		c.ekeylen = kl;
		sa = esp_sa_new(&c, true, 0, NULL, NULL, err, sizeof(err));
		assert_non_null(sa);
		n = unhex(k->packet, pkt, sizeof(pkt));
		el = unhex(k->payload, exp, sizeof(exp));
		assert_int_equal(esp_decap(sa, pkt, n, &p, &why), 0);
		assert_int_equal(p.len, el);
		assert_memory_equal(p.data, exp, el);
		assert_int_equal(p.next_header, k->nh);
		/* the same packet again is a replay */
		n = unhex(k->packet, pkt, sizeof(pkt));
		assert_int_equal(esp_decap(sa, pkt, n, &p, &why), -1);
		assert_int_equal(why, ESP_DROP_REPLAY);
		assert_int_equal(esp_sa_stats(sa)->drops[ESP_DROP_REPLAY], 1);
		assert_int_equal(esp_sa_stats(sa)->packets, 1);
		esp_sa_free(sa);
	}
}

/* Folded sum of the pseudo-header and the UDP datagram (0xffff when the
 * checksum in it is right). */
static uint16_t
udp_sum(const uint8_t *ip, size_t len)
{
	size_t hl = ip[0] >> 4 == 4 ? 20 : 40, alen = hl == 20 ? 4 : 16, i;
	const uint8_t *src = ip + (hl == 20 ? 12 : 8);
	uint32_t s = 17 + (uint32_t)(len - hl);

	for (i = 0; i < 2 * alen; i += 2)
		s += (uint32_t)src[i] << 8 | src[i + 1];
	for (i = hl; i + 1 < len; i += 2)
		s += (uint32_t)ip[i] << 8 | ip[i + 1];
	if ((len - hl) & 1)
		s += (uint32_t)ip[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static int
udp_ok(const uint8_t *ip, size_t len)
{
	return udp_sum(ip, len) == 0xffff;
}

/* An IPv4 or IPv6 UDP packet of total length len with a valid checksum. */
static size_t
make_ip(uint8_t *p, size_t len, int family, uint8_t seed)
{
	size_t hl = family == AF_INET ? 20 : 40, i;
	uint16_t c;

	memset(p, 0, hl + 8);
	for (i = hl + 8; i < len; i++)
		p[i] = (uint8_t)(i * 7 + seed);
	if (family == AF_INET) {
		p[0] = 0x45;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[8] = 64;
		p[9] = 17;
		memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		p[10] = ip_header_checksum(p, 20) >> 8;
		p[11] = ip_header_checksum(p, 20) & 0xff;
	} else {
		p[0] = 0x60;
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 17;
		p[7] = 64;
		p[8] = 0xfd;
		p[23] = 1;
		p[24] = 0xfd;
		p[39] = 2;
	}
	p[hl] = 0x30;
	p[hl + 1] = 0x39;
	p[hl + 2] = 0x00;
	p[hl + 3] = 0x35;
	p[hl + 4] = (uint8_t)((len - hl) >> 8);
	p[hl + 5] = (uint8_t)(len - hl);
	c = (uint16_t)~udp_sum(p, len);
	p[hl + 6] = c >> 8;
	p[hl + 7] = c & 0xff;
	return len;
}

static struct ipaddr
addr(const char *s)
{
	struct ipaddr a;

	assert_int_equal(ipaddr_parse(s, &a), 0);
	return a;
}

static void
round_trip(const struct alg *a, enum esp_mode mode, bool esn, int family)
{
	uint8_t buf[2048], orig[1600], *esp, *ip;
	size_t sizes[] = { 48, 49, 50, 51, 64, 100, 255, 256, 512, 1400 };
	struct esp_sa *out, *in;
	struct ipaddr src = addr(family == AF_INET ? "10.0.0.1" : "fd00::1");
	struct ipaddr dst = addr(family == AF_INET ? "10.0.0.2" : "fd00::2");
	size_t i, len, esplen, iplen;
	enum esp_drop why;

	out = new_sa(a, 0x1000, false, esn, mode, NULL, NULL, NULL, NULL);
	in = new_sa(a, 0x1000, true, esn, mode, NULL, NULL, NULL, NULL);
	if (esn) {	/* cross the 2^32 boundary */
		esp_sa_set_seq(out, 0xfffffffdULL);
		esp_sa_set_seq(in, 0xfffffffdULL);
	}
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		len = make_ip(orig, sizes[i], family, (uint8_t)i);
		memcpy(buf + 64, orig, len);
		assert_int_equal(esp_ip_encap(out, buf + 64, len,
		    sizeof(buf) - 64 - len, &esp, &esplen, &why), 0);
		assert_int_equal(esplen % 4, 0);
		assert_int_equal(esp_spi_of(esp, esplen), 0x1000);
		assert_int_equal(esp_ip_decap(in, esp, esplen, &src, &dst,
		    false, &ip, &iplen, &why), 0);
		if (mode == ESP_MODE_TUNNEL) {
			assert_int_equal(iplen, len);
			assert_memory_equal(ip, orig, len);
		} else {
			size_t hl = family == AF_INET ? 20 : 40;

			assert_int_equal(iplen, len);
			assert_memory_equal(ip + hl, orig + hl, len - hl);
			assert_int_equal(ip[0] >> 4, family == AF_INET ? 4 : 6);
			if (family == AF_INET)
				assert_int_equal(ip_header_checksum(ip, 20), 0);
		}
	}
	assert_int_equal(esp_sa_stats(in)->packets, i);
	assert_int_equal(total_drops(in), 0);
	if (esn)
		assert_true(esp_sa_seq(in) > 0xffffffffULL);
	esp_sa_free(out);
	esp_sa_free(in);
}

static void
test_round_trips(void **state)
{
	size_t i;
	int m, e, f;

	for (i = 0; i < NALGS; i++)
		for (m = 0; m < 2; m++)
			for (e = 0; e < 2; e++)
				for (f = 0; f < 2; f++)
					round_trip(&algs[i], m ? ESP_MODE_TUNNEL :
					    ESP_MODE_TRANSPORT, e, f ? AF_INET6 :
					    AF_INET);
}

/* Every single-bit flip of a good packet is a counted drop. */
static void
test_bit_flips(void **state)
{
	uint8_t pay[100], pkt[256], copy[256];
	struct esp_payload p;
	struct esp_sa *out, *in;
	size_t i, n;
	int b;

	memset(pay, 0x5a, sizeof(pay));
	for (i = 0; i < NALGS; i++) {
		out = new_sa(&algs[i], 7, false, i & 1, ESP_MODE_TUNNEL, NULL,
		    NULL, NULL, NULL);
		in = new_sa(&algs[i], 7, true, i & 1, ESP_MODE_TUNNEL, NULL,
		    NULL, NULL, NULL);
		assert_int_equal(esp_encap(out, 4, pay, sizeof(pay), pkt,
		    sizeof(pkt), &n, NULL), 0);
		for (b = 0; b < (int)n * 8; b++) {
			memcpy(copy, pkt, n);
			copy[b / 8] ^= 1 << (b % 8);
			assert_int_equal(esp_decap(in, copy, n, &p, NULL), -1);
		}
		assert_int_equal(total_drops(in), n * 8);
		assert_int_equal(esp_sa_stats(in)->drops[ESP_DROP_SPI], 32);
		assert_int_equal(esp_decap(in, pkt, n, &p, NULL), 0);
		assert_int_equal(p.len, sizeof(pay));
		assert_memory_equal(p.data, pay, sizeof(pay));
		esp_sa_free(out);
		esp_sa_free(in);
	}
}

/* Seals a hand-made ESP body (with its trailer) under SA keys. */
static size_t
forge(const struct alg *a, uint32_t seq, const uint8_t *body, size_t blen,
    uint8_t *pkt)
{
	size_t el, al, ivlen;
	struct cipher *c;
	struct cipher_aad aad;
	char err[64];

	cipher_keylen(a->encr, a->keybits, a->integ, &el, &al);
	c = cipher_new(a->encr, a->keybits, a->integ, ekey, el, akey, al,
	    err, sizeof(err));
	assert_non_null(c);
	ivlen = cipher_ivlen(c);
	memcpy(pkt, "\0\0\0\x07", 4);
	pkt[4] = seq >> 24;
	pkt[5] = seq >> 16;
	pkt[6] = seq >> 8;
	pkt[7] = seq;
	cipher_make_iv(c, seq, pkt + 8);
	memcpy(pkt + 8 + ivlen, body, blen);
	aad = (struct cipher_aad){ pkt, 8, NULL, 0 };
	assert_int_equal(cipher_seal(c, &aad, pkt + 8, pkt + 8 + ivlen, blen,
	    pkt + 8 + ivlen + blen), 0);
	el = 8 + ivlen + blen + cipher_icvlen(c);
	cipher_free(c);
	return el;
}

static void
test_padding(void **state)
{
	const struct alg *a = &algs[0];	/* AES-GCM: 4-byte alignment */
	struct esp_sa *in = new_sa(a, 7, true, false, ESP_MODE_TUNNEL, NULL,
	    NULL, NULL, NULL);
	uint8_t pkt[256];
	struct esp_payload p;
	enum esp_drop why;
	size_t n;

	/* good: 2 data bytes, no padding, pad length 0, next header 4 */
	n = forge(a, 1, (const uint8_t *)"ab\x00\x04", 4, pkt);
	assert_int_equal(esp_decap(in, pkt, n, &p, &why), 0);
	assert_int_equal(p.len, 2);
	/* padding 1, 2, 3, 4 then pad length 4 */
	n = forge(a, 2, (const uint8_t *)"ab\x01\x02\x03\x04\x04\x04", 8, pkt);
	assert_int_equal(esp_decap(in, pkt, n, &p, &why), 0);
	assert_int_equal(p.len, 2);
	/* wrong padding byte */
	n = forge(a, 3, (const uint8_t *)"ab\x01\x02\x07\x04\x04\x04", 8, pkt);
	assert_int_equal(esp_decap(in, pkt, n, &p, &why), -1);
	assert_int_equal(why, ESP_DROP_PAD);
	/* pad length past the start of the payload */
	n = forge(a, 4, (const uint8_t *)"\x01\x02\x07\x04", 4, pkt);
	assert_int_equal(esp_decap(in, pkt, n, &p, &why), -1);
	assert_int_equal(why, ESP_DROP_PAD);
	n = forge(a, 5, (const uint8_t *)"\x01\x02\xff\x04", 4, pkt);
	assert_int_equal(esp_decap(in, pkt, n, &p, &why), -1);
	assert_int_equal(why, ESP_DROP_PAD);
	assert_int_equal(esp_sa_stats(in)->drops[ESP_DROP_PAD], 3);
	/* a packet dropped for its padding does not enter the window: the
	 * same one again is a padding drop, not a replay */
	n = forge(a, 5, (const uint8_t *)"\x01\x02\xff\x04", 4, pkt);
	assert_int_equal(esp_decap(in, pkt, n, &p, &why), -1);
	assert_int_equal(why, ESP_DROP_PAD);
	esp_sa_free(in);
}

static void
test_truncated(void **state)
{
	uint8_t pay[40] = { 0 }, pkt[256], copy[256];
	struct esp_payload p;
	struct esp_sa *out, *in;
	enum esp_drop why;
	size_t i, n, cut;

	for (i = 0; i < NALGS; i++) {
		out = new_sa(&algs[i], 9, false, false, ESP_MODE_TUNNEL, NULL,
		    NULL, NULL, NULL);
		in = new_sa(&algs[i], 9, true, false, ESP_MODE_TUNNEL, NULL,
		    NULL, NULL, NULL);
		assert_int_equal(esp_encap(out, 4, pay, sizeof(pay), pkt,
		    sizeof(pkt), &n, NULL), 0);
		for (cut = 0; cut < n; cut++) {
			memcpy(copy, pkt, cut);
			assert_int_equal(esp_decap(in, copy, cut, &p, &why), -1);
			assert_true(why == ESP_DROP_TRUNC || why == ESP_DROP_AUTH);
		}
		assert_int_equal(esp_decap(in, pkt, n, &p, &why), 0);
		/* an output buffer one byte short */
		assert_int_equal(esp_encap(out, 4, pay, sizeof(pay), pkt,
		    n - 1, &n, &why), -1);
		assert_int_equal(why, ESP_DROP_NOROOM);
		esp_sa_free(out);
		esp_sa_free(in);
	}
}

struct expiry {
	int	soft, hard;
};

static void
on_expire(struct esp_sa *sa, bool hard, void *arg)
{
	struct expiry *e = arg;

	if (hard)
		e->hard++;
	else
		e->soft++;
}

static void
test_lifetimes(void **state)
{
	struct esp_lifetime soft = { .packets = 3 }, hard = { .packets = 5 };
	uint8_t pay[10] = { 0 }, pkt[128];
	struct expiry e = { 0, 0 };
	struct esp_sa *sa;
	enum esp_drop why;
	size_t n;
	int i;

	sa = new_sa(&algs[0], 1, false, false, ESP_MODE_TUNNEL, on_expire, &e,
	    &soft, &hard);
	for (i = 0; i < 5; i++) {
		assert_int_equal(esp_encap(sa, 4, pay, 10, pkt, sizeof(pkt),
		    &n, NULL), 0);
		assert_int_equal(e.soft, i >= 2);
	}
	assert_int_equal(e.hard, 1);
	assert_true(esp_sa_dead(sa));
	assert_int_equal(esp_encap(sa, 4, pay, 10, pkt, sizeof(pkt), &n,
	    &why), -1);
	assert_int_equal(why, ESP_DROP_EXPIRED);
	assert_int_equal(e.soft, 1);
	assert_int_equal(e.hard, 1);
	esp_sa_free(sa);

	/* bytes */
	e = (struct expiry){ 0, 0 };
	soft = (struct esp_lifetime){ .bytes = 25 };
	hard = (struct esp_lifetime){ .bytes = 40 };
	sa = new_sa(&algs[2], 1, false, false, ESP_MODE_TUNNEL, on_expire, &e,
	    &soft, &hard);
	for (i = 0; i < 4; i++)
		assert_int_equal(esp_encap(sa, 4, pay, 10, pkt, sizeof(pkt),
		    &n, NULL), 0);
	assert_int_equal(e.soft, 1);
	assert_int_equal(e.hard, 1);
	assert_int_equal(esp_encap(sa, 4, pay, 10, pkt, sizeof(pkt), &n,
	    NULL), -1);
	esp_sa_free(sa);

	/* time: made at 1000 */
	e = (struct expiry){ 0, 0 };
	soft = (struct esp_lifetime){ .seconds = 60 };
	hard = (struct esp_lifetime){ .seconds = 90 };
	sa = new_sa(&algs[3], 1, true, false, ESP_MODE_TUNNEL, on_expire, &e,
	    &soft, &hard);
	esp_sa_tick(sa, 1059);
	assert_int_equal(e.soft, 0);
	esp_sa_tick(sa, 1060);
	esp_sa_tick(sa, 1061);
	assert_int_equal(e.soft, 1);
	assert_false(esp_sa_dead(sa));
	esp_sa_tick(sa, 1090);
	assert_int_equal(e.hard, 1);
	assert_true(esp_sa_dead(sa));
	assert_int_equal(esp_decap(sa, pkt, sizeof(pkt),
	    &(struct esp_payload){ 0 }, &why), -1);
	assert_int_equal(why, ESP_DROP_EXPIRED);
	esp_sa_free(sa);
}

/* Without ESN the 32-bit counter must not cycle (RFC 4303 §3.3.3). */
static void
test_seq_exhaustion(void **state)
{
	uint8_t pay[10] = { 0 }, pkt[128];
	struct expiry e = { 0, 0 };
	struct esp_sa *sa, *in;
	struct esp_payload p;
	enum esp_drop why;
	size_t n;

	sa = new_sa(&algs[0], 1, false, false, ESP_MODE_TUNNEL, on_expire, &e,
	    NULL, NULL);
	esp_sa_set_seq(sa, 0xfffffffeULL);
	assert_int_equal(esp_encap(sa, 4, pay, 10, pkt, sizeof(pkt), &n,
	    NULL), 0);
	assert_int_equal(esp_sa_seq(sa), 0xffffffffULL);
	assert_int_equal(esp_encap(sa, 4, pay, 10, pkt + 64, 64, &n, &why), -1);
	assert_int_equal(why, ESP_DROP_EXPIRED);
	assert_int_equal(e.hard, 1);
	esp_sa_free(sa);

	/* ESN: the high bits are in the ICV; a receiver that guesses them
	 * wrong (here: a window far behind) fails authentication */
	sa = new_sa(&algs[3], 1, false, true, ESP_MODE_TUNNEL, NULL, NULL,
	    NULL, NULL);
	in = new_sa(&algs[3], 1, true, true, ESP_MODE_TUNNEL, NULL, NULL,
	    NULL, NULL);
	esp_sa_set_seq(sa, 0x300000010ULL);
	esp_sa_set_seq(in, 0x200000010ULL);
	assert_int_equal(esp_encap(sa, 4, pay, 10, pkt, sizeof(pkt), &n,
	    NULL), 0);
	assert_int_equal(esp_decap(in, pkt, n, &p, &why), -1);
	assert_int_equal(why, ESP_DROP_AUTH);
	esp_sa_free(sa);
	esp_sa_free(in);
}

static void
test_sadb(void **state)
{
	struct esp_sadb *db = esp_sadb_new();
	struct esp_sa *out, *in, *found;
	uint8_t pay[20] = { 1 }, pkt[128];
	struct esp_payload p;
	enum esp_drop why;
	size_t n;
	uint32_t spi;

	for (spi = 1; spi <= 600; spi++)
		assert_int_equal(esp_sadb_add(db, new_sa(&algs[0], spi * 977,
		    true, false, ESP_MODE_TUNNEL, NULL, NULL, NULL, NULL)), 0);
	assert_int_equal(esp_sadb_count(db), 600);
	in = new_sa(&algs[0], 977, true, false, ESP_MODE_TUNNEL, NULL, NULL,
	    NULL, NULL);
	assert_int_equal(esp_sadb_add(db, in), -1);	/* duplicate SPI */
	esp_sa_free(in);
	out = new_sa(&algs[0], 5 * 977, false, false, ESP_MODE_TUNNEL, NULL,
	    NULL, NULL, NULL);
	assert_int_equal(esp_encap(out, 4, pay, sizeof(pay), pkt, sizeof(pkt),
	    &n, NULL), 0);
	assert_int_equal(esp_sadb_input(db, pkt, n, &p, &found, &why), 0);
	assert_int_equal(esp_sa_spi(found), 5 * 977);
	pkt[3] ^= 0xff;
	assert_int_equal(esp_sadb_input(db, pkt, n, &p, &found, &why), -1);
	assert_null(found);
	assert_int_equal(why, ESP_DROP_SPI);
	assert_int_equal(esp_sadb_input(db, pkt, 7, &p, &found, &why), -1);
	assert_int_equal(why, ESP_DROP_TRUNC);
	assert_int_equal(esp_sadb_drops(db)[ESP_DROP_SPI], 1);
	assert_int_equal(esp_sadb_drops(db)[ESP_DROP_TRUNC], 1);
	in = esp_sadb_remove(db, 5 * 977);
	assert_non_null(in);
	assert_null(esp_sadb_find(db, 5 * 977));
	assert_null(esp_sadb_remove(db, 5 * 977));
	assert_int_equal(esp_sadb_count(db), 599);
	esp_sa_free(in);
	esp_sa_free(out);
	esp_sadb_tick(db, 5000);
	esp_sadb_free(db);
}

static void
test_udp_classify(void **state)
{
	assert_int_equal(esp_udp_classify((const uint8_t *)"\xff", 1),
	    ESP_UDP_KEEPALIVE);
	assert_int_equal(esp_udp_classify((const uint8_t *)"\0\0\0\0ike", 7),
	    ESP_UDP_IKE);
	assert_int_equal(esp_udp_classify((const uint8_t *)"\0\0\0\1\0\0\0\1",
	    8), ESP_UDP_ESP);
	assert_int_equal(esp_udp_classify((const uint8_t *)"\0\0\0\1", 4),
	    ESP_UDP_INVALID);
	assert_int_equal(esp_udp_classify((const uint8_t *)"\xfe", 1),
	    ESP_UDP_INVALID);
	assert_int_equal(esp_udp_classify(NULL, 0), ESP_UDP_INVALID);
}

/* Transport mode behind a NAT: the receiver sees other addresses than the
 * sender used in its UDP checksum; with udp_encap it is recomputed. */
static void
test_transport_nat(void **state)
{
	uint8_t buf[512], orig[200], *esp, *ip;
	struct ipaddr src = addr("192.0.2.7"), dst = addr("10.0.0.2");
	struct esp_sa *out, *in;
	size_t len, esplen, iplen;
	int f;

	for (f = 0; f < 2; f++) {
		out = new_sa(&algs[2], 3, false, false, ESP_MODE_TRANSPORT, NULL,
		    NULL, NULL, NULL);
		in = new_sa(&algs[2], 3, true, false, ESP_MODE_TRANSPORT, NULL,
		    NULL, NULL, NULL);
		len = make_ip(orig, 121, f ? AF_INET6 : AF_INET, 3);
		if (f) {
			src = addr("fd00:99::7");
			dst = addr("fd00::2");
		}
		memcpy(buf + 64, orig, len);
		assert_int_equal(esp_ip_encap(out, buf + 64, len, 100, &esp,
		    &esplen, NULL), 0);
		assert_int_equal(esp_ip_decap(in, esp, esplen, &src, &dst, true,
		    &ip, &iplen, NULL), 0);
		assert_int_equal(iplen, len);
		assert_true(udp_ok(ip, iplen));
		assert_memory_equal(ip + (f ? 8 : 12), src.a, f ? 16 : 4);
		esp_sa_free(out);
		esp_sa_free(in);
	}
}

/* Tunnel mode refuses a payload that is not an IP packet of its next
 * header, and a dummy packet (59) is discarded without a drop. */
static void
test_tunnel_inner(void **state)
{
	uint8_t pay[60] = { 0x45 }, pkt[256], *ip;
	struct ipaddr a = addr("10.0.0.1");
	struct esp_sa *out, *in;
	enum esp_drop why;
	size_t n, iplen;

	out = new_sa(&algs[0], 3, false, false, ESP_MODE_TUNNEL, NULL, NULL,
	    NULL, NULL);
	in = new_sa(&algs[0], 3, true, false, ESP_MODE_TUNNEL, NULL, NULL,
	    NULL, NULL);
	pay[3] = 80;	/* claims more than it has */
	assert_int_equal(esp_encap(out, 4, pay, 60, pkt, sizeof(pkt), &n,
	    NULL), 0);
	assert_int_equal(esp_ip_decap(in, pkt, n, &a, &a, false, &ip, &iplen,
	    &why), -1);
	assert_int_equal(why, ESP_DROP_INNER);
	pay[3] = 40;	/* shorter: TFC padding after it is cut */
	assert_int_equal(esp_encap(out, 4, pay, 60, pkt, sizeof(pkt), &n,
	    NULL), 0);
	assert_int_equal(esp_ip_decap(in, pkt, n, &a, &a, false, &ip, &iplen,
	    &why), 0);
	assert_int_equal(iplen, 40);
	assert_int_equal(esp_encap(out, 41, pay, 60, pkt, sizeof(pkt), &n,
	    NULL), 0);
	assert_int_equal(esp_ip_decap(in, pkt, n, &a, &a, false, &ip, &iplen,
	    &why), -1);
	assert_int_equal(esp_encap(out, ESP_NH_NONE, pay, 60, pkt, sizeof(pkt),
	    &n, NULL), 0);
	assert_int_equal(esp_ip_decap(in, pkt, n, &a, &a, false, &ip, &iplen,
	    &why), 1);
	assert_int_equal(esp_sa_stats(in)->drops[ESP_DROP_INNER], 2);
	assert_string_equal(esp_drop_name(ESP_DROP_INNER), "bad-inner");
	assert_string_equal(esp_sa_cipher_name(in), "AES_GCM_16_128");
	esp_sa_free(out);
	esp_sa_free(in);
}

static int
setup(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(ekey); i++)
		ekey[i] = (uint8_t)(0x40 + i);
	for (i = 0; i < sizeof(akey); i++)
		akey[i] = (uint8_t)(0x90 + i);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_kats),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_bit_flips),
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_lifetimes),
		cmocka_unit_test(test_seq_exhaustion),
		cmocka_unit_test(test_sadb),
		cmocka_unit_test(test_udp_classify),
		cmocka_unit_test(test_transport_nat),
		cmocka_unit_test(test_tunnel_inner),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}

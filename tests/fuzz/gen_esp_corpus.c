/* Writes the seed corpus of fuzz_esp_decap: for a spread of selector
 * bytes, a valid ESP packet of an IPv4 or IPv6 UDP packet, plus a NAT
 * keepalive and an IKE marker. Run: ./gen_esp_corpus DIR */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "crypto/esp_ip.h"
#include "tests/fuzz/esp_fuzz_sa.h"

static void
write_seed(const char *dir, unsigned n, uint8_t sel, const uint8_t *p,
    size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%03u-%02x", dir, n, sel);
	if ((f = fopen(path, "wb")) == NULL) {
		perror(path);
		return;
	}
	fputc(sel, f);
	fwrite(p, 1, len, f);
	fclose(f);
}

static size_t
make_ip(uint8_t *p, size_t len, bool v6)
{
	size_t hl = v6 ? 40 : 20;

	memset(p, 0, len);
	p[0] = v6 ? 0x60 : 0x45;
	if (v6) {
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
		p[6] = 17;
		p[7] = 64;
	} else {
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[8] = 64;
		p[9] = 17;
		p[12] = 10;
		p[16] = 10;
		p[19] = 2;
		p[10] = ip_header_checksum(p, 20) >> 8;
		p[11] = ip_header_checksum(p, 20) & 0xff;
	}
	p[hl + 1] = 53;
	p[hl + 3] = 53;
	p[hl + 5] = (uint8_t)(len - hl);
	return len;
}

/* An ESP plaintext: the payload of the mode (IP packet or UDP datagram),
 * padding 1, 2, ... to 16 bytes, pad length, next header. */
static size_t
seal_body(uint8_t sel, uint8_t *b, size_t len)
{
	size_t hl = FUZZ_ESP_V6(sel) ? 40 : 20, n, pad, i;
	uint8_t nh = FUZZ_ESP_V6(sel) ? 41 : 4;

	make_ip(b, len, FUZZ_ESP_V6(sel));
	n = len;
	if (!FUZZ_ESP_TUNNEL(sel)) {
		memmove(b, b + hl, len - hl);
		n = len - hl;
		nh = 17;
	}
	pad = (16 - (n + 2) % 16) % 16;
	for (i = 0; i < pad; i++)
		b[n + i] = (uint8_t)(i + 1);
	b[n + pad] = (uint8_t)pad;
	b[n + pad + 1] = nh;
	return n + pad + 2;
}

int
main(int argc, char **argv)
{
	static const uint8_t sels[] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
	    0x06, 0x10, 0x12, 0x13, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
	    0x30, 0x33, 0x60, 0x62, 0x80, 0x82, 0xc3, 0xe6, 0xf0 };
	static const uint8_t seal_sels[] = { 0x08, 0x0b, 0x28, 0x2b, 0x2e,
	    0x6a, 0x98, 0xb9, 0xc8 };
	uint8_t buf[2048], *esp;
	size_t i, esplen, len;
	struct esp_sa *sa;
	unsigned n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < sizeof(sels); i++) {
		if ((sa = fuzz_esp_sa(sels[i], false)) == NULL)
			return 1;
		len = make_ip(buf + 64, 48 + 40 * (i % 5), FUZZ_ESP_V6(sels[i]));
		if (esp_ip_encap(sa, buf + 64, len, sizeof(buf) - 64 - len,
		    &esp, &esplen, NULL) != 0)
			return 1;
		write_seed(argv[1], n++, sels[i], esp, esplen);
		esp_sa_free(sa);
	}
	/* FUZZ_ESP_SEAL seeds: plaintext bodies with a proper trailer */
	for (i = 0; i < sizeof(seal_sels); i++)
		write_seed(argv[1], n++, seal_sels[i], buf,
		    seal_body(seal_sels[i], buf, 40 + 24 * i));
	write_seed(argv[1], n++, 0, (const uint8_t *)"\xff", 1);
	write_seed(argv[1], n++, 0, (const uint8_t *)"\0\0\0\0ike", 7);
	return 0;
}

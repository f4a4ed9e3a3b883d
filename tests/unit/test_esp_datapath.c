/* crypto/datapath.c without root: a SOCK_SEQPACKET socketpair stands in
 * for each TUN device (one read, one packet, as with a TUN fd) and the two
 * ends talk ESP-in-UDP over 127.0.0.1. Batches, the router callback,
 * IKE/keepalive/garbage demultiplexing and the virtio-net header path. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "crypto/cipher.h"
#include "crypto/datapath.h"
#include "crypto/tun.h"
#include "engine/proposal.h"

struct end {
	int			 tun[2];	/* [0] for the datapath, [1] "the kernel" */
	int			 udp;
	struct sockaddr_storage	 addr;
	struct esp_sadb		*db;
	struct esp_sa		*out;
	struct datapath		*dp;
};

static uint8_t key[20] = "datapath-test-key-20";
static struct ipaddr lo;

static struct esp_sa *
sa(uint32_t spi, bool inbound)
{
	struct esp_sa_conf c = { .spi = spi, .encr = ENCR_AES_GCM_16,
	    .keybits = 128, .ekey = key, .ekeylen = 20,
	    .mode = ESP_MODE_TUNNEL, .esn = true, .udp_encap = true };
	char err[128];
	struct esp_sa *s = esp_sa_new(&c, inbound, 0, NULL, NULL, err,
	    sizeof(err));

	assert_non_null(s);
	return s;
}

static void
end_init(struct end *e, uint32_t spi_in, uint32_t spi_out, int flags)
{
	socklen_t len = sizeof(e->addr);
	char err[128];

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
	    0, e->tun), 0);
	e->udp = dp_udp_socket(&lo, 0, err, sizeof(err));
	assert_true(e->udp >= 0);
	assert_int_equal(getsockname(e->udp, (struct sockaddr *)&e->addr,
	    &len), 0);
	e->db = esp_sadb_new();
	assert_int_equal(esp_sadb_add(e->db, sa(spi_in, true)), 0);
	e->out = sa(spi_out, false);
	e->dp = dp_new(e->tun[0], flags, e->udp, e->db, &lo);
	assert_non_null(e->dp);
}

static void
end_free(struct end *e)
{
	dp_free(e->dp);
	esp_sa_free(e->out);
	esp_sadb_free(e->db);
	close(e->tun[0]);
	close(e->tun[1]);
	close(e->udp);
}

static size_t
make_ip(uint8_t *p, size_t len, uint8_t id)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i ^ id);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[9] = 17;
	return len;
}

static void
wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 2000), 1);
}

/* Moves everything queued: A's TUN -> UDP -> B's TUN. */
static void
pump(struct end *a, struct end *b, int want)
{
	int got = 0, n;

	while (dp_tun_input(a->dp) > 0)
		;
	while (got < want) {
		wait_readable(b->udp);
		n = dp_udp_input(b->dp);
		assert_true(n > 0);
		got += n;
	}
}

static struct end *route_to;
static int routed;

static struct esp_sa *
router(const uint8_t *ip, size_t len, struct sockaddr_storage *peer, void *arg)
{
	struct end *self = arg;

	routed++;
	if (ip[19] == 99)	/* "no SA for this destination" */
		return NULL;
	*peer = route_to->addr;
	return self->out;
}

static void
test_batches(void **state)
{
	struct end a, b;
	uint8_t pkt[1500], got[1600];
	ssize_t n;
	int i;

	end_init(&a, 0xa, 0xb, 0);
	end_init(&b, 0xb, 0xa, 0);
	route_to = &b;
	dp_set_router(a.dp, router, &a);
	dp_set_outbound(b.dp, b.out, &a.addr);
	/* 100 small packets: two batches (64 + 36) each way */
	for (i = 0; i < 100; i++) {
		make_ip(pkt, 100 + i, (uint8_t)i);
		assert_int_equal(write(a.tun[1], pkt, 100 + i), 100 + i);
	}
	pump(&a, &b, 100);
	for (i = 0; i < 100; i++) {
		n = read(b.tun[1], got, sizeof(got));
		assert_int_equal(n, 100 + i);
		make_ip(pkt, 100 + i, (uint8_t)i);
		assert_memory_equal(got, pkt, (size_t)n);
	}
	/* then sizes up to 1400 bytes, a few at a time (socket buffers) */
	for (i = 0; i < 50; i++) {
		make_ip(pkt, 60 + i * 27, (uint8_t)i);
		assert_int_equal(write(a.tun[1], pkt, 60 + i * 27), 60 + i * 27);
		pump(&a, &b, 1);
		n = read(b.tun[1], got, sizeof(got));
		assert_int_equal(n, 60 + i * 27);
		assert_memory_equal(got, pkt, (size_t)n);
	}
	assert_int_equal(routed, 150);
	assert_int_equal(dp_stats(a.dp)->tun_rx, 150);
	assert_int_equal(dp_stats(a.dp)->udp_tx, 150);
	assert_int_equal(dp_stats(b.dp)->udp_rx, 150);
	assert_int_equal(dp_stats(b.dp)->tun_tx, 150);
	assert_int_equal(dp_stats(b.dp)->errors, 0);
	/* and back, through the default SA */
	make_ip(pkt, 100, 7);
	assert_int_equal(write(b.tun[1], pkt, 100), 100);
	pump(&b, &a, 1);
	assert_int_equal(read(a.tun[1], got, sizeof(got)), 100);
	assert_memory_equal(got, pkt, 100);
	/* the router has no SA for this one */
	make_ip(pkt, 100, 7);
	pkt[19] = 99;
	assert_int_equal(write(a.tun[1], pkt, 100), 100);
	assert_int_equal(dp_tun_input(a.dp), 1);
	assert_int_equal(dp_stats(a.dp)->no_sa, 1);
	end_free(&a);
	end_free(&b);
}

/* An IPv6 packet of len bytes (payload length set, UDP). */
static size_t
make_ip6(uint8_t *p, size_t len, uint8_t id)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i ^ id);
	p[0] = 0x60;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = 17;
	return len;
}

static struct sockaddr_storage peer4, peer6;

/* IPv4 packets to peer4, IPv6 ones to peer6, on one SA. */
static struct esp_sa *
router_by_family(const uint8_t *ip, size_t len, struct sockaddr_storage *peer,
    void *arg)
{
	struct end *self = arg;

	*peer = (ip[0] >> 4) == 6 ? peer6 : peer4;
	return self->out;
}

/* A second UDP socket on ::1 (dp_set_udp): packets go out from the
 * socket of their peer's family, in one batch read from the TUN side, and
 * come in on both (dp_sock_input). */
static void
test_two_families(void **state)
{
	struct end a, b;
	struct ipaddr lo6;
	socklen_t len = sizeof(peer6);
	uint8_t pkt[400], got[500];
	char err[128];
	int a6, b6, i, n = 0;

	assert_int_equal(ipaddr_parse("::1", &lo6), 0);
	end_init(&a, 0xa, 0xb, 0);
	end_init(&b, 0xb, 0xa, 0);
	if ((a6 = dp_udp_socket(&lo6, 0, err, sizeof(err))) < 0) {
		end_free(&a);
		end_free(&b);
		skip();		/* no IPv6 here */
	}
	b6 = dp_udp_socket(&lo6, 0, err, sizeof(err));
	assert_true(b6 >= 0);
	assert_int_equal(getsockname(b6, (struct sockaddr *)&peer6, &len), 0);
	peer4 = b.addr;
	dp_set_udp(a.dp, a6, &lo6);
	dp_set_udp(b.dp, b6, &lo6);
	dp_set_router(a.dp, router_by_family, &a);
	for (i = 0; i < 10; i++) {
		if (i % 2)
			make_ip6(pkt, 100 + i, (uint8_t)i);
		else
			make_ip(pkt, 100 + i, (uint8_t)i);
		assert_int_equal(write(a.tun[1], pkt, 100 + i), 100 + i);
	}
	assert_int_equal(dp_tun_input(a.dp), 10);
	while (n < 10) {
		struct pollfd p[2] = { { .fd = b.udp, .events = POLLIN },
		    { .fd = b6, .events = POLLIN } };

		assert_true(poll(p, 2, 2000) > 0);
		if (p[0].revents & POLLIN)
			n += dp_sock_input(b.dp, b.udp);
		if (p[1].revents & POLLIN)
			n += dp_sock_input(b.dp, b6);
	}
	assert_int_equal(dp_stats(b.dp)->tun_tx, 10);
	assert_int_equal(dp_stats(a.dp)->errors, 0);
	for (i = 0; i < 10; i++)	/* one SA: the window orders them */
		assert_true(read(b.tun[1], got, sizeof(got)) >= 100);
	assert_int_equal(dp_sock_input(b.dp, a.udp), -1);
	end_free(&a);
	end_free(&b);
	close(a6);
	close(b6);
}

/* B takes nothing whose inner destination ends in 66 */
static bool
accept_fn(const struct esp_sa *s, const uint8_t *ip, size_t len, void *arg)
{
	return len >= 20 && ip[19] != 66;
}

static void
test_inbound_check(void **state)
{
	struct end a, b;
	uint8_t pkt[200], got[300];

	end_init(&a, 0xa, 0xb, 0);
	end_init(&b, 0xb, 0xa, 0);
	dp_set_outbound(a.dp, a.out, &b.addr);
	dp_set_inbound_check(b.dp, accept_fn, NULL);
	make_ip(pkt, 200, 3);
	pkt[19] = 66;
	assert_int_equal(write(a.tun[1], pkt, 200), 200);
	make_ip(pkt, 200, 4);
	pkt[19] = 67;
	assert_int_equal(write(a.tun[1], pkt, 200), 200);
	pump(&a, &b, 2);
	assert_int_equal(dp_stats(b.dp)->policy, 1);
	assert_int_equal(dp_stats(b.dp)->tun_tx, 1);
	assert_int_equal(read(b.tun[1], got, sizeof(got)), 200);
	assert_int_equal(got[19], 67);
	end_free(&a);
	end_free(&b);
}

static const uint8_t *ike_msg;
static size_t ike_len;

static void
on_ike(const uint8_t *msg, size_t len, const struct sockaddr_storage *from,
    void *arg)
{
	ike_msg = msg;
	ike_len = len;
	assert_int_equal(from->ss_family, AF_INET);
}

static void
test_demux(void **state)
{
	struct end b;
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	const struct sockaddr *to;
	uint8_t spi[16] = { 0, 0, 0x77, 0x77, 0, 0, 0, 1 };

	end_init(&b, 0xb, 0xa, 0);
	to = (const struct sockaddr *)&b.addr;
	dp_set_ike_handler(b.dp, on_ike, NULL);
	assert_int_equal(sendto(s, "\xff", 1, 0, to, sizeof(struct sockaddr_in)), 1);
	assert_int_equal(sendto(s, "\0\0\0\0hello", 9, 0, to,
	    sizeof(struct sockaddr_in)), 9);
	assert_int_equal(sendto(s, "\1", 1, 0, to, sizeof(struct sockaddr_in)), 1);
	assert_int_equal(sendto(s, spi, 16, 0, to, sizeof(struct sockaddr_in)), 16);
	spi[2] = 0;
	spi[3] = 0xb;	/* the right SPI, but garbage */
	assert_int_equal(sendto(s, spi, 16, 0, to, sizeof(struct sockaddr_in)), 16);
	while (dp_stats(b.dp)->udp_rx < 5) {
		wait_readable(b.udp);
		dp_udp_input(b.dp);
		if (ike_len == 5)
			assert_memory_equal(ike_msg, "hello", 5);
	}
	assert_int_equal(dp_stats(b.dp)->keepalives, 1);
	assert_int_equal(dp_stats(b.dp)->ike, 1);
	assert_int_equal(ike_len, 5);
	assert_int_equal(dp_stats(b.dp)->invalid, 1);
	assert_int_equal(esp_sadb_drops(b.db)[ESP_DROP_SPI], 1);
	assert_int_equal(esp_sa_stats(esp_sadb_find(b.db, 0xb))->drops[ESP_DROP_TRUNC], 1);
	assert_int_equal(dp_stats(b.dp)->tun_tx, 0);
	close(s);
	end_free(&b);
}

/* With TUN_VNET_HDR each packet carries a 10-byte virtio_net_hdr. */
static void
test_vnet_hdr(void **state)
{
	struct end a, b;
	uint8_t hdr[10] = { 0 }, pkt[300], got[400];
	struct iovec iov[2] = { { hdr, 10 }, { pkt, 300 } };

	end_init(&a, 0xa, 0xb, TUN_VNET_HDR);
	end_init(&b, 0xb, 0xa, TUN_VNET_HDR);
	dp_set_outbound(a.dp, a.out, &b.addr);
	make_ip(pkt, 300, 1);
	assert_int_equal(writev(a.tun[1], iov, 2), 310);
	pump(&a, &b, 1);
	assert_int_equal(read(b.tun[1], got, sizeof(got)), 310);
	assert_memory_equal(got, hdr, 10);
	assert_memory_equal(got + 10, pkt, 300);
	/* a GSO packet is refused: no offload was asked for */
	hdr[1] = 1;	/* gso_type TCPV4 */
	assert_int_equal(writev(a.tun[1], iov, 2), 310);
	assert_int_equal(dp_tun_input(a.dp), 0);
	assert_int_equal(dp_stats(a.dp)->errors, 1);
	end_free(&a);
	end_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batches),
		cmocka_unit_test(test_demux),
		cmocka_unit_test(test_inbound_check),
		cmocka_unit_test(test_vnet_hdr),
		cmocka_unit_test(test_two_families),
	};

	if (ipaddr_parse("127.0.0.1", &lo) != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* libFuzzer target: the IKEv2 responder fed one untrusted datagram, as it
 * arrives from the network before any authentication: IKE_SA_INIT handling
 * (proposal selection, KE checks, DH, NAT detection, cookies) and the
 * lookups every other exchange goes through. The first input byte picks
 * the case: bit 0 demands a cookie, bit 1 sends it to port 4500. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/ike.h"

static struct ike *ike;

static void ignore(void *arg, const struct ike_event *ev) { (void)arg; (void)ev; }

static void
setup(void)
{
	struct ike_peer p;
	char err[64];

	ike = ike_new(ignore, NULL);
	memset(&p, 0, sizeof(p));
	prefix_parse("0.0.0.0/0", &p.remote);
	proposal_parse("aes128gcm16-prfsha256-ecp256, aes128-sha1-modp2048, "
	    "chacha20poly1305-prfsha384-ecp384", PROPOSAL_IKE, &p.ike, err,
	    sizeof(err));
	proposal_parse("aes128gcm16, aes128-sha1", PROPOSAL_ESP, &p.esp, err,
	    sizeof(err));
	memcpy(p.psk, "fuzz", 4);
	p.psk_len = 4;
	ike_add_peer(ike, &p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint64_t now = 1000;
	struct ike_endpoint src, dst;
	struct ike_dgram d;

	if (ike == NULL)
		setup();
	if (size < 1)
		return 0;
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	ipaddr_parse("192.0.2.1", &src.addr);
	ipaddr_parse("192.0.2.2", &dst.addr);
	src.port = dst.port = (data[0] & 2) ? IKE_NATT_PORT : IKE_PORT;
	ike_set_cookie_threshold(ike, (data[0] & 1) ? 0 : 30);
	ike_input(ike, now, &src, &dst, data + 1, size - 1);
	while (ike_output(ike, &d))
		;
	/* let half-open SAs expire now and then, so state stays bounded */
	now += 1000;
	ike_tick(ike, now);
	return 0;
}

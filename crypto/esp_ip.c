/* IP packets to ESP and back, tunnel and transport mode; see esp_ip.h. */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "crypto/esp_ip.h"

enum esp_udp_kind
esp_udp_classify(const uint8_t *p, size_t len)
{
	if (len == 1 && p[0] == 0xff)
		return ESP_UDP_KEEPALIVE;
	if (len >= 4 && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0)
		return ESP_UDP_IKE;
	if (len >= ESP_HDR_LEN)
		return ESP_UDP_ESP;
	return ESP_UDP_INVALID;
}

static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

uint16_t
ip_header_checksum(const uint8_t *hdr, size_t len)
{
	return fold(sum16(0, hdr, len));
}

static int
fail(struct esp_sa *sa, enum esp_drop d, enum esp_drop *why)
{
	esp_sa_count_drop(sa, d);
	if (why != NULL)
		*why = d;
	return -1;
}

/* Where the transport payload starts and ends and its protocol; -1 when
 * this packet cannot go in transport mode. */
static int
transport_split(const uint8_t *ip, size_t *len, size_t *hl, uint8_t *proto)
{
	size_t total;

	if (*len >= 20 && ip[0] >> 4 == 4) {
		*hl = (size_t)(ip[0] & 0x0f) * 4;
		total = (size_t)ip[2] << 8 | ip[3];
		if (*hl < 20 || total < *hl || total > *len ||
		    ((ip[6] & 0x3f) | ip[7]) != 0)	/* MF or offset */
			return -1;
		*len = total;
		*proto = ip[9];
		return 0;
	}
	if (*len >= 40 && ip[0] >> 4 == 6) {
		total = 40 + ((size_t)ip[4] << 8 | ip[5]);
		if (total > *len)
			return -1;
		*len = total;
		*hl = 40;
		*proto = ip[6];
		/* hop-by-hop, routing, fragment, destination options */
		if (*proto == 0 || *proto == 43 || *proto == 44 ||
		    *proto == 60)
			return -1;
		return 0;
	}
	return -1;
}

int
esp_ip_encap(struct esp_sa *sa, uint8_t *ip, size_t len, size_t tailroom,
    uint8_t **esp, size_t *esplen, enum esp_drop *why)
{
	uint8_t nh, *payload = ip;
	size_t hl = 0, plen;

	if (esp_sa_mode(sa) == ESP_MODE_TUNNEL) {
		if (len >= 20 && ip[0] >> 4 == 4)
			nh = ESP_NH_IPV4;
		else if (len >= 40 && ip[0] >> 4 == 6)
			nh = ESP_NH_IPV6;
		else
			return fail(sa, ESP_DROP_INNER, why);
	} else if (transport_split(ip, &len, &hl, &nh) != 0) {
		return fail(sa, ESP_DROP_INNER, why);
	}
	payload = ip + hl;
	plen = len - hl;
	/* header and IV go right before the payload, over the IP header */
	*esp = payload - esp_hdrlen(sa);
	return esp_encap(sa, nh, payload, plen, *esp,
	    esp_hdrlen(sa) + plen + tailroom, esplen, why);
}

/* Tunnel mode: the inner packet must be one of its next header; trailing
 * bytes past its own length (TFC padding, RFC 4303 §2.7) are cut. */
static int
inner_len(const uint8_t *p, size_t len, uint8_t nh, size_t *iplen)
{
	size_t n;

	if (nh == ESP_NH_IPV4 && len >= 20 && p[0] >> 4 == 4) {
		n = (size_t)p[2] << 8 | p[3];
		if (n < (size_t)(p[0] & 0x0f) * 4 || n < 20 || n > len)
			return -1;
	} else if (nh == ESP_NH_IPV6 && len >= 40 && p[0] >> 4 == 6) {
		n = 40 + ((size_t)p[4] << 8 | p[5]);
		if (n > len)
			return -1;
	} else {
		return -1;
	}
	*iplen = n;
	return 0;
}

/* The TCP or UDP checksum of a transport payload for the addresses in
 * the IP header before it. */
static void
fix_l4_checksum(uint8_t *l4, size_t len, uint8_t proto,
    const struct ipaddr *src, const struct ipaddr *dst)
{
	size_t off, alen = ipaddr_len(src->family);
	uint32_t s;
	uint16_t c;

	if (proto == IPPROTO_TCP && len >= 20)
		off = 16;
	else if (proto == IPPROTO_UDP && len >= 8)
		off = 6;
	else
		return;
	if (proto == IPPROTO_UDP && src->family == AF_INET &&
	    l4[6] == 0 && l4[7] == 0)
		return;		/* no UDP checksum over IPv4 */
	l4[off] = l4[off + 1] = 0;
	s = sum16(0, src->a, alen);
	s = sum16(s, dst->a, alen);
	s += proto;
	s += (uint32_t)len;	/* < 2^16 here, or folded below */
	s = sum16(s, l4, len);
	c = fold(s);
	if (c == 0 && proto == IPPROTO_UDP)
		c = 0xffff;
	l4[off] = c >> 8;
	l4[off + 1] = c & 0xff;
}

/* Transport mode: puts an IP header before the payload. */
static int
add_header(const struct esp_payload *p, const struct ipaddr *src,
    const struct ipaddr *dst, bool udp_encap, uint8_t **ip, size_t *iplen)
{
	size_t hl = src->family == AF_INET ? 20 : 40;
	uint8_t *h = p->data - hl;
	uint16_t c;

	if (src->family != dst->family || p->len > 65535 - hl)
		return -1;
	if (udp_encap)
		fix_l4_checksum(p->data, p->len, p->next_header, src, dst);
	memset(h, 0, hl);
	if (hl == 20) {
		h[0] = 0x45;
		h[2] = (uint8_t)((p->len + hl) >> 8);
		h[3] = (uint8_t)(p->len + hl);
		h[8] = 64;
		h[9] = p->next_header;
		memcpy(h + 12, src->a, 4);
		memcpy(h + 16, dst->a, 4);
		c = ip_header_checksum(h, 20);
		h[10] = c >> 8;
		h[11] = c & 0xff;
	} else {
		h[0] = 0x60;
		h[4] = (uint8_t)(p->len >> 8);
		h[5] = (uint8_t)p->len;
		h[6] = p->next_header;
		h[7] = 64;
		memcpy(h + 8, src->a, 16);
		memcpy(h + 24, dst->a, 16);
	}
	*ip = h;
	*iplen = p->len + hl;
	return 0;
}

int
esp_ip_decap(struct esp_sa *sa, uint8_t *esp, size_t len,
    const struct ipaddr *src, const struct ipaddr *dst, bool udp_encap,
    uint8_t **ip, size_t *iplen, enum esp_drop *why)
{
	struct esp_payload p;

	if (esp_decap(sa, esp, len, &p, why) != 0)
		return -1;
	if (p.next_header == ESP_NH_NONE)
		return 1;
	if (esp_sa_mode(sa) == ESP_MODE_TUNNEL) {
		if (inner_len(p.data, p.len, p.next_header, iplen) != 0)
			return fail(sa, ESP_DROP_INNER, why);
		*ip = p.data;
		return 0;
	}
	if (add_header(&p, src, dst, udp_encap, ip, iplen) != 0)
		return fail(sa, ESP_DROP_INNER, why);
	return 0;
}

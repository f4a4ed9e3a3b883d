/* ESP between IP packets (what a TUN device reads and writes) and ESP
 * packets (what an ESP or ESP-in-UDP socket sends and receives), for
 * tunnel and transport mode; and the RFC 3948 demultiplexing of port 4500. */
#ifndef IPSECFS_ESP_IP_H
#define IPSECFS_ESP_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/esp.h"
#include "engine/ipaddr.h"

#define ESP_NATT_PORT		4500
#define ESP_IP_HEADROOM		40	/* an IPv6 header */

/* What arrived on UDP port 4500 (RFC 3948 §2.2, §2.3). */
enum esp_udp_kind {
	ESP_UDP_ESP,		/* an ESP packet: hand it to esp_ip_decap() */
	ESP_UDP_IKE,		/* non-ESP marker: an IKE message follows it */
	ESP_UDP_KEEPALIVE,	/* one 0xff byte: ignore */
	ESP_UDP_INVALID,	/* too short for any of them: drop */
};
enum esp_udp_kind esp_udp_classify(const uint8_t *p, size_t len);

/* Outbound: encapsulates the IP packet ip[0..len) in place. The buffer
 * must have ESP_HEADROOM bytes before ip and tailroom bytes after it
 * (ESP_TAILROOM is always enough). Tunnel mode carries the whole packet;
 * transport mode its payload (IPv4 not fragmented, IPv6 without extension
 * headers). Returns 0 with the ESP packet in *esp, *esplen, or -1 with a
 * counted drop (*why). */
int	esp_ip_encap(struct esp_sa *sa, uint8_t *ip, size_t len,
	    size_t tailroom, uint8_t **esp, size_t *esplen, enum esp_drop *why);

/* Inbound: decapsulates the ESP packet esp[0..len) in place into an IP
 * packet for the TUN device (*ip, *iplen). Tunnel mode checks the inner
 * packet against its next header and trims trailing TFC padding;
 * transport mode writes an IP header made of the outer addresses src and
 * dst just before the payload, so the buffer must have ESP_IP_HEADROOM
 * bytes before esp; with udp_encap the TCP/UDP checksum is recomputed for
 * those addresses (RFC 3948 §3.1.2: a NAT may have changed them).
 * Returns 0, 1 for a dummy packet (next header 59, discard silently), or
 * -1 with a counted drop. */
int	esp_ip_decap(struct esp_sa *sa, uint8_t *esp, size_t len,
	    const struct ipaddr *src, const struct ipaddr *dst, bool udp_encap,
	    uint8_t **ip, size_t *iplen, enum esp_drop *why);

/* The Internet checksum of the IPv4 header hdr[0..len). */
uint16_t ip_header_checksum(const uint8_t *hdr, size_t len);

#endif

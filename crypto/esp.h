/* ESP (RFC 4303) security associations and per-packet processing for the
 * user-space datapath: AES-GCM (RFC 4106), ChaCha20-Poly1305 (RFC 7634),
 * AES-CBC with HMAC-SHA1-96 / HMAC-SHA2-256-128, NULL with an HMAC;
 * 32-bit and extended sequence numbers; anti-replay (crypto/replay.h);
 * lifetimes in bytes, packets and seconds with soft and hard expiry.
 *
 * An ESP packet here starts at the SPI: the outer IP header (and the UDP
 * header of RFC 3948) belong to the socket that sends or received it. */
#ifndef IPSECFS_ESP_H
#define IPSECFS_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/replay.h"

#define ESP_HDR_LEN		8	/* SPI, sequence number */
#define ESP_TRAILER_MIN		2	/* pad length, next header */
/* Room to leave before a payload so esp_encap() works in place (header
 * and the largest IV), and the most it adds after it (padding, trailer,
 * ICV). */
#define ESP_HEADROOM		(ESP_HDR_LEN + 16)
#define ESP_TAILROOM		(15 + ESP_TRAILER_MIN + 16)

#define ESP_NH_IPV4		4
#define ESP_NH_IPV6		41
#define ESP_NH_NONE		59	/* dummy packet, RFC 4303 §2.6 */

enum esp_mode { ESP_MODE_TRANSPORT, ESP_MODE_TUNNEL };

/* Why a packet was dropped; counted per SA (per database for unknown SPI). */
enum esp_drop {
	ESP_DROP_REPLAY,	/* seen before, or left of the window */
	ESP_DROP_AUTH,		/* ICV did not verify */
	ESP_DROP_PAD,		/* padding bytes or pad length wrong */
	ESP_DROP_TRUNC,		/* too short, or not a whole block */
	ESP_DROP_SPI,		/* no SA with this SPI */
	ESP_DROP_EXPIRED,	/* hard lifetime reached, or sequence numbers used up */
	ESP_DROP_INNER,		/* decrypted payload is not a packet of its next header */
	ESP_DROP_NOROOM,	/* output buffer too small */
	ESP_DROP_MAX
};

/* "replay", "auth", "padding", "truncated", "unknown-spi", "expired",
 * "bad-inner", "no-room" */
const char *esp_drop_name(enum esp_drop d);

/* 0 means no limit. */
struct esp_lifetime {
	uint64_t	bytes;		/* payload bytes */
	uint64_t	packets;
	uint64_t	seconds;	/* since the SA was made */
};

struct esp_sa_conf {
	uint32_t		 spi;		/* host order; not 0 */
	uint16_t		 encr;		/* ENCR_* of engine/proposal.h */
	uint16_t		 keybits;
	uint16_t		 integ;		/* AUTH_*; AUTH_NONE with AEAD */
	const uint8_t		*ekey;		/* key || salt for AEAD (cipher.h) */
	size_t			 ekeylen;
	const uint8_t		*akey;
	size_t			 akeylen;
	bool			 esn;
	bool			 udp_encap;	/* RFC 3948 ESP-in-UDP, else IP protocol 50 */
	enum esp_mode		 mode;
	uint32_t		 replay_window;	/* inbound; 0: 1024 */
	struct esp_lifetime	 soft, hard;
};

struct esp_stats {
	uint64_t	packets;	/* good packets */
	uint64_t	bytes;		/* their payload bytes */
	uint64_t	drops[ESP_DROP_MAX];
};

struct esp_sa;

/* Called once when the soft lifetime is reached (hard == false: ask IKE to
 * rekey) and once at the hard lifetime (the SA stops: every later packet
 * is an ESP_DROP_EXPIRED drop). */
typedef void (*esp_expire_fn)(struct esp_sa *sa, bool hard, void *arg);

/* Makes an SA for one direction. now is the caller's monotonic clock in
 * seconds (it drives the time lifetimes through esp_sa_tick()). Returns
 * NULL with a reason in err. */
struct esp_sa *esp_sa_new(const struct esp_sa_conf *conf, bool inbound,
    uint64_t now, esp_expire_fn expire, void *arg, char *err, size_t errlen);
void	esp_sa_free(struct esp_sa *sa);

uint32_t		 esp_sa_spi(const struct esp_sa *sa);
enum esp_mode		 esp_sa_mode(const struct esp_sa *sa);
bool			 esp_sa_udp_encap(const struct esp_sa *sa);
bool			 esp_sa_dead(const struct esp_sa *sa);	/* hard-expired */
const struct esp_stats	*esp_sa_stats(const struct esp_sa *sa);
const char		*esp_sa_cipher_name(const struct esp_sa *sa);
/* Sequence number of the last packet sent (outbound) or the highest
 * accepted (inbound). */
uint64_t		 esp_sa_seq(const struct esp_sa *sa);
/* Moves the sequence number forward to seq (never back): the last one sent
 * (outbound) or the top of the replay window (inbound). For tests, and for
 * taking over an SA's state. */
void	esp_sa_set_seq(struct esp_sa *sa, uint64_t seq);
/* Counts a drop found by a caller (esp_ip.c's inner packet checks). */
void	esp_sa_count_drop(struct esp_sa *sa, enum esp_drop d);
/* Checks the time lifetimes; call it from a timer (once a second). */
void	esp_sa_tick(struct esp_sa *sa, uint64_t now);

/* Bytes before the payload in an ESP packet: header and IV. */
size_t	esp_hdrlen(const struct esp_sa *sa);
/* Length of the ESP packet esp_encap() makes from len payload bytes. */
size_t	esp_encap_len(const struct esp_sa *sa, size_t len);

/* Encapsulates len payload bytes of protocol next_header (ESP_NH_IPV4/6
 * in tunnel mode, the transport protocol in transport mode) into out,
 * outcap bytes. In place when payload == out + ESP_HDR_LEN + IV length
 * (leave ESP_HEADROOM before the payload and ESP_TAILROOM after it);
 * otherwise the payload is copied. Returns 0 with *outlen set, or -1 after
 * counting a drop (expired, or outcap too small) whose reason goes to *why
 * when not NULL. */
int	esp_encap(struct esp_sa *sa, uint8_t next_header, const uint8_t *payload,
	    size_t len, uint8_t *out, size_t outcap, size_t *outlen,
	    enum esp_drop *why);

struct esp_payload {
	uint8_t		*data;		/* inside the packet given */
	size_t		 len;
	uint8_t		 next_header;
	uint64_t	 seq;
};

/* Checks and decrypts the ESP packet pkt (from the SPI on) in place.
 * Returns 0 with *out set (a next_header of ESP_NH_NONE is a dummy packet
 * to discard), or -1 after counting the reason of the drop; *why gets it
 * when not NULL. Never reads outside pkt[0..len). */
int	esp_decap(struct esp_sa *sa, uint8_t *pkt, size_t len,
	    struct esp_payload *out, enum esp_drop *why);

/* The SPI of an ESP packet, 0 when it is too short to have one. */
uint32_t esp_spi_of(const uint8_t *pkt, size_t len);

#endif

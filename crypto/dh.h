/* Diffie-Hellman groups for IKEv2: 14 (MODP-2048, RFC 3526), 19 and 20
 * (ECP P-256/P-384, RFC 5903). Wire formats are RFC 7296 §3.4 / RFC 5903
 * §7: MODP public values and secrets are big-endian, zero-padded to the
 * prime's length; ECP public values are x | y, the secret is x. */
#ifndef IPSECFS_DH_H
#define IPSECFS_DH_H

#include <stddef.h>
#include <stdint.h>

#define DH_MAX_PUB	256	/* MODP-2048 */
#define DH_MAX_SECRET	256

struct ike_dh;

/* Public value length for a group, 0 if unsupported. */
size_t ike_dh_pub_len(uint16_t group);
size_t ike_dh_secret_len(uint16_t group);

/* New private key of group with a fresh random exponent, or NULL. */
struct ike_dh *ike_dh_new(uint16_t group);
void ike_dh_free(struct ike_dh *dh);
uint16_t ike_dh_group(const struct ike_dh *dh);

/* Our public value (dh_pub_len bytes). 0 or -1. */
int ike_dh_public(struct ike_dh *dh, uint8_t *out, size_t *len);
/* Shared secret from the peer's public value, which is checked first
 * (length, range, point on the curve). 0 or -1. */
int ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peerlen,
    uint8_t *out, size_t *len);

#endif

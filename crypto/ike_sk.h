/* The Encrypted and Authenticated (SK) payload, RFC 7296 §3.14 and
 * RFC 5282, on the per-SA cipher state of crypto/cipher.h. */
#ifndef IPSECFS_IKE_SK_H
#define IPSECFS_IKE_SK_H

#include <stdint.h>

#include "crypto/cipher.h"
#include "crypto/ike_msg.h"

/* Appends an SK payload holding the payload chain in inner to the message
 * being built in w (its header begun, perhaps with payloads before), and
 * ends the message. *ivctr counts IVs for AEAD ciphers. 0 or -1. */
int ike_sk_seal(struct cipher *c, uint64_t *ivctr, struct ike_wbuf *w,
    const struct ike_wbuf *inner);

/* Checks and decrypts the SK payload of m in place (raw is m->raw, owned
 * and writable by the caller), then appends the inner payloads to m.
 * Returns IKE_OK, -1 on a failed integrity check or bad padding, or an
 * IKE_ERR_* from the inner chain (*bad_type for IKE_ERR_CRITICAL). */
int ike_sk_open(struct cipher *c, uint8_t *raw, struct ike_msg *m,
    uint8_t *bad_type);

#endif

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <tomcrypt.h>
#include <tommath.h>

#include "crypto/dh.h"
#include "crypto/prf.h"
#include "engine/proposal.h"

/* RFC 3526 §3: 2048-bit MODP group, generator 2 */
static const char modp2048_hex[] =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9"
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF";

#define MODP_EXP_LEN	32	/* 256-bit exponents (RFC 3526 §8) */

struct ike_dh {
	uint16_t	group;
	ecc_key		ecc;		/* groups 19, 20 */
	mp_int		x;		/* group 14: private exponent */
	bool		have_key;
};

size_t
ike_dh_pub_len(uint16_t group)
{
	switch (group) {
	case DH_MODP_2048:	return 256;
	case DH_ECP_256:	return 64;
	case DH_ECP_384:	return 96;
	}
	return 0;
}

size_t
ike_dh_secret_len(uint16_t group)
{
	return group == DH_MODP_2048 ? 256 : ike_dh_pub_len(group) / 2;
}

static const ltc_ecc_set_type *
curve(uint16_t group)
{
	int size = group == DH_ECP_256 ? 32 : group == DH_ECP_384 ? 48 : 0;
	int i;

	for (i = 0; ltc_ecc_sets[i].size != 0; i++)
		if (ltc_ecc_sets[i].size == size)
			return &ltc_ecc_sets[i];
	return NULL;
}

uint16_t ike_dh_group(const struct ike_dh *dh) { return dh->group; }

static int
modp_new(struct ike_dh *dh)
{
	uint8_t r[MODP_EXP_LEN];

	if (getrandom(r, sizeof(r), 0) != sizeof(r))
		return -1;
	r[0] |= 0x80;	/* full length */
	if (mp_init(&dh->x) != MP_OKAY)
		return -1;
	if (mp_from_ubin(&dh->x, r, sizeof(r)) != MP_OKAY) {
		mp_clear(&dh->x);
		return -1;
	}
	zeromem(r, sizeof(r));
	return 0;
}

struct ike_dh *
ike_dh_new(uint16_t group)
{
	struct ike_dh *dh;
	int rc;

	ike_crypto_init();
	if (ike_dh_pub_len(group) == 0 || (dh = calloc(1, sizeof(*dh))) == NULL)
		return NULL;
	dh->group = group;
	if (group == DH_MODP_2048)
		rc = modp_new(dh);
	else
		rc = ecc_make_key_ex(NULL, find_prng("sprng"), &dh->ecc,
		    curve(group)) == CRYPT_OK ? 0 : -1;
	if (rc != 0) {
		free(dh);
		return NULL;
	}
	dh->have_key = true;
	return dh;
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	if (dh->have_key) {
		if (dh->group == DH_MODP_2048)
			mp_clear(&dh->x);
		else
			ecc_free(&dh->ecc);
	}
	zeromem(dh, sizeof(*dh));
	free(dh);
}

/* out = base^x mod p, padded to 256 bytes */
static int
modp_exp(struct ike_dh *dh, mp_int *base, uint8_t *out)
{
	mp_int p, r;
	size_t n;
	int rc = -1;

	if (mp_init_multi(&p, &r, NULL) != MP_OKAY)
		return -1;
	if (mp_read_radix(&p, modp2048_hex, 16) != MP_OKAY)
		goto out;
	if (base != NULL) {
		/* 1 < y < p - 1 (RFC 7296 §3.4, SP 800-56A 5.6.2.3.1) */
			if (mp_sub_d(&p, 1, &r) != MP_OKAY)
			goto out;
		if (mp_cmp_d(base, 1) != MP_GT || mp_cmp(base, &r) != MP_LT)
			goto out;
		if (mp_exptmod(base, &dh->x, &p, &r) != MP_OKAY)
			goto out;
	} else {
		mp_set(&r, 2);
		if (mp_exptmod(&r, &dh->x, &p, &r) != MP_OKAY)
			goto out;
	}
	n = mp_ubin_size(&r);
	if (n > 256)
		goto out;
	memset(out, 0, 256 - n);
	if (mp_to_ubin(&r, out + 256 - n, n, NULL) != MP_OKAY)
		goto out;
	rc = 0;
out:
	mp_clear_multi(&p, &r, NULL);
	return rc;
}

int
ike_dh_public(struct ike_dh *dh, uint8_t *out, size_t *len)
{
	uint8_t buf[1 + 2 * 48];
	unsigned long n = sizeof(buf);

	if (dh->group == DH_MODP_2048) {
		*len = 256;
		return modp_exp(dh, NULL, out);
	}
	if (ecc_ansi_x963_export(&dh->ecc, buf, &n) != CRYPT_OK ||
	    n != 1 + ike_dh_pub_len(dh->group) || buf[0] != 0x04)
		return -1;
	memcpy(out, buf + 1, n - 1);
	*len = n - 1;
	return 0;
}

/* y^2 = x^3 - 3x + b (mod p), with 0 <= x, y < p */
static bool
on_curve(const ltc_ecc_set_type *dp, const uint8_t *xy, size_t clen)
{
	mp_int p, b, x, y, l, r, t;
	bool ok = false;

	if (mp_init_multi(&p, &b, &x, &y, &l, &r, &t, NULL) != MP_OKAY)
		return false;
	if (mp_read_radix(&p, dp->prime, 16) != MP_OKAY ||
	    mp_read_radix(&b, dp->B, 16) != MP_OKAY ||
	    mp_from_ubin(&x, xy, clen) != MP_OKAY ||
	    mp_from_ubin(&y, xy + clen, clen) != MP_OKAY)
		goto out;
	if (mp_cmp(&x, &p) != MP_LT || mp_cmp(&y, &p) != MP_LT)
		goto out;
	if (mp_sqrmod(&y, &p, &l) != MP_OKAY ||		/* l = y^2 */
	    mp_sqrmod(&x, &p, &r) != MP_OKAY ||		/* r = x^2 */
	    mp_mulmod(&r, &x, &p, &r) != MP_OKAY ||	/* r = x^3 */
	    mp_mul_d(&x, 3, &t) != MP_OKAY ||
	    mp_sub(&r, &t, &r) != MP_OKAY ||
	    mp_add(&r, &b, &r) != MP_OKAY ||
	    mp_mod(&r, &p, &r) != MP_OKAY)
		goto out;
	ok = mp_cmp(&l, &r) == MP_EQ;
out:
	mp_clear_multi(&p, &b, &x, &y, &l, &r, &t, NULL);
	return ok;
}

static int
ecp_shared(struct ike_dh *dh, const uint8_t *peer, size_t peerlen,
    uint8_t *out, size_t *len)
{
	const ltc_ecc_set_type *dp = curve(dh->group);
	uint8_t buf[1 + 2 * 48];
	unsigned long n = ike_dh_secret_len(dh->group);
	ecc_key pub;
	int rc;

	if (peerlen != ike_dh_pub_len(dh->group) || !on_curve(dp, peer, peerlen / 2))
		return -1;
	buf[0] = 0x04;
	memcpy(buf + 1, peer, peerlen);
	if (ecc_ansi_x963_import_ex(buf, peerlen + 1, &pub,
	    (ltc_ecc_set_type *)dp) != CRYPT_OK)
		return -1;
	rc = ecc_shared_secret(&dh->ecc, &pub, out, &n);
	ecc_free(&pub);
	if (rc != CRYPT_OK || n != ike_dh_secret_len(dh->group))
		return -1;
	*len = n;
	return 0;
}

int
ike_dh_shared(struct ike_dh *dh, const uint8_t *peer, size_t peerlen,
    uint8_t *out, size_t *len)
{
	mp_int y;
	int rc;

	if (dh->group != DH_MODP_2048)
		return ecp_shared(dh, peer, peerlen, out, len);
	if (peerlen != 256 || mp_init(&y) != MP_OKAY)
		return -1;
	rc = mp_from_ubin(&y, peer, peerlen) == MP_OKAY ?
	    modp_exp(dh, &y, out) : -1;
	mp_clear(&y);
	*len = 256;
	return rc;
}

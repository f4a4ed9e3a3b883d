/* The glue's CHILD SA list: which CHILD SA may carry outbound traffic
 * around a rekey, the inbound SA kept a moment after a delete, expiry,
 * rekeys on request.
 *
 * A rekey (RFC 7296 §2.8) without loss: the initiator of the exchange
 * sends on the new CHILD SA as soon as it has it; the responder keeps
 * sending on the old one until the peer deletes it or until the new one
 * brings a packet (then the initiator has it too), as strongSwan does,
 * since ESP on the new SA may otherwise reach the initiator before the
 * response that creates it there. A deleted CHILD SA's inbound SA stays
 * IPSEC_RETIRE_MS for the packets still in flight on it (strongSwan's
 * delete_rekeyed_delay), no longer listed in `sas`. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/events.h"
#include "engine/ipsec_int.h"

void
ipsec_child_free(struct ipsec *s, struct ipsec_child *c)
{
	struct ipsec_child **pp;

	for (pp = &s->children; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	if (s->kernel)
		ipsec_kernel_child_down(s, c);
	if (c->retired_ms != 0)
		s->late_rx += esp_sa_stats(c->in)->packets - c->retired_pkts;
	if (c->in != NULL && s->sadb != NULL)
		esp_sa_free(esp_sadb_remove(s->sadb, esp_sa_spi(c->in)));
	esp_sa_free(c->out);
	memset(c, 0, sizeof(*c));
	free(c);
}

/* IKE deleted c: it sends no more; on the user-space datapath its
 * inbound SA takes late packets for IPSEC_RETIRE_MS. */
void
ipsec_child_retire(struct ipsec *s, struct ipsec_child *c)
{
	if (s->kernel || c->in == NULL) {
		ipsec_child_free(s, c);
		return;
	}
	esp_sa_free(c->out);
	c->out = NULL;
	c->retired_ms = ipsec_now_ms();
	c->retired_pkts = esp_sa_stats(c->in)->packets;
}

static struct ipsec_child *
find_live(const struct ipsec *s, uint32_t spi_in)
{
	struct ipsec_child *c;

	for (c = s->children; c != NULL; c = c->next)
		if (c->k.spi_in == spi_in && c->retired_ms == 0)
			return c;
	return NULL;
}

bool
ipsec_child_sendable(const struct ipsec *s, struct ipsec_child *c)
{
	if (c->dead || c->retired_ms != 0 || c->out == NULL ||
	    esp_sa_dead(c->out))
		return false;
	if (c->out_ok)
		return true;
	c->out_ok = c->k.replaces_spi_in == 0 || c->k.we_initiated ||
	    esp_sa_stats(c->in)->packets > 0 ||
	    find_live(s, c->k.replaces_spi_in) == NULL;
	return c->out_ok;
}

void
ipsec_sweep(struct ipsec *s)
{
	struct ipsec_child *c, *next;
	uint64_t now = ipsec_now_ms();

	for (c = s->children; c != NULL; c = next) {
		next = c->next;
		if (c->retired_ms != 0) {
			if (now - c->retired_ms >= IPSEC_RETIRE_MS)
				ipsec_child_free(s, c);
			continue;
		}
		if (!c->dead)
			continue;
		events_emit("ipsec child expired spi_in=%08x spi_out=%08x "
		    "reason=\"hard lifetime\"", c->k.spi_in, c->k.spi_out);
		ike_delete_child(s->ike, ipsec_now_ms(), c->k.spi_in);
		ipsec_child_free(s, c);
	}
}

/* true when a newer CHILD SA replaces c (a rekey waiting for the old
 * one's delete). */
static bool
replaced(const struct ipsec *s, const struct ipsec_child *c)
{
	const struct ipsec_child *d;

	for (d = s->children; d != NULL; d = d->next)
		if (d->retired_ms == 0 && d->k.replaces_spi_in == c->k.spi_in)
			return true;
	return false;
}

void
ipsec_rekey_all(struct ipsec *s)
{
	struct ipsec_child *c;
	uint64_t now = ipsec_now_ms();

	for (c = s->children; c != NULL; c = c->next) {
		if (c->dead || c->retired_ms != 0 || replaced(s, c))
			continue;
		events_emit("ipsec child rekey spi_in=%08x by=request",
		    c->k.spi_in);
		if (ike_rekey_child(s->ike, now, c->k.spi_in) != 0)
			events_emit("ipsec child rekey failed spi_in=%08x "
			    "reason=\"no established IKE SA or queue full\"",
			    c->k.spi_in);
	}
	ipsec_flush(s);
}

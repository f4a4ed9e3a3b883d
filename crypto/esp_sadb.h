/* Inbound ESP SAs by SPI, and the first step of inbound processing. */
#ifndef IPSECFS_ESP_SADB_H
#define IPSECFS_ESP_SADB_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/esp.h"

struct esp_sadb;

struct esp_sadb	*esp_sadb_new(void);
/* Frees the table and every SA still in it. */
void		 esp_sadb_free(struct esp_sadb *db);
/* Takes ownership of sa. -1 when its SPI is already there. */
int		 esp_sadb_add(struct esp_sadb *db, struct esp_sa *sa);
/* Removes and returns the SA (the caller frees it), or NULL. */
struct esp_sa	*esp_sadb_remove(struct esp_sadb *db, uint32_t spi);
struct esp_sa	*esp_sadb_find(const struct esp_sadb *db, uint32_t spi);
size_t		 esp_sadb_count(const struct esp_sadb *db);
/* Runs esp_sa_tick() on every SA. */
void		 esp_sadb_tick(struct esp_sadb *db, uint64_t now);

/* The SA of an inbound ESP packet, or NULL after counting the drop
 * (ESP_DROP_SPI, or ESP_DROP_TRUNC when it is too short for an SPI). */
struct esp_sa	*esp_sadb_lookup(struct esp_sadb *db, const uint8_t *pkt,
		    size_t len, enum esp_drop *why);
/* Finds the SA of an inbound ESP packet and decapsulates it. Unknown SPIs
 * and packets too short to carry one are counted in the table's own
 * drops; the rest in the SA's. *sa is set when one was found. */
int		 esp_sadb_input(struct esp_sadb *db, uint8_t *pkt, size_t len,
		    struct esp_payload *out, struct esp_sa **sa,
		    enum esp_drop *why);
/* Drops counted by the table itself (ESP_DROP_SPI, ESP_DROP_TRUNC). */
const uint64_t	*esp_sadb_drops(const struct esp_sadb *db);

#endif

/* Inbound SA table: a chained hash on the SPI. */
#include "config.h"

#include <stdlib.h>

#include "crypto/esp_sadb.h"

#define NBUCKETS	256

struct node {
	uint32_t	 spi;
	struct esp_sa	*sa;
	struct node	*next;
};

struct esp_sadb {
	struct node	*b[NBUCKETS];
	size_t		 n;
	uint64_t	 drops[ESP_DROP_MAX];
};

static unsigned
bucket(uint32_t spi)
{
	return (spi * 2654435761u) >> 24;	/* Knuth's multiplicative hash */
}

struct esp_sadb *
esp_sadb_new(void)
{
	return calloc(1, sizeof(struct esp_sadb));
}

void
esp_sadb_free(struct esp_sadb *db)
{
	struct node *n, *next;
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++)
		for (n = db->b[i]; n != NULL; n = next) {
			next = n->next;
			esp_sa_free(n->sa);
			free(n);
		}
	free(db);
}

struct esp_sa *
esp_sadb_find(const struct esp_sadb *db, uint32_t spi)
{
	const struct node *n;

	for (n = db->b[bucket(spi)]; n != NULL; n = n->next)
		if (n->spi == spi)
			return n->sa;
	return NULL;
}

int
esp_sadb_add(struct esp_sadb *db, struct esp_sa *sa)
{
	uint32_t spi = esp_sa_spi(sa);
	struct node *n;

	if (esp_sadb_find(db, spi) != NULL || (n = malloc(sizeof(*n))) == NULL)
		return -1;
	n->spi = spi;
	n->sa = sa;
	n->next = db->b[bucket(spi)];
	db->b[bucket(spi)] = n;
	db->n++;
	return 0;
}

struct esp_sa *
esp_sadb_remove(struct esp_sadb *db, uint32_t spi)
{
	struct node **p, *n;
	struct esp_sa *sa;

	for (p = &db->b[bucket(spi)]; (n = *p) != NULL; p = &n->next)
		if (n->spi == spi) {
			*p = n->next;
			sa = n->sa;
			free(n);
			db->n--;
			return sa;
		}
	return NULL;
}

size_t
esp_sadb_count(const struct esp_sadb *db)
{
	return db->n;
}

void
esp_sadb_tick(struct esp_sadb *db, uint64_t now)
{
	struct node *n;
	size_t i;

	for (i = 0; i < NBUCKETS; i++)
		for (n = db->b[i]; n != NULL; n = n->next)
			esp_sa_tick(n->sa, now);
}

struct esp_sa *
esp_sadb_lookup(struct esp_sadb *db, const uint8_t *pkt, size_t len,
    enum esp_drop *why)
{
	enum esp_drop d = ESP_DROP_TRUNC;
	uint32_t spi = esp_spi_of(pkt, len);
	struct esp_sa *sa;

	if (spi != 0 && (sa = esp_sadb_find(db, spi)) != NULL)
		return sa;
	if (len >= ESP_HDR_LEN)
		d = ESP_DROP_SPI;
	db->drops[d]++;
	if (why != NULL)
		*why = d;
	return NULL;
}

int
esp_sadb_input(struct esp_sadb *db, uint8_t *pkt, size_t len,
    struct esp_payload *out, struct esp_sa **sa, enum esp_drop *why)
{
	if ((*sa = esp_sadb_lookup(db, pkt, len, why)) == NULL)
		return -1;
	return esp_decap(*sa, pkt, len, out, why);
}

const uint64_t *
esp_sadb_drops(const struct esp_sadb *db)
{
	return db->drops;
}

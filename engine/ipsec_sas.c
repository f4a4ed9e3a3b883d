/* The sas file: IKE SAs, CHILD SAs (peer, SPIs, mode, algorithms, bytes,
 * packets, age, lifetimes; never keys) and the counters behind them.
 * The thread renders it after every change and once a second; the
 * renderer, called with the engine lock held, only copies the text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine/ipsec_int.h"

static void
ike_line(void *arg, uint64_t ispi, uint64_t rspi, bool initiator,
    const struct ike_endpoint *local, const struct ike_endpoint *remote,
    size_t nchildren)
{
	struct strbuf *sb = arg;
	char l[IPADDR_STRLEN], r[IPADDR_STRLEN];

	strbuf_printf(sb, "ike peer=%s:%u local=%s:%u ispi=%016llx "
	    "rspi=%016llx role=%s children=%zu\n",
	    ipaddr_str(&remote->addr, r, sizeof(r)), remote->port,
	    ipaddr_str(&local->addr, l, sizeof(l)), local->port,
	    (unsigned long long)ispi, (unsigned long long)rspi,
	    initiator ? "initiator" : "responder", nchildren);
}

static void
ts_print(struct strbuf *sb, const char *key, const struct ike_ts *ts)
{
	char a[IPADDR_STRLEN], b[IPADDR_STRLEN];

	ipaddr_str(&ts->start, a, sizeof(a));
	ipaddr_str(&ts->end, b, sizeof(b));
	strbuf_printf(sb, " %s=%u:%s", key, ts->ipproto, a);
	if (!ipaddr_equal(&ts->start, &ts->end))
		strbuf_printf(sb, "-%s", b);
	strbuf_printf(sb, ":%u-%u", ts->sport, ts->eport);
}

static void
child_line(struct ipsec *s, struct strbuf *sb, const struct ipsec_child *c,
    uint64_t now)
{
	const struct ike_child_keys *k = &c->k;
	const struct peer_conf *pc = conf_find_peer(s->cfg, &k->remote.addr);
	uint64_t life = pc != NULL ? pc->ike.lifetime : s->cfg->ike.lifetime;
	struct transform te = { TT_ENCR, k->encr, k->keybits };
	struct transform ti = { TT_INTEG, k->integ, 0 };
	char r[IPADDR_STRLEN], en[40], in[40];
	const struct esp_stats *si, *so;

	strbuf_printf(sb, "child peer=%s:%u spi_in=%08x spi_out=%08x mode=%s "
	    "encap=%s encr=%s integ=%s esn=%s",
	    ipaddr_str(&k->remote.addr, r, sizeof(r)), k->remote.port,
	    k->spi_in, k->spi_out, k->transport ? "transport" : "tunnel",
	    k->encap ? "udp" : "no", transform_name(&te, en, sizeof(en)),
	    k->integ == AUTH_NONE ? "none" : transform_name(&ti, in, sizeof(in)),
	    k->esn ? "yes" : "no");
	ts_print(sb, "local_ts", &k->ts_local);
	ts_print(sb, "remote_ts", &k->ts_remote);
	if (c->in != NULL && c->out != NULL) {
		si = esp_sa_stats(c->in);
		so = esp_sa_stats(c->out);
		strbuf_printf(sb, " bytes_in=%llu packets_in=%llu "
		    "bytes_out=%llu packets_out=%llu",
		    (unsigned long long)si->bytes, (unsigned long long)si->packets,
		    (unsigned long long)so->bytes, (unsigned long long)so->packets);
		for (int d = 0; d < ESP_DROP_MAX; d++)
			if (si->drops[d] != 0)
				strbuf_printf(sb, " drop_%s=%llu", esp_drop_name(d),
				    (unsigned long long)si->drops[d]);
	}
	strbuf_printf(sb, " age=%llus rekey=%llus soft=%llus hard=%llus%s\n",
	    (unsigned long long)((now - c->born_ms) / 1000),
	    (unsigned long long)life, (unsigned long long)(life + life / 5),
	    (unsigned long long)(life + life / 2), c->dead ? " expired" : "");
}

/* Packets received on CHILD SAs after IKE deleted them. */
static uint64_t
late_rx(const struct ipsec *s)
{
	const struct ipsec_child *c;
	uint64_t n = s->late_rx;

	for (c = s->children; c != NULL; c = c->next)
		if (c->retired_ms != 0)
			n += esp_sa_stats(c->in)->packets - c->retired_pkts;
	return n;
}

static void
counters(struct ipsec *s, struct strbuf *sb)
{
	const struct ike_stats *st = ike_get_stats(s->ike);
	const struct dp_stats *d;

	strbuf_printf(sb, "ike-stats rx=%llu tx=%llu retransmits=%llu "
	    "dropped_parse=%llu dropped_integrity=%llu dropped_nosa=%llu "
	    "dropped_msgid=%llu cookies=%llu dropped_busy=%llu half_open=%llu\n",
	    (unsigned long long)st->rx, (unsigned long long)st->tx,
	    (unsigned long long)st->retransmits,
	    (unsigned long long)st->dropped_parse,
	    (unsigned long long)st->dropped_integrity,
	    (unsigned long long)st->dropped_nosa,
	    (unsigned long long)st->dropped_msgid,
	    (unsigned long long)st->cookies_sent,
	    (unsigned long long)st->dropped_busy,
	    (unsigned long long)st->half_open);
	if (s->dp == NULL)
		return;
	d = dp_stats(s->dp);
	strbuf_printf(sb, "datapath tun=%s tun_rx=%llu tun_tx=%llu udp_rx=%llu "
	    "esp_tx=%llu raw_rx=%llu keepalives=%llu invalid=%llu "
	    "unknown_spi=%llu policy_drops=%llu errors=%llu clear_sent=%llu "
	    "clear_errors=%llu mandatory_held_sent=%llu mandatory_dropped=%llu "
	    "unowned_sent=%llu late_rx=%llu\n", s->tunname,
	    (unsigned long long)d->tun_rx, (unsigned long long)d->tun_tx,
	    (unsigned long long)d->udp_rx, (unsigned long long)d->udp_tx,
	    (unsigned long long)d->raw_rx, (unsigned long long)d->keepalives,
	    (unsigned long long)d->invalid,
	    (unsigned long long)esp_sadb_drops(s->sadb)[ESP_DROP_SPI],
	    (unsigned long long)d->policy, (unsigned long long)d->errors,
	    (unsigned long long)s->clear_sent,
	    (unsigned long long)s->clear_errors,
	    (unsigned long long)s->held_sent,
	    (unsigned long long)s->dropped_clear,
	    (unsigned long long)s->unowned_sent,
	    (unsigned long long)late_rx(s));
}

void
ipsec_sas_update(struct ipsec *s)
{
	struct strbuf sb = STRBUF_INIT;
	const struct ipsec_child *c;
	uint64_t now = ipsec_now_ms();
	char *text;

	ike_foreach_sa(s->ike, ike_line, &sb);
	for (c = s->children; c != NULL; c = c->next)
		if (c->retired_ms == 0)
			child_line(s, &sb, c, now);
	counters(s, &sb);
	if ((text = strbuf_detach(&sb, NULL)) == NULL)
		return;	/* out of memory: the previous text stays */
	pthread_mutex_lock(&s->text_mu);
	free(s->text);
	s->text = text;
	pthread_mutex_unlock(&s->text_mu);
}

void
ipsec_sas_render(void *arg, struct strbuf *sb)
{
	struct ipsec *s = arg;

	pthread_mutex_lock(&s->text_mu);
	if (s->text != NULL)
		strbuf_add(sb, s->text, strlen(s->text));
	pthread_mutex_unlock(&s->text_mu);
}

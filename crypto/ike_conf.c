#include "config.h"

#include <string.h>

#include "crypto/ike.h"

static int
id_from_string(const char *s, uint8_t *type, uint8_t *out, size_t *len)
{
	struct ipaddr a;
	size_t n;

	if (s == NULL) {
		*type = 0;	/* the address in use */
		*len = 0;
		return 0;
	}
	if (ipaddr_parse(s, &a) == 0) {
		*type = a.family == AF_INET ? ID_IPV4_ADDR : ID_IPV6_ADDR;
		*len = ipaddr_len(a.family);
		memcpy(out, a.a, *len);
		return 0;
	}
	n = strlen(s);
	if (n == 0 || n > IKE_ID_MAX)
		return -1;
	*type = strchr(s, '@') != NULL ? ID_RFC822_ADDR : ID_FQDN;
	memcpy(out, s, n);
	*len = n;
	return 0;
}

int
ike_peer_from_conf(struct ike_peer *p, const struct peer_conf *pc)
{
	memset(p, 0, sizeof(*p));
	p->remote = pc->remote;
	if (id_from_string(pc->local_id, &p->local_id_type, p->local_id,
	    &p->local_id_len) != 0 ||
	    id_from_string(pc->remote_id, &p->remote_id_type, p->remote_id,
	    &p->remote_id_len) != 0)
		return -1;
	if (pc->psk == NULL || pc->psk_len == 0 || pc->psk_len > IKE_PSK_MAX)
		return -1;
	memcpy(p->psk, pc->psk, pc->psk_len);
	p->psk_len = pc->psk_len;
	p->ike = pc->ike.proposals;
	p->esp = pc->ike.esp_proposals;
	p->transport = pc->ike.mode == MODE_TRANSPORT;
	p->force_encap = pc->ike.encap == ENCAP_YES;
	/* the IKE SA lives four times as long, as strongSwan's 1 h / 4 h */
	p->child_lifetime = pc->ike.lifetime;
	p->ike_lifetime = pc->ike.lifetime * 4;
	return 0;
}

/* The engine's files: spd, apps/NAME/sockets, apps/NAME/status, sas,
 * status. One record per line, key=value fields. */
#include "config.h"

#include <netinet/in.h>
#include <string.h>

#include "engine/engine_int.h"

static void
sock_ref(const struct sock *s, struct strbuf *sb)
{
	strbuf_printf(sb, " app=%s sock=%llu pid=%d fd=%d",
	    s->app != NULL ? s->app->name : "-", (unsigned long long)s->id,
	    (int)s->pid, s->fd);
}

void
engine_render_spd(struct engine *e, struct strbuf *sb)
{
	struct spd_vec kv = { 0 };
	struct slot *sl;
	size_t i;
	int rc;

	pthread_mutex_lock(&e->lock);
	if ((rc = xfrm_dump_owned(e->nl, &kv)) != 0) {
		strbuf_printf(sb, "error=%s\n", strerror(-rc));
		goto out;
	}
	for (i = 0; i < kv.n; i++) {
		spd_entry_print(&kv.v[i], sb);
		sl = slot_find(e, &kv.v[i].key);
		if (sl != NULL && sl->nown > 0) {
			sock_ref(sl->own[0].s, sb);
			if (sl->nown > 1)
				strbuf_printf(sb, " shared=%zu", sl->nown);
		} else {
			strbuf_printf(sb, " app=- sock=-");	/* stale: resync due */
		}
		strbuf_add(sb, "\n", 1);
	}
out:
	pthread_mutex_unlock(&e->lock);
	spd_vec_free(&kv);
}

static const char *
state_name(const struct xsock *x)
{
	if (x->listening)
		return "listen";
	if (x->accepted)
		return "accepted";
	if (x->connected)
		return "connected";
	if (x->proto == IPPROTO_UDP)
		return x->recv ? "udp-recv" : "udp";
	return "open";
}

static void
endpoint(struct strbuf *sb, const char *key, const struct ipaddr *a,
    bool any, int port)
{
	char buf[IPADDR_STRLEN];

	if (any)
		strbuf_printf(sb, " %s=%s:%d", key,
		    a->family == AF_INET6 ? "[::]" : "0.0.0.0", port);
	else if (a->family == AF_INET6)
		strbuf_printf(sb, " %s=[%s]:%d", key,
		    ipaddr_str(a, buf, sizeof(buf)), port);
	else
		strbuf_printf(sb, " %s=%s:%d", key,
		    ipaddr_str(a, buf, sizeof(buf)), port);
}

void
engine_render_sockets(struct engine *e, const char *name, struct strbuf *sb)
{
	struct sock *s;
	size_t i;

	pthread_mutex_lock(&e->lock);
	for (s = e->first; s != NULL; s = s->next) {
		if (s->app == NULL || strcmp(s->app->name, name) != 0)
			continue;
		strbuf_printf(sb, "pid=%d fd=%d sock=%llu proto=%s", (int)s->pid,
		    s->fd, (unsigned long long)s->id,
		    s->xs.proto == IPPROTO_TCP ? "tcp" : "udp");
		endpoint(sb, "local", &s->xs.local, s->xs.local_any, s->xs.lport);
		if (s->xs.connected || s->xs.accepted)
			endpoint(sb, "remote", &s->xs.peer, false, s->xs.rport);
		else
			strbuf_printf(sb, " remote=-");
		strbuf_printf(sb, " state=%s udp_dests=%zu entries=%zu\n",
		    state_name(&s->xs), s->xs.ndests, s->entries.n);
		for (i = 0; i < s->entries.n; i++) {
			strbuf_add(sb, "  ", 2);
			spd_entry_print(&s->entries.v[i], sb);
			strbuf_add(sb, "\n", 1);
		}
	}
	pthread_mutex_unlock(&e->lock);
}

void
engine_render_app_status(struct engine *e, const char *name, struct strbuf *sb)
{
	struct app *a;
	struct sock *s;
	size_t nsock = 0, nent = 0;

	pthread_mutex_lock(&e->lock);
	for (a = e->apps; a != NULL && strcmp(a->name, name) != 0; a = a->next)
		;
	for (s = e->first; a != NULL && s != NULL; s = s->next) {
		if (s->app == a) {
			nsock++;
			nent += s->entries.n;
		}
	}
	if (a == NULL)
		strbuf_printf(sb, "policy=none\n");
	else
		strbuf_printf(sb, "policy=%s sockets=%zu entries=%zu events=%llu "
		    "errors=%llu loads=%llu\n", a->pol ? "set" : "none", nsock,
		    nent, (unsigned long long)a->nevents,
		    (unsigned long long)a->nerrors, (unsigned long long)a->nsets);
	pthread_mutex_unlock(&e->lock);
}

void
engine_set_sa_renderer(struct engine *e,
    void (*fn)(void *arg, struct strbuf *sb), void *arg)
{
	pthread_mutex_lock(&e->lock);
	e->sa_render = fn;
	e->sa_render_arg = arg;
	pthread_mutex_unlock(&e->lock);
}

void
engine_render_sas(struct engine *e, struct strbuf *sb)
{
	/* IKE and CHILD SAs are the IKE part's; the engine holds none. */
	pthread_mutex_lock(&e->lock);
	if (e->sa_render != NULL)
		e->sa_render(e->sa_render_arg, sb);
	pthread_mutex_unlock(&e->lock);
}

void
engine_render_status(struct engine *e, struct strbuf *sb)
{
	const struct counters *c = &e->c;
	uint64_t trips, msgs;
	struct app *a;
	size_t napps = 0;

	pthread_mutex_lock(&e->lock);
	for (a = e->apps; a != NULL; a = a->next)
		napps++;
	xfrm_counters(e->nl, &trips, &msgs);
	strbuf_printf(sb, "datapath=%s kernel_esp=%s\n",
	    e->datapath_kernel ? "kernel" : "userspace",
	    e->kernel_esp ? "yes" : "no");
	strbuf_printf(sb, "uptime=%lld apps=%zu sockets=%zu spd_entries=%zu\n",
	    (long long)(time(NULL) - e->started), napps, e->nsocks,
	    e->ninstalled);
	strbuf_printf(sb, "events listen=%llu accept=%llu connect=%llu send=%llu "
	    "recv=%llu close=%llu failed=%llu dropped=%llu\n",
	    (unsigned long long)c->events[SOCK_LISTEN],
	    (unsigned long long)c->events[SOCK_ACCEPT],
	    (unsigned long long)c->events[SOCK_CONNECT],
	    (unsigned long long)c->events[SOCK_SEND],
	    (unsigned long long)c->events[SOCK_RECV],
	    (unsigned long long)c->events[SOCK_CLOSE],
	    (unsigned long long)c->failed_events,
	    (unsigned long long)c->dropped);
	strbuf_printf(sb, "spd added=%llu updated=%llu removed=%llu failed=%llu "
	    "expired_udp=%llu leftovers_removed=%llu resyncs=%llu "
	    "netlink_batches=%llu netlink_messages=%llu\n",
	    (unsigned long long)c->added, (unsigned long long)c->updated,
	    (unsigned long long)c->removed, (unsigned long long)c->failed_ops,
	    (unsigned long long)c->expired, (unsigned long long)c->leftovers,
	    (unsigned long long)c->resyncs, (unsigned long long)trips,
	    (unsigned long long)msgs);
	pthread_mutex_unlock(&e->lock);
}

/* Messages between the daemon (monitor.c) and the tracer process
 * (tracer.c). Two SOCK_SEQPACKET socket pairs: on `ev' the tracer asks
 * (program match, socket event) and the daemon answers; on `ctl' the
 * daemon commands (rescan, mark, status, stop) and the tracer answers
 * status and mark. The tracer treats EOF on either as "daemon gone". */
#ifndef IPSECFS_MONITOR_PROTO_H
#define IPSECFS_MONITOR_PROTO_H

#include <limits.h>

#include "engine/sockev.h"

enum msg_type {
	MSG_MATCH = 1,		/* tracer -> daemon: exe */
	MSG_EVENT,		/* tracer -> daemon: ev + exe */
	MSG_REPLY,		/* daemon -> tracer: rc + text */
	CTL_RESCAN,		/* daemon -> tracer */
	CTL_MARK,		/* daemon -> tracer: path, flags; replied */
	CTL_STATUS,		/* daemon -> tracer; replied with text */
	CTL_STOP,		/* daemon -> tracer */
	MSG_NOTE,		/* tracer -> daemon: a line for events_emit */
	CTL_REMARK,		/* daemon -> new tracer: MARK, not replied */
};

#define MSG_TEXT	256

struct msg {
	int			type;
	unsigned		seq;		/* a REPLY echoes its question's */
	int			rc;		/* REPLY: result; MARK: flags */
	struct sock_event	ev;		/* EVENT (ev.exe unused) */
	char			exe[PATH_MAX];	/* MATCH, EVENT, MARK (path) */
	char			text[MSG_TEXT];	/* REPLY: app or why */
};

#define STATUS_MAX	65536

#endif

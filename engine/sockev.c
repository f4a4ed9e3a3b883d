/* Names of socket operations, for events, the sockets file and the
 * monitor's notes. In libcore: the monitor links no engine. */
#include "config.h"

#include "engine/sockev.h"

const char *
sock_op_name(enum sock_op op)
{
	switch (op) {
	case SOCK_LISTEN:	return "listen";
	case SOCK_ACCEPT:	return "accept";
	case SOCK_CONNECT:	return "connect";
	case SOCK_SEND:		return "send";
	case SOCK_RECV:		return "recv";
	case SOCK_CLOSE:	return "close";
	}
	return "unknown";
}

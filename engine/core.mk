# engine/ core: logging, text buffers, the event log, addresses, socket
# operation names. Linked last.
noinst_LIBRARIES += libcore.a
libcore_a_SOURCES = engine/log.c engine/log.h engine/strbuf.c engine/strbuf.h \
	engine/events.c engine/events.h engine/ipaddr.c engine/ipaddr.h \
	engine/sockev.c engine/sockev.h engine/conf.h engine/proposal.h engine/engine.h \
	engine/policy.h fs/cli.h monitor/monitor.h
DAEMON_LIBS += libcore.a

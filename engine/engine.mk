# engine/: translation, SPD reconciliation over XFRM netlink, the SA interface.
noinst_LIBRARIES += libengine.a
libengine_a_SOURCES = engine/engine.c engine/sockev.c engine/spd.c engine/spd.h \
	engine/translate.c engine/translate.h engine/xfrm.c engine/xfrm.h
DAEMON_LIBS += libengine.a

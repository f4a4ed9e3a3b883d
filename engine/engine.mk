# engine/: translation, SPD reconciliation over XFRM netlink, the SA interface.
noinst_LIBRARIES += libengine.a
libengine_a_SOURCES = engine/engine.c engine/sockev.c
DAEMON_LIBS += libengine.a

# engine/: translation, SPD reconciliation over XFRM netlink, the SA interface.
noinst_LIBRARIES += libengine.a
libengine_a_SOURCES = engine/engine.c engine/engine_int.h engine/sockev.c \
	engine/sockets.c engine/reconcile.c engine/render.c engine/loop.c \
	engine/spd.c engine/spd.h engine/translate.c engine/translate.h \
	engine/xfrm.c engine/xfrm.h engine/xfrm_sa.c engine/xfrm_sa.h
DAEMON_LIBS += libengine.a

# The integration tests' driver: runs the engine from a script.
check_PROGRAMS += engine-drive
engine_drive_SOURCES = tests/integration/engine-drive.c
engine_drive_LDADD = libengine.a libpolicy.a libcore.a $(EXT_LIBS)

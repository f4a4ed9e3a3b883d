# engine/: translation, SPD reconciliation over XFRM netlink, the SA interface.
noinst_LIBRARIES += libengine.a
libengine_a_SOURCES = engine/engine.c engine/engine_int.h \
	engine/sockets.c engine/burst.c engine/reconcile.c engine/render.c engine/loop.c \
	engine/spd.c engine/spd.h engine/translate.c engine/translate.h \
	engine/xfrm.c engine/xfrm.h engine/xfrm_sa.c engine/xfrm_sa.h
DAEMON_LIBS += libengine.a

# The integration tests' driver: runs the engine from a script.
check_PROGRAMS += engine-drive
engine_drive_SOURCES = tests/integration/engine-drive.c
engine_drive_LDADD = libengine.a libpolicy.a libconfig.a libcore.a $(EXT_LIBS)

check_PROGRAMS += test_translate
TESTS += test_translate
test_translate_SOURCES = tests/unit/test_translate.c
test_translate_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_translate_LDADD = libengine.a libpolicy.a libconfig.a libcore.a $(TEST_LIBS) $(EXT_LIBS)

if NETNS_TESTS
TESTS += tests/integration/engine_spd.sh
endif
EXTRA_DIST += tests/integration/engine_spd.sh

# Benchmarks: each runs in a private network namespace of its own.
BENCHES += bench_engine
bench_engine_SOURCES = tests/bench/bench_engine.c
bench_engine_LDADD = libengine.a libpolicy.a libconfig.a libcore.a $(EXT_LIBS)
EXTRA_DIST += docs/engine.md

# fs/: the FUSE daemon's file tree, its state directory and life cycle.
noinst_LIBRARIES += libfs.a
libfs_a_SOURCES = fs/daemon.c fs/tree.c fs/tree.h fs/node.c fs/node.h \
	fs/apps.c fs/apps.h fs/apps_int.h fs/tmpfile.c fs/names.c fs/names.h \
	fs/store.c fs/store.h fs/evstream.c fs/evstream.h \
	fs/mountpoint.c fs/mountpoint.h fs/watch.c fs/watch.h
DAEMON_LIBS += libfs.a

# Integration tests: a real mount in a temporary directory (root and FUSE).
EXTRA_DIST += tests/integration/fs_lib.sh
FS_IT = tests/integration/fs_tree.sh tests/integration/fs_life.sh \
	tests/integration/fs_events.sh tests/integration/fs_access.sh
if NETNS_TESTS
TESTS += $(FS_IT)
endif
EXTRA_DIST += $(FS_IT)
# End to end with the monitor and the engine: tests/integration/daemon_apps.sh

# C tests against a real daemon: concurrent writers, poll, the kill -9 loop.
FS_CTESTS = test_fs_writers test_fs_kill
if NETNS_TESTS
check_PROGRAMS += $(FS_CTESTS)
TESTS += $(FS_CTESTS)
endif
test_fs_writers_SOURCES = tests/unit/test_fs_writers.c \
	tests/unit/fs_harness.c tests/unit/fs_harness.h
test_fs_writers_LDADD = -lpthread
test_fs_kill_SOURCES = tests/unit/test_fs_kill.c \
	tests/unit/fs_harness.c tests/unit/fs_harness.h
test_fs_kill_LDADD = libpolicy.a libcore.a $(EXT_LIBS)
EXTRA_DIST += tests/unit/test_fs_writers.c tests/unit/test_fs_kill.c \
	tests/unit/fs_harness.c tests/unit/fs_harness.h

# Unit tests (no root needed).
check_PROGRAMS += test_fs_store
TESTS += test_fs_store
test_fs_store_SOURCES = tests/unit/test_fs_store.c
test_fs_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_fs_store_LDADD = libfs.a libcore.a $(TEST_LIBS)

# Benchmark: cat of each file with 1,000 policies, against plain files.
BENCH_SH += tests/bench/bench_fs.sh
EXTRA_DIST += tests/bench/bench_fs.sh

dist_man_MANS += man/ipsecfs.8
EXTRA_DIST += contrib/ipsecfs.service docs/filesystem.md

FUZZ_TARGETS += fuzz_fs_path
fuzz_fs_path_SOURCES = tests/fuzz/fuzz_fs_path.c
fuzz_fs_path_LDADD = libfs.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_fs_path_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_fs_path_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_fs_path

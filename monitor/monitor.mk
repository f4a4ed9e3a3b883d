# monitor/: rules of this part (see Makefile.am)
noinst_LIBRARIES += libmonitor.a
libmonitor_a_SOURCES = monitor/monitor.c monitor/proto.h monitor/tracer.h \
	monitor/tracer.c monitor/ask.c monitor/stops.c monitor/procs.c \
	monitor/attach.c monitor/execs.c monitor/loader.c monitor/inject.c \
	monitor/filter.c monitor/sock.c monitor/calls.c
DAEMON_LIBS += libmonitor.a

check_PROGRAMS += tests/integration/monitor-run
tests_integration_monitor_run_SOURCES = tests/integration/monitor-run.c
tests_integration_monitor_run_LDADD = libmonitor.a libcore.a $(EXT_LIBS)

EXTRA_DIST += tests/integration/monitor_common.sh tests/integration/monitor_net.py \
	docs/monitor.md
MONITOR_IT = tests/integration/monitor_tcp.sh tests/integration/monitor_udp.sh \
	tests/integration/monitor_procs.sh tests/integration/monitor_ftp.sh \
	tests/integration/monitor_kill.sh tests/integration/monitor_scan.sh \
	tests/integration/monitor_loader.sh
EXTRA_DIST += $(MONITOR_IT)
if NETNS_TESTS
TESTS += $(MONITOR_IT)
endif

BENCHES += bench_monitor
bench_monitor_SOURCES = tests/bench/bench_monitor.c
bench_monitor_LDADD = libmonitor.a libengine.a libpolicy.a libconfig.a libcore.a \
	$(EXT_LIBS)

MONITOR_UNIT = tests/unit/test_monitor_filter tests/unit/test_monitor_socks \
	tests/unit/test_monitor_loader
check_PROGRAMS += $(MONITOR_UNIT)
TESTS += $(MONITOR_UNIT)
tests_unit_test_monitor_filter_SOURCES = tests/unit/test_monitor_filter.c
tests_unit_test_monitor_filter_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_monitor_filter_LDADD = libmonitor.a libcore.a $(EXT_LIBS) $(TEST_LIBS)
tests_unit_test_monitor_socks_SOURCES = tests/unit/test_monitor_socks.c
tests_unit_test_monitor_socks_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_monitor_socks_LDADD = libmonitor.a libcore.a $(EXT_LIBS) $(TEST_LIBS)
tests_unit_test_monitor_loader_SOURCES = tests/unit/test_monitor_loader.c
tests_unit_test_monitor_loader_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_unit_test_monitor_loader_LDADD = libmonitor.a libcore.a $(EXT_LIBS) $(TEST_LIBS)

FUZZ_TARGETS += fuzz_loader_args
fuzz_loader_args_SOURCES = tests/fuzz/fuzz_loader_args.c
fuzz_loader_args_LDADD = libmonitor.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_loader_args_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_loader_args_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_loader_args

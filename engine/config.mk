# engine/: configuration (ipsecfs.conf) and IKE/ESP proposals.
noinst_LIBRARIES += libconfig.a
libconfig_a_SOURCES = engine/conf.c engine/conf.h \
	engine/confscan.c engine/confscan.h \
	engine/proposal.c engine/proposal.h
DAEMON_LIBS += libconfig.a

check_PROGRAMS += test_proposal test_conf
TESTS += test_proposal test_conf
test_proposal_SOURCES = tests/unit/test_proposal.c
test_proposal_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_proposal_LDADD = libconfig.a libcore.a $(EXT_LIBS) $(TEST_LIBS)
test_conf_SOURCES = tests/unit/test_conf.c
test_conf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_conf_LDADD = libconfig.a libcore.a $(EXT_LIBS) $(TEST_LIBS)

FUZZ_TARGETS += fuzz_proposal
fuzz_proposal_SOURCES = tests/fuzz/fuzz_proposal.c
fuzz_proposal_LDADD = libconfig.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_proposal_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_proposal_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_proposal

FUZZ_TARGETS += fuzz_conf
fuzz_conf_SOURCES = tests/fuzz/fuzz_conf.c
fuzz_conf_LDADD = libconfig.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_conf_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_conf_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_conf

dist_man_MANS += man/ipsecfs.conf.5
EXTRA_DIST += contrib/ipsecfs.conf docs/configuration.md

# engine/: the policy language (engine/policy*.c) and ipsecfs --check.
noinst_LIBRARIES += libpolicy.a
libpolicy_a_SOURCES = engine/policy.c engine/policy_lex.c \
	engine/policy_parse.c engine/policy_valid.c engine/policy_net.c \
	engine/policy_resolve.c engine/policy_print.c engine/policy_decide.c \
	engine/policy_impl.h engine/check.c
DAEMON_LIBS += libpolicy.a

check_PROGRAMS += test_policy_parse test_policy_decide
TESTS += test_policy_parse test_policy_decide
test_policy_parse_SOURCES = tests/unit/test_policy_parse.c
test_policy_parse_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_policy_parse_LDADD = libpolicy.a libcore.a $(TEST_LIBS)
test_policy_decide_SOURCES = tests/unit/test_policy_decide.c
test_policy_decide_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_policy_decide_LDADD = libpolicy.a libcore.a $(TEST_LIBS)
EXTRA_DIST += contrib/policies

FUZZ_TARGETS += fuzz_policy
fuzz_policy_SOURCES = tests/fuzz/fuzz_policy.c
fuzz_policy_LDADD = libpolicy.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_policy_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_policy_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_policy

# ipsecfs --check from the outside; skips until the ipsecfs binary links.
TESTS += tests/unit/test_policy_check.sh
EXTRA_DIST += tests/unit/test_policy_check.sh

BENCHES += bench_policy
bench_policy_SOURCES = tests/bench/bench_policy.c
bench_policy_LDADD = libpolicy.a libcore.a

dist_man_MANS += man/ipsecfs-policy.5

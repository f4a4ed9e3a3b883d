# Shared test plumbing. Each part registers its own tests in its fragment.
EXTRA_DIST += tests/fuzz/standalone.c tests/integration/lib.sh tests/integration/charon_lib.sh

# How a part adds a fuzz target NAME (tests/fuzz/NAME.c with
# LLVMFuzzerTestOneInput, seed corpus in tests/fuzz/corpus/NAME/):
#
#   FUZZ_TARGETS += NAME
#   NAME_SOURCES = tests/fuzz/NAME.c
#   NAME_LDADD = libpolicy.a libcore.a $(EXT_LIBS)
#   if ENABLE_FUZZING
#   NAME_LDFLAGS = $(FUZZ_LDFLAGS)
#   else
#   NAME_SOURCES += tests/fuzz/standalone.c
#   endif
#   EXTRA_DIST += tests/fuzz/corpus/NAME
#
# Without --enable-fuzzing the target runs its corpus in make check; with it,
# run ./NAME tests/fuzz/corpus/NAME to fuzz.
if ENABLE_FUZZING
noinst_PROGRAMS += $(FUZZ_TARGETS)
else
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += $(FUZZ_TARGETS)
endif

# The whole daemon with real programs.
if NETNS_TESTS
TESTS += tests/integration/daemon_apps.sh
endif
EXTRA_DIST += tests/integration/daemon_apps.sh
if NETNS_TESTS
TESTS += tests/integration/daemon_ipsec.sh
endif
EXTRA_DIST += tests/integration/daemon_ipsec.sh

# CHILD SA rekeys in the middle of a long transfer (engine/ipsec*, crypto/ike*):
# ipsecfs <-> ipsecfs, and ipsecfs <-> strongSwan.
EXTRA_DIST += tests/integration/ipsec_rekey.sh tests/integration/bulk.py \
	tests/integration/rekey_lib.sh \
	tests/integration/ipsec_rekey_swan.sh
if NETNS_TESTS
TESTS += tests/integration/ipsec_rekey.sh tests/integration/ipsec_rekey_swan.sh
endif

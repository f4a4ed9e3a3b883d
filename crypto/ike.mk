# crypto/ IKEv2: codec, key derivation, DH, the exchange state machine and
# its UDP transport. See docs/ike.md.
noinst_LIBRARIES += libike.a
libike_a_SOURCES = crypto/ike_msg.c crypto/ike_msg.h \
	crypto/prf.c crypto/prf.h crypto/dh.c crypto/dh.h \
	crypto/ike_sk.c crypto/ike_sk.h crypto/ike.c crypto/ike.h \
	crypto/ike_int.h crypto/ike_init.c crypto/ike_auth.c \
	crypto/ike_child.c crypto/ike_info.c crypto/ike_net.c crypto/ike_net.h \
	crypto/ike_conf.c
DAEMON_LIBS += libike.a
EXTRA_DIST += docs/ike.md

IKE_TEST_LIBS = libike.a libesp.a libconfig.a libcore.a $(EXT_LIBS) $(TEST_LIBS)

check_PROGRAMS += test_ike_msg test_ike_prf test_ike_dh test_ike_sa
TESTS += test_ike_msg test_ike_prf test_ike_dh test_ike_sa
test_ike_msg_SOURCES = tests/unit/test_ike_msg.c
test_ike_msg_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_ike_msg_LDADD = $(IKE_TEST_LIBS)
test_ike_prf_SOURCES = tests/unit/test_ike_prf.c tests/unit/hex.h
test_ike_prf_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_ike_prf_LDADD = $(IKE_TEST_LIBS)
test_ike_sa_SOURCES = tests/unit/test_ike_sa.c tests/unit/ike_pair.h
test_ike_sa_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_ike_sa_LDADD = $(IKE_TEST_LIBS)
test_ike_dh_SOURCES = tests/unit/test_ike_dh.c
test_ike_dh_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_ike_dh_LDADD = $(IKE_TEST_LIBS)

FUZZ_TARGETS += fuzz_ike_msg
fuzz_ike_msg_SOURCES = tests/fuzz/fuzz_ike_msg.c
fuzz_ike_msg_LDADD = libike.a libesp.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_ike_msg_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_ike_msg_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_ike_msg

# The interoperability tool: our IKE against a real peer (strongSwan).
check_PROGRAMS += ike-peer
ike_peer_SOURCES = tests/integration/ike-peer.c
ike_peer_LDADD = libike.a libesp.a libconfig.a libcore.a $(EXT_LIBS)

EXTRA_DIST += tests/integration/ike_strongswan.sh
if NETNS_TESTS
TESTS += tests/integration/ike_strongswan.sh
endif

BENCHES += bench_ike_dh
bench_ike_dh_SOURCES = tests/bench/bench_ike_dh.c
bench_ike_dh_LDADD = libike.a libesp.a libcore.a $(EXT_LIBS)
BENCH_SH += tests/bench/bench_ike.sh
EXTRA_DIST += tests/bench/bench_ike.sh

FUZZ_TARGETS += fuzz_ike_sa
fuzz_ike_sa_SOURCES = tests/fuzz/fuzz_ike_sa.c
fuzz_ike_sa_LDADD = libike.a libesp.a libconfig.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_ike_sa_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_ike_sa_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_ike_sa

FUZZ_TARGETS += fuzz_ike_sk
fuzz_ike_sk_SOURCES = tests/fuzz/fuzz_ike_sk.c
fuzz_ike_sk_LDADD = libike.a libesp.a libconfig.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_ike_sk_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_ike_sk_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_ike_sk

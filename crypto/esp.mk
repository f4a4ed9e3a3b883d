# crypto/: ESP (RFC 4303), the per-SA cipher state, anti-replay and the
# user-space datapath. See docs/esp.md.
noinst_LIBRARIES += libesp.a
libesp_a_SOURCES = crypto/cipher.c crypto/cipher.h crypto/aesni_gcm.c crypto/aesni_gcm.h crypto/replay.c crypto/replay.h \
	crypto/esp.c crypto/esp.h crypto/esp_sadb.c crypto/esp_sadb.h \
	crypto/esp_ip.c crypto/esp_ip.h crypto/tun.c crypto/tun.h \
	crypto/datapath.c crypto/datapath.h
DAEMON_LIBS += libesp.a
EXTRA_DIST += docs/esp.md

check_PROGRAMS += test_cipher
TESTS += test_cipher
test_cipher_SOURCES = tests/unit/test_cipher.c tests/unit/hex.h
test_cipher_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_cipher_LDADD = libesp.a libcore.a $(EXT_LIBS) $(TEST_LIBS)

check_PROGRAMS += test_replay
TESTS += test_replay
test_replay_SOURCES = tests/unit/test_replay.c
test_replay_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_replay_LDADD = libesp.a $(TEST_LIBS)

check_PROGRAMS += test_esp
TESTS += test_esp
test_esp_SOURCES = tests/unit/test_esp.c tests/unit/hex.h
test_esp_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_esp_LDADD = libesp.a libcore.a $(EXT_LIBS) $(TEST_LIBS)

FUZZ_TARGETS += fuzz_esp_decap
fuzz_esp_decap_SOURCES = tests/fuzz/fuzz_esp_decap.c tests/fuzz/esp_fuzz_sa.h
fuzz_esp_decap_LDADD = libesp.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_esp_decap_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_esp_decap_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_esp_decap
# Remakes the seed corpus: make gen_esp_corpus && ./gen_esp_corpus DIR
check_PROGRAMS += gen_esp_corpus
gen_esp_corpus_SOURCES = tests/fuzz/gen_esp_corpus.c tests/fuzz/esp_fuzz_sa.h
gen_esp_corpus_LDADD = libesp.a libcore.a $(EXT_LIBS)

BENCHES += bench_esp
bench_esp_SOURCES = tests/bench/bench_esp.c
bench_esp_LDADD = libesp.a libconfig.a libcore.a $(EXT_LIBS)

# The user-space datapath between two namespaces (needs root).
check_PROGRAMS += esp_tunnel_tool
esp_tunnel_tool_SOURCES = tests/integration/esp_tunnel_tool.c
esp_tunnel_tool_LDADD = libesp.a libconfig.a libcore.a $(EXT_LIBS)
EXTRA_DIST += tests/integration/esp_tunnel.sh tests/integration/esp_inject.py
if NETNS_TESTS
TESTS += tests/integration/esp_tunnel.sh
endif
BENCH_SH += tests/bench/bench_esp_tunnel.sh
EXTRA_DIST += tests/bench/bench_esp_tunnel.sh

check_PROGRAMS += test_esp_datapath
TESTS += test_esp_datapath
test_esp_datapath_SOURCES = tests/unit/test_esp_datapath.c
test_esp_datapath_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_esp_datapath_LDADD = libesp.a libcore.a $(EXT_LIBS) $(TEST_LIBS)

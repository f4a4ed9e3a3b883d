# The glue that makes protected policies protect traffic (engine/ipsec.h):
# IKE on 500/4500, CHILD SAs into XFRM or the user-space ESP datapath.
noinst_LIBRARIES += libipsec.a
libipsec_a_SOURCES = engine/ipsec.c engine/ipsec.h engine/ipsec_int.h \
	engine/ipsec_ike.c engine/ipsec_child.c engine/ipsec_dp.c engine/ipsec_route.c \
	engine/ipsec_kernel.c engine/ipsec_sas.c engine/ipsec_flow.c
# ipsec.mk is included after ike.mk and esp.mk: name them again after us
DAEMON_LIBS += libipsec.a libike.a libesp.a
EXTRA_DIST += docs/ipsec.md

# What the daemon will do around ipsec_start/ipsec_stop, for the test.
check_PROGRAMS += ipsec-node
ipsec_node_SOURCES = tests/integration/ipsec-node.c
ipsec_node_LDADD = libipsec.a libike.a libesp.a libengine.a libpolicy.a \
	libconfig.a libcore.a $(EXT_LIBS)
EXTRA_DIST += tests/integration/ipsec_lib.sh \
	tests/integration/ipsec_tunnel.sh tests/integration/ipsec_strongswan.sh \
	tests/integration/ipsec_kernel.sh tests/integration/ipsec_tunnel6.sh \
	tests/integration/ipsec_nopeer.sh tests/integration/ipsec_strongswan_resp.sh
if NETNS_TESTS
TESTS += tests/integration/ipsec_tunnel.sh tests/integration/ipsec_strongswan.sh \
	tests/integration/ipsec_kernel.sh tests/integration/ipsec_tunnel6.sh \
	tests/integration/ipsec_nopeer.sh tests/integration/ipsec_strongswan_resp.sh
endif

FUZZ_TARGETS += fuzz_ipsec_flow
fuzz_ipsec_flow_SOURCES = tests/fuzz/fuzz_ipsec_flow.c
fuzz_ipsec_flow_LDADD = libipsec.a libcore.a $(EXT_LIBS)
if ENABLE_FUZZING
fuzz_ipsec_flow_LDFLAGS = $(FUZZ_LDFLAGS)
else
fuzz_ipsec_flow_SOURCES += tests/fuzz/standalone.c
endif
EXTRA_DIST += tests/fuzz/corpus/fuzz_ipsec_flow

check_PROGRAMS += test_xfrm_sa
TESTS += test_xfrm_sa
test_xfrm_sa_SOURCES = tests/unit/test_xfrm_sa.c
test_xfrm_sa_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
test_xfrm_sa_LDADD = libipsec.a libike.a libesp.a libengine.a libpolicy.a \
	libconfig.a libcore.a $(EXT_LIBS) $(TEST_LIBS)

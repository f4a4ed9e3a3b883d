# Shared helpers for the integration tests (sourced). Each test is a
# shell script run as root by make check; it exits 77 (skip) when it
# cannot run here and 1 on the first failed check.
#
#   . "$top_srcdir/tests/integration/lib.sh"
#   need_root; need_cmd ip
#   netns_pair A B          # two hosts: A 10.99.N.1 <-> B 10.99.N.2 (+ fd99:N::1/2)
#   check "what" cmd args   # runs cmd, fails the test if it fails
#   expect_eq "what" "$got" "$want"

set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${IPSECFS:=$top_builddir/ipsecfs}"

TEST_NAME=$(basename "$0" .sh)
# A short tag unique to this run, so parallel tests never share names.
TAG=$(printf '%s' "$TEST_NAME$$" | cksum | cut -c1-5)
CLEANUPS=""

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

need_root() { [ "$(id -u)" = 0 ] || skip "needs root"; }
need_cmd() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "needs $c"; done; }

# at_exit CMD: run CMD (a string) when the test ends, last registered first.
# A cleanup that finds the test failed sets LATE_FAIL (it must not exit:
# the other cleanups still have to run).
at_exit() { CLEANUPS="$1; $CLEANUPS"; }
LATE_FAIL=""
run_cleanups() {
	eval "$CLEANUPS" >/dev/null 2>&1 || true
	[ -z "$LATE_FAIL" ] || { echo "FAIL: $LATE_FAIL" >&2; exit 1; }
}
trap run_cleanups EXIT
trap 'exit 1' INT TERM

check() {
	local what=$1; shift
	if "$@"; then pass "$what"; else fail "$what (command: $*)"; fi
}

expect_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		printf 'FAIL: %s\n--- got:\n%s\n--- want:\n%s\n' "$1" "$2" "$3" >&2
		exit 1
	fi
}

# wait_for SECONDS CMD...: polls CMD every 0.05 s until it succeeds.
wait_for() {
	local t=$1 i=0; shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -gt $((t * 20)) ] && return 1
		sleep 0.05
	done
}

# netns_pair VAR_A VAR_B: makes two namespaces joined by veth and sets
# VAR_A/VAR_B to their names. Addresses: A 10.99.$NET.1/24, B 10.99.$NET.2/24,
# fd99:$NET::1/64 and ::2; NET is derived from the test's tag.
netns_pair() {
	need_root; need_cmd ip
	local a="ipsecfs-$TAG-a" b="ipsecfs-$TAG-b"
	NET=$(( $(printf '%s' "$TAG" | cksum | cut -d' ' -f1) % 250 + 1 ))
	ip netns add "$a" || skip "cannot create network namespaces"
	at_exit "ip netns del $a"
	ip netns add "$b"
	at_exit "ip netns del $b"
	ip link add "v$TAG-a" netns "$a" type veth peer name "v$TAG-b" netns "$b"
	ip -n "$a" link set lo up; ip -n "$b" link set lo up
	ip -n "$a" addr add "10.99.$NET.1/24" dev "v$TAG-a"
	ip -n "$b" addr add "10.99.$NET.2/24" dev "v$TAG-b"
	ip -n "$a" addr add "fd99:$NET::1/64" dev "v$TAG-a" nodad
	ip -n "$b" addr add "fd99:$NET::2/64" dev "v$TAG-b" nodad
	ip -n "$a" link set "v$TAG-a" up; ip -n "$b" link set "v$TAG-b" up
	A_ADDR=10.99.$NET.1; B_ADDR=10.99.$NET.2
	A_ADDR6=fd99:$NET::1; B_ADDR6=fd99:$NET::2
	eval "$1=$a; $2=$b"
}

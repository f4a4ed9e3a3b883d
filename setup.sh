#!/bin/sh
# The two commands of the README, on a fresh Debian 12 machine, as root:
#
#   ./setup.sh run     install, build, and run ipsecfs -f on its embedded
#                      defaults (mounted on /run/ipsecfs; Ctrl-C unmounts)
#   ./setup.sh check   install, build, and pass the whole test suite:
#                      the normal build, then the ASan/UBSan build
set -eu
cd "$(dirname "$0")"
top=$(pwd)
what=${1:-}
jobs=$(nproc 2>/dev/null || echo 2)

build() {	# build DIR CONFIGURE-ARGS...
	dir=$1; shift
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" "$@" >configure.out 2>&1) ||
		{ cat "$dir/configure.out"; exit 1; }
	make -C "$dir" -j"$jobs"
}

summary() {	# adds up the automake test logs of each build dir given
	awk '/^# (PASS|XFAIL):/ { p += $3 } /^# (FAIL|XPASS|ERROR):/ { f += $3 }
	     /^# SKIP:/ { s += $3 }
	     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' \
		"$@"
}

failed_logs() {	# the end of each failed test's log of this run, for CI
	for d in "$@"; do
		for t in $(find "$d" -name '*.trs' -newer "$d/Makefile"); do
			grep -q -E '^:test-result: (FAIL|ERROR)' "$t" || continue
			echo "==== ${t%.trs}.log"
			tail -n 60 "${t%.trs}.log"
		done
	done
}

case $what in
run)
	contrib/install-deps.sh
	[ -x configure ] || autoreconf -fi
	build build
	exec build/ipsecfs -f
	;;
check)
	contrib/install-deps.sh test
	autoreconf -fi
	rc=0
	build build
	make -C build -j"$jobs" check || rc=1
	build build-asan --enable-sanitizers
	make -C build-asan -j"$jobs" check || rc=1
	[ $rc = 0 ] || failed_logs build build-asan
	summary build/test-suite.log build-asan/test-suite.log
	exit $rc
	;;
*)
	echo "usage: $0 run|check" >&2
	exit 2
	;;
esac

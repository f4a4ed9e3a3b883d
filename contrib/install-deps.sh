#!/bin/sh
# Installs what ipsecfs needs to build (and, with "test", to run its test
# suite) on Debian 12. Run as root. Safe to run again.
set -eu
BUILD="autoconf automake libtool pkg-config make gcc
 libfuse3-dev fuse3 libnl-3-dev libnl-xfrm-3-dev libnl-route-3-dev
 libiniparser-dev libtomcrypt-dev libtommath-dev libcmocka-dev"
TEST="clang libclang-rt-14-dev iproute2 procps psmisc kmod socat patchelf python3
 python3-pyftpdlib curl tcpdump iperf3 strongswan-charon strongswan-swanctl
 libcharon-extra-plugins libstrongswan-extra-plugins libstrongswan-standard-plugins
 iputils-ping nftables"

want=$BUILD
[ "${1:-}" = test ] && want="$BUILD $TEST"

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: these Debian packages are missing:$missing" >&2
	echo "install-deps: run as root to install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
# strongSwan's package starts a system charon; the tests run their own.
systemctl disable --now strongswan-starter strongswan 2>/dev/null || true

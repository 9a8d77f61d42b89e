#!/bin/sh
# Install every Debian package the build, the demo and the tests need.
# Idempotent and quiet when everything is already there.
set -e
PKGS="build-essential pkg-config check libbsd-dev clang libclang-rt-14-dev cppcheck clang-tidy
iproute2 iputils-ping iputils-arping python3 libpython3.11-testsuite python3-scapy tshark socat netcat-openbsd telnet
curl busybox nginx iperf3 wrk redis-server procps psmisc
firefox-esr"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# tshark asks whether non-root users may capture; the answer is no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get install -y -qq --no-install-recommends $missing >/dev/null

#!/bin/sh
# Install the Debian packages one target needs, and only those:
#   tests/deps.sh build   the build (make deps, make)
#   tests/deps.sh demo    build + what tests/integration/demo.sh runs (make demo)
#   tests/deps.sh test    build + what the unit and integration tests run (make test)
# Idempotent and quiet when everything is already there. Services that a
# package would start on installation (nginx, redis-server) are not
# started: invoke-rc.d asks /usr/sbin/policy-rc.d, which says no (101)
# while we install, unless the machine has its own policy already.
set -e
BUILD="build-essential pkg-config check libbsd-dev"
DEMO="iproute2 iputils-ping python3 curl"
TEST="$DEMO clang libclang-rt-14-dev cppcheck clang-tidy
iputils-arping libpython3.11-testsuite python3-scapy tshark socat netcat-openbsd telnet
busybox nginx iperf3 wrk gnuplot-nox redis-server procps psmisc util-linux
lighttpd openssh-server openssh-client
man-db systemd firefox-esr"
case "${1:-build}" in
build) PKGS=$BUILD ;;
demo) PKGS="$BUILD $DEMO" ;;
test) PKGS="$BUILD $TEST" ;;
*) echo "usage: tests/deps.sh build|demo|test" >&2; exit 2 ;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps ($1): installing$missing"
export DEBIAN_FRONTEND=noninteractive
POLICY=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\n# tests/deps.sh: no service starts while packages are installed\nexit 101\n' >"$POLICY"
	chmod 755 "$POLICY"
	ours=1
fi
trap '[ -n "$ours" ] && rm -f "$POLICY"' EXIT
apt-get update -qq
# tshark asks whether non-root users may capture; the answer is no.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# Daemons (nginx, lighttpd, redis, sshd) are installed, not started: a
# policy-rc.d that says 101 for the install, removed after unless it was ours.
rcd=/usr/sbin/policy-rc.d
[ -e $rcd ] || { printf '#!/bin/sh\nexit 101\n' >$rcd && chmod 755 $rcd && ours=1; }
rc=0
apt-get install -y -qq --no-install-recommends $missing >/dev/null || rc=$?
[ -n "${ours:-}" ] && rm -f $rcd
exit $rc

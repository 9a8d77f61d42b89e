#!/bin/bash
# CPython's own socket test suites as a referee between the kernel and Aether.
#
#   tests/conformance/cpython.sh [--fast | --full] [MODULE...]
#
# Every module of Debian's libpython3.11-testsuite named below runs twice,
# by the system's /usr/bin/python3 (3.11; the pyenv python3 on PATH is
# another build, without this test package), each run in a fresh network
# namespace of its own with only lo up:
#   kernel  plain, the kernel's stack answers;
#   aether  with LD_PRELOAD=build/libaether.so and AETHER_SOCKET pointing at
#           an aetherd (started afresh for each module, on the TAP of the
#           lab namespace, see tests/integration/lib.sh).
# The two passes run at the same time (two cores). Each case's verdict
# (ok, FAIL, ERROR, skipped, xfail, xpass; HANG or CRASH when the case never
# gave one; missing when the module never reached it) is written by
# tests/conformance/cpython_run.py, and tests/conformance/cpython_cmp.py
# prints the cases whose verdicts differ and the summary line
#   cpython: N cases, N same, N differ (N pass on kernel but fail on aether)
# It exits non-zero when a case that passes on the kernel does not pass on
# Aether and is not listed in tests/conformance/cpython-known.txt.
#
# --fast (the default; make test): test_socket, test_selectors, test_epoll,
# test_poll. --full (make conformance): all the modules of issue 16.
# Results, with every traceback, stay in $CPY_OUT (build/cpython):
# {kernel,aether}/MODULE.res (verdict lines) and MODULE.log (stderr).
#
# CPY_ONLY='GLOB ...' (fnmatch on case ids) runs only those cases, e.g.
#   CPY_ONLY='*.TCPTimeoutTest.*' tests/conformance/cpython.sh test_socket
#
# Bounds: a case that gives no verdict within $CPY_CASE_TIMEOUT s (45) is
# stopped by a watchdog (faulthandler dumps every thread's stack into the
# log) and counts as HANG; the module then goes on from the next case. A
# module stops for good after $CPY_MOD_TIMEOUT s (600) in all, and every
# module once the whole pass has run $CPY_TOTAL_TIMEOUT s (240 for --fast,
# within run.sh's 300 s; 3000 for --full); the cases not yet run count as
# missing, the module's name is printed and its check fails.
. "$(dirname "$0")/../integration/lib.sh"

PY=/usr/bin/python3
CONF=$TOP/tests/conformance
SO=${AETHER_SO:-$B/libaether.so}
OUT=${CPY_OUT:-$B/cpython}
CASE_T=${CPY_CASE_TIMEOUT:-45}
MOD_T=${CPY_MOD_TIMEOUT:-600}
KNS=${NS}k
ANS=${NS}a

FAST="test_socket test_selectors test_epoll test_poll"
FULL="$FAST test_select test_socketserver test_httpservers test_httplib
test_urllib2_localnet test_xmlrpc test_wsgiref test_ftplib test_smtplib
test_telnetlib test_ssl test_asyncio.test_sock_lowlevel test_asyncio.test_streams
test_asyncio.test_events test_asyncio.test_sendfile test_asyncio.test_server"

# Cases that cannot apply here, as fnmatch globs on the case id, each with
# its reason. Nothing is excluded only because Aether fails it.
EXCLUDE=(
	# connects over AF_VSOCK to the host's CID: this VM has /dev/vsock
	# but nothing listens on the host side, so connect() blocks forever
	# on the kernel as well (AF_VSOCK is not Aether's either way)
	'test.test_socket.ThreadedVSOCKSocketStreamTest.*'
)

TOTAL=${CPY_TOTAL_TIMEOUT:-240}
case "${1:-}" in
--full) shift; MODS=${*:-$FULL}; TOTAL=${CPY_TOTAL_TIMEOUT:-3000} ;;
--fast) shift; MODS=${*:-$FAST} ;;
*) MODS=${*:-$FAST} ;;
esac

if [ ! -f /usr/lib/python3.11/test/test_socket.py ]; then
	echo "cpython: Debian's libpython3.11-testsuite is not installed (make deps)" >&2
	exit 1
fi
[ -f "$SO" ] && [ -x "$B/aetherd" ] || { echo "cpython: build first (make)" >&2; exit 1; }

# dangling RES: the id of the last case started without a verdict, if any
dangling() {
	awk -F'\t' '$1 == "start" { s = $2; next } $2 == s { s = "" } END { print s }' "$1"
}

# run_module STACK MOD NSNAME [ENV...]: run MOD (test.MOD) until its "end"
# line, going on after a case that hangs or crashes; at most $MOD_T s
run_module() {
	local stack=$1 mod=$2 ns=$3 res log left rc last t0=$SECONDS tries=0
	shift 3
	res=$OUT/$stack/$mod.res
	log=$OUT/$stack/$mod.log
	: >"$res"; : >"$log"
	while ! grep -qx end "$res"; do
		left=$((MOD_T - (SECONDS - t0)))
		[ $((DEADLINE - SECONDS)) -lt $left ] && left=$((DEADLINE - SECONDS))
		if [ $left -le 0 ] || [ $tries -ge 50 ]; then
			printf 'modtimeout\t%s\t%s s\n' "$mod" "$MOD_T" >>"$res"
			echo "HANG $mod on $stack: stopped after $((SECONDS - t0)) s, its other cases not run"
			return 1
		fi
		tries=$((tries + 1))
		echo "=== try $tries" >>"$log"
		# exec all the way down: the PID noted is timeout's own
		(cd "$OUT/$stack/cwd" && exec ip netns exec "$ns" env "$@" \
			timeout -k 5 "$left" "$PY" -X faulthandler "$CONF/cpython_run.py" \
			"test.$mod" "$res" "$CASE_T" "${EXCLUDE[@]}") >>"$log" 2>&1 &
		echo $! >>"$WORK/helpers"
		wait $!
		rc=$?
		grep -qx end "$res" && break
		last=$(dangling "$res")
		if [ -z "$last" ]; then
			# died outside any case (import, fixtures): nothing to skip
			printf 'ERROR\ttest.%s.<module>\texit %s outside any case\n' "$mod" "$rc" >>"$res"
			echo "end" >>"$res"
			break
		fi
		# timeout(1) ended the module (124, or 137 after -k), or
		# faulthandler's watchdog line is in this try's part of the log
		if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
			printf 'HANG\t%s\tstill running when the module timed out\n' "$last" >>"$res"
			echo "HANG $last on $stack (module timeout)"
		elif sed -n "/^=== try $tries\$/,\$p" "$log" | grep -q 'Timeout ([0-9:.]*)!'; then
			printf 'HANG\t%s\tno verdict after %s s\n' "$last" "$CASE_T" >>"$res"
			echo "HANG $last on $stack (watchdog, ${CASE_T} s)"
		else
			printf 'CRASH\t%s\texit status %s\n' "$last" "$rc" >>"$res"
			echo "CRASH $last on $stack (exit $rc)"
		fi
	done
	echo "# $stack $mod: $(grep -c '^start' "$res") cases in $((SECONDS - t0)) s"
}

# kernel_pass: every module on the kernel, in $KNS
kernel_pass() {
	local m
	for m in $MODS; do run_module kernel "$m" "$KNS" PYTHONDONTWRITEBYTECODE=1 CPY_ONLY="${CPY_ONLY:-}"; done
}

# aether_pass: every module on Aether in $ANS, a fresh aetherd for each
aether_pass() {
	local m st
	for m in $MODS; do
		bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 --stats-on-exit \
			>"$OUT/aether/$m.aetherd" 2>&1
		AETHERD_PID=${PIDS[-1]}
		if ! wait_for 10 nsx ping -c1 -W1 192.168.1.2 >/dev/null; then
			echo "FAIL aetherd did not start for $m"
			printf 'ERROR\ttest.%s.<aetherd>\taetherd did not start\nend\n' "$m" \
				>"$OUT/aether/$m.res"
			stop_aetherd
			continue
		fi
		run_module aether "$m" "$ANS" PYTHONDONTWRITEBYTECODE=1 CPY_ONLY="${CPY_ONLY:-}" \
			LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET"
		if ! kill -0 "$AETHERD_PID" 2>/dev/null; then
			wait "$AETHERD_PID"; st=$?
			echo "FAIL aetherd died during $m (status $st); see $OUT/aether/$m.aetherd"
			printf 'ERROR\ttest.%s.<aetherd>\taetherd died (status %s)\n' "$m" "$st" \
				>>"$OUT/aether/$m.res"
			continue
		fi
		stop_aetherd || echo "# aetherd did not stop cleanly after $m"
	done
}

# stop_helpers: on the way out, the test runs still going (by PID)
stop_helpers() {
	local p
	for p in $(cat "$WORK/helpers" 2>/dev/null); do kill "$p" 2>/dev/null; done
	cleanup
}
trap stop_helpers EXIT

rm -rf "$OUT"
mkdir -p "$OUT/kernel/cwd" "$OUT/aether/cwd"
if ! ns_add "$KNS" || ! ns_add "$ANS" || ! ns_add "$NS"; then
	echo "cpython: cannot create the namespaces" >&2
	exit 1
fi
# the lab: aether0 on the kernel side, aetherd on its other end
nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
ip -n "$NS" tuntap add mode tap name aether0 &&
	ip -n "$NS" addr add 192.168.1.1/24 dev aether0 &&
	ip -n "$NS" link set aether0 up || { echo "cpython: no TAP" >&2; exit 1; }

t0=$SECONDS
DEADLINE=$((SECONDS + TOTAL))
echo "# cpython: $(echo $MODS | wc -w) modules, kernel and aether at once; results in $OUT"
kernel_pass >"$OUT/kernel.out" 2>&1 &
KPASS=$!
PIDS+=($KPASS)
aether_pass
wait "$KPASS"
cat "$OUT/kernel.out"
echo "# both passes took $((SECONDS - t0)) s"
"$PY" "$CONF/cpython_cmp.py" --known "$CONF/cpython-known.txt" "$OUT" $MODS

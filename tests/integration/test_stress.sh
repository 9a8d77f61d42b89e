#!/bin/bash
# Descriptors shared between threads (tests/api/stress.c), on the kernel (a
# namespace with lo up) and on Aether, under the ASan build of the shim when
# build-asan/libaether.so exists (make asan):
#   close-blocked  one thread blocked in recv(), another close()s the fd: the
#                  recv returns the data that arrives next, then the peer
#                  reads EOF (it used to crash with SIGSEGV in libaether.so)
#   random         8 threads, random operations on 16 shared slots for 10 s
#                  (60 s with AETHER_LONG=1): no crash, no hang, no leaked fd.
#                  On Aether 10 s runs still hang at times (about 1 in 4;
#                  last seen: a recv() blocked in the kernel on an fd the
#                  shim's table did not know; issue 16), so make test does
#                  not run it (it prints SKIP, counted neither way); make
#                  check-all (AETHER_LONG=1) and AETHER_STRESS_RANDOM=1 do,
#                  and fail while the hang is open.
. "$(dirname "$0")/lib.sh"

ST=$B/api/stress
SECS=10
[ -n "${AETHER_LONG:-}" ] && SECS=60
SO=$B/libaether.so
ASAN_SO=$TOP/build-asan/libaether.so
if [ -f "$ASAN_SO" ]; then
	SO="$(gcc -print-file-name=libasan.so) $ASAN_SO"
	export ASAN_OPTIONS=detect_leaks=0
	log "shim: the ASan build"
fi
[ -x "$ST" ] || { check "build/api/stress built" false; finish; exit 1; }

KS=${NS}k
APPNS=${NS}app
ns_add "$KS" || { check "kernel namespace" false; finish; exit 1; }
check "kernel: close under a blocked recv" \
	ip netns exec "$KS" timeout 20 "$ST" close-blocked 6100
if ! lab_up || ! ns_add "$APPNS"; then
	check "aether lab up" false; finish; exit 1
fi
aex() { ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" "$@"; }
aex timeout 20 "$ST" close-blocked 6100 >"$WORK/cb.out" 2>&1
rc=$?
sed 's/^/# aether: /' "$WORK/cb.out" | head -12
check "aether: close under a blocked recv (no crash, data, then EOF)" [ $rc -eq 0 ]
if [ -n "${AETHER_STRESS_RANDOM:-}${AETHER_LONG:-}" ]; then
	check "kernel: random stress ${SECS}s" \
		ip netns exec "$KS" timeout $((SECS + 30)) "$ST" random 6101 "$SECS"
	aex timeout $((SECS + 30)) "$ST" random 6101 "$SECS" >"$WORK/r.out" 2>&1
	rc=$?
	sed 's/^/# aether: /' "$WORK/r.out" | head -12
	check "aether: random stress ${SECS}s (no crash, hang or leak; rc $rc)" [ $rc -eq 0 ]
else
	echo "SKIP aether: random stress (hangs at times; make check-all or AETHER_STRESS_RANDOM=1 runs it)"
fi
finish

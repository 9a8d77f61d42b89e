#!/bin/bash
# The differential socket API suite (tests/api/apitest.c): every case runs on
# the kernel stack (subject and peer in two namespaces joined by a veth pair,
# 192.168.1.2 and 192.168.1.1) and then under LD_PRELOAD=libaether.so on
# Aether (aetherd is 192.168.1.2, the peer 192.168.1.1 in the lab namespace).
# A case passes when both runs print exactly the same observations.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
API=$B/api/apitest
KP=${NS}kp
KS=${NS}ks
APPNS=${NS}app

[ -x "$API" ] || { check "build/api/apitest built" false; finish; exit 1; }

# peer_up NSNAME: start the peer in NSNAME, wait until it serves
peer_up() {
	bg ip netns exec "$1" "$API" peer >"$WORK/peer.$1" 2>&1
	wait_for 5 grep -q 'peer ready' "$WORK/peer.$1"
}

# --- the kernel run -------------------------------------------------------
if ! kernel_lab "$KP" "$KS" || ! peer_up "$KP"; then
	check "kernel lab up" false
	finish; exit 1
fi
ip netns exec "$KS" timeout 600 "$API" run "$@" >"$WORK/kernel.out" 2>"$WORK/kernel.err"
kill "${PIDS[-1]}" 2>/dev/null

# --- the Aether run -------------------------------------------------------
if ! lab_up || ! ns_add "$APPNS" || ! peer_up "$NS"; then
	check "aether lab up" false
	finish; exit 1
fi
ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	timeout 600 "$API" run "$@" >"$WORK/aether.out" 2>"$WORK/aether.err"

# --- compare, case by case ------------------------------------------------
# lines CASE FILE: that case's observations
lines() { grep "^$1: " "$2"; }
for c in $("$API" list); do
	[ $# -gt 0 ] && [[ " $* " != *" $c "* ]] && continue
	k=$(lines "$c" "$WORK/kernel.out")
	a=$(lines "$c" "$WORK/aether.out")
	if [ -n "$k" ] && [ "$k" = "$a" ]; then
		check "api $c" true
	else
		check "api $c" false
		diff <(echo "$k") <(echo "$a") | sed 's/^/#   /' | head -20
	fi
done
[ -n "${AETHER_API_KEEP:-}" ] && cp "$WORK/kernel.out" "$WORK/aether.out" "$AETHER_API_KEEP"/
finish

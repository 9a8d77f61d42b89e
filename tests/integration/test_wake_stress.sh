#!/bin/bash
# Waiters killed while data flows (issue 15), wake_stress.py:
#  - 16 processes x 2 threads block in recv, accept, poll and epoll on
#    shared sockets while bytes and connections flow; half the processes
#    are SIGKILLed one by one. Then, with nothing flowing, aetherd and every
#    survivor must take no wake-up for 2 s (nothing left spinning), and in
#    a final round every surviving thread must wake for its event (all
#    survivors exit within 5 s).
#  - two pollers of one connection (POLLIN, POLLOUT) pinned to one CPU,
#    the POLLIN one at nice 5: the POLLOUT one tends to drain a NOTIFY first,
#    and the reader must still wake for every byte within 1 s (a stranded
#    reader sleeps until its 3 s poll timeout: nothing re-arms it).
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPNS=${NS}app
WS=$TOP/tests/integration/wake_stress.py

if ! lab_up || ! ns_add "$APPNS"; then
	check "lab up" false
	finish; exit 1
fi
on_aether() { ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" "$@"; }

D=$WORK/st
mkdir -p "$D"
if [ "${STRESS_PART:-all}" != rw ]; then
bg nsx "$PY" "$WS" peer "$D" >"$WORK/peer.log" 2>&1
sleep 0.3
on_aether timeout 60 "$PY" "$WS" app "$D" >"$WORK/app.log" 2>&1 &
APP=$!
PIDS+=($APP)
check "half the waiters killed while data flowed" wait_for 30 test -s "$D/survivors"
sed 's/^/# /' "$WORK/app.log"
sleep 0.5
quiet() {
	local p w0 w1 bad=0 list="$AETHERD_PID $(cut -d' ' -f1 "$D/survivors")"
	declare -A W
	for p in $list; do W[$p]=$(wakeups "$p"); done
	sleep 2
	for p in $list; do
		w1=$(($(wakeups "$p") - W[$p]))
		[ "$w1" -gt 0 ] && { log "pid $p: $w1 wake-ups in 2 s idle"; bad=1; }
	done
	return $bad
}
check "after the kills, nothing flowing: aetherd and survivors take no wake-up" quiet
touch "$D/final"
wait "$APP"
sed 's/^/# /' "$WORK/app.log" | grep -v '^# killed'
check "every survivor woke for the final round" grep -q '^done stuck 0$' "$WORK/app.log"
fi

bg nsx "$PY" "$WS" rwpeer "$D" >"$WORK/rwpeer.log" 2>&1
sleep 0.3
on_aether timeout 60 "$PY" "$WS" rw "$D" >"$WORK/rw.log" 2>&1
sed 's/^/# /' "$WORK/rw.log"
rw_ok() { awk '/^rw got/ { exit !($3 == 20 && $5 + 0 == 20 && $7 + 0 < 1000) }' "$WORK/rw.log"; }
check "a POLLIN poller beside a POLLOUT poller that drains first wakes for every byte within 1 s" rw_ok
finish

#!/bin/bash
# An idle system takes zero wake-ups (issue 15). aetherd with no traffic, and
# preloaded programs blocked in accept(), recv() (on an established
# connection to a kernel peer) and epoll_wait() (on a listener), are watched
# for IDLE_S seconds (10 unless set): the voluntary context switches of
# every thread (/proc/PID/task/*/status) may not grow, i.e. nothing woke up.
# Then one connection and one byte wake each of the three programs, so the
# quiet was sleep and not a hang.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPNS=${NS}app
IDLE_S=${IDLE_S:-10}

bg_app() {
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET" "$@"
}

if ! lab_up || ! ns_add "$APPNS"; then
	check "lab up" false
	finish; exit 1
fi

# the kernel peer: accepts one connection (port 7500) and holds it until told
bg nsx "$PY" -c '
import os, socket, time
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("192.168.1.1", 7500)); l.listen(1); c, _ = l.accept()
for i in range(1200):
    if os.path.exists("'"$WORK"'/go"):
        break
    time.sleep(0.05)
c.send(b"x"); time.sleep(2)' >"$WORK/peer.log" 2>&1
sleep 0.3

bg_app "$PY" -c '
import socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 7501)); l.listen(4)
print("blocked", flush=True)
c, a = l.accept()
print("accepted", flush=True)' >"$WORK/accept.log" 2>&1
APID=${PIDS[-1]}

bg_app "$PY" -c '
import socket
s = socket.create_connection(("192.168.1.1", 7500), timeout=5)
s.settimeout(None)
print("blocked", flush=True)
print("recv", s.recv(10), flush=True)' >"$WORK/recv.log" 2>&1
RPID=${PIDS[-1]}

bg_app "$PY" -c '
import select, socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 7502)); l.listen(4)
ep = select.epoll(); ep.register(l, select.EPOLLIN)
print("blocked", flush=True)
print("epoll", len(ep.poll()), flush=True)' >"$WORK/epoll.log" 2>&1
EPID=${PIDS[-1]}

blocked() { grep -q blocked "$WORK/accept.log" && grep -q blocked "$WORK/recv.log" &&
	grep -q blocked "$WORK/epoll.log"; }
check "three programs blocked" wait_for 10 blocked
sleep 1	# settle: the calls are asleep by now

declare -A W0
for p in $AETHERD_PID $APID $RPID $EPID; do W0[$p]=$(wakeups "$p"); done
sleep "$IDLE_S"
idle() {
	local name=$1 pid=$2 n
	n=$(($(wakeups "$pid") - W0[$pid]))
	log "$name: $n wake-ups in $IDLE_S s idle"
	[ "$n" -eq 0 ]
}
check "aetherd idle: no wake-ups" idle aetherd "$AETHERD_PID"
check "program blocked in accept(): no wake-ups" idle accept "$APID"
check "program blocked in recv(): no wake-ups" idle recv "$RPID"
check "program blocked in epoll_wait(): no wake-ups" idle epoll_wait "$EPID"

# the waits were sleeps: each wakes for its event
nsx "$PY" -c '
import socket
for p in (7501, 7502):
    socket.create_connection(("192.168.1.2", p), timeout=5).close()' 2>>"$WORK/peer.log"
touch "$WORK/go"
woke() { grep -q accepted "$WORK/accept.log" && grep -q "recv b'x'" "$WORK/recv.log" &&
	grep -q "epoll 1" "$WORK/epoll.log"; }
check "each program wakes for its event" wait_for 5 woke
woke || log "accept: $(tail -1 "$WORK/accept.log") recv: $(tail -1 "$WORK/recv.log") epoll: $(tail -1 "$WORK/epoll.log")"
finish

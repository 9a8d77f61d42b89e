#!/bin/bash
# aetherd --busy-poll (issue 14): off by default, bounded when on.
# Default daemon: 300 pings, then an idle window of IDLE_S seconds starting
# 0.5 s after the last one: the daemon uses at most 2 clock ticks of CPU in
# that window and never busy-polled (loop.busy_polls 0).
# --busy-poll 20000 (20 ms): the same pings make it spin (loop.busy_polls
# above 0), and the same idle window still costs at most 2 ticks: the spin
# ends 20 ms after the last activity. A bad value is refused.
# The shim's AETHER_BUSY_POLL (issue 14): a preloaded python echo server
# (blocking recv, so its waits are aec_sleep()'s futex sleeps) answers
# aether-rr round trips from a kernel client. By default it sleeps
# about once per round trip (voluntary context switches >= 0.8 per round
# trip, and no NOTIFY datagrams: ipc.notifies does not grow); with
# AETHER_BUSY_POLL=20000 it mostly catches the next request spinning (below
# 0.5 per round trip), and once the client is gone it sleeps again: at most
# 2 clock ticks of CPU in IDLE_S seconds.
# The same for every kind of wait (rr_wait.py: blocking recv, SO_RCVTIMEO,
# poll() and epoll_wait() with timeouts): by default about one sleep per
# round trip, with AETHER_BUSY_POLL=20000 below 0.5, and with either an idle
# connection costs the waiting program 0 wake-ups and at most 2 ticks.
# Both sides busy-polling: most answers go without a DOORBELL (the spinning
# daemon reads the ring), echoes intact, and the daemon idles at 0 ticks.
. "$(dirname "$0")/lib.sh"

IDLE_S=2
HZ=$(getconf CLK_TCK)

# cpu_ticks PID: utime + stime of PID so far, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# idle_ticks: ping the daemon, wait 0.5 s, then its CPU over IDLE_S seconds
idle_ticks() {
	local a
	nsx ping -n -q -c 300 -i 0.002 -W 1 192.168.1.2 >/dev/null 2>&1 || return 1
	sleep 0.5
	a=$(cpu_ticks "$AETHERD_PID")
	sleep "$IDLE_S"
	echo $(($(cpu_ticks "$AETHERD_PID") - a))
}

lab_up || { echo "FAIL lab"; exit 1; }
t=$(idle_ticks)
log "default: $t ticks ($HZ/s) in ${IDLE_S} s idle after 300 pings"
check "default: idle daemon uses no CPU after activity" [ "${t:-99}" -le 2 ]
check "default: never busy-polls" [ "$(stat_of loop.busy_polls)" = 0 ]
stop_aetherd

NS=${NS}b
: >"$WORK/aetherd.log"	# a new daemon numbers its stats dumps from 1
AETHERD_ARGS="--busy-poll 20000" lab_up || { echo "FAIL lab (busy-poll)"; exit 1; }
t=$(idle_ticks)
spins=$(stat_of loop.busy_polls)
log "--busy-poll 20000: $t ticks in ${IDLE_S} s idle after 300 pings; $spins busy polls"
check "busy-poll: spins after activity" [ "$spins" -gt 0 ]
check "busy-poll: bounded, idle daemon uses no CPU once it stops" [ "${t:-99}" -le 2 ]
stop_aetherd

# rr_switches BP: an aether-rr server with AETHER_BUSY_POLL=BP; RR round
# trips; prints "voluntary switches per round trip x100, idle ticks after"
RR=2000
rr_switches() {
	local pid a b t
	bg nsx env LD_PRELOAD="$B/libaether.so" AETHER_BUSY_POLL="$1" python3 -c '
import socket
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 7000)); ls.listen(1)
while True:
	c, _ = ls.accept()
	c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
	while True:
		b = c.recv(14)
		if not b:
			break
		c.sendall(b)
	c.close()' >"$WORK/rr-server.$1" 2>&1
	pid=${PIDS[-1]}
	# a loaded machine starts a preloaded python slowly; a server left
	# running would hold the port for the next one
	wait_for 20 nsx "$B/aether-rr" client 192.168.1.2 7000 10 >/dev/null ||
		{ stop_pid "$pid"; return 1; }
	a=$(wakeups "$pid")
	nsx "$B/aether-rr" client 192.168.1.2 7000 "$RR" >"$WORK/rr.$1" ||
		{ stop_pid "$pid"; return 1; }
	b=$(wakeups "$pid")
	sleep 0.5
	t=$(cpu_ticks "$pid")
	sleep "$IDLE_S"
	echo $(((b - a) * 100 / (RR + RR / 10))) $(($(cpu_ticks "$pid") - t))
	stop_pid "$pid"
}

NS=${NS}s
: >"$WORK/aetherd.log"	# a new daemon numbers its stats dumps from 1
lab_up || { echo "FAIL lab (shim)"; exit 1; }
n0=$(stat_of ipc.notifies)
check "ipc.notifies counted" [ "$n0" -ge 0 ]
set -- $(rr_switches 0)
n1=$(stat_of ipc.notifies)
log "shim default: ${1:-?}/100 voluntary switches per round trip ($(cat "$WORK/rr.0")), $((n1 - n0)) NOTIFYs"
check "shim default: sleeps once per round trip" [ "${1:-0}" -ge 80 ]
check "shim default: a blocking recv sleeps on the futex (no NOTIFY)" \
	[ "$((n1 - n0))" -lt 10 ]
set -- $(rr_switches 20000)
log "AETHER_BUSY_POLL=20000: ${1:-?}/100 voluntary switches per round trip ($(cat "$WORK/rr.20000")), ${2:-?} ticks idle after"
check "shim busy poll: the request is caught spinning" [ "${1:-999}" -lt 50 ]
check "shim busy poll: bounded, an idle program sleeps" [ "${2:-99}" -le 2 ]

# wait_rr MODE BP: a preloaded rr_wait.py server whose waits are MODE, with
# AETHER_BUSY_POLL=BP; RR round trips from the kernel side, then the client
# holds the connection idle. Prints "voluntary switches per round trip x100,
# wake-ups in IDLE_S s of the idle connection, CPU ticks in them"
wait_rr() {
	local pid cli a b w t out=$WORK/wait.$1.$2
	bg nsx env LD_PRELOAD="$B/libaether.so" AETHER_BUSY_POLL="$2" python3 \
		"$TOP/tests/integration/rr_wait.py" server "$1" 7001 >"$out.srv" 2>&1
	pid=${PIDS[-1]}
	wait_for 20 nsx python3 "$TOP/tests/integration/rr_wait.py" client \
		192.168.1.2 7001 10 0 >/dev/null || { stop_pid "$pid"; return 1; }
	a=$(wakeups "$pid")
	bg nsx python3 "$TOP/tests/integration/rr_wait.py" client 192.168.1.2 \
		7001 "$RR" $((IDLE_S + 3)) >"$out" 2>&1
	cli=${PIDS[-1]}
	# two threads spinning on a loaded 2-core machine starve the client: slow,
	# but a lost answer would end it within 5 s (its socket timeout)
	if ! wait_for 120 grep -q ready "$out"; then
		log "rr_wait client: $(tail -1 "$out")" >&2
		stop_pid "$pid"
		return 1
	fi
	b=$(wakeups "$pid")
	sleep 1	# past the spin, the delayed ACK and the rings' give-back
	w=$(wakeups "$pid"); t=$(cpu_ticks "$pid")
	sleep "$IDLE_S"
	echo $(((b - a) * 100 / RR)) $(($(wakeups "$pid") - w)) \
		$(($(cpu_ticks "$pid") - t))
	wait "$cli"
	stop_pid "$pid"
}

# Every kind of wait: AETHER_BUSY_POLL catches the requests spinning, and an
# idle connection costs no wake-up and no CPU with it or without it
for mode in block rcvtimeo poll epoll; do
	set -- $(wait_rr $mode 0)
	log "$mode, default: ${1:-?}/100 switches per round trip; idle: ${2:-?} wake-ups, ${3:-?} ticks in ${IDLE_S} s"
	check "$mode default: sleeps once per round trip" [ "${1:-0}" -ge 80 ]
	check "$mode default: idle, no wake-up" [ "${2:-99}" = 0 ]
	set -- $(wait_rr $mode 20000)
	log "$mode, AETHER_BUSY_POLL=20000: ${1:-?}/100 switches per round trip; idle: ${2:-?} wake-ups, ${3:-?} ticks in ${IDLE_S} s"
	check "$mode busy poll: the request is caught spinning" [ "${1:-999}" -lt 50 ]
	check "$mode busy poll: bounded, idle wait sleeps (0 wake-ups)" [ "${2:-99}" = 0 ]
	check "$mode busy poll: bounded, idle wait uses no CPU" [ "${3:-99}" -le 2 ]
done
stop_aetherd

# Both sides busy-poll: the daemon reads the tx ring of a program that rang
# lately (session_spin.c), which then mostly sends without a DOORBELL; the
# echoes stay intact (rr_wait.py checks each), and once traffic stops the
# daemon asks for doorbells again and sleeps.
NS=${NS}d
: >"$WORK/aetherd.log"	# a new daemon numbers its stats dumps from 1
AETHERD_ARGS="--busy-poll 20000" lab_up || { echo "FAIL lab (both)"; exit 1; }
d0=$(stat_of ipc.doorbells); p0=$(stat_of ipc.spin_pulls)
set -- $(wait_rr rcvtimeo 20000)
d1=$(stat_of ipc.doorbells); p1=$(stat_of ipc.spin_pulls)
sleep 0.5
t=$(cpu_ticks "$AETHERD_PID"); sleep "$IDLE_S"; t=$(($(cpu_ticks "$AETHERD_PID") - t))
log "both sides: ${1:-?}/100 switches per round trip, $((d1 - d0)) doorbells and $((p1 - p0)) ring reads by the spin for $RR round trips; daemon idle after: $t ticks"
check "both sides: echoes intact" [ -n "${1:-}" ]
check "both sides: most answers need no DOORBELL" [ $(((d1 - d0) * 2)) -lt "$RR" ]
check "both sides: the spin reads the rings" [ $(((p1 - p0) * 2)) -gt "$RR" ]
check "both sides: bounded, idle daemon uses no CPU" [ "$t" -le 2 ]
stop_aetherd

check "--busy-poll 100001 refused" bash -c "! '$B/aetherd' --busy-poll 100001 --tap x 2>/dev/null"
finish

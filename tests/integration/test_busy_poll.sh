#!/bin/bash
# aetherd --busy-poll (issue 14): off by default, bounded when on.
# Default daemon: 300 pings, then an idle window of IDLE_S seconds starting
# 0.5 s after the last one: the daemon uses at most 2 clock ticks of CPU in
# that window and never busy-polled (loop.busy_polls 0).
# --busy-poll 20000 (20 ms): the same pings make it spin (loop.busy_polls
# above 0), and the same idle window still costs at most 2 ticks: the spin
# ends 20 ms after the last activity. A bad value is refused.
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
AETHERD_ARGS="--busy-poll 20000" lab_up || { echo "FAIL lab (busy-poll)"; exit 1; }
t=$(idle_ticks)
spins=$(stat_of loop.busy_polls)
log "--busy-poll 20000: $t ticks in ${IDLE_S} s idle after 300 pings; $spins busy polls"
check "busy-poll: spins after activity" [ "$spins" -gt 0 ]
check "busy-poll: bounded, idle daemon uses no CPU once it stops" [ "${t:-99}" -le 2 ]
stop_aetherd

check "--busy-poll 100001 refused" bash -c "! '$B/aetherd' --busy-poll 100001 --tap x 2>/dev/null"
finish

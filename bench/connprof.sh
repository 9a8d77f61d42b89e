#!/bin/bash
# bench/connprof.sh: connection setup, end to end (issue 15). nginx (one
# worker) under LD_PRELOAD on aetherd, and the same nginx on the kernel over
# a veth pair, each served `wrk -t1 -c50 -d DUR -H 'Connection: close'` in
# one run: new connections/s side by side (their ratio is the goal figure,
# 0.8x). Then one more wrk run on the Aether path with `strace -c -f` on
# aetherd (started --no-seccomp for it) and on the nginx worker: system
# calls per connection on each side, by name.
# CPU time per connection of aetherd and of the nginx worker on each path.
# Environment: CONNPROF_DURATION (wrk seconds, 5), B (build dir),
# CONNPROF_PERF=N with CONNPROF_OUT=PREFIX: also perf record aetherd and the
# worker over one more run, top N lines into PREFIX.aetherd / PREFIX.nginx.
# Root.
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$(dirname "$0")/prof_lib.sh"

DUR=${CONNPROF_DURATION:-5}
SO=$B/libaether.so
APPNS=${NS}app
KPEER=${NS}kp
KSUBJ=${NS}ks
WWW=$TOP/examples/www

# wrk_rps NS URL: new connections/s of one wrk -c50 Connection: close run
wrk_rps() {
	ip netns exec "$1" timeout $((DUR + 20)) wrk -t1 -c50 -d"${DUR}s" \
		--timeout 5s -H 'Connection: close' "$2" 2>&1 |
		awk '/^Requests\/sec/ { print int($2) }'
}

# cpu_ticks PID: user + system clock ticks PID has used so far
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

# cpu_per_conn NAME T0 T1 CONNS: CPU microseconds per connection of one side
cpu_per_conn() {
	awk -v n="$1" -v t="$(($3 - $2))" -v c="$4" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%s %.0f us", n, c ? t * 1e6 / hz / c : 0 }'
}

# per_conn FILE N: the strace -c table of FILE as calls per connection
per_conn() {
	awk -v n="$2" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
		name = $NF; calls = $4	# errors (column 5) may be empty
		tot += calls; printf "#   %-18s %6.2f\n", name, calls / n }
		END { printf "#   %-18s %6.2f\n", "total", tot / n }' "$1" |
		sort -k3 -nr | head -16
}

if ! prof_labs_up "$WWW" hello.html; then
	check "labs up" false
	finish; exit 1
fi

W=$(worker_of "$NA")
WK=$(worker_of "$NK")
A0=$(cpu_ticks "$AETHERD_PID") N0=$(cpu_ticks "$W")
RA=$(wrk_rps "$NS" http://192.168.1.2/hello.html)
A1=$(cpu_ticks "$AETHERD_PID") N1=$(cpu_ticks "$W") K0=$(cpu_ticks "$WK")
RK=$(wrk_rps "$KPEER" http://192.168.1.2/hello.html)
K1=$(cpu_ticks "$WK")
log "CPU per connection: $(cpu_per_conn aetherd "$A0" "$A1" $((${RA:-0} * DUR))), $(cpu_per_conn "nginx worker" "$N0" "$N1" $((${RA:-0} * DUR))); kernel: $(cpu_per_conn "nginx worker" "$K0" "$K1" $((${RK:-0} * DUR)))"
log "wrk -c50 Connection: close, ${DUR} s: aether ${RA:-0}/s, kernel ${RK:-0}/s, ratio $(awk -v a="${RA:-0}" -v k="${RK:-0}" 'BEGIN { printf "%.2f", k ? a / k : 0 }')"
check "both paths served connections" test "${RA:-0}" -gt 0 -a "${RK:-0}" -gt 0

if [ -n "${CONNPROF_PERF:-}" ]; then	# where aetherd's and nginx's time goes
	perf record -q -g -o "$WORK/perf.aetherd" -p "$AETHERD_PID" 2>/dev/null & PD=$!
	perf record -q -g -o "$WORK/perf.nginx" -p "$W" 2>/dev/null & PN=$!
	sleep 0.5
	wrk_rps "$NS" http://192.168.1.2/hello.html >/dev/null
	kill -INT "$PD" "$PN"; wait "$PD" "$PN" 2>/dev/null
	perf report -i "$WORK/perf.aetherd" --no-children --stdio 2>/dev/null |
		grep -v '^#' | grep '%' | head -${CONNPROF_PERF} >"$CONNPROF_OUT.aetherd"
	perf report -i "$WORK/perf.nginx" --no-children --stdio 2>/dev/null |
		grep -v '^#' | grep '%' | head -${CONNPROF_PERF} >"$CONNPROF_OUT.nginx"
fi
C0=$("$B/aether" stats | awk '$1 == "ipc.conns_opened" { print $2 }')
strace -c -f -q -o "$WORK/strace.aetherd" -p "$AETHERD_PID" & SD=$!
strace -c -f -q -o "$WORK/strace.nginx" -p "$W" & SN=$!
sleep 1
wrk_rps "$NS" http://192.168.1.2/hello.html >/dev/null
kill -INT "$SD" "$SN"; wait "$SD" "$SN" 2>/dev/null
C1=$("$B/aether" stats | awk '$1 == "ipc.conns_opened" { print $2 }')
N=$((C1 - C0))
log "under strace: $N connections"
if [ "$N" -gt 0 ]; then
	log "aetherd, system calls per connection:"
	per_conn "$WORK/strace.aetherd" "$N"
	log "nginx worker (LD_PRELOAD), system calls per connection:"
	per_conn "$WORK/strace.nginx" "$N"
fi
check "connections counted under strace" test "$N" -gt 0
finish

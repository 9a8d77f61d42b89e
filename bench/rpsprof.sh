#!/bin/bash
# bench/rpsprof.sh: the cost of one keep-alive request, end to end (issue
# 14's nginx row). One nginx worker serving a 1 KiB file under LD_PRELOAD on
# aetherd, and the same nginx on the kernel over a veth pair, each served
# `wrk -t2 -cC -d DUR` (keep-alive) in one run: requests/s side by side.
# Then one more wrk run on each path with `strace -c -f` on the servers
# (aetherd started --no-seccomp for it): system calls per request by name,
# and aetherd's counters (doorbells, NOTIFYs, futex wakes, TAP frames) per
# request. RPSPROF_PERF=1 adds a `perf record -g` run of aetherd and the
# worker; their top symbols by self time are printed.
# Environment: RPSPROF_DURATION (wrk seconds, 5), RPSPROF_CONNS (50),
# RPSPROF_PERF (0), B (build dir). Root.
. "$(dirname "$0")/../tests/integration/lib.sh"
. "$(dirname "$0")/prof_lib.sh"

DUR=${RPSPROF_DURATION:-5}
CONNS=${RPSPROF_CONNS:-50}
SO=$B/libaether.so
APPNS=${NS}app
KPEER=${NS}kp
KSUBJ=${NS}ks
WWW=$WORK/www

# wrk_run NS: one wrk keep-alive run on the 1 KiB file; prints "RPS REQUESTS"
wrk_run() {
	ip netns exec "$1" timeout $((DUR + 20)) wrk -t2 -c"$CONNS" -d"${DUR}s" \
		--timeout 5s http://192.168.1.2/1k.html 2>&1 |
		awk '/requests in/ { n = $1 } /^Requests\/sec/ { r = int($2) }
		     END { print r + 0, n + 0 }'
}

# per_req FILE N: the strace -c table of FILE as calls per request
per_req() {
	awk -v n="$2" '$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
		name = $NF; calls = $4
		tot += calls; printf "#   %-18s %7.3f\n", name, calls / n }
		END { printf "#   %-18s %7.3f\n", "total", tot / n }' "$1" |
		sort -k3 -nr | head -14
}

# cpu_ticks PID...: utime + stime of the PIDs (all threads), in clock ticks
cpu_ticks() {
	local p t=0
	for p in "$@"; do
		t=$((t + $(awk '{ print $14 + $15 }' /proc/"$p"/stat)))
	done
	echo $t
}

# busy: the whole machine's busy ticks (/proc/stat cpu line)
busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# cpu_run NAME NS PIDS...: a plain wrk run; CPU microseconds per request
# of the PIDs together and of the whole machine
cpu_run() {
	local name=$1 ns=$2 a0 a1 m0 m1 v n hz
	shift 2
	hz=$(getconf CLK_TCK)
	a0=$(cpu_ticks "$@"); m0=$(busy)
	v=$(wrk_run "$ns"); n=${v#* }
	a1=$(cpu_ticks "$@"); m1=$(busy)
	log "$name: ${v% *} req/s; CPU per request: server side $(awk -v d=$((a1 - a0)) -v n="$n" -v hz="$hz" 'BEGIN { printf "%.1f", n ? d * 1e6 / hz / n : 0 }') us, whole machine $(awk -v d=$((m1 - m0)) -v n="$n" -v hz="$hz" 'BEGIN { printf "%.1f", n ? d * 1e6 / hz / n : 0 }') us"
}

# counters: aetherd's counters now, "group.name value" per line
counters() { "$B/aether" stats 2>/dev/null; }

# ctr_delta A B N: the counters that moved between dumps A and B, per request
ctr_delta() {
	awk -v n="$3" 'NR == FNR { a[$1] = $2; next }
		($1 in a) && $2 != a[$1] && $2 ~ /^[0-9]+$/ {
			printf "#   %-28s %8.3f\n", $1, ($2 - a[$1]) / n }' "$1" "$2" |
		grep -E 'ipc\.|tap\.|dev\.|rx_|tx_|segs|acks' | head -40
}

# strace_run NAME NS PIDS...: a wrk run with strace -c -f on each PID;
# prints the calls per request of each
strace_run() {
	local name=$1 ns=$2 p s=() i=0 v n
	shift 2
	for p in "$@"; do
		strace -c -f -q -o "$WORK/strace.$name.$i" -p "$p" & s+=($!)
		i=$((i + 1))
	done
	sleep 1
	v=$(wrk_run "$ns"); n=${v#* }
	kill -INT "${s[@]}"; wait "${s[@]}" 2>/dev/null
	log "$name under strace: ${v% *} req/s, $n requests"
	for ((i = 0; i < $#; i++)); do
		log "$name, process $i, system calls per request:"
		per_req "$WORK/strace.$name.$i" "${n:-1}"
	done
}

# perf_run NAME NS PID: a wrk run with perf record -g on PID; top symbols
perf_run() {
	local p
	perf record -g -q -o "$WORK/perf.$1" -p "$3" 2>/dev/null & p=$!
	sleep 0.5
	wrk_run "$2" >/dev/null
	kill -INT "$p"; wait "$p" 2>/dev/null
	log "$1: top symbols by self time"
	perf report -q -i "$WORK/perf.$1" --no-children -g none --sort sym 2>/dev/null |
		grep -v '^$' | grep '%' | head -25 | sed 's/^/#   /'
}

mkdir -p "$WWW"
head -c 1024 /dev/zero | tr '\0' a >"$WWW/1k.html"
if ! prof_labs_up "$WWW" 1k.html 'keepalive_requests 10000000;'; then
	check "labs up" false
	finish; exit 1
fi

log "load average $(cut -d' ' -f1-3 /proc/loadavg)"
RA=$(wrk_run "$NS"); RK=$(wrk_run "$KPEER")
RA=${RA% *} RK=${RK% *}
log "wrk -t2 -c$CONNS keep-alive 1 KiB, ${DUR} s: aether ${RA:-0}/s, kernel ${RK:-0}/s, ratio $(awk -v a="${RA:-0}" -v k="${RK:-0}" 'BEGIN { printf "%.2f", k ? a / k : 0 }')"
check "both paths served requests" test "${RA:-0}" -gt 0 -a "${RK:-0}" -gt 0

WA=$(worker_of "$NA"); WK=$(worker_of "$NK")
counters >"$WORK/c0"
strace_run aether "$NS" "$AETHERD_PID" "$WA"
counters >"$WORK/c1"
strace_run kernel "$KPEER" "$WK"
# the counters without strace in the way: one more plain run
counters >"$WORK/c2"
v=$(wrk_run "$NS"); n=${v#* }
counters >"$WORK/c3"
log "aetherd counters per request (plain run, $n requests):"
ctr_delta "$WORK/c2" "$WORK/c3" "${n:-1}"
cpu_run "aether (aetherd + worker)" "$NS" "$AETHERD_PID" "$WA"
cpu_run "aether (worker)" "$NS" "$WA"
cpu_run "kernel (worker)" "$KPEER" "$WK"
if [ "${RPSPROF_PERF:-0}" = 1 ]; then
	perf_run aetherd "$NS" "$AETHERD_PID"
	perf_run nginx-aether "$NS" "$WA"
	perf_run nginx-kernel "$KPEER" "$WK"
fi
finish

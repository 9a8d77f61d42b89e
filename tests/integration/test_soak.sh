#!/bin/bash
# Sustained load (issue 19): the service must neither collapse nor grow.
#  1. nginx (2 workers, keepalive_requests 1000, a 1 KiB page) preloaded on
#     Aether, under wrk -t2 -c400 in back-to-back runs from the lab namespace;
#  2. python3 http.server preloaded on Aether, under 50 parallel curl loops
#     (a new connection per request). Its listen backlog is raised from
#     socketserver's 5 to 128: with 5, 50 clients overflow the accept queue
#     on the kernel too (Linux over a veth, this 2-core box at load ~25:
#     320 ListenOverflows and 22% of the curls failed in 15 s), so the check
#     would measure the program's setting, not the stack.
# Each phase lasts SOAK_SECS (30 s in `make test`, in 10 s windows; 600 s
# in 20 s windows with AETHER_LONG=1, `make check-all`), in windows of
# SOAK_RUN seconds. Checked per phase: no window
# below half of the first one's rate; no timeout or failed request after the
# first window (warm-up; make test allows 1,000 per million, see phase_end); aetherd's memory, sampled every 10 s, shows no
# upward trend after the first minute (the first third of a short soak);
# aetherd's descriptors between windows do not grow; when the load stops, the
# resident ring memory returns to its idle figure.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
APPNS=${NS}app
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
if [ "${AETHER_LONG:-0}" = 1 ]; then
	SOAK_SECS=${SOAK_SECS:-600}; SOAK_RUN=${SOAK_RUN:-20}; FAIL_PPM=0
else
	SOAK_SECS=${SOAK_SECS:-30}; SOAK_RUN=${SOAK_RUN:-10}; FAIL_PPM=1000
fi
CONNS=${SOAK_CONNS:-400}
LOOPS=${SOAK_LOOPS:-50}
RUNS=$((SOAK_SECS / SOAK_RUN))
WARM=$((SOAK_SECS / 3 < 60 ? SOAK_SECS / 3 : 60))
[ "$WARM" -lt "$SOAK_RUN" ] && WARM=$SOAK_RUN

# the daemon without a capture: a soak would write gigabytes of pcap
AETHERD_PID=
ns_add "$APPNS" && ns_add "$NS" || { check "namespaces" false; finish; exit 1; }
nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
ip -n "$NS" tuntap add mode tap name aether0 &&
	ip -n "$NS" addr add 192.168.1.1/24 dev aether0 &&
	ip -n "$NS" link set aether0 up || { check "lab link" false; finish; exit 1; }
bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 >"$WORK/aetherd.log" 2>&1
AETHERD_PID=${PIDS[-1]}
if ! wait_for 5 nsx ping -c1 -W1 192.168.1.2 >/dev/null; then
	check "aetherd answers" false; finish; exit 1
fi
mkdir -p "$WORK/www"
head -c 1024 /dev/zero | tr '\0' a >"$WORK/www/page.html"

# bg_app CMD...: CMD on Aether, in the app namespace (it finds no network
# of its own there, so a call the shim missed fails instead of leaking)
bg_app() {
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET" "$@"
}

# stat_now NAME: one ipc counter from `aether stats` now
stat_now() { "$B/aether" stats 2>/dev/null | awk -v k="$1" '$1 == k { print $2 }'; }
dfds() { ls "/proc/$AETHERD_PID/fd" 2>/dev/null | wc -l; }
drss() { awk '/^VmRSS:/ { print $2 }' "/proc/$AETHERD_PID/status"; }

# sampler FILE: every 10 s "secs rss_kB ring_resident_kB fds" until killed
# (bounded: at most the phase plus a minute)
sampler() {
	local t0=$SECONDS end=$((SECONDS + SOAK_SECS + 60))
	while [ $SECONDS -lt $end ]; do
		echo "$((SECONDS - t0)) $(drss) $(($(stat_now ipc.ring_resident_bytes) / 1024)) $(dfds)" >>"$1"
		sleep 10
	done
}

# no_trend FILE: after WARM s, no upward trend in the RSS samples: split
# the rest of the phase in halves; the later half's peak stays within 20%
# (and at least 4 MB) of the earlier half's. Peaks, not means: between two
# wrk runs the connections are closed and the RSS dips.
no_trend() {
	awk -v w="$WARM" '$1 >= w { t[n] = $1; r[n++] = $2 }
		END {
			if (n < 2) { print "# too few samples after warm-up: " n; exit 1 }
			for (i = 0; i < n; i++)
				if (i < n / 2) { a = r[i] > a ? r[i] : a } else { b = r[i] > b ? r[i] : b }
			printf "# rss peaks after warm-up: %d kB, then %d kB (%d samples)\n", a, b, n
			exit !(b <= a * 1.2 || b <= a + 4096)
		}' "$1"
}

# rates_hold FILE: every window's rate (column 2) is at least half the first's
rates_hold() {
	awk 'NR == 1 { f = $2 } $2 < f / 2 { bad++ } END { exit bad > 0 || NR == 0 }' "$1"
}

# fds_flat FILE [SLACK]: descriptors (column 3) never exceed the first
# count by more than SLACK (16: the daemon's region pool fills once)
fds_flat() {
	awk -v s="${2:-16}" 'NR == 1 { f = $3 } $3 > f + s { bad++ }
		END { exit bad > 0 || NR == 0 }' "$1"
}
fds_le() { [ "$(dfds)" -le "$1" ]; }

# back_to_idle IDLE_KB: the resident ring memory is within 64 kB of IDLE_KB
# within 10 s of the load stopping
ring_kb() { echo $(($(stat_now ipc.ring_resident_bytes) / 1024)); }
ring_le() { [ "$(ring_kb)" -le "$1" ]; }
back_to_idle() { wait_for 10 ring_le $(($1 + 64)); }

report_phase() {
	local name=$1 w=$2 m=$3
	log "$name: per window: $(awk '{ printf "%s/%s ", $2, $4 }' "$w")(rate/failures)"
	log "$name: memory samples (s rss_kB ring_kB fds): $(awk '{ printf "[%s %s %s %s] ", $1, $2, $3, $4 }' "$m")"
}

# phase_start NAME PORT CMD...: start CMD on Aether, wait until it serves
# page.html on PORT, note the idle ring memory (IDLE_RING), start the memory
# sampler into $WORK/NAME.mem (SAMPLER); APP_PID is the server
phase_start() {
	local name=$1
	PORT=$2
	shift 2
	bg_app "$@" >"$WORK/$name.log" 2>&1
	APP_PID=${PIDS[-1]}
	check "$name serves on Aether" wait_for 20 serves
	IDLE_RING=$(ring_kb)
	ACC0="$(stat_now tcp.accepts) $(stat_now tcp.accept_wait_ms) $(stat_now tcp.accept_waits_1s)"
	: >"$WORK/$name.mem"
	sampler "$WORK/$name.mem" & SAMPLER=$!; PIDS+=($SAMPLER)
}
serves() { nsx curl -sf --max-time 2 -o /dev/null "http://192.168.1.2:$PORT/page.html"; }

# accept_report NAME ACCEPTS WAIT_MS OVER_1S: how long the phase's
# connections waited in the accept queue (the program's turn to accept),
# from the counters at its start
accept_report() {
	local n=$(($(stat_now tcp.accepts) - $2)) w=$(($(stat_now tcp.accept_wait_ms) - $3))
	log "$1: accepts $n, mean wait in the accept queue $((w / (n > 0 ? n : 1))) ms," \
		"over 1 s: $(($(stat_now tcp.accept_waits_1s) - $4));" \
		"load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# phase_end NAME FDS [SLACK]: stop the sampler, report, check the phase's
# windows ($WORK/NAME.win: "window rate fds failures"), memory samples and
# the descriptor counts in FDS (column 3, within SLACK of the first), then
# stop the server
phase_end() {
	local name=$1
	stop_pid "$SAMPLER"
	report_phase "$name" "$WORK/$name.win" "$WORK/$name.mem"
	accept_report "$name" $ACC0
	check "$name: $RUNS windows, none below half the first's rate" \
		rates_hold "$WORK/$name.win"
	# issue 19's goal is zero; the short soak of make test holds the
	# service to at most 1 in 1,000 (runs at load 5 saw 7 and 30 of ~270k,
	# the timeouts of connections nginx accepts late; a collapse fails at
	# once), the long one of make check-all to the goal itself
	check "$name: failed requests after the first window at most $FAIL_PPM ppm" \
		awk -v s="$SOAK_RUN" -v ppm="$FAIL_PPM" 'NR > 1 { req += $2 * s; bad += $4 }
			END { exit bad * 1000000 > ppm * req }' "$WORK/$name.win"
	check "$name: aetherd memory has no upward trend after ${WARM} s" \
		no_trend "$WORK/$name.mem"
	check "$name: aetherd descriptors do not grow" fds_flat "$2" "${3:-16}"
	check "$name: resident ring memory back to idle ($IDLE_RING kB)" \
		back_to_idle "$IDLE_RING"
	stop_pid "$APP_PID"
}

# --- phase 1: nginx under wrk -c400 -------------------------------------------
nginx_conf "$WORK/www" 8081 4096
sed -i 's/access_log off;/access_log off;\n\tkeepalive_requests 1000;/' "$WORK/nginx/nginx.conf"
phase_start nginx 8081 nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
: >"$WORK/nginx.win"
for ((i = 1; i <= RUNS; i++)); do
	nsx timeout $((SOAK_RUN + 30)) wrk -t2 -c"$CONNS" -d"${SOAK_RUN}s" --timeout 2s \
		http://192.168.1.2:8081/page.html >"$WORK/wrk.$i" 2>&1
	rps=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$WORK/wrk.$i")
	to=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$WORK/wrk.$i")
	sleep 1		# connections closed: count what the daemon still holds
	echo "$i ${rps:-0} $(dfds) ${to:-0}" >>"$WORK/nginx.win"
done
phase_end nginx "$WORK/nginx.win"

# --- phase 2: python http.server under 50 curl loops --------------------------
# python3 -m http.server 8080 --directory www, with a listen backlog of 128
phase_start http.server 8080 "$PY" -c 'import functools, http.server as h, sys
h.ThreadingHTTPServer.request_queue_size = 128
h.test(HandlerClass=functools.partial(h.SimpleHTTPRequestHandler,
       directory=sys.argv[1]), ServerClass=h.ThreadingHTTPServer, port=8080,
       bind="0.0.0.0")' \
	"$WORK/www"
# curl_loop N: fetch for the phase, inside the lab namespace; one line per
# request: "window http_code" (000: a timeout or a refused connection)
curl_loop() {
	nsx bash -c 'while [ $SECONDS -lt $1 ]; do
		echo "$((SECONDS / $2 + 1)) $(curl -s -o /dev/null --max-time 5 \
			-w "%{http_code}" http://192.168.1.2:8080/page.html)"
	done' loop "$SOAK_SECS" "$SOAK_RUN" >"$WORK/loop.$1"
}
# descriptors: idle first, then mid-way through each window (the loops
# never pause: up to LOOPS connections in flight, two descriptors each,
# backing fd and ring memfd, and up to the backlog's 128 in the accept
# queue, a ring memfd each: a curl that gave up after 5 s leaves its
# connection there until the server accepts it), then once the loops are
# done
FDS_IDLE=$(dfds)
echo "0 0 $FDS_IDLE" >"$WORK/py.fds"
LOOP_PIDS=()
for ((i = 0; i < LOOPS; i++)); do curl_loop "$i" & LOOP_PIDS+=($!); done
PIDS+=("${LOOP_PIDS[@]}")
for ((i = 1; i <= RUNS; i++)); do
	sleep "$SOAK_RUN"
	echo "$i 0 $(dfds)" >>"$WORK/py.fds"
done
for p in "${LOOP_PIDS[@]}"; do wait "$p"; done
# after the loops: the idle count plus the memfds of pooled regions
# (ipc.pooled_regions, at most SESS_POOL_PER_USER: kept for reuse, not leaked)
fds_idle() { fds_le $((FDS_IDLE + $(stat_now ipc.pooled_regions) + 16)); }
check "http.server: aetherd descriptors back to idle ($FDS_IDLE + pooled regions) after the loops" \
	wait_for 10 fds_idle
cat "$WORK"/loop.* | awk -v n="$RUNS" -v w="$SOAK_RUN" '$1 <= n {
		t[$1]++; if ($2 != "200") f[$1]++ }
	END { for (i = 1; i <= n; i++) printf "%d %d 0 %d\n", i, t[i] / w, f[i] + 0 }' \
	>"$WORK/http.server.win"
phase_end http.server "$WORK/py.fds" $((2 * LOOPS + 128 + 16))
finish

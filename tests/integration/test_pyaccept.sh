#!/bin/bash
# test_pyaccept: a stock python3 http.server (ThreadingHTTPServer: poll() on
# the listener with a 0.5 s timeout, one accept() per wake-up, a thread per
# connection) under N parallel curl loops, each request a new connection,
# for a bounded time: first on the kernel (veth, namespaces), then
# preloaded on Aether, in the same run. Aether must serve at least
# PYACC_RATIO (default 0.5) of the kernel's request rate, and no request's
# connect-to-first-byte time may exceed PYACC_MAX_MS (default 2000) or
# twice the kernel's slowest, whichever is larger:
# a listener whose readiness is late or lost paces accepts by poll()'s
# 0.5 s timeout, which shows here as a lone request answered in up to
# 500 ms and as waits of seconds. Then PYACC_KA (250) keep-alive clients
# connect at once (HTTP/1.1 server, pyaccept_ka.py): their slowest first
# answer is held to 3x the kernel's + 2 s. Diagnostics: PYACC_STRACE=1
# traces the server's main thread for 5 s under the curl loops,
# PYACC_STRACE=ka under the keep-alive clients (with its /proc maps, to
# name the futexes it waits on); PYACC_DL=RATE adds a download beside the
# keep-alive clients, as in test_takeover's long run.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
LOOPS=${PYACC_LOOPS:-50}
SECS=${PYACC_SECS:-15}
RATIO=${PYACC_RATIO:-0.5}
MAX_MS=${PYACC_MAX_MS:-2000}
KA_N=${PYACC_KA:-250}
KA_PY=$(dirname "$0")/pyaccept_ka.py
APPNS=${NS}app
KPEER=${NS}kp
KSUBJ=${NS}ks

mkdir -p "$WORK/www"
head -c 1024 /dev/zero | tr '\0' a >"$WORK/www/page.html"
[ -n "${PYACC_DL:-}" ] && head -c 1G /dev/zero >"$WORK/www/blob"
SERVER='import functools, http.server as h, sys
h.ThreadingHTTPServer.request_queue_size = 128
h.test(HandlerClass=functools.partial(h.SimpleHTTPRequestHandler,
       directory=sys.argv[1]), ServerClass=h.ThreadingHTTPServer, port=8080,
       bind="0.0.0.0")'

# loops NS TAG: LOOPS curl loops in NS for SECS s, each line
# "http_code time_starttransfer_s time_connect_s" into $WORK/TAG.N
loops() {
	local i pids=()
	for ((i = 0; i < LOOPS; i++)); do
		ip netns exec "$1" bash -c 'end=$((SECONDS + $1)); while [ $SECONDS -lt $end ]; do
			curl -s -o /dev/null --max-time 5 \
				-w "%{http_code} %{time_starttransfer} %{time_connect}\n" \
				http://192.168.1.2:8080/page.html
		done' loop "$SECS" >"$WORK/$2.$i" 2>/dev/null &
		pids+=($!)
	done
	PIDS+=("${pids[@]}")
	for p in "${pids[@]}"; do wait "$p"; done
}
# singles NS: 20 lone requests 0.2 s apart (the server idle in its 0.5 s
# poll() each time: a late readiness wake shows as up to 500 ms); prints
# the slowest connect-to-first-byte in ms
singles() {
	local i
	for ((i = 0; i < 20; i++)); do
		sleep 0.2
		ip netns exec "$1" curl -s -o /dev/null --max-time 5 \
			-w "%{time_starttransfer} %{time_connect}\n" \
			http://192.168.1.2:8080/page.html
	done | awk '{ w = ($1 - $2) * 1000; m = w > m ? w : m } END { printf "%d\n", m }'
}
# dl NS: with PYACC_DL=RATE (curl --limit-rate, e.g. 40M), a download of
# blob running beside the keep-alive clients (as in test_takeover's long run)
dl() {
	[ -n "${PYACC_DL:-}" ] || return 0
	ip netns exec "$1" curl -s -o /dev/null --max-time "$SECS" \
		--limit-rate "$PYACC_DL" http://192.168.1.2:8080/blob &
	PIDS+=($!)
}
# summary TAG: "requests failures rate max_wait_ms mean_wait_ms"
summary() {
	cat "$WORK/$1".* | awk -v s="$SECS" '{ n++; if ($1 != "200") f++
		w = ($2 - $3) * 1000; if ($1 == "200") { t += w; m = w > m ? w : m } }
		END { printf "%d %d %d %d %d\n", n, f, n / s, m, t / (n - f > 0 ? n - f : 1) }'
}
ksv() { ip netns exec "$KPEER" curl -sf --max-time 2 -o /dev/null http://192.168.1.2:8080/page.html; }
asv() { nsx curl -sf --max-time 2 -o /dev/null http://192.168.1.2:8080/page.html; }

# --- the kernel ---------------------------------------------------------------
check "kernel lab" kernel_lab "$KPEER" "$KSUBJ" || { finish; exit 1; }
bg ip netns exec "$KSUBJ" "$PY" -c "$SERVER" "$WORK/www" >"$WORK/kpy.log" 2>&1
KPY=${PIDS[-1]}
check "http.server serves on the kernel" wait_for 20 ksv
KS=$(singles "$KPEER")
log "kernel: lone requests, slowest connect-to-first-byte $KS ms"
loops "$KPEER" k
stop_pid "$KPY"
read -r KN KF KR KM KW <<<"$(summary k)"
log "kernel: $KN requests, $KF failed, $KR/s, connect-to-first-byte mean $KW ms, max $KM ms"
bg ip netns exec "$KSUBJ" "$PY" "$KA_PY" serve "$WORK/www" 8080 >"$WORK/kka.log" 2>&1
KPY=${PIDS[-1]}
check "keep-alive http.server serves on the kernel" wait_for 20 ksv
dl "$KPEER"
if [ "${PYACC_STRACE:-}" = ka ]; then
	(sleep 2; timeout 5 strace -tt -T -p "$KPY" -o "$WORK/kstrace.ka") &
fi
read -r KKM KKW KKN KKF <<<"$(ip netns exec "$KPEER" "$PY" "$KA_PY" clients 192.168.1.2 8080 "$KA_N" "$SECS")"
stop_pid "$KPY"
log "kernel keep-alive: $KA_N connections, first answer max $KKM ms, mean $KKW ms; $KKN requests, $KKF failed"

# --- Aether -------------------------------------------------------------------
ns_add "$APPNS" || { check "namespaces" false; finish; exit 1; }
lab_up || { check "lab" false; finish; exit 1; }
bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	"$PY" -c "$SERVER" "$WORK/www" >"$WORK/apy.log" 2>&1
APY=${PIDS[-1]}
check "http.server serves on Aether" wait_for 20 asv
AS=$(singles "$NS")
log "aether: lone requests, slowest connect-to-first-byte $AS ms"
# PYACC_STRACE=1: the server's main thread (poll, accept) traced for 5 s
# mid-run into $WORK/strace.main (with AETHER_KEEP_WORK to read it)
if [ -n "${PYACC_STRACE:-}" ]; then
	(sleep 3; timeout 5 strace -tt -T -p "$APY" -o "$WORK/strace.main") &
fi
loops "$NS" a
read -r AN AF AR AM AW <<<"$(summary a)"
log "aether: $AN requests, $AF failed, $AR/s, connect-to-first-byte mean $AW ms, max $AM ms"
log "aether: $(aetherd_stats | grep -E '^(tcp\.accept|ipc\.accept)' | paste -sd' ')"
stop_pid "$APY"
bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	"$PY" "$KA_PY" serve "$WORK/www" 8080 >"$WORK/aka.log" 2>&1
APY=${PIDS[-1]}
check "keep-alive http.server serves on Aether" wait_for 20 asv
dl "$NS"
if [ "${PYACC_STRACE:-}" = ka ]; then
	(sleep 2; cp "/proc/$APY/maps" "$WORK/maps.ka"
	 timeout 5 strace -tt -T -p "$APY" -o "$WORK/strace.ka") &
fi
read -r AKM AKW AKN AKF <<<"$(nsx "$PY" "$KA_PY" clients 192.168.1.2 8080 "$KA_N" "$SECS")"
stop_pid "$APY"
log "aether keep-alive: $KA_N connections, first answer max $AKM ms, mean $AKW ms; $AKN requests, $AKF failed"

check "aether: a lone request is answered within 200 ms ($AS ms; kernel $KS ms)" \
	[ "$AS" -le 200 ]
check "aether keep-alive: no failed request ($AKF; kernel $KKF)" [ "${AKF:-1}" -eq 0 ]
# the slowest first answer is the acceptor's turn for the GIL among the
# busy handler threads: noisy on both stacks (runs here at load 12-28:
# kernel 0.1-9.2 s, Aether 0.2-10.6 s), so only a gross gap fails
check "aether keep-alive: slowest first answer within 3x the kernel's + 2 s ($AKM vs $KKM ms)" \
	[ "${AKM:-999999}" -le $((3 * ${KKM:-0} + 2000)) ]
check "aether: no failed request" [ "$AF" -eq 0 ]
check "aether: rate at least $RATIO of the kernel's ($AR vs $KR /s)" \
	awk -v a="$AR" -v k="$KR" -v r="$RATIO" 'BEGIN { exit !(a >= k * r) }'
# under load the kernel's own slowest is 0.6-1.4 s here: the bound is the
# larger of MAX_MS and twice the kernel's (a run at 2016 ms beside the
# kernel's 1391 failed an absolute 2 s)
AMAX=$((2 * KM > MAX_MS ? 2 * KM : MAX_MS))
check "aether: connect-to-first-byte at most $AMAX ms (max $AM ms, kernel $KM ms)" \
	[ "$AM" -le "$AMAX" ]
finish

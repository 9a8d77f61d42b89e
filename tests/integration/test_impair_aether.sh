#!/bin/bash
# aetherd --impair: the impairment link between aetherd's TAP and its stack.
# Checks: ping through the issue's SPEC (loss, delay, jitter, reorder, dup,
# corrupt) works with the delay visible in the RTT; the counters in aetherd's
# stats dump show every impairment both ways; dir=out impairs only what the
# stack sends; a bad SPEC is refused with one line naming the key.
. "$(dirname "$0")/lib.sh"

SPEC=${IMPAIR_SPEC:-loss=3%,delay=10ms,jitter=5ms,reorder=25%,dup=1%,corrupt=0.1%}

# stop_aetherd: SIGTERM aetherd and wait (bounded) for it to exit
stop_aetherd() {
	local i
	kill -TERM "$AETHERD_PID" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$AETHERD_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$AETHERD_PID" 2>/dev/null && { kill -9 "$AETHERD_PID"; return 1; }
	wait "$AETHERD_PID"
}

# stat LOG G.NAME: counter from the last stats dump in LOG (empty if none)
stat() { awk -v k="$2" '$1 == k { v = $2 } END { print v }' "$1"; }
gt0() { [ "${1:-0}" -gt 0 ]; }

# --- a bad SPEC -----------------------------------------------------------
timeout 5 "$B/aetherd" --tap nosuch0 --impair 'loss=3%,bogus=1' 2>"$WORK/err"; rc=$?
check "bad --impair SPEC exits 2" [ $rc -eq 2 ]
check "bad --impair SPEC: one line naming 'bogus'" \
	eval '[ "$(wc -l <"$WORK/err")" -eq 1 ] && grep -q "bogus" "$WORK/err"'

# --- the issue's SPEC, both directions --------------------------------------
log "SPEC: $SPEC"
AETHERD_ARGS="--stats-on-exit --impair $SPEC"
if ! lab_up; then
	check "lab up with --impair: aetherd answers ping" false
	finish; exit 1
fi
check "lab up with --impair: aetherd answers ping" true

timeout 60 ip netns exec "$NS" ping -n -c 200 -i 0.02 -W 2 192.168.1.2 \
	>"$WORK/ping.out" 2>&1
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$WORK/ping.out")
sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' "$WORK/ping.out" | sort -n >"$WORK/rtt"
p50=$(awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : -1) }' "$WORK/rtt")
log "impaired ping: ${recv:-0}/200 replies, median RTT $p50 ms"
check "ping through --impair: 170..199 of 200 replies (6% loss expected)" \
	eval '[ "${recv:-0}" -ge 170 ] && [ "${recv:-0}" -le 199 ]'
# each way: 0 ms (reorder, 25%) or 5..15 ms (delay 10 +- jitter 5), so the
# median RTT is about 15 ms and only 1/16 of RTTs are under 5 ms. A loaded
# machine only adds to RTTs, so the checks are lower bounds.
slow=$(awk '$1 >= 5 { n++ } END { print (NR ? int(100 * n / NR) : 0) }' "$WORK/rtt")
check "RTT shows the delay: median >= 10 ms ($p50 ms)" \
	awk -v m="$p50" 'BEGIN { exit !(m >= 10) }'
check "RTT shows the delay: >= 85% of RTTs >= 5 ms ($slow%)" [ "$slow" -ge 85 ]

check "aetherd exits 0 on SIGTERM" stop_aetherd
L=$WORK/aetherd.log
grep -E '^impair_(in|out)\.' "$L" | tr '\n' ' ' | sed 's/^/# /'; echo
for d in in out; do
	for c in submitted dropped reordered delivered; do
		check "impair_$d.$c > 0" gt0 "$(stat "$L" "impair_$d.$c")"
	done
	p=$(stat "$L" "impair_$d.passed"); u=$(stat "$L" "impair_$d.duplicated")
	v=$(stat "$L" "impair_$d.delivered"); q=$(stat "$L" "impair_$d.queued")
	check "impair_$d: passed+duplicated = delivered+queued" \
		[ $((${p:-0} + ${u:-0})) -eq $((${v:--1} + ${q:-0})) ]
done

# --- dir=out: only the stack's frames are impaired ----------------------------
bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 --stats-on-exit \
	--impair 'loss=100%,dir=out' >"$WORK/aetherd2.log" 2>&1
AETHERD_PID=${PIDS[-1]}
sleep 0.5
n=$(timeout 20 ip netns exec "$NS" ping -n -q -c 5 -i 0.2 -W 1 192.168.1.2 |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
check "dir=out loss=100%: no reply reaches the kernel" [ "${n:-x}" = 0 ]
check "dir=out aetherd exits 0" stop_aetherd
L=$WORK/aetherd2.log
check "dir=out: the stack answered (impair_out.dropped > 0)" \
	gt0 "$(stat "$L" impair_out.dropped)"
check "dir=out: nothing impaired inbound (no impair_in counters)" \
	eval '! grep -q "^impair_in\." "$L"'

# --- 16 MiB over TCP from a server on Aether -----------------------------------
# python3 -m http.server runs on Aether (LD_PRELOAD=libaether.so, in an empty
# namespace of its own); curl fetches from the kernel side. This part runs
# only once the pieces exist: a preloaded server must serve hello.html over a
# clean aetherd first. The kernel baseline under the same SPEC comes from
# test_impair_kernel.sh, and the Aether/kernel ratio is printed.
SO=$B/libaether.so
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPNS=${NS}app
MIB=${IMPAIR_MIB:-16}
mkdir -p "$WORK/www"
cp "$TOP/examples/www/hello.html" "$WORK/www/"
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$WORK/www/blob"
SHA=$(sha256sum <"$WORK/www/blob" | cut -d' ' -f1)

hello() {
	ip netns exec "$NS" curl -s -f --max-time 5 -o "$WORK/hello" \
		http://192.168.1.2:8080/hello.html &&
		cmp -s "$WORK/hello" "$WORK/www/hello.html"
}
# serve ARGS...: aetherd with ARGS and the preloaded server; true once it serves
serve() {
	bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 --stats-on-exit \
		"$@" >"$WORK/aetherd-tcp.log" 2>&1
	AETHERD_PID=${PIDS[-1]}
	wait_for 10 nsx ping -c1 -W1 192.168.1.2 >/dev/null || return 1
	# ip netns exec and env exec the server: the PID bg keeps is the
	# server's own, so killing it stops the server
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
		"$PY" -m http.server 8080 --directory "$WORK/www" \
		>"$WORK/http-aether.log" 2>&1
	PYPID=${PIDS[-1]}
	wait_for 30 hello
}
unserve() { kill "$PYPID" 2>/dev/null; wait "$PYPID" 2>/dev/null; stop_aetherd; }
# blob NAME: fetch the blob, print the time, check it; sets SECS
blob() {
	local t0 t1 rc
	rm -f "$WORK/got"
	t0=$(date +%s.%N)
	timeout 210 ip netns exec "$NS" curl -sS --max-time 200 -o "$WORK/got" \
		http://192.168.1.2:8080/blob; rc=$?
	t1=$(date +%s.%N)
	SECS=$(echo "$t1 - $t0" | bc -l)
	log "kernel curl <- Aether http.server ($1): $MIB MiB in" \
		"$(printf '%.2f' "$SECS") s, curl rc $rc"
	check "$MIB MiB from Aether over the $1 link arrives sha256-identical" \
		[ "$(sha256sum <"$WORK/got" 2>/dev/null | cut -d' ' -f1)" = "$SHA" ]
}

if [ ! -f "$SO" ] || ! ns_add "$APPNS" || ! serve; then
	log "not run: 16 MiB over TCP from a server on Aether (a preloaded" \
		"python http.server does not serve hello.html over a clean aetherd yet)"
	[ -n "${PYPID:-}" ] && unserve
	finish; exit
fi
blob clean
unserve
check "Aether server up behind --impair $SPEC" serve --impair "$SPEC"
blob impaired
AETHER_SECS=$SECS
unserve
grep -E '^(impair_(in|out)\.(dropped|duplicated|corrupted|reordered)|tcp\.(retrans_segs|fast_retrans|timeouts|ofo_queued|in_csum_errors)|ip\.in_csum_errors) ' \
	"$WORK/aetherd-tcp.log" | tr '\n' ' ' | sed 's/^/# /'; echo
KOUT=$(IMPAIR_SPEC=$SPEC IMPAIR_MIB=$MIB timeout 150 bash \
	"$TOP/tests/integration/test_impair_kernel.sh" 2>&1)
KSECS=$(echo "$KOUT" | sed -n 's/.*(impaired): [0-9]* MiB in \([0-9.]*\) s.*/\1/p')
if [ -n "$KSECS" ]; then
	log "kernel <-> kernel under the same SPEC: $KSECS s;" \
		"Aether/kernel time ratio $(printf '%.2f' "$(echo "$AETHER_SECS / $KSECS" | bc -l)")"
else
	log "kernel baseline did not report a time"
fi
finish

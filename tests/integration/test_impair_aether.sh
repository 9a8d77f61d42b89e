#!/bin/bash
# aetherd --impair: the impairment link between aetherd's TAP and its stack.
# Checks: ping through the issue's SPEC (loss, delay, jitter, reorder, dup,
# corrupt) works with the delay visible in the RTT; the counters in aetherd's
# stats dump show every impairment both ways; dir=out impairs only what the
# stack sends; a bad SPEC is refused with one line naming the key.
. "$(dirname "$0")/lib.sh"

SPEC=${IMPAIR_SPEC:-loss=3%,delay=10ms,jitter=5ms,reorder=25%,dup=1%,corrupt=0.1%}

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

# --- 4 MiB over TCP from a server on Aether -------------------------------------
# python3 -m http.server runs on Aether (LD_PRELOAD=libaether.so, in an empty
# namespace of its own); curl fetches from the kernel side. This part runs
# only once the pieces exist: a preloaded server must serve hello.html over a
# clean aetherd first. The kernel baseline under the same SPEC (lib.sh
# kbase_time: aether-impair between two kernel namespaces) sends with CUBIC,
# as Aether does, and the aether/kernel-cubic ratio is printed; the kernel's
# default (bbr on this machine; Aether's BBR is compared in test_bbr.sh) is timed for information.
# IMPAIR_MIB sets the size (4: about 15 s each at the default SPEC).
SO=$B/libaether.so
APPNS=${NS}app
MIB=${IMPAIR_MIB:-4}
mkdir -p "$WORK/www"
cp "$TOP/examples/www/hello.html" "$WORK/www/"
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$WORK/www/blob"
SHA=$(sha "$WORK/www/blob")

# serve ARGS...: aetherd with ARGS and the preloaded server; true once it serves
serve() { aether_http_up "$APPNS" "$WORK/www" "$WORK/aetherd-tcp.log" "$@"; }
# blob NAME: fetch the blob, print the time, check it; sets SECS
blob() {
	timed_get "$NS" http://192.168.1.2:8080/blob "$WORK/got" 200
	log "kernel curl <- Aether http.server ($1): $MIB MiB in $SECS s, curl rc $GET_RC"
	check "$MIB MiB from Aether over the $1 link arrives sha256-identical" \
		[ "$(sha "$WORK/got")" = "$SHA" ]
}

if [ ! -f "$SO" ] || ! ns_add "$APPNS" || ! serve; then
	log "not run: $MIB MiB over TCP from a server on Aether (a preloaded" \
		"python http.server does not serve hello.html over a clean aetherd yet)"
	[ -n "${AETHERD_PID:-}" ] && aether_http_down
	finish; exit
fi
blob clean
aether_http_down
check "Aether server up behind --impair $SPEC" serve --impair "$SPEC"
blob impaired
AETHER_SECS=$SECS
aether_http_down
grep -E '^(impair_(in|out)\.(dropped|duplicated|corrupted|reordered)|tcp\.(retrans_segs|fast_retrans|timeouts|ofo_queued|in_csum_errors)|ip\.in_csum_errors) ' \
	"$WORK/aetherd-tcp.log" | tr '\n' ' ' | sed 's/^/# /'; echo
AOK=0; [ "$(sha "$WORK/got")" = "$SHA" ] && AOK=1

# --- the kernel under the same SPEC ----------------------------------------------
if ! kbase_ns || ! kbase_serve "$WORK/www"; then
	check "kernel baseline: namespaces and http.server up" false
	finish; exit 1
fi
check "kernel baseline: $MIB MiB intact, sender seen using cubic (as Aether)" \
	kbase_time "$SPEC" cubic "$SHA" 200
CUBIC_SECS=$KSECS
DEFCC=$(default_cc "$KB")
kbase_time "$SPEC" default "$SHA" 200
DEF_SECS=$SECS DEF_SEEN=${KCC:-not seen}
check "kernel baseline (kernel default $DEFCC, for information): $MIB MiB intact" \
	[ "$(sha "$WORK/got-kbase")" = "$SHA" ]
log "$MIB MiB under $SPEC:"
log "  Aether (CUBIC)            $AETHER_SECS s"
log "  kernel-cubic              ${CUBIC_SECS:-not measured} s"
log "  kernel-default ($DEFCC, for information; sender seen: $DEF_SEEN) $DEF_SECS s"
if [ "$AOK" = 1 ] && [ -n "$CUBIC_SECS" ]; then
	log "ratio aether/kernel-cubic: $(printf '%.2f' "$(echo "$AETHER_SECS / $CUBIC_SECS" | bc -l)")"
else
	log "ratio aether/kernel-cubic: not measured"
fi
finish

#!/bin/bash
# Live upgrade (issue 17, daemon/takeover.c): `aetherd --takeover` replaces
# the running aetherd ROUNDS times in a row (20; 100 with AETHER_LONG=1)
# under load, without a program noticing:
#  - downloads from a preloaded HTTP server, one after the other from before
#    the first takeover to after the last (curl --limit-rate: each takes
#    about DLSECS, 12 s, so each spans several takeovers; SIZE_MB 24, 1024
#    with AETHER_LONG=1), arrive sha256-identical;
#  - NCONN keep-alive connections (20; 100 with AETHER_LONG=1) request a
#    file in a loop: no failed request, no reconnection (the takeovers begin
#    once the server has answered each of them once);
#  - an idle connection opened first still answers at the end;
#  - the server's UDP socket, bound once, still echoes;
#  - connections waiting in a listener's accept queue (a server that accepts
#    only after the takeovers) are accepted by the program afterwards and
#    answer;
#  - each old daemon exits 0; each new one has taken over within 1 s
#    (MAXSECS) of its connecting to the old one, as it reports (the wall
#    time of each round, process start included, is printed);
#  - no RST: none in the capture (one file, each daemon appending to it;
#    not written with AETHER_LONG=1, where it would take gigabytes), none
#    counted by the daemons (tcp.out_rsts, tcp.in_rsts, carried from one to
#    the next) nor by the kernel peer (TcpOutRsts, TcpEstabResets).
#  - the server's socket memory, its uid's arena memfd, is the one the last
#    daemon maps: each daemon handed the same memfd on (arena and offsets).
# The last takeover goes through `aether upgrade`. Before the load, a new
# daemon reading another state version (AETHER_SNAP_VERSION=99) is refused
# and the old one goes on serving. And a SOCKET.PID.new left by a daemon
# that died between bind and rename is removed at the next start (one of a
# live pid is kept).
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPS=$TOP/tests/integration/takeover_apps.py
APPNS=${NS}app
if [ -n "${AETHER_LONG:-}" ]; then
	ROUNDS=${ROUNDS:-100}; SIZE_MB=${SIZE_MB:-1024}; NCONN=${NCONN:-100}
else
	ROUNDS=${ROUNDS:-20}; SIZE_MB=${SIZE_MB:-24}; NCONN=${NCONN:-20}
fi
MAXSECS=${MAXSECS:-1.0}
DLSECS=${DLSECS:-12}
DARGS=(--tap aether0 --addr 192.168.1.2/24)
[ -z "${AETHER_LONG:-}" ] && DARGS+=(--pcap "$WORK/aether.pcap")
# the first daemon serves the load until every keep-alive connection has
# been answered once (seconds at the long run's 85 MiB/s): no capture then
[ -n "${AETHER_LONG:-}" ] && LAB_NO_PCAP=1

# stale temporary socket names: a dead pid's is removed, a live one's kept
dead=999999
while kill -0 "$dead" 2>/dev/null; do dead=$((dead - 1)); done
touch "$AETHER_SOCKET.$dead.new" "$AETHER_SOCKET.$$.new"

lab_up || { echo "0 passed, 1 failed"; exit 1; }
check stale_bind_name_removed test ! -e "$AETHER_SOCKET.$dead.new"
check live_bind_name_kept test -e "$AETHER_SOCKET.$$.new"
rm -f "$AETHER_SOCKET.$$.new"
ns_add "$APPNS"
mkdir -p "$WORK/www"
head -c $((SIZE_MB << 20)) /dev/urandom >"$WORK/www/blob"
head -c 8192 /dev/urandom >"$WORK/www/small"
SHA_BLOB=$(sha "$WORK/www/blob")
SHA_SMALL=$(sha "$WORK/www/small")
bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	"$PY" "$APPS" server "$WORK/www" 8080 8083 >"$WORK/server.log" 2>&1
SERVER_PID=${PIDS[-1]}
get_small() {
	nsx curl -sf --max-time 2 "http://192.168.1.2:8080/small" |
		sha256sum | grep -q "^$SHA_SMALL "
}
check server_up wait_for 30 get_small
check udp_before nsx "$PY" "$APPS" udp 192.168.1.2 8083
bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	"$PY" "$APPS" lateaccept 8090 "$WORK/go" >"$WORK/late.log" 2>&1
sleep 1

# a new daemon that cannot read the old one's state version is refused
# before anything is handed over, and the old one goes on serving
AETHER_SNAP_VERSION=99 timeout 20 ip netns exec "$NS" "$B/aetherd" \
	--takeover "${DARGS[@]}" >"$WORK/refused.log" 2>&1
rc=$?
log "refused: exit $rc: $(tail -1 "$WORK/refused.log")"
check refused_version_exits_nonzero test "$rc" -ne 0 -a "$rc" -ne 124
check refused_version_says_so grep -q 'reads version 99: refused' "$WORK/refused.log"
check old_daemon_runs_after_refusal kill -0 "$AETHERD_PID"
check served_after_refusal get_small
check old_daemon_logged_refusal grep -q 'takeover refused' "$WORK/aetherd.log"

# RSTs before this (curl's probes while the server was starting) are not ours
before=$(tshark -r "$WORK/aether.pcap" 2>/dev/null | wc -l)
kstat() { nsx nstat -asz "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
nends() { grep -c '^aetherd: stats end ' "$WORK/aetherd.log"; }
dstats() {	# the current daemon's counters (each daemon numbers its dumps from 1)
	local n
	n=$(nends)
	kill -USR1 "$AETHERD_PID" && wait_for 5 test "$(nends)" -gt "$n" &&
		tac "$WORK/aetherd.log" | sed '/^aetherd: stats begin /q'
}
rsts() {	# every reset counted by the daemon and by the kernel peer
	dstats >"$WORK/dstats"
	echo "$(awk '$1 == "tcp.out_rsts" { print $2 }' "$WORK/dstats")" \
		"$(awk '$1 == "tcp.in_rsts" { print $2 }' "$WORK/dstats")" \
		"$(kstat TcpOutRsts) $(kstat TcpEstabResets)"
}
RST0=$(rsts)
# the long run's capture, taken on the kernel's side of the TAP: every
# SYN, FIN and RST (the daemons' own capture would take gigabytes); with
# TK_HEADERS=1 also every frame's headers (96 bytes), to look into a stall
if [ -n "${AETHER_LONG:-}" ]; then
	bg ip netns exec "$NS" dumpcap -q -i aether0 -f 'tcp[13] & 7 != 0' \
		-w "$WORK/flags.pcap" 2>"$WORK/dumpcap.log"
	DUMPCAP_PID=${PIDS[-1]}
	[ -n "${TK_HEADERS:-}" ] && bg ip netns exec "$NS" dumpcap -q -i aether0 \
		-s 96 -B 64 -w "$WORK/headers.pcap" 2>"$WORK/dumpcap2.log"
	wait_for 10 grep -q 'Capturing' "$WORK/dumpcap.log" ||
		log "dumpcap: $(cat "$WORK/dumpcap.log")"
fi

# the load: a rate-limited download that outlasts every takeover, the
# keep-alive loops and the idle connection
rate=$(( (SIZE_MB << 10) / DLSECS ))
log "downloads of $SIZE_MB MiB at ${rate} KiB/s, $NCONN keep-alive connections, $ROUNDS takeovers"
downloads() {	# until $WORK/stop: one download after the other, each checked
	local i=0 rc
	while [ ! -e "$WORK/stop" ] && [ $i -lt 1000 ]; do
		nsx curl -sS --limit-rate "${rate}k" --max-time 900 \
			-o "$WORK/got" "http://192.168.1.2:8080/blob" 2>>"$WORK/curl.err"
		rc=$?
		echo "$i $rc $(sha "$WORK/got")" >>"$WORK/downloads"
		rm -f "$WORK/got"
		i=$((i + 1))
	done
}
downloads &
DL=$!
nsx "$PY" "$APPS" queued 192.168.1.2 8090 5 "$WORK/queued.out" "$WORK/go" \
	>"$WORK/queued.log" 2>&1 &
QU=$!
wait_for 10 test -e "$WORK/go.sent" || log "queued connections not sent: $(cat "$WORK/queued.log")"
nsx "$PY" "$APPS" clients 192.168.1.2 8080 "$NCONN" /small "$SHA_SMALL" \
	"$WORK/stop" 900 "$WORK/served" >"$WORK/clients.log" 2>&1 &
CL=$!
# the takeovers begin once every keep-alive connection has been answered
# once: python's threaded server accepts them one at a time, so with many
# connecting at once under load the last ones wait seconds in the accept
# queue before their first answer (250 with a 43 MiB/s download: up to 9 s
# on the kernel stack, past the clients' 10 s timeout on Aether with a CI
# run beside it, before any takeover). Connections that wait there across
# the takeovers are checked below (accept_queue_carried). An error line
# gives the request's number on its connection: 1, never answered yet.
check keepalive_served_before_takeovers wait_for 60 test -e "$WORK/served"
log "keep-alive connections: $(cat "$WORK/served" 2>/dev/null)"
# the server's socket memory: its uid's arena memfd (inode), mapped by the
# server and the daemon; every takeover hands that same memfd on
arenas() { awk '/aether-sock/ { print $5 }' "/proc/$1/maps" 2>/dev/null | sort -u; }
ARENA0=$(arenas "$SERVER_PID" | tr '\n' ' ')

cur=$AETHERD_PID
L0=$(date +%s.%N)
bad=0; slow=0; maxt=0
for i in $(seq "$ROUNDS"); do
	t0=$(date +%s.%N)
	echo "round $i at $t0" >>"$WORK/rounds"
	if [ "$i" -eq "$ROUNDS" ]; then
		out=$(nsx "$B/aether" upgrade --socket "$AETHER_SOCKET" "$B/aetherd")
		new=$(echo "$out" | sed -n 's/.*handed over to \([0-9]*\)$/\1/p')
		log "aether upgrade: $out"
		[ -n "$new" ] && PIDS+=("$new")
	else
		bg nsx "$B/aetherd" --takeover "${DARGS[@]}" >>"$WORK/aetherd.log" 2>&1
		new=${PIDS[-1]}
	fi
	# the old daemon is our child: its exit status
	for _ in $(seq 250); do kill -0 "$cur" 2>/dev/null || break; sleep 0.02; done
	if kill -0 "$cur" 2>/dev/null; then
		log "round $i: old aetherd $cur still runs"; bad=$((bad + 1)); break
	fi
	wait "$cur"; rc=$?
	t=$(secs_since "$t0")
	[ "$rc" -ne 0 ] && { log "round $i: old aetherd exited $rc"; bad=$((bad + 1)); }
	[ "$(echo "$t > $MAXSECS" | bc -l)" = 1 ] && slow=$((slow + 1))
	[ "$(echo "$t > $maxt" | bc -l)" = 1 ] && maxt=$t
	[ -z "$new" ] && { log "round $i: no new daemon"; bad=$((bad + 1)); break; }
	cur=$new
	sleep 0.3
done
AETHERD_PID=$cur
log "$ROUNDS takeovers in $(secs_since "$L0") s: slowest ${maxt} s, $slow over $MAXSECS s, $bad failed"
ARENA1=$(arenas "$AETHERD_PID" | tr '\n' ' ')
log "server's arena memfds (inodes) before: ${ARENA0:-none}; last daemon maps: ${ARENA1:-none}"
kept=0
for ino in $ARENA0; do case " $ARENA1 " in *" $ino "*) kept=$((kept + 1)) ;; esac; done
check arena_memfd_handed_on test -n "$ARENA0" -a "$kept" -eq "$(echo $ARENA0 | wc -w)"
# the last round's daemon (started by aether upgrade) writes its report to
# the old one's log in its own time: give it a moment before counting
ntook() { [ "$(grep -c 'took over from pid' "$WORK/aetherd.log")" -ge "$ROUNDS" ]; }
wait_for 5 ntook
took=$(sed -n 's/.*took over from pid [0-9]* in \([0-9]*\) ms.*/\1/p' "$WORK/aetherd.log" | sort -n)
paused=$(sed -n 's/.*paused \([0-9]*\) ms.*/\1/p' "$WORK/aetherd.log" | sort -n | tail -1)
log "old daemons paused at most ${paused:-?} ms; new ones took over in at most $(echo "$took" | tail -1) ms (of $(echo "$took" | grep -c .))"
check "takeovers_${ROUNDS}_in_a_row" test "$bad" -eq 0
check "takeovers_each_within_${MAXSECS}s" test "$(echo "$took" | grep -c .)" -eq "$ROUNDS" -a \
	"$(echo "$(echo "$took" | tail -1) <= $MAXSECS * 1000" | bc -l)" = 1

touch "$WORK/stop" "$WORK/go"
wait "$QU"
log "accept queue: $(cat "$WORK/queued.out" 2>/dev/null) $(cat "$WORK/queued.log")"
check accept_queue_carried grep -qx 'echoed 5 of 5' "$WORK/queued.out"
wait "$CL"
log "clients: $(tail -1 "$WORK/clients.log")"
grep -q 'error' "$WORK/clients.log" && {
	sed 's/^/#   /' "$WORK/clients.log" | head -20
	sed 's/^/#   /' "$WORK/rounds"
}
read -r _ nreq _ nfail _ nrec _ idle < <(tail -1 "$WORK/clients.log")
check keepalive_requests_made test "${nreq:-0}" -gt "$NCONN"
check keepalive_no_failed_request test "${nfail:-1}" -eq 0
check keepalive_no_reconnection test "${nrec:-1}" -eq 0
check idle_connection_answers test "${idle:-}" = ok
wait "$DL"
ndl=$(grep -c . "$WORK/downloads")
nok=$(grep -c " 0 $SHA_BLOB\$" "$WORK/downloads")
log "downloads: $nok of $ndl complete and sha256-identical $(cat "$WORK/curl.err")"
check downloads_span_the_takeovers test "$ndl" -ge 2
check downloads_sha256_identical test "$nok" -eq "$ndl"
check udp_after nsx "$PY" "$APPS" udp 192.168.1.2 8083
check served_by_last_daemon get_small

RST1=$(rsts)
log "resets (daemon out, in; kernel out, established reset): before the load $RST0, after $RST1"
check no_reset_counted test "$RST0" = "$RST1"

# the capture: every daemon appended to it (in the long run: the kernel
# side's SYN, FIN and RST frames); frames there, no RST
if [ -n "${AETHER_LONG:-}" ]; then
	sleep 1
	kill -INT "$DUMPCAP_PID" 2>/dev/null
	wait_for 10 test ! -e "/proc/$DUMPCAP_PID"
	flags=$(tshark -r "$WORK/flags.pcap" 2>/dev/null | wc -l)
	rst=$(tshark -r "$WORK/flags.pcap" -Y 'tcp.flags.reset == 1' 2>/dev/null | wc -l)
	log "capture (kernel side, SYN/FIN/RST only): $flags frames, $rst with RST"
	check capture_no_rst test "$flags" -gt 0 -a "$rst" -eq 0
	check server_never_restarted kill -0 "$SERVER_PID"
	finish
	exit
fi
frames=$(tshark -r "$WORK/aether.pcap" 2>/dev/null | wc -l)
rst=$(tshark -r "$WORK/aether.pcap" -Y "tcp.flags.reset == 1 && frame.number > $before" 2>/dev/null | wc -l)
log "capture: $frames frames, $rst with RST after the load began (frame $before)"
[ "$rst" -gt 0 ] && tshark -r "$WORK/aether.pcap" -Y "tcp.flags.reset == 1 && frame.number > $before" \
	-T fields -e frame.number -e frame.time_relative -e ip.src -e tcp.srcport \
	-e ip.dst -e tcp.dstport -e tcp.seq_raw -e tcp.flags.str 2>/dev/null |
	head -5 | sed 's/^/#   /'
check capture_holds_the_transfer test "$frames" -gt 1000
check capture_no_rst test "$rst" -eq 0
check server_never_restarted kill -0 "$SERVER_PID"

finish

#!/bin/bash
# Connections at scale (issue 15): SCALE_N idle connections (10,000; with
# AETHER_LONG=1 100,000 or as many as the descriptor limits allow, said so)
# from a kernel client (python asyncio, lab namespace) to a preloaded python
# asyncio echo server. All must be established, all echo, none reset, and
# echo again after IDLE_S seconds of idling; aetherd's ipc counters show no
# ENOBUFS/EMFILE; after the close, aetherd's memory returns to near what it
# was before. Figures logged: connect/echo times, aetherd and server memory
# per idle connection, wake-ups of aetherd and the server while idle.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPNS=${NS}app
SE=$TOP/tests/integration/scale_echo.py
IDLE_S=${IDLE_S:-5}
NR_OPEN=$(cat /proc/sys/fs/nr_open)

if [ "${AETHER_LONG:-0}" = 1 ]; then N=${SCALE_N:-100000}; else N=${SCALE_N:-10000}; fi
# every process here (client, server, aetherd) needs a descriptor per
# connection, and a few more
NEED=$((N + 1024))
if [ "$NEED" -gt "$NR_OPEN" ]; then
	N=$((NR_OPEN - 1024))
	log "fs.nr_open is $NR_OPEN: trying $N connections, not more"
	NEED=$((N + 1024))
fi
HARD=$(ulimit -Hn)
if [ "$HARD" != unlimited ] && [ "$HARD" -lt "$NEED" ]; then
	if ulimit -Hn "$NEED" 2>/dev/null; then
		log "raised the hard descriptor limit from $HARD to $NEED (one per connection)"
	else
		N=$((HARD - 1024))
		log "hard descriptor limit $HARD and not raisable: trying $N connections"
		NEED=$HARD
	fi
fi
ulimit -Sn "$NEED"
log "$N connections"

bg_app() {
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET" "$@"
}

# kib PID: resident memory (VmRSS) of PID in KiB
kib() { awk '/^VmRSS/ { print $2 }' /proc/"$1"/status 2>/dev/null || echo 0; }
# shmkib: KiB of the aether memfds resident (counted once, from aetherd's maps)
shmkib() { awk '/^[0-9a-f]+-[0-9a-f]+ / { m = ($0 ~ /memfd:aether-sock/) }
	m && /^Rss:/ { s += $2 } END { print s + 0 }' /proc/"$AETHERD_PID"/smaps 2>/dev/null; }

# the default --max-memory holds these; the default --max-sockets (16384) not
# always
MS=""
[ "$N" -gt 16000 ] && MS="--max-sockets $((N + 64))"
if ! AETHERD_ARGS="${AETHERD_ARGS:-} $MS" lab_up || ! ns_add "$APPNS"; then
	check "lab up" false
	finish; exit 1
fi
grep 'connections' "$WORK/aetherd.log" | sed 's/^/# /'

bg_app "$PY" "$SE" server 7600 >"$WORK/server.log" 2>&1
SPID=${PIDS[-1]}
check "echo server listening" wait_for 10 grep -q listening "$WORK/server.log"
D0=$(kib "$AETHERD_PID"); S0=$(kib "$SPID")

CTL=$WORK/ctl
bg nsx "$PY" "$SE" client 192.168.1.2 7600 "$N" "$CTL" 2>"$WORK/client.err"
got() { [ "$(grep -c "^$1 " "$CTL" 2>/dev/null)" -ge "$2" ]; }
line() { grep "^$1 " "$CTL" | sed -n "${2}p"; }
field() { echo "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k { print $2 }'; }

ipc() { "$B/aether" stats | awk -v k="ipc.$1" '$1 == k { v = $2 } END { print (v == "" ? -1 : v) }'; }
# tap.host_tx_dropped: frames the host's end of the TAP could not queue
hostdrops() { "$B/aether" stats | awk '$1 == "tap.host_tx_dropped" { v = $2 } END { print (v == "" ? -1 : v) }'; }
HD0=$(hostdrops)
log "host side of the TAP: txqueuelen $(nsx cat /sys/class/net/aether0/tx_queue_len 2>/dev/null), $HD0 frames dropped so far"
# anon KiB of aetherd (its heap: sockets, connections), the rings apart
anon() { awk '/^RssAnon/ { print $2 }' /proc/"$1"/status 2>/dev/null || echo 0; }
A0=$(anon "$AETHERD_PID")
wait_for $((N / 50 + 60)) got connect 1 || sed 's/^/# client: /' "$WORK/client.err" | tail -5
C=$(line connect 1)
log "client: $C"
check "all $N connections established, none retried" \
	test "$(field "$C" ok)" = "$N" -a "$(field "$C" retried)" = 0
HD1=$(hostdrops)
log "host side of the TAP dropped $((HD1 - HD0)) frames in the burst"
check "the host side of the TAP dropped no frame in the burst" \
	test "$HD0" -ge 0 -a "$HD1" = "$HD0"
# before any data: aetherd's heap and the shared memory, per connection
sleep 2
A1=$(anon "$AETHERD_PID"); SH0=$(shmkib)
log "before data: aetherd heap $(((A1 - A0) * 1024 / N)) + shared memory $((SH0 * 1024 / N)) bytes per connection"
touch "$CTL.first"
wait_for $((N / 50 + 60)) got echo 1 || sed 's/^/# client: /' "$WORK/client.err" | tail -5
E=$(line echo 1)
log "client: $E"
check "all $N echo, none reset" test "$(field "$E" ok)" = "$N"

# idle: memory and wake-ups (after the echoes' delayed ACKs are out)
sleep 2
D1=$(kib "$AETHERD_PID"); S1=$(kib "$SPID"); SH=$(shmkib)
WD=$(wakeups "$AETHERD_PID"); WS=$(wakeups "$SPID")
sleep "$IDLE_S"
WD=$(($(wakeups "$AETHERD_PID") - WD)); WS=$(($(wakeups "$SPID") - WS))
log "idle $IDLE_S s with $N connections: aetherd $WD wake-ups, server $WS"
log "aetherd RSS $D0 -> $D1 KiB: $(((D1 - D0) * 1024 / N)) bytes per connection"
log "server RSS $S0 -> $S1 KiB: $(((S1 - S0) * 1024 / N)) bytes per connection"
log "shared ring memory resident: $SH KiB: $((SH * 1024 / N)) bytes per connection"
log "after one echo: aetherd heap $((($(anon "$AETHERD_PID") - A0) * 1024 / N)) + shared memory $((SH * 1024 / N)) bytes per connection"
log "aetherd descriptors: $(ls /proc/"$AETHERD_PID"/fd | wc -l)"
# idle_zero PID N: PID still runs and took N = 0 wake-ups (a dead process
# reads 0 wake-ups too, which must not pass)
idle_zero() { [ -d /proc/"$1" ] && [ "$2" -eq 0 ]; }
check "idle: aetherd (alive) takes no wake-ups" idle_zero "$AETHERD_PID" "$WD"
check "idle: the server (alive) takes no wake-ups" idle_zero "$SPID" "$WS"

touch "$CTL.echo"
wait_for $((N / 50 + 60)) got echo 2 || { cat "$CTL"; tail -5 "$WORK/client.err"; } | sed 's/^/# client: /'
E=$(line echo 2)
log "client after idling: $E"
check "after idling, all $N echo again, none reset" test "$(field "$E" ok)" = "$N"

ENB=$(ipc enobufs); EMF=$(ipc emfile)
log "aetherd ipc.enobufs $ENB, ipc.emfile $EMF"
check "aetherd: no ENOBUFS, no EMFILE" test "$ENB" = 0 -a "$EMF" = 0

touch "$CTL.close"
wait_for 60 got close 1
gone() { test "$($B/aether ss 2>/dev/null | grep -c ESTAB)" -eq 0; }
wait_for 60 gone
sleep 2
D2=$(kib "$AETHERD_PID")
log "aetherd RSS after close: $D2 KiB (before $D0, open $D1)"
check "aetherd memory returns after close" \
	test $((D2 - D0)) -le $(((D1 - D0) / 4 + 4096))
finish

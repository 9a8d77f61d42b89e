#!/bin/bash
# aetherd restarts under running programs, which recover by themselves
# (issue 17, preload/reconnect.c). A preloaded python http.server (poll),
# nginx (master + 2 workers, epoll), an epoll server with a TCP listener and
# a bound UDP socket registered once, and a client with an established
# connection to a kernel echo server run on Aether. aetherd is stopped
# (SIGTERM) and started again with the same options, ROUNDS times. Each
# time: every server serves again within 1 s of the new aetherd's start,
# without being touched (same PIDs, no restart); the epoll server's UDP
# socket echoes again; the client sees ECONNRESET on its blocked recv, new
# sockets fail with ENETDOWN while no daemon is there, and it connects again.
# With AETHER_RECONNECT=off a server stays down (today's behaviour).
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
WWW=$TOP/examples/www
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPS=$TOP/tests/integration/restart_apps.py
APPNS=${NS}app
ROUNDS=${ROUNDS:-3}
MAXSECS=${MAXSECS:-1.0}

bg_app() {
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET" "$@"
}

start_aetherd() {
	bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 \
		>>"$WORK/aetherd.log" 2>&1
	AETHERD_PID=${PIDS[-1]}
}

get() {	# get PORT: one HTTP GET to 192.168.1.2:PORT, body on stdout
	nsx curl -s -f --max-time 0.5 "http://192.168.1.2:$1/${2:-}"
}
served() { get "$1" "${2:-}" >/dev/null; }
not_served() { ! served "$@"; }
udp_echo() {
	nsx "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
s.sendto(b"ping", ("192.168.1.2", 8083))
sys.exit(0 if s.recv(10) == b"ping" else 1)'
}

# all_back [CMD...]: probe every service from the kernel side (restart_apps.py
# probe, every 20 ms, at most 6 s), running CMD once the probe runs;
# BACK_<name> is the seconds from the moment the daemon's socket was there
# to the first answer (empty: never), PUBLISHED the seconds from CMD to then
all_back() {
	local n t sock pid
	rm -f "$WORK/probe.log"	# its "probing" must be the new probe's
	nsx "$PY" "$APPS" probe "$AETHER_SOCKET" 6 http=8080/hello.html \
		nginx=8081/hello.html epoll=8082/ udp=8083 exec=8086/ \
		udpexec=8087 accept1=8088/ accept3=8089/ >"$WORK/probe.log" 2>&1 &
	pid=$!
	wait_for 5 grep -q '^probing' "$WORK/probe.log"
	"$@"
	wait "$pid"
	sock=$(awk '$1 == "socket" { print $2 }' "$WORK/probe.log")
	PUBLISHED=${sock:-never}
	for n in http nginx epoll udp exec udpexec accept1 accept3; do
		t=$(awk -v n=$n '$1 == "back" && $2 == n { print $3 }' "$WORK/probe.log")
		[ -n "$sock" ] && [ -n "$t" ] && [ "$t" != never ] &&
			t=$(echo "$t - $sock" | bc -l | sed 's/^\./0./')
		[ "$t" = never ] && t=
		printf -v "BACK_$n" '%s' "$t"
	done
	[ -n "$BACK_http" ] && [ -n "$BACK_nginx" ] && [ -n "$BACK_epoll" ] &&
		[ -n "$BACK_udp" ] && [ -n "$BACK_exec" ] && [ -n "$BACK_udpexec" ] &&
		[ -n "$BACK_accept1" ] && [ -n "$BACK_accept3" ]
}
# within T: T (seconds from the socket's publication) plus PUBLISHED (from
# aetherd's launch to it) is at most MAXSECS
within() {
	[ -n "$1" ] && [ "$PUBLISHED" != never ] &&
		[ "$(echo "$PUBLISHED + $1 <= $MAXSECS" | bc -l)" = 1 ]
}
alive() { kill -0 "$1" 2>/dev/null; }
# switches PID: voluntary context switches of PID's threads so far
switches() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'
}
pings() { nsx ping -c1 -W1 192.168.1.2 >/dev/null 2>&1; }

if ! lab_up || ! ns_add "$APPNS"; then
	check "lab up" false
	finish; exit 1
fi

# a kernel echo server in the lab namespace, for the client
bg nsx "$PY" -c '
import socket, threading
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("192.168.1.1", 9000)); ls.listen(8)
def echo(c):
    while True:
        d = c.recv(100)
        if not d: break
        c.sendall(d)
while True:
    threading.Thread(target=echo, args=(ls.accept()[0],), daemon=True).start()'

bg_app "$PY" -m http.server 8080 --directory "$WWW" >"$WORK/http.log" 2>&1
HTTP_PID=${PIDS[-1]}
nginx_conf "$WWW" 8081 64
bg_app nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.log" 2>&1
NGPID=${PIDS[-1]}
bg_app "$PY" "$APPS" epoll 8082 8083 >"$WORK/epoll.log" 2>&1
EPPID=${PIDS[-1]}
# blocking accept(): one thread alone, and 3 threads on one listener
bg_app "$PY" "$APPS" accept 8088 1 >"$WORK/accept1.log" 2>&1
AC1PID=${PIDS[-1]}
bg_app "$PY" "$APPS" accept 8089 3 >"$WORK/accept3.log" 2>&1
AC3PID=${PIDS[-1]}
# the same, after an exec that inherited both sockets
bg_app "$PY" "$APPS" exec 8086 8087 >"$WORK/exec.log" 2>&1
EXPID=${PIDS[-1]}
# a server with reconnection off: stays down after the restart
bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	AETHER_RECONNECT=off "$PY" -m http.server 8084 --directory "$WWW" \
	>"$WORK/off.log" 2>&1
OFF_PID=${PIDS[-1]}

check "all servers serve before the restart" wait_for 20 all_back
check "the AETHER_RECONNECT=off server serves before" \
	wait_for 10 served 8084 hello.html

for ((round = 1; round <= ROUNDS; round++)); do
	: >"$WORK/client.log"
	bg_app "$PY" "$APPS" client 192.168.1.1 9000 >"$WORK/client.log" 2>&1
	CLPID=${PIDS[-1]}
	check "round $round: client connected" \
		wait_for 10 grep -q '^connected$' "$WORK/client.log"

	stop_aetherd >/dev/null
	check "round $round: the blocked recv of the client gets ECONNRESET" \
		wait_for 3 grep -q '^recv errno 104$' "$WORK/client.log"
	check "round $round: once: its next recv reads EOF" \
		wait_for 3 grep -q '^recv2 eof$' "$WORK/client.log"
	check "round $round: while no daemon, new sockets fail with ENETDOWN" \
		wait_for 3 grep -q '^socket errno 100$' "$WORK/client.log"
	sleep 0.5	# the programs sit with no daemon for a while
	CS0=$(switches "$AC1PID")
	sleep 1
	CS1=$(switches "$AC1PID")
	log "round $round: a single-threaded accept() on a dead listener: $((CS1 - CS0)) wake-ups in 1 s"
	check "round $round: ... which sleeps without waking (at most 1 wake-up in 1 s)" \
		test $((CS1 - CS0)) -le 1
	check "round $round: no server serves without a daemon" \
		not_served 8080 hello.html

	rm -f "$AETHER_SOCKET"	# SIGTERM removed it; be sure
	all_back start_aetherd
	log "round $round: aetherd published its socket $PUBLISHED s after launch; back after http.server ${BACK_http:-never} s, nginx ${BACK_nginx:-never} s, epoll ${BACK_epoll:-never} s, epoll UDP ${BACK_udp:-never} s, after exec ${BACK_exec:-never} s and UDP ${BACK_udpexec:-never} s, blocked accept ${BACK_accept1:-never} s, 3 threads ${BACK_accept3:-never} s"
	check "round $round: python http.server serves within ${MAXSECS} s of the launch" within "$BACK_http"
	check "round $round: nginx serves within ${MAXSECS} s of the launch" within "$BACK_nginx" ||
		tail -5 "$WORK/nginx/error.log" | sed 's/^/#   /' 
	check "round $round: the epoll server serves within ${MAXSECS} s of the launch" within "$BACK_epoll"
	check "round $round: the epoll server's UDP socket echoes within ${MAXSECS} s of the launch" within "$BACK_udp"
	check "round $round: the epoll server after exec serves within ${MAXSECS} s of the launch" within "$BACK_exec"
	check "round $round: and its inherited UDP socket echoes within ${MAXSECS} s of the launch" within "$BACK_udpexec"
	check "round $round: a thread blocked in accept() serves within ${MAXSECS} s of the launch" within "$BACK_accept1"
	check "round $round: 3 threads blocked in accept() on one listener serve within ${MAXSECS} s of the launch" within "$BACK_accept3"
	check "round $round: hello.html intact from http.server" \
		bash -c "$(declare -f get nsx); NS=$NS; get 8080 hello.html | cmp -s - '$WWW/hello.html'"
	check "round $round: the client connected again" \
		wait_for 5 grep -q '^reconnected' "$WORK/client.log"
	log "round $round client: $(paste -sd' ' "$WORK/client.log")"
	check "round $round: same server processes (none restarted)" \
		eval 'alive $HTTP_PID && alive $NGPID && alive $EPPID && alive $EXPID &&
		      alive $AC1PID && alive $AC3PID'
	wait "$CLPID" 2>/dev/null
done

# a listener that will find its port taken when it next looks (below)
bg_app "$PY" "$APPS" late 8090 "$WORK/late.flag" >"$WORK/late.log" 2>&1
check "a listener that sleeps without waiting on it runs" \
	wait_for 10 grep -q '^listening$' "$WORK/late.log"

# --- SIGTERM with connections open: closed as the kernel would -------------
bg_app "$PY" "$APPS" hold 8085 >"$WORK/hold.log" 2>&1
check "a holding server runs" wait_for 10 grep -q '^holding$' "$WORK/hold.log"
bg nsx "$PY" "$APPS" peer 8085 >"$WORK/peer.log" 2>&1
PEERPID=${PIDS[-1]}
check "the peer opened its three connections" \
	wait_for 10 grep -q '^opened$' "$WORK/peer.log"
sleep 0.3
T0=$SECONDS
stop_wait "$AETHERD_PID"
STOP_RC=$?
wait "$PEERPID" 2>/dev/null
log "SIGTERM took $((SECONDS - T0)) s; peer: $(paste -sd' ' "$WORK/peer.log")"
log "aetherd: $(tail -3 "$WORK/aetherd.log" | paste -sd' ')"
check "SIGTERM: aetherd exits 0" test "$STOP_RC" = 0
check "every frame aetherd sent so far was taken by the TAP (no 'writing to tap' error)" \
	eval '! grep -q "writing to tap" "$WORK/aetherd.log"' ||
	grep 'writing to tap' "$WORK/aetherd.log" | sed 's/^/#   /'
check "SIGTERM: an idle connection gets a FIN (EOF)" \
	grep -q '^idle eof' "$WORK/peer.log"
check "SIGTERM: a connection with unread data gets an RST (ECONNRESET)" \
	grep -q '^unread errno 104' "$WORK/peer.log"
check "SIGTERM: a peer that does not close reads EOF, then an RST within 3 s" \
	awk '$1 == "stays" && $2 == "eof" { e = 1 }
	     $1 == "stays" && $2 == "reset" && $3 <= 3 { r = 1 }
	     END { exit !(e && r) }' "$WORK/peer.log"
check "SIGTERM: aetherd says it reset the one connection left" \
	grep -q '1 connection not closed after 2000 ms: reset' "$WORK/aetherd.log"

check "nginx workers still 2, serving from both (PIDs in error log unchanged)" \
	test "$(ps -o pid= --ppid "$NGPID" | wc -l)" -eq 2
check "the epoll server met at most one accept error per daemon stop" \
	test "$(grep -c '^accept errno' "$WORK/epoll.log")" -le $((ROUNDS + 1))
check "AETHER_RECONNECT=off: that server stays down after the restart" \
	not_served 8084 hello.html
check "AETHER_RECONNECT=off: but its process is alive" alive "$OFF_PID"

# --- the TAP under a running daemon; SIGHUP ----------------------------------
start_aetherd_pcap() {
	bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 \
		--pcap "$WORK/cap.pcap" >>"$WORK/aetherd.log" 2>&1
	AETHERD_PID=${PIDS[-1]}
}
: >"$WORK/aetherd.log"
start_aetherd_pcap
check "aetherd with --pcap answers" wait_for 5 pings
mv "$WORK/cap.pcap" "$WORK/cap.pcap.1"
kill -HUP "$AETHERD_PID"
check "SIGHUP: one line, the capture starts afresh at its path" \
	wait_for 3 grep -q "SIGHUP: capture $WORK/cap.pcap started afresh" "$WORK/aetherd.log"
pings
check "SIGHUP: the new capture has frames, the rotated one too" \
	eval 'nsx tshark -r "$WORK/cap.pcap" 2>/dev/null | grep -q ICMP &&
	      nsx tshark -r "$WORK/cap.pcap.1" 2>/dev/null | grep -q ICMP'
# the sleeping listener's port is taken by another program meanwhile
bg_app "$PY" -m http.server 8090 --directory "$WWW" >"$WORK/taker.log" 2>&1
check "another program serves the sleeping listener's port 8090" \
	wait_for 10 served 8090 hello.html
touch "$WORK/late.flag"
check "the listener then cannot be re-created: one line saying so, accept fails ENETDOWN" \
	eval 'wait_for 5 grep -q "^accept errno 100$" "$WORK/late.log" &&
	      grep -q "cannot re-create fd [0-9]* (port 8090) after aetherd restarted: Address already in use; it stays down" "$WORK/late.log"'
check "... and port 8090 is still the other program's" served 8090 hello.html
log "late listener: $(paste -sd' ' "$WORK/late.log")"
nsx ip link set aether0 down
check "TAP set down: one line saying so, aetherd waits" \
	wait_for 3 grep -q 'tap aether0 was set down: .*waiting' "$WORK/aetherd.log"
sleep 0.3
check "TAP set down: aetherd still runs" alive "$AETHERD_PID"
nsx ip link set aether0 up
nsx ip addr replace 192.168.1.1/24 dev aether0
check "TAP up again: one line, and aetherd answers again" \
	eval 'wait_for 3 grep -q "tap aether0 is up again" "$WORK/aetherd.log" &&
	      wait_for 5 pings'
check "TAP up again: the python http.server still serves" \
	wait_for 5 served 8080 hello.html
nsx ip link del aether0
check "TAP deleted: one line, aetherd exits with status 1" \
	eval 'wait_for 3 grep -q "tap aether0 .*; stopping with status 1" "$WORK/aetherd.log" &&
	      { wait "$AETHERD_PID"; test $? = 1; }'
sed -n '2,$p' "$WORK/aetherd.log" | sed 's/^/# aetherd: /'

finish

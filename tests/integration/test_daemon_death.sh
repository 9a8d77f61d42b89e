#!/bin/bash
# aetherd dies under running programs: nothing may spin, nothing may hang.
# nginx (2 workers, epoll) and python selector servers (epoll, poll, select,
# and epoll after an exec that inherited the listener) serve on Aether, each
# with an idle connection open; a python client
# has threads blocked in accept, recv, send, poll, epoll and select. Then
# aetherd is killed (SIGKILL, by PID). The servers must then use little CPU
# (sampled from /proc/PID/stat over 2 s: a listener whose daemon is gone must
# not be reported ready forever), log a bounded number of accept errors, and
# still exit on SIGQUIT/SIGTERM; every blocked call must return promptly with
# the kernel's errno (ECONNRESET on read, EPIPE on write, ENETDOWN once on a
# listener, then never ready again).
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
WWW=$TOP/examples/www
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPNS=${NS}app
HZ=$(getconf CLK_TCK)
MAXCPU=${MAXCPU:-10}	# percent of one core, per program

bg_app() {
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET" "$@"
}

# gone PID SECONDS: true once PID has exited (reaped or zombie) within SECONDS
gone() {
	local i st
	for ((i = 0; i < $2 * 20; i++)); do
		st=$(awk '{ sub(/.*\) /, ""); print $1 }' /proc/"$1"/stat 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.05
	done
	return 1
}

# ticks PID...: utime+stime of the PIDs and their children, in clock ticks
ticks() {
	local p t=0 kids
	for p in "$@"; do
		kids=$(ps -o pid= --ppid "$p" 2>/dev/null)
		for p in $p $kids; do
			t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' \
				/proc/"$p"/stat 2>/dev/null || echo 0)))
		done
	done
	echo "$t"
}

# cpu_pct SECONDS PID...: CPU percent of one core used by PID (+children)
cpu_pct() {
	local s=$1 t0 t1; shift
	t0=$(ticks "$@")
	sleep "$s"
	t1=$(ticks "$@")
	echo $(((t1 - t0) * 100 / (HZ * s)))
}

# low_cpu NAME PID...: sample 2 s, log the value, true if below MAXCPU
low_cpu() {
	local name=$1 pct; shift
	pct=$(cpu_pct 2 "$@")
	log "$name: ${pct}% of one core over 2 s after aetherd died"
	[ "$pct" -lt "$MAXCPU" ]
}

if ! lab_up || ! ns_add "$APPNS"; then
	check "lab up" false
	finish; exit 1
fi

# --- servers on Aether -------------------------------------------------------
nginx_conf "$WWW" 8081 64
bg_app nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.log" 2>&1
NGPID=${PIDS[-1]}

# a selectors server: accept, answer one request, print errors it meets.
# "selsrv.py SELECTOR PORT exec": listen, then exec itself with the listener
# inherited (the shim must know it is a listener after exec)
cat >"$WORK/selsrv.py" <<'PY'
import os, selectors, socket, sys
sel = getattr(selectors, sys.argv[1])()
if sys.argv[2].startswith("fd="):
    ls = socket.socket(fileno=int(sys.argv[2][3:]))
else:
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", int(sys.argv[2])))
    ls.listen(16)
    if sys.argv[3:] == ["exec"]:
        os.set_inheritable(ls.fileno(), True)
        os.execv(sys.executable, [sys.executable, sys.argv[0], sys.argv[1],
                                  "fd=%d" % ls.fileno()])
ls.setblocking(False)
sel.register(ls, selectors.EVENT_READ)
while True:
    for key, ev in sel.select():
        s = key.fileobj
        if s is ls:
            try:
                c, _ = ls.accept()
            except BlockingIOError:
                continue
            except OSError as e:
                print("accept errno", e.errno, flush=True)
                continue
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ)
            continue
        try:
            d = s.recv(4096)
        except BlockingIOError:
            continue
        except OSError as e:
            print("recv errno", e.errno, flush=True)
            d = b""
        if d and b"\r\n\r\n" in d:
            try:
                s.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nhi\n")
            except OSError as e:
                print("send errno", e.errno, flush=True)
        if not d or b"\r\n\r\n" in d:
            sel.unregister(s)
            s.close()
PY
declare -A SRV
for sp in EpollSelector:9001 PollSelector:9002 SelectSelector:9003; do
	bg_app "$PY" "$WORK/selsrv.py" "${sp%%:*}" "${sp#*:}" >"$WORK/${sp%%:*}.log" 2>&1
	SRV[${sp%%:*}]=${PIDS[-1]}
done
bg_app "$PY" "$WORK/selsrv.py" EpollSelector 9004 exec >"$WORK/Exec.log" 2>&1
SRV[Exec]=${PIDS[-1]}
SERVERS="EpollSelector PollSelector SelectSelector Exec"
# a UDP echo server in an epoll loop
bg_app "$PY" -c '
import selectors, socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("0.0.0.0", 9005)); u.setblocking(False)
sel = selectors.EpollSelector(); sel.register(u, selectors.EVENT_READ)
while True:
    for key, ev in sel.select():
        try:
            d, a = u.recvfrom(2048)
            u.sendto(d, a)
        except BlockingIOError:
            pass
        except OSError as e:
            print("recv errno", e.errno, flush=True)
' >"$WORK/udp.log" 2>&1
UDPPID=${PIDS[-1]}

serves() {
	[ "$(nsx curl -s --max-time 5 "http://192.168.1.2:$1/$2")" = "$3" ]
}
hello=$(cat "$WWW/hello.html")
check "nginx serves hello.html on Aether" wait_for 15 serves 8081 hello.html "$hello"
for sp in EpollSelector:9001 PollSelector:9002 SelectSelector:9003 Exec:9004; do
	check "python ${sp%%:*} server answers on Aether" wait_for 15 serves "${sp#*:}" x hi
done

udp_echo() {
	[ "$(nsx "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
s.sendto(b"ping", ("192.168.1.2", 9005)); print(s.recv(10).decode())')" = ping ]
}
check "python UDP epoll server echoes on Aether" wait_for 15 udp_echo

# an idle connection to each server: a connected socket in its set at death
for port in 8081 9001 9002 9003 9004; do
	bg nsx bash -c "exec 3<>/dev/tcp/192.168.1.2/$port && exec sleep 60"
done

# kernel-side peers of the client (one process, so cleanup stops it all):
# 7777 reads and discards, 7778 accepts and never reads
bg nsx "$PY" -c '
import socket, threading, time
def sink(c):
    while c.recv(65536):
        pass
def serve(port, read):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("192.168.1.1", port)); s.listen(8)
    while True:
        c, _ = s.accept()
        if read:
            threading.Thread(target=sink, args=(c,), daemon=True).start()
        else:
            held.append(c)
held = []
threading.Thread(target=serve, args=(7778, False), daemon=True).start()
threading.Thread(target=serve, args=(7777, True), daemon=True).start()
time.sleep(120)'
sleep 0.5
bg_app "$PY" "$TOP/tests/integration/death_client.py" "$AETHERD_PID" >"$WORK/client.out" 2>&1
CLPID=${PIDS[-1]}
check "client: threads blocked in accept/recv/send/poll/epoll/select" \
	wait_for 15 grep -q '^ready$' "$WORK/client.out"

# before the death the servers idle (the measurement itself is sane)
pct=$(cpu_pct 1 "$NGPID" "${SRV[@]}")
log "all servers before the death: ${pct}% of one core"
check "servers idle before the death (< ${MAXCPU}%)" test "$pct" -lt "$MAXCPU"

# --- the death ---------------------------------------------------------------
kill -9 "$AETHERD_PID"
wait "$AETHERD_PID" 2>/dev/null
sleep 0.5

check "nginx uses < ${MAXCPU}% CPU after aetherd died" low_cpu nginx "$NGPID"
for s in $SERVERS; do
	check "python $s server uses < ${MAXCPU}% CPU after aetherd died" \
		low_cpu "$s" "${SRV[$s]}"
done

check "python UDP epoll server uses < ${MAXCPU}% CPU after aetherd died" \
	low_cpu UDP "$UDPPID"
n=$(grep -c '^recv errno' "$WORK/udp.log")
log "UDP: $n receive errors: $(sort "$WORK/udp.log" | uniq -c | tr '\n' ' ')"
check "python UDP server: one receive error (ENETDOWN), then quiet" \
	bash -c "[ $n = 1 ] && grep -q '^recv errno 100$' $WORK/udp.log"

# each process reports the listener's error at most once per worker
naccept=$(grep -Ec 'accept4?\(\) failed' "$WORK/nginx/error.log")
log "nginx error.log: $naccept 'accept() failed' lines"
check "nginx logs at most one accept error per worker" test "$naccept" -le 2
for s in $SERVERS; do
	n=$(grep -c '^accept errno' "$WORK/$s.log")
	log "$s: $n accept errors: $(sort "$WORK/$s.log" | uniq -c | tr '\n' ' ')"
	check "python $s: at most one accept error" test "$n" -le 1
	check "python $s: the idle connection reads ECONNRESET" \
		grep -q '^recv errno 104$' "$WORK/$s.log"
done

# --- the blocked calls ----------------------------------------------------------
check "client finished" gone "$CLPID" 10
sed 's/^/# /' "$WORK/client.out"
# line NAME RESULT MIN MAX: the client's line for NAME shows RESULT, and the
# call returned between MIN and MAX ms after the death (or after its start)
line() {
	awk -v n="$1" -v r="$2" -v lo="$3" -v hi="$4" '
		$1 == n { sub(/^[^ ]+ /, ""); ms = $NF; sub(/ [^ ]+$/, "");
			  if ($0 == r && ms >= lo && ms <= hi) ok = 1 }
		END { exit !ok }' "$WORK/client.out"
}
check "blocked accept returns ENETDOWN within 2 s" line accept "errno 100" -1000 2000
check "blocked recv returns ECONNRESET within 2 s" line recv "errno 104" -1000 2000
check "blocked send returns EPIPE within 2 s" line send "errno 32" -1000 2000
check "blocked poll on a connection: POLLIN|POLLERR|POLLHUP within 2 s" \
	line poll "ok 25" -1000 2000
check "blocked epoll (EPOLLET) on a connection: IN|ERR|HUP once, then quiet 300 ms" \
	bash -c "grep -Eq '^epoll_et ok \(25, 0, (2[5-9][0-9]|3[0-9][0-9])\) -?[0-9]+$' $WORK/client.out"
check "blocked select on a listener wakes within 2 s" line select_listener "ok 1" -1000 2000
check "that listener's accept then fails with ENETDOWN" line select_listener_accept "errno 100" 0 100
check "then non-blocking accept: EAGAIN at once" line accept_nonblock "errno 11" 0 100
check "blocking accept waits for SO_RCVTIMEO (300 ms), EAGAIN" line accept_rcvtimeo "errno 11" 250 1000
check "poll on dead listeners: nothing, after the 300 ms timeout" line poll_listener "ok 0" 250 1000
check "select on dead listeners: nothing, after the 300 ms timeout" line select_listeners "ok 0" 250 1000
check "epoll on dead listeners: nothing, after the 300 ms timeout" line epoll_listener "ok 0" 250 1000
check "an untouched dead listener polls POLLIN|POLLERR" line poll_listener3 "ok 9" 0 100
check "its SO_ERROR is ENETDOWN (getsockopt succeeds)" line so_error_listener "ok 100" 0 100
check "then it polls nothing, after the 300 ms timeout" line poll_listener3_after "ok 0" 250 1000
check "SO_ERROR of a reset connection: ECONNRESET, then 0" line so_error_conn "ok (104, 0)" 0 100
check "recv again on a reset connection: EOF (Linux: the reset is read once)" \
	line recv_after "ok b''" 0 100
check "send on a reset connection: EPIPE" line send_after "errno 32" 0 100
check "new socket: ENETDOWN" line socket_new "errno 100" 0 100
check "UDP send: ENETDOWN (no EPIPE)" line udp_send "errno 100" 0 100
check "UDP receive: ENETDOWN once" line udp_recv "errno 100" 0 100
check "UDP receive again: EAGAIN" line udp_recv_again "errno 11" 0 100
check "poll on a dead UDP socket: nothing, after the 300 ms timeout" line udp_poll "ok 0" 250 1000
cpu=$(awk '$1 == "cpu_after" { print $2 }' "$WORK/client.out")
check "client used < ${MAXCPU}% CPU in its after-death calls" test "${cpu:-100}" -lt "$MAXCPU"

# --- and the programs still stop ------------------------------------------------
kill -QUIT "$NGPID"
check "nginx exits on SIGQUIT (graceful) within 5 s" gone "$NGPID" 5
kill -TERM "$UDPPID"
check "python UDP server exits on SIGTERM within 3 s" gone "$UDPPID" 3
for s in $SERVERS; do
	kill -TERM "${SRV[$s]}"
	check "python $s server exits on SIGTERM within 3 s" gone "${SRV[$s]}" 3
done
[ -s "$WORK/nginx/error.log" ] && grep -v ' \[notice\] ' "$WORK/nginx/error.log" | tail -5 | sed 's/^/# nginx: /'

finish

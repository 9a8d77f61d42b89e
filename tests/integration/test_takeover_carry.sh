#!/bin/bash
# Live upgrade of what test_takeover.sh does not use: a daemon whose link
# is impaired (--impair: frames held in delay lines, a seeded PRNG) and
# whose sockets use BBR (--congestion bbr: a bandwidth and RTT model). A
# rate-limited download from a preloaded server spans ROUNDS takeovers
# (3, about 2 s apart; the download takes about 16 s), each new daemon started with the same options: it arrives
# sha256-identical, each old daemon exits 0, the connection still uses BBR
# after the last one (aether ss -i), and the counters of the impaired link
# went on (held and delayed frames were released by the successors: none
# lost, since the download is intact and no RST was counted). A new daemon
# given another --impair is refused, saying why, and the old one serves on.
# systemd's notify protocol, as dist/aetherd.service uses it (Type=notify,
# ExecReload=aether upgrade), read from a stand-in for $NOTIFY_SOCKET: the
# first daemon says READY=1, each old daemon names its successor
# (MAINPID=NEW) before it exits, each new one says READY=1.
# An edge-triggered epoll server (EPOLLET, as nginx) keeps its edges: a
# connection that sent one line before the takeovers sends one after each,
# and each is echoed.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPNS=${NS}app
ROUNDS=${ROUNDS:-3}
SPEC="delay=2ms,jitter=1ms,loss=0.2%,seed=7"
DARGS=(--tap aether0 --addr 192.168.1.2/24 --congestion bbr --impair "$SPEC")
AETHERD_ARGS="--congestion bbr --impair $SPEC"

# the stand-in for systemd: "PID MESSAGE" per datagram (SO_PASSCRED)
NOTIFY_SOCKET=$WORK/notify.sock
export NOTIFY_SOCKET
bg "$PY" -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
open(sys.argv[2], "a").close()
while True:
    m, anc, _, _ = s.recvmsg(256, socket.CMSG_SPACE(12))
    pid = struct.unpack("iII", anc[0][2])[0] if anc else 0
    with open(sys.argv[2], "a") as f:
        f.write("%d %s\n" % (pid, m.decode().replace("\n", " ")))
' "$NOTIFY_SOCKET" "$WORK/notified"
wait_for 5 test -e "$WORK/notified"

lab_up || { echo "0 passed, 1 failed"; exit 1; }
ns_add "$APPNS"
mkdir -p "$WORK/www"
head -c $((32 << 20)) /dev/urandom >"$WORK/www/blob"
echo hello >"$WORK/www/hello.html"
SHA=$(sha "$WORK/www/blob")
bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	"$PY" -m http.server --directory "$WORK/www" 8080 >"$WORK/server.log" 2>&1
# an EPOLLET echo server: the listener and every connection edge-triggered
bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
	"$PY" -c '
import select, socket
l = socket.socket(); l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", 8091)); l.listen(8); l.setblocking(False)
ep = select.epoll(); ep.register(l, select.EPOLLIN | select.EPOLLET)
cs = {}
while True:
    for fd, ev in ep.poll(60):
        if fd == l.fileno():
            while True:
                try:
                    c, _ = l.accept()
                except BlockingIOError:
                    break
                c.setblocking(False); cs[c.fileno()] = c
                ep.register(c, select.EPOLLIN | select.EPOLLET)
            continue
        c = cs[fd]
        while True:
            try:
                d = c.recv(4096)
            except BlockingIOError:
                break
            if not d:
                ep.unregister(fd); c.close(); del cs[fd]; break
            c.sendall(d)
' >"$WORK/et.log" 2>&1
hello() { nsx curl -sf --max-time 3 "http://192.168.1.2:8080/hello.html" | grep -qx hello; }
check server_up wait_for 30 hello

# another --impair: refused before anything is handed over
timeout 20 ip netns exec "$NS" "$B/aetherd" --takeover --tap aether0 \
	--addr 192.168.1.2/24 --congestion bbr --impair "delay=3ms,seed=7" \
	>"$WORK/refused.log" 2>&1
rc=$?
log "other --impair: exit $rc: $(tail -1 "$WORK/refused.log")"
check other_impair_refused test "$rc" -eq 1
check other_impair_says_why grep -q 'impairs its link otherwise' "$WORK/refused.log"
check old_daemon_serves_after_refusal hello

# a client of it: one line now, one after each takeover (file go.N says
# when: at most 60 s)
nsx "$PY" -c '
import os, socket, sys, time
s = socket.create_connection(("192.168.1.2", 8091), timeout=10)
ok = 0
n = int(sys.argv[2]) + 1
for i in range(n):
    end = time.time() + 60
    while i and not os.path.exists("%s.%d" % (sys.argv[1], i)) and time.time() < end:
        time.sleep(0.05)
    line = b"line %d\n" % i
    s.sendall(line)
    try:
        ok += s.recv(100) == line
    except OSError as e:
        print("line %d: %r" % (i, e), flush=True)
print("echoed %d of %d" % (ok, n), flush=True)
' "$WORK/go" "$ROUNDS" >"$WORK/et.out" 2>&1 &
ET=$!
kstat() { nsx nstat -asz "$1" | awk -v k="$1" '$1 == k { print $2 }'; }
RST0="$(kstat TcpOutRsts) $(kstat TcpEstabResets)"
nsx curl -sS --limit-rate 2000k --max-time 120 -o "$WORK/got" \
	"http://192.168.1.2:8080/blob" 2>"$WORK/curl.err" &
DL=$!
sleep 1.5
cur=$AETHERD_PID
chain="$cur READY=1"
bad=0
for i in $(seq "$ROUNDS"); do
	bg nsx "$B/aetherd" --takeover "${DARGS[@]}" >>"$WORK/aetherd.log" 2>&1
	new=${PIDS[-1]}
	chain="$chain|$cur MAINPID=$new|$new READY=1"
	for _ in $(seq 250); do kill -0 "$cur" 2>/dev/null || break; sleep 0.02; done
	if kill -0 "$cur" 2>/dev/null; then
		log "round $i: old aetherd $cur still runs"; bad=$((bad + 1)); break
	fi
	wait "$cur" || { log "round $i: old aetherd exited $?"; bad=$((bad + 1)); }
	cur=$new
	touch "$WORK/go.$i"
	sleep 1
done
AETHERD_PID=$cur
check "takeovers_${ROUNDS}_with_impair_and_bbr" test "$bad" -eq 0
# that each new daemon took over is in the notifications below (READY=1
# from it, MAINPID= of it from its predecessor): the log's lines are not
# counted, since the first daemon (lab_up) does not append to it and may
# write over a successor's line
# the download's connection (not closed yet: in FIN-WAIT-2 once the rest
# fits the peer's window) and, on the line after it, its congestion control
nsx "$B/aether" ss -i >"$WORK/ss" 2>&1
ss=$(grep -A1 -E '(ESTAB|FIN-WAIT|CLOSE-WAIT|LAST-ACK|CLOSING).*192.168.1.2:8080 ' \
	"$WORK/ss" | tr '\t\n' '  ')
[ -z "$ss" ] && sed 's/^/#   /' "$WORK/ss"
log "after the takeovers: $ss"
check bbr_after_takeovers grep -q bbr <<<"$ss"
wait_for 15 test -s "$WORK/et.out"
kill "$ET" 2>/dev/null
wait "$ET"
log "edge-triggered epoll server: $(cat "$WORK/et.out")"
check epollet_edges_after_takeovers grep -qx "echoed $((ROUNDS + 1)) of $((ROUNDS + 1))" "$WORK/et.out"
wait "$DL"
rc=$?
log "download: exit $rc $(cat "$WORK/curl.err")"
check download_sha256_identical test "$rc" -eq 0 -a "$(sha "$WORK/got")" = "$SHA"
RST1="$(kstat TcpOutRsts) $(kstat TcpEstabResets)"
check no_reset_by_the_kernel test "$RST0" = "$RST1"
aetherd_stats >"$WORK/stats"
log "last daemon: $(grep -E '^impair' "$WORK/stats" | tr '\n' ' ')"
check served_by_last_daemon hello
got=$(sed 's/ *$//' "$WORK/notified" | paste -sd'|')
log "systemd notifications: $got"
check notify_ready_then_mainpid_chain test "$got" = "$chain"
finish

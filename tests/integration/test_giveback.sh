#!/bin/bash
# The rx ring's drained pages come back once the data stops (issue 14,
# daemon/session_giveback.c). A preloaded receiver reads MIB MiB from a
# kernel sender and keeps the connection open; then:
#  - while the data streamed, the daemon punched (ipc.ring_punches) at most
#    a few times: giving pages back every 256 KiB made each page fault in
#    again on the next lap of the ring (a third of aetherd's time receiving);
#  - within a second of quiet, with the connection still open, the ring's
#    pages drained by the last pull were given back: ipc.ring_punches grew
#    (ipc.ring_resident_bytes is logged: what the shim read after its last
#    doorbell waits for the next pull, as before);
#  - then the daemon sleeps: at most 3 wake-ups in 2 s (the give-back
#    timer is armed only while a ring waits).
# Then a keep-alive exchange (ipc/shm.c, restarting): 300 requests of
# 1000 bytes, each echoed, on one connection, would walk 73 pages of each
# ring; since both rings restart when found empty, the rings' resident
# memory grows by at most the new connection's two pages (the header's,
# which holds the rx ring's first bytes, and the tx ring's first), with
# restarts counted and no punch needed.
. "$(dirname "$0")/lib.sh"

MIB=64

lab_up || { echo "FAIL lab"; exit 1; }
bg nsx env LD_PRELOAD="$B/libaether.so" python3 -c '
import socket, sys, time
want = int(sys.argv[1]) << 20
ls = socket.socket(); ls.bind(("0.0.0.0", 7100)); ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept(); n = 0
while n < want:
	b = c.recv(65536)
	if not b:
		break
	n += len(b)
print("got", n, flush=True)
time.sleep(60)' "$MIB" >"$WORK/rx.log" 2>&1
RX=${PIDS[-1]}
wait_for 10 grep -q listening "$WORK/rx.log" || { echo "FAIL receiver"; exit 1; }
p0=$(stat_of ipc.ring_punches)
bg nsx python3 -c '
import socket, sys, time
s = socket.create_connection(("192.168.1.2", 7100))
s.sendall(b"x" * (int(sys.argv[1]) << 20))
time.sleep(60)' "$MIB"
TX=${PIDS[-1]}
wait_for 60 grep -q '^got' "$WORK/rx.log"
p1=$(stat_of ipc.ring_punches)
log "$(cat "$WORK/rx.log" | tail -1); punches while streaming: $((p1 - p0))"
check "the receiver read $MIB MiB" grep -qx "got $((MIB << 20))" "$WORK/rx.log"
check "ring_punches counted" [ "$p0" -ge 0 ]
check "streaming: at most a few give-backs for $MIB MiB" [ "$((p1 - p0))" -le 4 ]
sleep 1
r=$(stat_of ipc.ring_resident_bytes)
p2=$(stat_of ipc.ring_punches)
log "after 1 s of quiet: ring_resident_bytes $r; punches since the data ended: $((p2 - p0))"
check "quiet, connection open: the drained pages were given back" [ "$p2" -gt "$p0" ]
a=$(wakeups "$AETHERD_PID")
sleep 2
w=$(($(wakeups "$AETHERD_PID") - a))
log "aetherd wake-ups in 2 s quiet: $w"
check "quiet: the give-back timer is not left armed" [ "$w" -le 3 ]
stop_pid "$TX"
stop_pid "$RX"

bg nsx env LD_PRELOAD="$B/libaether.so" python3 -c '
import socket, time
ls = socket.socket(); ls.bind(("0.0.0.0", 7101)); ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept()
while True:
	b = c.recv(65536)
	if not b:
		break
	c.sendall(b)
time.sleep(30)' >"$WORK/echo.log" 2>&1
ECHO=${PIDS[-1]}
wait_for 10 grep -q listening "$WORK/echo.log" || { echo "FAIL echo server"; exit 1; }
sleep 1
r0=$(stat_of ipc.ring_resident_bytes)
q0=$(stat_of ipc.ring_restarts)
p0=$(stat_of ipc.ring_punches)
bg nsx python3 -c '
import socket, time
s = socket.create_connection(("192.168.1.2", 7101))
for i in range(300):
	s.sendall(bytes([i % 251]) * 1000)
	n = 0
	while n < 1000:
		n += len(s.recv(1000 - n))
print("echoed", i + 1, flush=True)
time.sleep(30)' >"$WORK/kc.log" 2>&1
KC=${PIDS[-1]}
wait_for 30 grep -q echoed "$WORK/kc.log"
r1=$(stat_of ipc.ring_resident_bytes)
q1=$(stat_of ipc.ring_restarts)
p1=$(stat_of ipc.ring_punches)
log "keep-alive: $(cat "$WORK/kc.log"); ring_resident_bytes $r0 -> $r1; restarts $((q1 - q0)); punches $((p1 - p0))"
check "keep-alive: 300 exchanges echoed" grep -q "echoed 300" "$WORK/kc.log"
check "keep-alive: the rx ring restarted" [ "$((q1 - q0))" -ge 100 ]
check "keep-alive: rings grew by at most 2 pages" [ "$((r1 - r0))" -le $((2 * 4096)) ]
check "keep-alive: no give-back needed" [ "$((p1 - p0))" -eq 0 ]
stop_pid "$KC"
stop_pid "$ECHO"
finish

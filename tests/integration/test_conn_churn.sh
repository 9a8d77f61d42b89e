#!/bin/bash
# Connection churn: a preloaded client opens 3000 connections one after the
# other (connect, GET, close) to a kernel http.server across the TAP. The
# kernel server keeps each closed 4-tuple in TIME-WAIT, and with 28000
# ephemeral ports a new connection soon lands on one of them. Its SYN must be
# taken (RFC 6191: its timestamps are newer, one clock per address pair),
# not answered with an ACK that Aether resets and retries a second later.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
N=3000

if ! lab_up; then
	check "lab up" false
	finish; exit 1
fi
mkdir -p "$WORK/www"
echo hello >"$WORK/www/hello.html"
bg nsx python3 -m http.server 8080 --bind 192.168.1.1 --directory "$WORK/www" \
	>"$WORK/http.log" 2>&1
listening() { nsx ss -Hltn 'sport = :8080' | grep -q 8080; }
check "kernel http.server listening" wait_for 10 listening

env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" timeout 120 python3 -c '
import socket, sys, time
n = int(sys.argv[1]); worst = 0; ok = 0
t0 = time.time()
for i in range(n):
    t = time.time()
    c = socket.create_connection(("192.168.1.1", 8080), timeout=10)
    c.sendall(b"GET /hello.html HTTP/1.0\r\n\r\n")
    got = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        got += b
    c.close()
    ok += got.endswith(b"hello\n")
    worst = max(worst, time.time() - t)
print("done %d ok %d secs %.2f worst %.3f" % (n, ok, time.time() - t0, worst))
' $N >"$WORK/churn.out" 2>&1
log "$(cat "$WORK/churn.out")"
set -- $(cat "$WORK/churn.out")
check "$N connections, every reply whole" [ "${2:-}" = "$N" ] && [ "${4:-}" = "$N" ]
check "no connection waited for a SYN retransmission (worst ${8:-?} s < 0.5 s)" \
	awk -v w="${8:-9}" 'BEGIN { exit !(w < 0.5) }'
rsts=$(tshark -r "$WORK/aether.pcap" -Y 'ip.src==192.168.1.2 && tcp.flags.reset==1' \
	2>/dev/null | wc -l)
tws=$(tshark -r "$WORK/aether.pcap" -Y 'ip.src==192.168.1.2 && tcp.flags.syn==1' \
	-T fields -e tcp.srcport 2>/dev/null | sort | uniq -d | wc -l)
log "ports used twice: $tws; RSTs from Aether: $rsts"
check "ports were reused while the server held them (${tws} ports)" [ "$tws" -gt 0 ]
check "Aether sent no RST ($rsts)" [ "$rsts" -eq 0 ]
finish

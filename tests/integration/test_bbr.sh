#!/bin/bash
# Aether's BBR beside the kernel's under loss=1%,delay=10ms: a preloaded
# python sender in its own namespace selects BBR with
# setsockopt(IPPROTO_TCP, TCP_CONGESTION, b"bbr") and sends a random file
# through aetherd --impair to a kernel receiver in the lab namespace; it must
# arrive sha256-identical and the sender must read "bbr" back. The kernel
# sends the same file over the same impairment (aether-impair between two
# namespaces, lib.sh kbase_time) with BBR, checked with ss -ti. Aether with
# CUBIC is timed too. Prints aether-bbr / kernel-bbr (about 1.0 here:
# 0.6-0.7 s each for 16 MiB, Aether CUBIC ~19 s) and fails beyond 4x, or
# when BBR is not at least 4x faster than Aether's CUBIC.
# Size: BBR_MIB (16 MiB); BBR_SKIP_CUBIC=1 leaves out the CUBIC run (at 1%
# loss it takes about 20 s for 16 MiB).
. "$(dirname "$0")/lib.sh"

MIB=${BBR_MIB:-16}
SEED=${BBR_SEED:-5}
TMAX=$((60 + MIB * 4))
SO=$B/libaether.so
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPNS=${NS}app
BSPEC="loss=1%,delay=10ms,dir=both,seed=$SEED"

# sender: preloaded; listens on PORT with congestion control CC, sends FILE
# to the one connection, half-closes, waits for the receiver's close;
# prints the congestion control the connection reported
cat >"$WORK/tx.py" <<'EOF'
import socket, sys
port, path, cc = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc)
ls.bind(("0.0.0.0", port))
ls.listen(1)
print("listening", flush=True)
c, _ = ls.accept()
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc)
with open(path, "rb") as f:
	while True:
		b = f.read(1 << 20)
		if not b:
			break
		c.sendall(b)
got = c.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
print(got.split(b"\0")[0].decode(), flush=True)
c.shutdown(socket.SHUT_WR)
while c.recv(65536):
	pass
c.close()
ls.close()
EOF
# receiver: kernel side; connects to HOST:PORT, writes what it reads to FILE
cat >"$WORK/rx.py" <<'EOF'
import socket, sys
host, port, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=30)
s.settimeout(None)
with open(path, "wb") as f:
	while True:
		b = s.recv(1 << 16)
		if not b:
			break
		f.write(b)
s.close()
EOF

# send CC: time FILE from the preloaded Aether sender (congestion control
# CC) to the kernel; sets SECS (empty unless intact) and TXCC
send() {
	local cc=$1 t0 rc txpid L=$WORK/aetherd-$1.log
	SECS=; TXCC=
	bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 --stats-on-exit \
		--impair "$BSPEC" >"$L" 2>&1
	AETHERD_PID=${PIDS[-1]}
	if ! wait_for 10 nsx ping -c1 -W1 192.168.1.2 >/dev/null; then
		log "$cc: aetherd did not answer: $(head -3 "$L")"
		stop_aetherd
		return 1
	fi
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
		timeout $((TMAX + 20)) "$PY" "$WORK/tx.py" 9000 "$WORK/blob" "$cc" \
		>"$WORK/tx.log" 2>&1
	txpid=${PIDS[-1]}
	if ! wait_for 15 grep -q listening "$WORK/tx.log"; then
		log "$cc: preloaded sender did not start: $(head -3 "$WORK/tx.log")"
		stop_pid "$txpid"; stop_aetherd
		return 1
	fi
	rm -f "$WORK/got"
	t0=$(date +%s.%N)
	timeout "$TMAX" ip netns exec "$NS" "$PY" "$WORK/rx.py" 192.168.1.2 9000 \
		"$WORK/got" 2>"$WORK/rx.err"; rc=$?
	SECS=$(secs_since "$t0")
	wait_for 10 grep -qx "$cc" "$WORK/tx.log"
	TXCC=$(sed -n 2p "$WORK/tx.log")
	stop_pid "$txpid"
	stop_aetherd
	grep -E '^tcp\.(retrans_segs|fast_retrans|timeouts|paced|rack_retrans|tlp_probes|lost_retrans|in_segs|out_segs) ' "$L" |
		tr '\n' ' ' | sed 's/^/# aetherd: /'; echo
	log "Aether ($cc) -> kernel over aetherd --impair $BSPEC: $MIB MiB in" \
		"$SECS s (receiver rc $rc, sender read back '$TXCC')" \
		"$(head -c 200 "$WORK/rx.err" | tr '\n' ' ')"
	[ "$(sha "$WORK/got")" = "$SHA" ] || { SECS=; return 1; }
}

head -c $((MIB * 1024 * 1024)) /dev/urandom >"$WORK/blob"
SHA=$(sha "$WORK/blob")
check "preloaded library built ($SO)" [ -f "$SO" ]
if ! lab_up; then
	check "lab up: aetherd answers ping" false
	finish; exit 1
fi
stop_aetherd
ns_add "$APPNS" || { check "app namespace created" false; finish; exit 1; }

send bbr
ASECS=$SECS
check "Aether bbr: $MIB MiB arrived sha256-identical" [ -n "$ASECS" ]
check "Aether bbr: the sender read back TCP_CONGESTION bbr" [ "$TXCC" = bbr ]

CSECS=
if [ "${BBR_SKIP_CUBIC:-0}" != 1 ]; then
	send cubic
	CSECS=$SECS
	check "Aether cubic: $MIB MiB arrived sha256-identical" [ -n "$CSECS" ]
fi

KSECS=
mkdir -p "$WORK/www"
cp "$WORK/blob" "$WORK/www/blob"
if kbase_ns && kbase_serve "$WORK/www"; then
	check "kernel baseline: $MIB MiB intact, sender seen using bbr" \
		kbase_time "$BSPEC" bbr "$SHA" "$TMAX"
else
	check "kernel baseline: two namespaces and http.server up" false
fi

log "$MIB MiB under $BSPEC, time of the sender under test:"
log "  Aether bbr:   ${ASECS:-not measured} s"
log "  Aether cubic: ${CSECS:-not measured} s"
log "  kernel bbr:   ${KSECS:-not measured} s"
if [ -n "$ASECS" ] && [ -n "$KSECS" ]; then
	R=$(printf '%.2f' "$(echo "$ASECS / $KSECS" | bc -l)")
	log "ratio aether-bbr/kernel-bbr under loss=1%,delay=10ms: $R"
	# measured 0.87-1.04 (2.4 once on a busy box): a loose bound, so a
	# BBR that treats random loss as congestion again (CUBIC: ~25x) fails
	check "Aether bbr within 4x of kernel bbr (ratio $R)" \
		awk -v r="$R" 'BEGIN { exit !(r <= 4) }'
else
	log "ratio aether-bbr/kernel-bbr under loss=1%,delay=10ms: not measured"
	check "ratio aether-bbr/kernel-bbr measured" false
fi
if [ -n "$ASECS" ] && [ -n "$CSECS" ]; then
	check "Aether bbr ($ASECS s) at least 4x faster than Aether cubic ($CSECS s)" \
		awk -v b="$ASECS" -v c="$CSECS" 'BEGIN { exit !(b * 4 <= c) }'
fi
finish

#!/bin/bash
# TAP offloads (issue 14): aetherd --offload on and --offload off, each in
# turn on the same lab. A 32 MiB random file crosses in both directions
# between the kernel (lab namespace) and an Aether program and must arrive
# sha256-identical:
#   Aether -> kernel: curl GETs it from a preloaded python3 http.server
#   kernel -> Aether: tx_file.py (kernel) to a preloaded rx_file.py
# With offloads on, the start line names them, super-frames crossed the TAP
# both ways (tap.rx_gso, tap.tx_gso, tcp.out_tso_frames), no received
# virtio_net_hdr was rejected, and the capture holds frames over 1514 bytes
# (a super-frame is one record). With offloads off, none of that: every
# frame is at most 1514 bytes and the offload counters stay 0.
# Then the same at MTU 65520 (ip link set aether0 mtu 65520, as pasta runs
# its TAP), offloads on and off: aetherd takes the TAP's MTU, and frames of
# up to 65534 bytes cross even without offloads.
# OFFLOAD_MIB overrides the size.
. "$(dirname "$0")/lib.sh"

MIB=${OFFLOAD_MIB:-32}
TMAX=$((60 + MIB * 2))
SO=$B/libaether.so
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
APPNS=${NS}app
RX_PY=$TOP/tests/integration/rx_file.py
TX_PY=$TOP/tests/integration/tx_file.py

# pcap_max FILE: the largest frame length recorded in a pcap file
pcap_max() {
	"$PY" - "$1" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
off, m = 24, 0
while off + 16 <= len(d):
	incl, orig = struct.unpack_from("<II", d, off + 8)
	m = max(m, orig)
	off += 16 + incl
print(m)
EOF
}

# transfer MODE: both directions, sha256 checked
transfer() {
	local rxpid rc
	timed_get "$NS" http://192.168.1.2:8080/blob "$WORK/got" "$TMAX"
	log "offload $1: Aether -> kernel $MIB MiB in $SECS s (curl rc $GET_RC)"
	check "offload $1: Aether -> kernel $MIB MiB sha256-identical" \
		[ "$(sha "$WORK/got")" = "$SHA" ]
	rm -f "$WORK/put" "$WORK/put.part"
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
		timeout $((TMAX + 20)) "$PY" "$RX_PY" 9000 "$WORK/put" 0 >"$WORK/rx.log" 2>&1
	rxpid=${PIDS[-1]}
	wait_for 15 grep -q listening "$WORK/rx.log"
	t0=$(date +%s.%N)
	timeout "$TMAX" ip netns exec "$NS" "$PY" "$TX_PY" 192.168.1.2 9000 \
		"$WORK/www/blob" >/dev/null 2>"$WORK/tx.err"; rc=$?
	SECS=$(secs_since "$t0")
	wait_for 10 test -f "$WORK/put"
	stop_pid "$rxpid"
	log "offload $1: kernel -> Aether $MIB MiB in $SECS s (sender rc $rc)"
	check "offload $1: kernel -> Aether $MIB MiB sha256-identical" \
		[ "$(sha "$WORK/put")" = "$SHA" ]
}

# up MODE LOG LABEL: aetherd --offload MODE (log LOG, a fresh capture)
# and a preloaded http.server; false (a failed check) if they do not come up
up() {
	rm -f "$WORK/aether.pcap"
	aether_http_up "$APPNS" "$WORK/www" "$2" --offload "$1" \
		--pcap "$WORK/aether.pcap" && return 0
	check "$3: aetherd + preloaded http.server up" false
	sed 's/^/#   /' "$2"
	aether_http_down
	return 1
}

# jumbo MODE MTU LOG: aetherd --offload MODE on a TAP of MTU: transfers
# and the capture's largest frame
jumbo() {
	local big
	up "$1" "$3" "mtu $2, offload $1" || return
	check "mtu $2, offload $1: aetherd took the TAP's MTU" \
		grep -q "mtu $2, offload" "$3"
	transfer "$1 (mtu $2)"
	aether_http_down
	big=$(pcap_max "$WORK/aether.pcap")
	log "mtu $2, offload $1: largest frame in the capture: $big bytes"
	check "mtu $2, offload $1: frames over 1514 bytes crossed ($big)" \
		[ "$big" -gt 1514 ] && [ "$big" -le $(($2 + 14)) ]
}

# one MODE [MTU]: aetherd --offload MODE on a TAP of MTU (1500), transfers,
# counters, capture
one() {
	local m=$1 mtu=${2:-1500} L st
	L=$WORK/aetherd-$1-$mtu.log
	ip -n "$NS" link set aether0 mtu "$mtu"
	if [ "$mtu" != 1500 ]; then
		jumbo "$m" "$mtu" "$L"
		return
	fi
	up "$m" "$L" "offload $m" || return
	transfer "$m"
	aether_http_down
	st=$(grep -E '^(tap\.(rx_gso|tx_gso|rx_csum_partial|tx_csum_partial|tx_acks_coalesced|rx_vnet_[a-z_]+)|tcp\.(out_tso_frames|in_csum_errors|retrans_segs)) ' "$L" | tr '\n' ' ')
	log "offload $m: $st"
	c() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$L"; }
	big=$(pcap_max "$WORK/aether.pcap")
	log "offload $m: largest frame in the capture: $big bytes"
	if [ "$m" = on ]; then
		check "offload on: the start line names the offloads" \
			grep -q 'offload csum,tso4' "$L"
		check "offload on: kernel super-frames received (tap.rx_gso $(c tap.rx_gso))" \
			[ "$(c tap.rx_gso)" -gt 0 ]
		check "offload on: our super-frames sent (tap.tx_gso $(c tap.tx_gso), tcp.out_tso_frames $(c tcp.out_tso_frames))" \
			[ "$(c tap.tx_gso)" -gt 0 ] && [ "$(c tcp.out_tso_frames)" -gt 0 ]
		check "offload on: the capture holds super-frames (largest $big > 1514)" \
			[ "$big" -gt 1514 ]
	else
		check "offload off: the start line says so" grep -q 'offload off' "$L"
		check "offload off: no super-frame either way" \
			[ "$(c tap.rx_gso)" = 0 ] && [ "$(c tap.tx_gso)" = 0 ] &&
			[ "$(c tcp.out_tso_frames)" = 0 ]
		check "offload off: every captured frame is at most 1514 bytes ($big)" \
			[ "$big" -le 1514 ]
	fi
	check "offload $m: no virtio_net_hdr rejected, no TCP checksum error" \
		[ -z "$(grep -E '^tap\.rx_vnet_[a-z_]+ [1-9]' "$L")" ] &&
		[ "$(c tcp.in_csum_errors)" = 0 ]
	check "offload $m: the TAP took every frame we wrote (tap.tx_errors $(c tap.tx_errors), no 'writing to tap')" \
		[ "$(c tap.tx_errors)" = 0 ] && ! grep -q 'writing to tap' "$L"
}

mkdir -p "$WORK/www"
cp "$TOP/examples/www/hello.html" "$WORK/www/"
head -c $((MIB * 1024 * 1024)) /dev/urandom >"$WORK/www/blob"
SHA=$(sha "$WORK/www/blob")
if ! lab_up; then
	check "lab up: aetherd answers ping" false
	finish; exit 1
fi
stop_aetherd
ns_add "$APPNS" || { check "app namespace created" false; finish; exit 1; }
check "aetherd --offload bad is a usage error (exit 2)" \
	bash -c "\"$B/aetherd\" --offload maybe >/dev/null 2>&1; [ \$? = 2 ]"
check "aetherd --offload on --impair is a usage error (exit 2)" \
	bash -c "\"$B/aetherd\" --offload on --impair loss=1% >/dev/null 2>&1; [ \$? = 2 ]"
for m in on off; do
	one "$m"
done
for m in on off; do
	one "$m" 65520
done
ip -n "$NS" link set aether0 mtu 1500
finish

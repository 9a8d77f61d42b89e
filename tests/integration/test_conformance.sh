#!/bin/bash
# TCP conformance (RFC 9293, RFC 5961, RFC 7323) with crafted segments: scapy
# in the lab namespace (tests/conformance/tcp_conf.py) talks to aetherd, and a
# small server (tests/conformance/server.py) runs on Aether through
# LD_PRELOAD in a namespace of its own, logging what the application saw.
# Every check asserts specific fields of Aether's answers (flags, seq, ack,
# options) and, where the RFC says so, what the application saw or which
# counter went up. A failing check prints the whole packet exchange.
#
# The peer is a phantom host, 192.168.1.77 at 02:00:00:00:00:77, that
# tcp_conf.py announces by ARP: Aether's answers go to a MAC the namespace
# kernel does not own, so the kernel drops them (PACKET_OTHERHOST) rather than
# resetting connections it knows nothing of, and scapy's packet socket still
# reads them. So no firewall rule (and no nft binary) is needed.
#
# aetherd runs with --offload off unless AETHERD_ARGS says otherwise: the
# phantom peer reads frames as they cross the TAP, where a TSO super-frame
# is one frame of many segments that the kernel would cut at gso_size (the
# cut is checked by tests/unit/test_offload.c and test_offload.sh), so the
# cases that measure segment sizes against the MSS would see super-frames.
# With --offload on every other case holds as well.
AETHERD_ARGS=${AETHERD_ARGS:---offload off}
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
CONF=$TOP/tests/conformance
APPNS=${NS}app
APPLOG=$WORK/app.log
CASE_TIMEOUT=${CASE_TIMEOUT:-30}

# The cases run in one tcp_conf.py --serve (scapy is imported once, not once
# a case), started on the first case and again after a case that timed out.
# conf_start: start it; true once it runs
conf_start() {
	coproc CSRV { exec ip netns exec "$NS" "$PY" "$CONF/tcp_conf.py" \
		--mac "$MAC" --log "$APPLOG" --serve 2>&1; }
	CONF_SRV=$CSRV_PID
	PIDS+=("$CONF_SRV")
}

# conf_stop: stop the case server (after a case that timed out)
conf_stop() {
	[ -n "${CONF_SRV:-}" ] && stop_pid "$CONF_SRV"
	CONF_SRV=
}

# conf CASE: run one tcp_conf.py case, within CASE_TIMEOUT s; on failure
# show its report
conf() {
	local out= line rc=124 end=$((SECONDS + CASE_TIMEOUT))
	{ [ -n "${CONF_SRV:-}" ] && kill -0 "$CONF_SRV" 2>/dev/null; } || conf_start
	echo "$1" >&"${CSRV[1]}"
	while [ $SECONDS -lt $end ] &&
	      IFS= read -r -t $((end - SECONDS)) line <&"${CSRV[0]}"; do
		case $line in
		"@@done $1 "*) rc=${line##* }; break ;;
		esac
		out="$out$line"$'\n'
	done
	if [ "$rc" = 124 ]; then
		out="$out (no verdict within ${CASE_TIMEOUT}s; case server stopped)"
		conf_stop
	fi
	[ "$rc" -eq 0 ] || printf '%s\n' "$out" | sed 's/^/# /'
	return "$rc"
}

# counted G.NAME CASE: CASE holds and counter G.NAME went up
counted() {
	local before after
	before=$(stat_of "$1")
	conf "$2" || return 1
	after=$(stat_of "$1")
	[ "$after" -gt "$before" ] 2>/dev/null && return 0
	log "$1: $before before, $after after (want an increase)"
	return 1
}

alive() { nsx ping -c1 -W2 192.168.1.2 >/dev/null; }

setup() {
	lab_up || return 1
	ns_add "$APPNS" || return 1
	: >"$APPLOG"
	bg ip netns exec "$APPNS" env LD_PRELOAD="$B/libaether.so" \
		AETHER_SOCKET="$AETHER_SOCKET" "$PY" "$CONF/server.py" \
		--log "$APPLOG" 2>"$WORK/server.err"
	if ! wait_for 10 sh -c "grep -q '^listen 81\$' '$APPLOG' && grep -q '^listen 82\$' '$APPLOG'"; then
		log "server on Aether did not start:"
		sed 's/^/#   /' "$WORK/server.err"
		return 1
	fi
	# the command prefix that runs a program on Aether (client.py)
	export CONF_APP="ip netns exec $APPNS env LD_PRELOAD=$B/libaether.so AETHER_SOCKET=$AETHER_SOCKET"
	MAC=$(nsx ip neigh show 192.168.1.2 dev aether0 | awk '{ print $3; exit }')
	[[ $MAC =~ ^([0-9a-f]{2}:){5}[0-9a-f]{2}$ ]] || { log "no MAC for 192.168.1.2: '$MAC'"; return 1; }
}

if ! setup; then
	check "lab and server on Aether set up" false
	finish
	exit 1
fi

check "SYN to a closed port: RST,ACK seq=0 ack=SEG.SEQ+SEG.LEN" conf syn_closed
check "ACK to a closed port: RST (no ACK) seq=SEG.ACK" conf ack_closed
check "SYN with MSS/WS/SACK-perm/TS: all in the SYN-ACK, MSS 1460, TSecr=our TSval" conf opts_full
check "SYN without options: no WS/SACK/TS in the SYN-ACK" conf opts_none
check "RST in window, not exact: challenge ACK, data still accepted (tcp.challenge_acks)" \
	counted tcp.challenge_acks rst_in_window
check "RST at RCV.NXT: silent, app gets ECONNRESET, later data gets RST seq=SEG.ACK" conf rst_exact
check "SYN in ESTABLISHED: challenge ACK seq=SND.NXT ack=RCV.NXT, connection stays" conf syn_established
check "data far outside the window: ACK seq=SND.NXT ack=RCV.NXT, not delivered" conf data_out_of_window
check "data at RCV.NXT+RCV.WND: dup ACK, not queued (no SACK beyond the edge), not delivered" conf data_beyond_window
check "ACK of unsent data: ACK ack=RCV.NXT, segment and its data dropped" conf ack_unsent
check "option length 0 in a SYN: dropped or parsed up to it (no SACK/WS after it), tcp.in_bad_options up, stack alive" \
	counted tcp.in_bad_options opt_zero_len
check "option length past the header in a SYN: dropped or parsed up to it, tcp.in_bad_options up" \
	counted tcp.in_bad_options opt_past_header
check "malformed option on data in ESTABLISHED: acked and delivered, or neither" \
	counted tcp.in_bad_options opt_bad_established
check "SYN with a bad checksum: no answer, tcp.in_csum_errors up" \
	counted tcp.in_csum_errors csum_syn
check "data with a bad checksum: not acked, not delivered, tcp.in_csum_errors up" \
	counted tcp.in_csum_errors csum_data
check "data+FIN: ACK seq+len+1, app sees EOF, its close sends FIN seq=SND.NXT, then RST when closed" conf fin
check "peer window 0: no data beyond it, zero-window probes, data when it opens" conf zero_window
check "ISN 0xFFFFFF00: ACKs wrap past 2^32, app reads all 600 bytes (sha1)" conf wrap
check "old ACK within MAX.SND.WND: data taken; below it: challenge ACK, data dropped" conf ack_old
check "out-of-order segment: dup ACK with its SACK block; hole filled: one ACK, app reads in order" conf ooo_sack
check "retransmitted SYN in SYN-RECEIVED: answered for the same ISNs, handshake completes" conf syn_retransmit
check "peer MSS 536: no data segment larger" conf mss_respected
check "peer window 3000: never more than 3000 bytes beyond SND.UNA" conf window_respected
check "FIN beyond a hole: not acked; after the fill: data and FIN acked, app EOF" conf fin_ooo
check "overlapping retransmission: only the new bytes acked and delivered" conf overlap
check "keep-alive probe (SEQ=RCV.NXT-1): ACK seq=SND.NXT ack=RCV.NXT, byte not delivered" conf keepalive_probe
check "URG data: acked and delivered in line" conf urgent
check "PAWS: old TSval dropped with ACK (TSecr=TS.Recent), data not delivered" conf paws
check "SYN-RECEIVED: inexact RST gets a challenge ACK, exact RST removes it silently, late ACK gets RST" conf rst_synrecv
check "SYN with data: acked only if kept, the app reads it exactly once" conf syn_data
check "ICMP errors on a connection: port unreachable soft, out-of-window quote ignored, MTU 68 floors at 88-byte segments" conf icmp_errors
check "pure ACK while retransmitting after a timeout: SEQ=SND.NXT (highest sent), not the pulled-back one" conf ack_seq_after_rto
check "Aether closes first: FIN after the data; TIME-WAIT re-acks a FIN; a higher SYN reopens" conf time_wait
# jumbo: the kernel side's link MTU goes to 9000 for one case
jumbo() {
	local rc
	nsx ip link set aether0 mtu 9000 || return 1
	conf jumbo_segment; rc=$?
	nsx ip link set aether0 mtu 1500
	return $rc
}
check "8000-byte segment on a 9000-MTU link: taken whole or dropped whole, connection goes on" jumbo
check "SYN flood (400 half-open): all answered, SYN cookies sent, a late ACK still connects" \
	counted tcp.syn_cookies_sent syn_flood
check "active open: SYN offers MSS 1460/SACK/TS/WS; RST,ACK=ISS+1 gives ECONNREFUSED" conf active_refused
check "active open: ICMP in SYN-SENT: quench ignored, host unreachable EHOSTUNREACH, port unreachable ECONNREFUSED" conf active_icmp
check "SYN-SENT: RST with a bad ACK and RST without ACK ignored, then connected" conf synsent_bad_rst
check "SYN-SENT: SYN-ACK acking unsent data gets RST seq=SEG.ACK, then connected" conf synsent_bad_ack
check "simultaneous open: SYN,ACK for the same ISS, then data and FIN flow" conf simultaneous_open
# hostile clients on the control socket: valid, damaged and random messages,
# fds passed by SCM_RIGHTS, hang-ups mid-request (tests/conformance/ipc_storm.py)
ipc_stat() {
	timeout 5 "$B/aether" stats 2>/dev/null |
		awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? -1 : v) }'
}
storm() {
	local seed before after
	before=$(ipc_stat ipc.bad_msgs)
	for seed in 1 2 3; do
		timeout 60 "$PY" "$CONF/ipc_storm.py" --socket "$AETHER_SOCKET" \
			--seed "$seed" --msgs 20000 --conns 40 | sed 's/^/# /'
		[ "${PIPESTATUS[0]}" -eq 0 ] || { log "storm seed $seed failed"; return 1; }
		kill -0 "$AETHERD_PID" || { log "aetherd died (seed $seed)"; return 1; }
	done
	after=$(ipc_stat ipc.bad_msgs)
	[ "$before" -ge 0 ] && [ "$after" -gt $((before + 10000)) ] 2>/dev/null ||
		{ log "ipc.bad_msgs $before -> $after: the damage was not counted"; return 1; }
}
check "IPC storm, 3 x 20000 hostile messages: aetherd serves STATS after each, counts bad_msgs" storm
check "after the storm: connection, data, FIN and EOF still work" conf fin
check "aetherd still answers ping after all cases" alive
finish

#!/bin/bash
# Foundation: aetherd on a TAP answers ARP and ping (every size a kernel ping
# sends, fragmented too), drops malformed frames and counts each in its named
# counter, answers UDP to a closed port with port unreachable, writes a pcap
# that tshark reads, and refuses bad setups with one clear line.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3			# the system python has scapy
CRAFT=$TOP/tests/conformance/craft.py
MAC=02:ae:c0:a8:01:02			# aetherd's default for 192.168.1.2
AETHERD_ARGS="--stats-on-exit"

if ! lab_up; then
	check "lab up: aetherd answers ping" false
	finish; exit 1
fi
check "lab up: aetherd answers ping" true

# --- ping ------------------------------------------------------------------

# percentile P FILE: the P-th percentile of the sorted numbers in FILE
percentile() {
	local n
	n=$(wc -l <"$2")
	[ "$n" -gt 0 ] || { echo 999; return; }
	sed -n "$(( (n * $1 + 99) / 100 ))p" "$2"
}

ping_flood() {
	# -W 5: on a loaded machine a reply may be late, but none may be lost
	nsx ping -n -c 200 -i 0.01 -W 5 192.168.1.2 >"$WORK/ping.out" 2>&1
	log "$(grep 'packets transmitted' "$WORK/ping.out")"
	grep -q ' 200 received' "$WORK/ping.out"
}
check "ping -c 200 -i 0.01: every reply" ping_flood
sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' "$WORK/ping.out" | sort -n >"$WORK/rtt"
P50=$(percentile 50 "$WORK/rtt")
P99=$(percentile 99 "$WORK/rtt")
log "ping RTT over $(wc -l <"$WORK/rtt") replies: p50 $P50 ms, p99 $P99 ms"
echo "ping p50 ${P50} ms p99 ${P99} ms"
check "ping p50 RTT under 1 ms ($P50 ms)" awk "BEGIN { exit !($P50 < 1.0) }"

big_ping() {
	local size=$1 out
	out=$(nsx ping -n -c 3 -s "$size" -W 2 192.168.1.2 2>&1)
	echo "$out" | grep -q ' 3 received' &&
		echo "$out" | grep -q "^$((size + 8)) bytes from 192.168.1.2"
}
check "ping -s 1472 (a full 1500-byte frame)" big_ping 1472
reasm0=$(stat_of ip.reasm_oks)
frag0=$(stat_of ip.frag_oks)
check "ping -s 8000 (fragmented both ways)" big_ping 8000
check "ip.reasm_oks counts the fragmented requests" \
	[ $(( $(stat_of ip.reasm_oks) - reasm0 )) -ge 3 ]
check "ip.frag_oks counts the fragmented replies" \
	[ $(( $(stat_of ip.frag_oks) - frag0 )) -ge 3 ]

# --- ARP ---------------------------------------------------------------------

arping_ok() {
	local out
	out=$(nsx arping -c 3 -w 5 -I aether0 192.168.1.2 2>&1)
	echo "$out" | grep -q 'Received 3 response' &&
		echo "$out" | grep -qi "\[$MAC\]"
}
check "arping gets 3 replies with our MAC" arping_ok

neigh_ok() {
	nsx ip neigh flush dev aether0
	nsx ping -n -c 1 -W 1 192.168.1.2 >/dev/null &&
		nsx ip neigh show 192.168.1.2 dev aether0 | grep -qi "lladdr $MAC"
}
check "ip neigh in the namespace holds our MAC after resolution" neigh_ok

# --- crafted frames ------------------------------------------------------------

# One scapy run sends every case (python and scapy start slowly on a busy
# machine) and reads the case's counter from aetherd before and after it.
CASES="good bad_csum=ip.in_csum_errors truncated=ip.in_truncated
ihl_lt5=ip.in_bad_ihl len_beyond=ip.in_truncated bad_version=ip.in_bad_version
wrong_mac=eth.in_not_for_us udp_closed=udp.no_ports
ipv6_type=eth.in_unknown_type arp_ours=arp.out_replies arp_other=arp.in_not_for_us"
if [ -x "$PY" ] && "$PY" -c 'import scapy' 2>/dev/null; then
	# shellcheck disable=SC2086
	nsx timeout 120 "$PY" "$CRAFT" --mac "$MAC" --count 3 --pid "$AETHERD_PID" \
		--log "$WORK/aetherd.log" $CASES >"$WORK/craft.out" 2>"$WORK/craft.err"
	sed 's/^/# craft: /' "$WORK/craft.out"
else
	: >"$WORK/craft.out"
	log "python3-scapy is not installed: every crafted-frame check fails"
fi

# crafted CASE REPLY: CASE's line says REPLY ("reply 3", "noreply") and, for a
# dropped frame, its counter rose by at least the 3 frames sent
crafted() {
	local line
	line=$(grep "^$1 " "$WORK/craft.out") || return 1
	set -- $line
	[ "$2" = "${REPLY_WANT%% *}" ] || return 1
	[ "$2" = reply ] && { [ "$3" = "${REPLY_WANT#* }" ] || return 1; shift; }
	[ $# -lt 3 ] || [ $(($5 - $4)) -ge "$MIN_RISE" ]
}
REPLY_WANT="reply 3" MIN_RISE=0 check "crafted well-formed echo gets 3 replies (control)" crafted good
REPLY_WANT=noreply MIN_RISE=3 check "bad IP checksum: no reply, ip.in_csum_errors +3" crafted bad_csum
REPLY_WANT=noreply MIN_RISE=3 check "truncated IP header: no reply, ip.in_truncated +3" crafted truncated
REPLY_WANT=noreply MIN_RISE=3 check "IHL < 5: no reply, ip.in_bad_ihl +3" crafted ihl_lt5
REPLY_WANT=noreply MIN_RISE=3 check "total length beyond the frame: no reply, ip.in_truncated +3" crafted len_beyond
REPLY_WANT=noreply MIN_RISE=3 check "IP version 6 in an IPv4 frame: no reply, ip.in_bad_version +3" crafted bad_version
REPLY_WANT=noreply MIN_RISE=3 check "wrong destination MAC: no reply, eth.in_not_for_us +3" crafted wrong_mac
REPLY_WANT="reply 3" MIN_RISE=3 check "UDP to a closed port (scapy): 3 port unreachables, udp.no_ports +3" crafted udp_closed
REPLY_WANT=noreply MIN_RISE=3 check "IPv6 ethertype: no reply, eth.in_unknown_type +3" crafted ipv6_type
REPLY_WANT="reply 3" MIN_RISE=3 check "ARP request for our address: 3 replies, arp.out_replies +3 (control)" crafted arp_ours
REPLY_WANT=noreply MIN_RISE=3 check "ARP request for another address: no reply, arp.in_not_for_us +3" crafted arp_other
[ -s "$WORK/craft.err" ] && sed 's/^/# craft: /' "$WORK/craft.err" | tail -5

kernel_refused() {
	nsx "$PY" - <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.connect(("192.168.1.2", 7))
s.settimeout(2)
s.send(b"echo?")
try:
    s.recv(100)
except ConnectionRefusedError:
    sys.exit(0)
except socket.timeout:
    print("timeout")
sys.exit(1)
EOF
}
check "UDP to a closed port (kernel socket): ECONNREFUSED" kernel_refused

# --- routing: an off-subnet peer is reached through --gateway, or not at all ---

ip -n "$NS" addr add 10.9.9.1/32 dev lo
no_route() {
	local r0 out
	r0=$(stat_of ip.out_no_routes)
	out=$(nsx ping -n -c 2 -W 1 -I 10.9.9.1 192.168.1.2 2>&1)
	log "without a gateway: $(echo "$out" | grep transmitted); ip.out_no_routes $r0 -> $(stat_of ip.out_no_routes)"
	echo "$out" | grep -q ' 0 received' && [ $(( $(stat_of ip.out_no_routes) - r0 )) -ge 2 ]
}
check "off-subnet source without --gateway: no reply, ip.out_no_routes" no_route
via_gateway() {
	local pid rc
	ip -n "$NS" tuntap add mode tap name aeg1 || return 1
	ip -n "$NS" addr add 192.168.7.1/24 dev aeg1
	ip -n "$NS" link set aeg1 up
	bg nsx "$B/aetherd" --tap aeg1 --addr 192.168.7.2/24 --gateway 192.168.7.1 \
		--socket "$WORK/gw.sock" >"$WORK/gw.log" 2>&1
	pid=${PIDS[-1]}
	wait_for 5 nsx ping -c 1 -W 1 192.168.7.2 >/dev/null || return 1
	nsx ping -n -c 3 -W 2 -I 10.9.9.1 192.168.7.2 | grep -q ' 3 received'; rc=$?
	kill "$pid"
	return $rc
}
check "off-subnet source with --gateway: replies through the gateway" via_gateway

# --- the capture ----------------------------------------------------------------

tcount() { tshark -r "$WORK/aether.pcap" -Y "$1" 2>/dev/null | grep -c .; }
check "pcap: tshark shows our ARP reply (is-at $MAC)" \
	[ "$(tcount "arp.opcode == 2 && arp.src.hw_mac == $MAC")" -ge 1 ]
check "pcap: tshark shows the kernel's ARP request" \
	[ "$(tcount "arp.opcode == 1 && arp.dst.proto_ipv4 == 192.168.1.2")" -ge 1 ]
check "pcap: tshark shows >= 200 echo requests and replies" \
	[ "$(tcount "icmp.type == 8 && ip.dst == 192.168.1.2")" -ge 200 -a \
	  "$(tcount "icmp.type == 0 && ip.src == 192.168.1.2")" -ge 200 ]
check "pcap: tshark shows our fragmented replies" \
	[ "$(tcount "ip.src == 192.168.1.2 && ip.flags.mf == 1")" -ge 3 ]

# --- refusals and one-line errors ---------------------------------------------------

# refused CODE PATTERN CMD...: CMD exits with CODE and prints one line matching PATTERN
refused() {
	local code=$1 pat=$2 out rc
	shift 2
	[ "$1" = nsx ] && { shift; set -- ip netns exec "$NS" "$@"; }
	out=$(timeout 5 "$@" 2>&1 </dev/null); rc=$?
	log "exit $rc: $out"
	[ "$rc" = "$code" ] && [ "$(echo "$out" | wc -l)" = 1 ] &&
		echo "$out" | grep -Eq "$pat"
}

check "second aetherd on the same TAP: 'busy'" \
	refused 1 'tap aether0 is busy' nsx "$B/aetherd" --tap aether0 --socket "$WORK/second.sock"
ip -n "$NS" tuntap add mode tap name aether1
check "second aetherd on the same socket: 'already running'" \
	refused 1 'already running' nsx "$B/aetherd" --tap aether1 --addr 192.168.2.2/24
stale_ok() {
	local rc
	"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind(sys.argv[1])' \
		"$WORK/stale.sock" || return 1
	timeout 4 ip netns exec "$NS" "$B/aetherd" --tap aether1 --addr 192.168.2.2/24 \
		--socket "$WORK/stale.sock" -v >"$WORK/stale.log" 2>&1; rc=$?
	log "exit $rc: $(grep stale "$WORK/stale.log")"
	[ $rc = 124 ] && grep -q 'removed stale socket' "$WORK/stale.log" &&
		grep -q 'on tap aether1' "$WORK/stale.log"
}
check "a stale socket file (its daemon died) is removed, aetherd starts" stale_ok
for a in 300.1.1.1/24 192.168.1.2/33 192.168.1 192.168.1.0/24 224.0.0.1/24 192.168.1.2/24x; do
	check "bad --addr $a: one clear line" refused 2 "bad address '$a'" "$B/aetherd" --addr "$a"
done
check "bad --mac (multicast): one clear line" refused 2 "bad MAC" "$B/aetherd" --mac 01:00:5e:00:00:01
check "bad --gateway (off subnet): one clear line" refused 2 "bad gateway" "$B/aetherd" --gateway 10.0.0.1
check "bad --tap name: one clear line" refused 2 "bad tap name" "$B/aetherd" --tap 'a/b'
check "bad --congestion: one clear line" refused 2 "bad --congestion 'vegas'" "$B/aetherd" --congestion vegas
check "--help prints usage" sh -c "'$B/aetherd' --help | grep -q '^Usage: aetherd'"

# Without CAP_NET_ADMIN (as a workstation user would run it): attach to a
# persistent TAP we own; refuse a TAP someone else owns, or a missing one.
NOCAP="setpriv --bounding-set -net_admin --inh-caps -all"
ip -n "$NS" tuntap add mode tap name aeu0 user 0
ip -n "$NS" tuntap add mode tap name aeu1 user 65534
unpriv_attach() {
	local rc
	timeout 4 ip netns exec "$NS" $NOCAP "$B/aetherd" --tap aeu0 --addr 192.168.3.2/24 \
		--socket "$WORK/u.sock" >"$WORK/u.log" 2>&1; rc=$?
	log "exit $rc: $(head -1 "$WORK/u.log")"
	[ $rc = 124 ] && grep -q 'on tap aeu0' "$WORK/u.log"
}
check "without CAP_NET_ADMIN: attaches to a TAP it owns" unpriv_attach
check "without CAP_NET_ADMIN: someone else's TAP: 'no permission'" \
	refused 1 'no permission to attach to tap aeu1' nsx $NOCAP "$B/aetherd" --tap aeu1 --socket "$WORK/u1.sock"
check "without CAP_NET_ADMIN: missing TAP: 'does not exist'" \
	refused 1 'tap aeu9 does not exist, and creating it needs CAP_NET_ADMIN' \
	nsx $NOCAP "$B/aetherd" --tap aeu9 --socket "$WORK/u9.sock"
persist_ok() {
	timeout 4 ip netns exec "$NS" "$B/aetherd" --tap aep0 --persist --owner 65534 \
		--addr 192.168.4.2/24 --socket "$WORK/p.sock" >"$WORK/p.log" 2>&1
	[ $? = 124 ] && ip -n "$NS" -d link show aep0 | grep -Eq 'persist on.*user (nobody|65534)'
}
check "--persist --owner: the TAP stays, owned by that user" persist_ok

# Ports below 1024: root's, and the users named by --allow-low-ports
# (a program as nobody, on Aether through the preload library).
bind80_as_nobody() {
	ip netns exec "$NS" setpriv --reuid 65534 --regid 65534 --clear-groups \
		env LD_PRELOAD="$B/libaether.so" AETHER_SOCKET="$1" "$PY" -c '
import socket
s = socket.socket()
try:
    s.bind(("0.0.0.0", 80))
    print("bound")
except PermissionError:
    print("EACCES")
except OSError as e:
    print("errno", e.errno)
' 2>&1
}
low_ports() {
	local out1 out2 pid
	chmod o+x "$WORK"	# nobody reaches the sockets in it
	out1=$(bind80_as_nobody "$AETHER_SOCKET")
	bg nsx "$B/aetherd" --tap aether1 --addr 192.168.5.2/24 --socket "$WORK/low.sock" \
		--allow-low-ports nobody >"$WORK/low.log" 2>&1
	pid=${PIDS[-1]}
	wait_for 5 test -S "$WORK/low.sock"
	out2=$(bind80_as_nobody "$WORK/low.sock")
	kill "$pid"
	log "nobody binds port 80: '$out1' by default, '$out2' with --allow-low-ports nobody"
	[ "$out1" = EACCES ] && [ "$out2" = bound ]
}
if [ -e "$B/libaether.so" ]; then
	check "port 80: refused to nobody (EACCES), allowed by --allow-low-ports nobody" low_ports
else
	check "port 80 rules need $B/libaether.so (not built)" false
fi

# The TAP deleted under a running aetherd: it says so and exits 1 (no spin).
tap_gone() {
	local pid rc
	ip -n "$NS" tuntap add mode tap name aeg0 || return 1
	ip -n "$NS" link set aeg0 up
	bg nsx "$B/aetherd" --tap aeg0 --addr 192.168.6.2/24 --socket "$WORK/g.sock" \
		>"$WORK/g.log" 2>&1
	pid=${PIDS[-1]}
	wait_for 5 grep -q 'on tap aeg0' "$WORK/g.log" || return 1
	ip -n "$NS" link del aeg0
	wait_for 5 sh -c "! kill -0 $pid 2>/dev/null" || return 1
	wait "$pid"; rc=$?
	log "exit $rc: $(tail -1 "$WORK/g.log")"
	# netlink may report the deletion first ("was deleted"), or the read
	# may fail first ("went away"): both are the one line
	[ $rc = 1 ] && grep -Eq 'tap aeg0 (went away|was deleted)' "$WORK/g.log"
}
check "TAP deleted under aetherd: one line, exit 1" tap_gone

# --- clean stop ---------------------------------------------------------------------

stop_ok() {
	local rc
	kill -TERM "$AETHERD_PID" && wait "$AETHERD_PID"; rc=$?
	log "aetherd exit $rc"
	[ $rc = 0 ] && grep -q '^aetherd: stats end' "$WORK/aetherd.log" &&
		tshark -r "$WORK/aether.pcap" >/dev/null 2>&1
}
check "SIGTERM: clean exit 0, counters printed, pcap complete" stop_ok
log "counters at exit (non-zero):"
n=$(grep -c '^aetherd: stats end ' "$WORK/aetherd.log")
sed -n "/^aetherd: stats begin $n\$/,/^aetherd: stats end $n\$/p" "$WORK/aetherd.log" |
	grep -v '^aetherd: ' | awk '$2 != 0' | sed 's/^/#   /'

finish

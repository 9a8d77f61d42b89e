#!/bin/bash
# Shared helpers for integration tests. Source it; then:
#   lab_up             namespace $NS with aether0 (192.168.1.1/24) up, aetherd
#                      serving 192.168.1.2 on it (extra aetherd args: $AETHERD_ARGS)
#   nsx CMD...         run CMD inside the lab namespace (the kernel side)
#   check NAME CMD...  run CMD; count and print "ok NAME" or "FAIL NAME"
#   finish             print "N passed, N failed" for this script, exit non-zero on failure
#   aetherd_stats      ask aetherd for its counters (SIGUSR1); prints "group.name value"
#   stat_of G.NAME     one counter's value now (-1 if there is no such counter)
# Everything the test starts is stopped by PID and the namespace removed on exit.

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=${B:-$TOP/build}
NS=${NS:-ae$$}
WORK=$(mktemp -d /tmp/aether-it.XXXXXX)
export AETHER_SOCKET=$WORK/aetherd.sock
PASS=0
FAIL=0
PIDS=()
NAMESPACES=()

log() { printf '# %s\n' "$*"; }

check() {
	local name=$1; shift
	if "$@"; then
		PASS=$((PASS + 1)); echo "ok $name"
	else
		FAIL=$((FAIL + 1)); echo "FAIL $name"
	fi
}

# bg CMD...: start CMD in the background and remember its PID for cleanup.
# "bg nsx CMD" runs ip netns exec directly (not the shell function), so the
# PID remembered is CMD's own and killing it stops CMD, not just a subshell.
bg() {
	if [ "$1" = nsx ]; then
		shift
		set -- ip netns exec "$NS" "$@"
	fi
	"$@" & PIDS+=($!)
}

nsx() { ip netns exec "$NS" "$@"; }

ns_add() { ip netns add "$1" && NAMESPACES+=("$1") && ip -n "$1" link set lo up; }

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "${NAMESPACES[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds
wait_for() {
	local t=$1; shift
	local end=$((SECONDS + t))
	until "$@" 2>/dev/null; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

lab_up() {
	ns_add "$NS" || return 1
	# The stack speaks IPv4 only: keep the kernel's IPv6 chatter (MLD, ND)
	# off the link so counters and captures show only what a test sends.
	nsx sysctl -qw net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	ip -n "$NS" tuntap add mode tap name aether0 || return 1
	ip -n "$NS" addr add 192.168.1.1/24 dev aether0 || return 1
	ip -n "$NS" link set aether0 up || return 1
	bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 \
		--pcap "$WORK/aether.pcap" ${AETHERD_ARGS:-} >"$WORK/aetherd.log" 2>&1
	AETHERD_PID=${PIDS[-1]}
	# ready when it answers ARP (the gratuitous ARP may race the link)
	if ! wait_for 5 nsx ping -c1 -W1 192.168.1.2 >/dev/null; then
		log "aetherd did not answer; its log:"
		sed 's/^/#   /' "$WORK/aetherd.log"
		return 1
	fi
}

# stats_dumped N: true once the aetherd log holds the end of dump number N
stats_dumped() { grep -qx "aetherd: stats end $1" "$WORK/aetherd.log"; }

aetherd_stats() {
	local n
	n=$(grep -c '^aetherd: stats end ' "$WORK/aetherd.log")
	n=$((n + 1))
	kill -USR1 "$AETHERD_PID" 2>/dev/null || return 1
	wait_for 5 stats_dumped "$n" || return 1
	sed -n "/^aetherd: stats begin $n\$/,/^aetherd: stats end $n\$/p" \
		"$WORK/aetherd.log" | grep -v '^aetherd: '
}

stat_of() {
	aetherd_stats | awk -v k="$1" '$1 == k { v = $2 } END { print (v == "" ? -1 : v) }'
}

finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

#!/bin/bash
# Shared helpers for integration tests. Source it; then:
#   lab_up             namespace $NS with aether0 (192.168.1.1/24) up, aetherd
#                      serving 192.168.1.2 on it (extra aetherd args: $AETHERD_ARGS)
#   nsx CMD...         run CMD inside the lab namespace (the kernel side)
#   check NAME CMD...  run CMD; count and print "ok NAME" or "FAIL NAME"
#   finish             print "N passed, N failed" for this script, exit non-zero on failure
#   aetherd_stats      ask aetherd for its counters (SIGUSR1); prints "group.name value"
#   stat_of G.NAME     one counter's value now (-1 if there is no such counter)
#   nginx_conf ROOT PORT CONNS  $WORK/nginx/nginx.conf for a foreground nginx
#                      serving ROOT on PORT (test_preload, test_daemon_death)
#   wakeups PID        voluntary context switches of all PID's threads: how
#                      often it woke (test_idle, test_scale, test_wake_stress)
# Everything the test starts is stopped by PID and the namespace removed on exit;
# $WORK (logs, captures) too, unless AETHER_KEEP_WORK is set.
#
# Timing transfers, and the kernel baseline beside Aether (test_reliability,
# test_impair_aether, test_impair_kernel; this kernel has no netem, so the
# bad link is aether-impair between two namespaces of ours, $KA and $KB):
#   sha FILE           sha256 of FILE (empty if it cannot be read)
#   secs_since T0      seconds since T0 (a `date +%s.%N`), two decimals
#   stop_wait PID      SIGTERM PID, wait at most 5 s (then SIGKILL); PID's
#                      exit status, 1 if it had to be killed
#   stop_aetherd       stop_wait $AETHERD_PID
#   stop_pid PID       SIGTERM PID and reap it, its status ignored
#   timed_get NS URL FILE TMAX  curl URL from namespace NS into FILE (at most
#                      TMAX s); sets SECS and GET_RC; true if curl succeeded
#   set_cc NS DST DEV CC  the kernel in NS sends on route DST dev DEV with TCP
#                      congestion control CC (ip route ... congctl CC; per
#                      route, since a child namespace may not set its default
#                      to cubic); "default" puts back the plain route. False,
#                      with a log line, unless `ip route` then shows it
#   default_cc NS      the kernel's default congestion control in NS (bbr here)
#   cc_watch NS FILTER FILE  until cc_stop, note in FILE the congestion
#                      control of NS's established TCP connections matching
#                      the ss FILTER (e.g. 'sport = :8080'); cc_seen FILE
#                      prints the names seen, sorted, space-separated
#   aether_http_up APPNS DIR LOG [ARGS...]  aetherd on the lab's aether0
#                      (after lab_up; ARGS added, --stats-on-exit, log in LOG)
#                      and a python3 http.server on port 8080 serving DIR,
#                      preloaded with libaether.so, in the empty namespace
#                      APPNS; sets AETHERD_PID and HTTP_PID; true once
#                      DIR/hello.html is served intact to the lab namespace
#   aether_http_down   stop both (aetherd's exit status)
#   kbase_ns           create $KA ($NS + a) and $KB ($NS + b), once
#   relay_up SPEC LOG [CC]  aether-impair SPEC (log in LOG) between $KA
#                      (imp0 10.9.0.1/24) and $KB (imp0 10.9.0.2/24), both
#                      sending with CC (cubic unless given; "default" = the
#                      kernel's default); RELAY_PID is the relay
#   relay_down         SIGTERM the relay, wait (bounded); its exit status
#   kbase_serve DIR    python3 http.server in $KB on port 8080 (any address:
#                      it may start before relay_up) serving DIR (KHTTP_PID);
#                      true once it listens
#   kbase_get FILE TMAX  GET http://10.9.0.2:8080/blob from $KA into FILE,
#                      noting which congestion control $KB sent with: sets
#                      SECS, GET_RC and KCC
#   kbase_time SPEC CC SHA TMAX  one baseline run: relay SPEC with CC, GET
#                      the blob (kbase_serve first), relay down; sets KSECS
#                      (empty unless the file arrived with sha256 SHA) and
#                      KCC; false, with a log line saying why, if the file
#                      did not arrive intact or the sender was not seen
#                      using CC (for "default": the kernel's default)

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

# kernel_lab PEERNS SUBJNS: the kernel-stack twin of the Aether lab: a veth
# pair, 192.168.1.1 in PEERNS and 192.168.1.2 in SUBJNS; true once they ping
kernel_lab() {
	ns_add "$1" && ns_add "$2" &&
	ip -n "$1" link add veth0 type veth peer name veth1 netns "$2" &&
	ip -n "$1" addr add 192.168.1.1/24 dev veth0 &&
	ip -n "$2" addr add 192.168.1.2/24 dev veth1 &&
	ip -n "$1" link set veth0 up && ip -n "$2" link set veth1 up &&
	wait_for 5 ip netns exec "$2" ping -c1 -W1 192.168.1.1 >/dev/null
}

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "${NAMESPACES[@]}"; do ip netns del "$n" 2>/dev/null; done
	if [ -n "${AETHER_KEEP_WORK:-}" ]; then log "kept $WORK"; else rm -rf "$WORK"; fi
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
	# appending (O_APPEND): a daemon started with --takeover appends to
	# this log, and this one's last line, written at its own offset after
	# its successor's, would write over the successor's first lines
	# LAB_NO_PCAP=1: no capture (a long run's would take gigabytes)
	local pcap=(--pcap "$WORK/aether.pcap")
	[ -n "${LAB_NO_PCAP:-}" ] && pcap=()
	bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 \
		"${pcap[@]}" ${AETHERD_ARGS:-} >>"$WORK/aetherd.log" 2>&1
	AETHERD_PID=${PIDS[-1]}
	# ready when it answers ARP (the gratuitous ARP may race the link)
	if ! wait_for 5 nsx ping -c1 -W1 192.168.1.2 >/dev/null; then
		log "aetherd did not answer; its log:"
		sed 's/^/#   /' "$WORK/aetherd.log"
		return 1
	fi
}

wakeups() {
	cat /proc/"$1"/task/*/status 2>/dev/null |
		awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n + 0 }'
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

sha() { sha256sum <"$1" 2>/dev/null | cut -d' ' -f1; }
secs_since() { printf '%.2f' "$(echo "$(date +%s.%N) - $1" | bc -l)"; }

stop_wait() {
	local i
	kill -TERM "$1" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$1" 2>/dev/null; then
		kill -9 "$1"
		wait "$1" 2>/dev/null
		return 1
	fi
	wait "$1"
}
stop_aetherd() { stop_wait "$AETHERD_PID"; }
stop_pid() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }

timed_get() {
	local t0
	rm -f "$3"
	t0=$(date +%s.%N)
	timeout $(($4 + 10)) ip netns exec "$1" curl -sS --max-time "$4" \
		-o "$3" "$2"
	GET_RC=$?
	SECS=$(secs_since "$t0")
	[ "$GET_RC" -eq 0 ]
}

default_cc() { ip netns exec "$1" sysctl -n net.ipv4.tcp_congestion_control; }

set_cc() {
	local ns=$1 dst=$2 dev=$3 cc=$4 cur
	if [ "$cc" = default ]; then
		ip -n "$ns" route replace "$dst" dev "$dev" || {
			log "cannot put back the plain route $dst dev $dev in $ns"; return 1; }
		cur=$(ip -n "$ns" route show exact "$dst" dev "$dev")
		case "$cur" in *congctl*)
			log "route $dst dev $dev in $ns still has a congctl: $cur"; return 1 ;;
		esac
		return 0
	fi
	ip -n "$ns" route replace "$dst" dev "$dev" congctl "$cc" || {
		log "cannot set congctl $cc on route $dst dev $dev in $ns"; return 1; }
	cur=$(ip -n "$ns" route show exact "$dst" dev "$dev")
	case " $cur " in *" congctl $cc "*) return 0 ;; esac
	log "route $dst dev $dev in $ns does not show congctl $cc: '$cur'"
	return 1
}

# the sampler runs in a subshell of its own, bounded to 10 minutes; cc_stop
# ends it by PID
cc_watch() {
	local algs
	algs=$(ip netns exec "$1" sysctl -n net.ipv4.tcp_available_congestion_control | tr ' ' '|')
	: >"$3"
	(
		end=$((SECONDS + 600))
		while [ $SECONDS -lt $end ]; do
			ip netns exec "$1" ss -Htin state established "( $2 )" 2>/dev/null |
				grep -owE "$algs" >>"$3"
			sleep 0.02
		done
	) &
	CC_WATCH_PID=$!
	PIDS+=($CC_WATCH_PID)
}
cc_stop() { stop_pid "$CC_WATCH_PID"; }
cc_seen() { sort -u "$1" | paste -sd' '; }

aether_hello() {
	nsx curl -s -f --max-time 5 -o "$WORK/hello.got" \
		http://192.168.1.2:8080/hello.html &&
		cmp -s "$WORK/hello.got" "$1/hello.html"
}
aether_http_up() {
	local app=$1 dir=$2 out=$3 py
	shift 3
	py=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
	HTTP_PID=
	bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 --stats-on-exit \
		"$@" >"$out" 2>&1
	AETHERD_PID=${PIDS[-1]}
	wait_for 10 nsx ping -c1 -W1 192.168.1.2 >/dev/null || return 1
	# ip netns exec and env exec the server: the PID bg keeps is the
	# server's own, so killing it stops the server
	bg ip netns exec "$app" env LD_PRELOAD="$B/libaether.so" \
		AETHER_SOCKET="$AETHER_SOCKET" "$py" -m http.server 8080 \
		--directory "$dir" >"$out.http" 2>&1
	HTTP_PID=${PIDS[-1]}
	wait_for 30 aether_hello "$dir"
}
aether_http_down() {
	[ -n "${HTTP_PID:-}" ] && stop_pid "$HTTP_PID"
	HTTP_PID=
	stop_aetherd
}

KA=${NS}a
KB=${NS}b
kbase_ns() {
	local n
	for n in "$KA" "$KB"; do
		ip netns pids "$n" >/dev/null 2>&1 && continue
		ns_add "$n" || return 1
	done
}

relay_up() {
	local cc=${3:-cubic}
	bg "$B/aether-impair" --a "$KA:imp0" --b "$KB:imp0" "$1" 2>"$2"
	RELAY_PID=${PIDS[-1]}
	wait_for 5 ip -n "$KA" link show imp0 >/dev/null || return 1
	wait_for 5 ip -n "$KB" link show imp0 >/dev/null || return 1
	ip -n "$KA" addr add 10.9.0.1/24 dev imp0 &&
	ip -n "$KA" link set imp0 up &&
	ip -n "$KB" addr add 10.9.0.2/24 dev imp0 &&
	ip -n "$KB" link set imp0 up || return 1
	[ "$cc" = default ] && return 0
	set_cc "$KA" 10.9.0.0/24 imp0 "$cc" && set_cc "$KB" 10.9.0.0/24 imp0 "$cc"
}

relay_down() {
	local rc
	[ -n "${RELAY_PID:-}" ] || return 1
	stop_wait "$RELAY_PID"; rc=$?
	RELAY_PID=
	return $rc
}

kbase_listening() { ip netns exec "$KB" ss -Hltn 'sport = :8080' | grep -q 8080; }
kbase_serve() {
	# on every address of $KB: 10.9.0.2 comes and goes with the relay
	bg ip netns exec "$KB" timeout 600 python3 -m http.server 8080 \
		--bind 0.0.0.0 --directory "$1" >"$WORK/http-kbase.log" 2>&1
	KHTTP_PID=${PIDS[-1]}
	wait_for 10 kbase_listening
}

kbase_get() {
	local w=$WORK/cc-kbase.log
	cc_watch "$KB" 'sport = :8080' "$w"
	timed_get "$KA" http://10.9.0.2:8080/blob "$1" "$2"
	cc_stop
	KCC=$(cc_seen "$w")
}

kbase_time() {
	local spec=$1 cc=$2 want=$2 log=$WORK/relay-kbase.log
	KSECS=; KCC=
	[ "$cc" = default ] && want=$(default_cc "$KB")
	if ! relay_up "$spec" "$log" "$cc"; then
		log "kernel baseline ($cc): the relay or the route did not come up: $(head -3 "$log")"
		relay_down
		return 1
	fi
	kbase_get "$WORK/got-kbase" "$4"
	relay_down
	log "kernel -> kernel over aether-impair $spec, sender $want" \
		"(seen: ${KCC:-none}): $(printf '%.2f' "$SECS") s (curl rc $GET_RC)"
	if [ "$(sha "$WORK/got-kbase")" != "$3" ]; then
		log "kernel baseline ($want): the file did not arrive intact"
		return 1
	fi
	if [ "$KCC" != "$want" ]; then
		log "kernel baseline: the sender was seen using '${KCC:-nothing}', not $want"
		return 1
	fi
	KSECS=$SECS
}

finish() {
	echo "$PASS passed, $FAIL failed"
	[ "$FAIL" -eq 0 ]
}

# nginx_conf ROOT PORT CONNS: write $WORK/nginx/nginx.conf, an nginx (two
# workers, run as root, in the foreground) serving ROOT on PORT with CONNS
# connections a worker; start it with
#   nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
nginx_conf() {
	mkdir -p "$WORK/nginx"
	cat >"$WORK/nginx/nginx.conf" <<CONF
user root;
daemon off;
worker_processes 2;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log info;
events { worker_connections $3; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path $WORK/nginx/body;
	proxy_temp_path $WORK/nginx/proxy;
	fastcgi_temp_path $WORK/nginx/fastcgi;
	uwsgi_temp_path $WORK/nginx/uwsgi;
	scgi_temp_path $WORK/nginx/scgi;
	types { text/html html; }
	server {
		listen $2;
		root $1;
	}
}
CONF
}

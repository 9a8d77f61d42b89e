#!/bin/bash
# bench/run.sh: Aether and the kernel TCP/IP stack measured side by side in
# one run (`make bench`). Needs root: every path lives in network namespaces
# this script creates and removes; everything it starts is tracked by PID and
# stopped on exit. See bench/README.md for what each number means.
#
# Paths (the client is always the kernel's curl/wrk/ping/iperf3):
#   kv  kernel-veth  client ns --veth-- server ns (kernel TCP at both ends)
#   kt  kernel-tap   client ns --TAP-- aether-impair '' --TAP-- server ns
#                    (kernel at both ends, plus the same user-space hop
#                    and the same 1500-byte frames Aether's TAP path has)
#   ae  aether       client ns --TAP-- aetherd --shm-- app (LD_PRELOAD)
#   af  aether-nooff the same with aetherd --offload off (one 1514-byte frame
#                    per TAP read/write: the path before issue 14; bulk rows)
#   aj  aether-65520 the same as ae on a TAP of MTU 65520 (bulk rows)
#   pa  pasta        client ns --veth-- ns with pasta (Debian's passt), which
#                    forwards the port into its own namespace through its TAP
#                    (MTU 65520); iperf3 -s runs there (iperf3 rows; skipped
#                    when pasta is not installed)
#   em  embedded     client ns --TAP-- build/examples/httpd (stack inside)
#
# Sets: the default (about 7 minutes) measures the rows issue 14 sets goals
# for: ICMP echo RTT, TCP request/response (kv/kt/ae/pa), nginx 1 KiB
# keep-alive with wrk -t2 -c50 and -c400, hello.html with Connection: close
# at -c50 (new connections/s), iperf3 both ways with CPU per GB
# (kv/kt/ae/aj/pa). BENCH_FULL=1 adds the rest (about 20 minutes): connect,
# hello.html keep-alive and Connection: close at -c1/-c32, the bulk curl, the
# aether-nooff path and the impaired link.
#
# Benchmarks: ICMP echo RTT; TCP request/response (aether-rr ping-pong of
# 14 bytes, kv/kt/ae); TCP connect+GET+close (curl); HTTP keep-alive
# and connection-per-request (wrk -t1 -c1/-c32, and -c50 per request); bulk (iperf3 both ways,
# curl of a BULK MiB file); 16 MiB over HTTP on an impaired link (aetherd
# --impair vs aether-impair between two kernel namespaces; every kernel
# sender there uses cubic by route, as Aether does, and one informational
# row times the kernel-tap sender with the kernel's default, bbr here).
#
# Environment: BENCH_FULL (0; 1 the full set), BENCH_DURATION (wrk/iperf3 seconds, 5), BENCH_REPS (runs of
# each wrk/iperf3/bulk/impair measurement, taken in turn across paths, 3),
# BENCH_PINGS (1000), BENCH_CONNECTS (500), BENCH_BULK_MIB (256),
# BENCH_IMPAIR_MIB (16), BENCH_IMPAIR_SPEC (loss=1%,delay=10ms),
# BENCH_RR (round trips per aether-rr run, 5000),
# BENCH_ONLY (comma list of icmp,rr,connect,http,bulk,impair), BENCH_AE_ARGS
# (extra aetherd options on the aether path), BENCH_PERF=1
# (perf profile of aetherd during one iperf3 run each way, under the table),
# BENCH_OUTDIR
# (bench/results), BENCH_KEEP=1 keeps the scratch directory, B (build dir).
# Plots: next to the table, STAMP-HOST-{throughput,requests,latency}.png
# (gnuplot): per path, the median as a bar and min/max over the runs.
# Exit: 0 every measurement ran; 1 one or more failed (FAIL in the table,
# reason on stderr); 2 could not start (not root, missing tool or binary).

set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
B=${B:-$TOP/build}
DUR=${BENCH_DURATION:-5}
REPS=${BENCH_REPS:-3}
PINGS=${BENCH_PINGS:-1000}
CONNS=${BENCH_CONNECTS:-500}
BULK_MIB=${BENCH_BULK_MIB:-256}
IMP_MIB=${BENCH_IMPAIR_MIB:-16}
IMP_SPEC=${BENCH_IMPAIR_SPEC:-loss=1%,delay=10ms}
RR=${BENCH_RR:-5000}
FULL=${BENCH_FULL:-0}
if [ "$FULL" = 1 ]; then
	ONLY=${BENCH_ONLY:-icmp,rr,connect,http,bulk,impair}
else
	ONLY=${BENCH_ONLY:-icmp,rr,http,bulk}
fi
OUTDIR=${BENCH_OUTDIR:-$TOP/bench/results}
HERE=$TOP/bench
KDEF=$(sysctl -n net.ipv4.tcp_congestion_control 2>/dev/null || echo unknown)
TARGETS=(kv kt ae em)

fatal() { echo "bench: cannot run: $*" >&2; exit 2; }

[ "$(id -u)" = 0 ] || fatal "must run as root (it creates network namespaces)"
for t in ip ping wrk nginx iperf3 curl python3 timeout cmp awk; do
	command -v "$t" >/dev/null || fatal "missing tool '$t' (apt-get install it)"
done
for f in aetherd aether-impair aether-rr libaether.so examples/httpd; do
	[ -x "$B/$f" ] || [ -f "$B/$f" ] || fatal "missing $B/$f (run make first)"
done
for n in "$DUR" "$REPS" "$PINGS" "$RR" "$CONNS" "$BULK_MIB" "$IMP_MIB"; do
	[[ "$n" =~ ^[1-9][0-9]*$ ]] || fatal "bad number '$n' in BENCH_* settings"
done

WORK=$(mktemp -d /tmp/aether-bench.XXXXXX) || fatal "mktemp failed"
P=bn$$
PIDS=()
NAMESPACES=()
FAILED=()
RES=$WORK/results
META=$WORK/meta
NOTES=$WORK/notes
LOADS=$WORK/loads
: >"$RES"; : >"$NOTES"; : >"$LOADS"

# kill_tree PID: TERM every descendant of PID (pasta's command and the
# servers that command started, in a namespace of pasta's own), a bounded walk
kill_tree() {
	local c depth=${2:-0}
	[ "$depth" -lt 8 ] || return 0
	for c in $(ps --ppid "$1" -o pid= 2>/dev/null); do
		kill_tree "$c" $((depth + 1))
		kill "$c" 2>/dev/null
	done
}

# stop_all: stop everything started so far (TERM, up to 3 s, then KILL) and
# remove the namespaces
stop_all() {
	local p i alive
	for p in "${PIDS[@]}"; do
		# pasta's iperf3 and aether-rr are its descendants
		[ "$p" = "${PASTA_PID:-}" ] && kill_tree "$p"
		kill "$p" 2>/dev/null
	done
	for i in $(seq 30); do
		alive=0
		for p in "${PIDS[@]}"; do
			kill -0 "$p" 2>/dev/null && { alive=1; break; }
		done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "${NAMESPACES[@]}"; do ip netns del "$n" 2>/dev/null; done
	PIDS=()
	NAMESPACES=()
}

cleanup() {
	stop_all
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: scratch kept in $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'echo "bench: interrupted: nothing written" >&2; exit 130' INT TERM

say() { printf '# %s\n' "$*" >&2; }
fail() { echo "bench: FAILED: $*" >&2; FAILED+=("$*"); }
rec() { echo "$1 $2 $3" >>"$RES"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
on() { case ",$ONLY," in *",$1,"*) return 0 ;; esac; return 1; }

# bg CMD...: start CMD in the background, remember its PID
bg() { "$@" & PIDS+=($!); }

# wait_for SECONDS CMD...: poll CMD every 50 ms until it succeeds
wait_for() {
	local end=$((SECONDS + $1)); shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.05
	done
}

# ns_add NS: a namespace of ours. Every one gets the full ephemeral port
# range and tcp_tw_reuse=1: on the TAP paths the client often closes at the
# same moment as the server and keeps a TIME-WAIT per connection; without
# these, a few thousand connections per second fill the port range in one
# wrk run and connect() in the next runs spends milliseconds looking for a
# port (a client artefact, measured as a tenfold drop in req/s).
ns_add() {
	ip netns add "$1" && NAMESPACES+=("$1") && ip -n "$1" link set lo up &&
	ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1
}

# Binaries are copied first, so a rebuild by someone else during the run
# cannot swap them under a measurement.
mkdir -p "$WORK/bin" "$WORK/www"
cp "$B/aetherd" "$B/aether-impair" "$B/aether-rr" "$B/libaether.so" "$B/examples/httpd" "$B/aether" "$WORK/bin/" ||
	fatal "cannot copy the binaries from $B"
BIN=$WORK/bin
SO=$BIN/libaether.so
WWW=$WORK/www
cp "$TOP/examples/www/hello.html" "$WWW/" || fatal "no examples/www/hello.html"
# issue 14's nginx row: a 1 KiB body
head -c 1024 /dev/zero | tr '\0' 'a' >"$WWW/1k.html" || fatal "cannot write 1k.html"

# --- topologies ----------------------------------------------------------------

# Client namespace and server address of each path (set by lab_up)
declare -A CLI ADDR

# veth_up C S: kernel client C (10.10.0.1) --veth-- kernel server S (10.10.0.2)
veth_up() {
	ns_add "$1" && ns_add "$2" || return 1
	ip -n "$1" link add v0 type veth peer name v0 netns "$2" &&
	ip -n "$1" addr add 10.10.0.1/24 dev v0 && ip -n "$1" link set v0 up &&
	ip -n "$2" addr add 10.10.0.2/24 dev v0 && ip -n "$2" link set v0 up &&
	wait_for 5 ip netns exec "$1" ping -c1 -W1 10.10.0.2
}

# relay_up A B SPEC LOG NET: kernel A (NET.1) --TAP-- aether-impair SPEC
# --TAP-- kernel B (NET.2); RELAY_PID is the relay
relay_up() {
	ns_add "$1" && ns_add "$2" || return 1
	bg "$BIN/aether-impair" --a "$1:imp0" --b "$2:imp0" "$3" 2>"$4"
	RELAY_PID=${PIDS[-1]}
	wait_for 5 ip -n "$1" link show imp0 && wait_for 5 ip -n "$2" link show imp0 || {
		say "aether-impair did not create its TAPs: $(cat "$4")"; return 1; }
	ip -n "$1" addr add "$5.1/24" dev imp0 && ip -n "$1" link set imp0 up &&
	ip -n "$2" addr add "$5.2/24" dev imp0 && ip -n "$2" link set imp0 up &&
	wait_for 10 ip netns exec "$1" ping -c1 -W1 "$5.2"
}

# tap_ns NS: namespace NS with TAP aether0 at 192.168.1.1/24, kernel IPv6 off
# (the stack speaks IPv4; keeps MLD/ND chatter off the link); MTU $TAP_MTU
# (1500 unless set)
tap_ns() {
	ns_add "$1" || return 1
	ip netns exec "$1" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n "$1" tuntap add mode tap name aether0 &&
	ip -n "$1" addr add 192.168.1.1/24 dev aether0 &&
	ip -n "$1" link set aether0 mtu "${TAP_MTU:-1500}" &&
	ip -n "$1" link set aether0 up
}

# pasta_up C H: kernel client C (10.12.0.1) --veth-- H (10.12.0.2), where
# pasta (passt) runs iperf3 -s and an aether-rr server in a namespace of its
# own and forwards TCP ports 5201 and 7000 to them through its TAP (as root it needs --runas 0 to keep the
# privileges its namespace setup needs). PASTA_PID is pasta.
pasta_up() {
	ns_add "$1" && ns_add "$2" || return 1
	ip -n "$1" link add v0 type veth peer name v0 netns "$2" &&
	ip -n "$1" addr add 10.12.0.1/24 dev v0 && ip -n "$1" link set v0 up &&
	ip -n "$2" addr add 10.12.0.2/24 dev v0 && ip -n "$2" link set v0 up &&
	ip -n "$2" route add default via 10.12.0.1 || return 1
	bg ip netns exec "$2" pasta -f --runas 0 --config-net -t 5201,7000 -u none \
		-T none -U none -- sh -c "'$BIN/aether-rr' server 7000 & exec iperf3 -s" \
		>"$WORK/pasta.log" 2>&1
	PASTA_PID=${PIDS[-1]}
	wait_for 10 ip netns exec "$2" ss -Hltn 'sport = :5201' || {
		say "pasta did not listen on 5201; its log:"
		grep -v syslog "$WORK/pasta.log" | sed 's/^/#   /' >&2
		return 1; }
}

# aether_up NS APPNS SOCK LOG [AETHERD ARGS]: aetherd serving 192.168.1.2
# on NS's TAP; preloaded apps run in the empty namespace APPNS (a call the
# shim did not take finds no network there). AETHERD_PID is the daemon.
aether_up() {
	local ns=$1 app=$2 sock=$3 log=$4
	shift 4
	tap_ns "$ns" && ns_add "$app" || return 1
	bg ip netns exec "$ns" "$BIN/aetherd" --tap aether0 --addr 192.168.1.2/24 \
		--socket "$sock" "$@" >"$log" 2>&1
	AETHERD_PID=${PIDS[-1]}
	wait_for 10 ip netns exec "$ns" ping -c1 -W1 192.168.1.2 || {
		say "aetherd did not answer ping; its log:"; sed 's/^/#   /' "$log" >&2
		return 1; }
}

# embedded_up NS LOG: build/examples/httpd serving $WWW as 192.168.1.2
embedded_up() {
	tap_ns "$1" || return 1
	bg ip netns exec "$1" "$BIN/httpd" --tap aether0 --addr 192.168.1.2/24 \
		--root "$WWW" >"$2" 2>&1
	HTTPD_PID=${PIDS[-1]}
	wait_for 10 ip netns exec "$1" ping -c1 -W1 192.168.1.2 &&
		wait_for 5 grep -q 'serving on port 80' "$2" || {
		say "httpd did not come up; its log:"; sed 's/^/#   /' "$2" >&2
		return 1; }
}

# nginx_up NAME NS [SOCK]: nginx (1 worker, sendfile, no access log) on port
# 80 in NS serving $WWW; with SOCK it runs on Aether through LD_PRELOAD
nginx_up() {
	local d=$WORK/nginx-$1
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<-CONF
	user root;
	daemon off;
	worker_processes 1;
	pid $d/nginx.pid;
	error_log $d/error.log warn;
	events { worker_connections 1024; }
	http {
		access_log off;
		sendfile on;
		keepalive_requests 10000000;
		client_body_temp_path $d/body;
		proxy_temp_path $d/proxy;
		fastcgi_temp_path $d/fastcgi;
		uwsgi_temp_path $d/uwsgi;
		scgi_temp_path $d/scgi;
		types { text/html html; }
		default_type application/octet-stream;
		server {
			listen 80;
			root $WWW;
		}
	}
	CONF
	if [ $# -ge 3 ]; then
		bg ip netns exec "$2" env LD_PRELOAD="$SO" AETHER_SOCKET="$3" \
			nginx -p "$d" -c "$d/nginx.conf"
	else
		bg ip netns exec "$2" nginx -p "$d" -c "$d/nginx.conf"
	fi
}

# http_ok NS URL [PRELOAD SOCK]: one GET of URL from NS succeeds
http_ok() {
	ip netns exec "$1" curl -s -f --max-time 3 -o /dev/null "$2"
}

# lab_up: the four clean paths with nginx (kv, kt, ae) and httpd (em). A path
# that does not come up is reported FAILED and its cells read FAIL; the
# others are still measured. LINK[t]: answers ping; HTTP[t]: serves HTTP.
declare -A LINK HTTP KEEP
lab_up() {
	local t
	CLI=([kv]=${P}kc [kt]=${P}tc [ae]=${P}a [af]=${P}f [aj]=${P}j [pa]=${P}pc [em]=${P}e)
	ADDR=([kv]=10.10.0.2 [kt]=10.9.0.2 [ae]=192.168.1.2 [af]=192.168.1.2
	      [aj]=192.168.1.2 [pa]=10.12.0.2 [em]=192.168.1.2)
	veth_up ${P}kc ${P}ks && LINK[kv]=1 ||
		fail "path kernel-veth: the veth pair did not come up"
	relay_up ${P}tc ${P}ts '' "$WORK/relay.log" 10.9.0 && LINK[kt]=1 ||
		fail "path kernel-tap: aether-impair did not join the TAPs"
	aether_up ${P}a ${P}app "$WORK/aetherd.sock" "$WORK/aetherd.log" ${BENCH_AE_ARGS:-} && LINK[ae]=1 ||
		fail "path aether: aetherd did not come up"
	AE_PID=${AETHERD_PID:-}
	if on bulk && [ "$FULL" = 1 ]; then
		aether_up ${P}f ${P}fapp "$WORK/aetherd-off.sock" "$WORK/aetherd-off.log" \
			--offload off && LINK[af]=1 && KEEP[af]="$AETHERD_PID:aetherd" ||
			fail "path aether-nooff: aetherd --offload off did not come up"
	fi
	if on bulk; then
		TAP_MTU=65520 aether_up ${P}j ${P}japp "$WORK/aetherd-j.sock" \
			"$WORK/aetherd-j.log" && LINK[aj]=1 && KEEP[aj]="$AETHERD_PID:aetherd" ||
			fail "path aether-65520: aetherd on a TAP of MTU 65520 did not come up"
		[ "${LINK[ae]:-0}" = 1 ] && AETHERD_PID=$AE_PID
	fi
	if on bulk || on rr; then
		if command -v pasta >/dev/null; then
			pasta_up ${P}pc ${P}ph && LINK[pa]=1 && KEEP[pa]="$PASTA_PID:pasta" ||
				fail "path pasta: pasta did not forward iperf3's port"
		else
			say "pasta not installed (apt-get install passt): no pasta column"
		fi
	fi
	embedded_up ${P}e "$WORK/httpd.log" && LINK[em]=1 ||
		fail "path embedded: examples/httpd did not come up"
	[ "${LINK[kt]:-0}" = 1 ] && KEEP[kt]="$RELAY_PID:aether-impair"
	[ "${LINK[ae]:-0}" = 1 ] && KEEP[ae]="$AETHERD_PID:aetherd"
	[ "${LINK[em]:-0}" = 1 ] && KEEP[em]="$HTTPD_PID:httpd"
	[ "${LINK[kv]:-0}" = 1 ] && nginx_up kv ${P}ks && KEEP[kv]="${PIDS[-1]}:nginx"
	[ "${LINK[kt]:-0}" = 1 ] && nginx_up kt ${P}ts && KEEP[kt]+=" ${PIDS[-1]}:nginx"
	[ "${LINK[ae]:-0}" = 1 ] && nginx_up ae ${P}app "$WORK/aetherd.sock" &&
		KEEP[ae]+=" ${PIDS[-1]}:nginx"
	[ "${LINK[af]:-0}" = 1 ] && nginx_up af ${P}fapp "$WORK/aetherd-off.sock" &&
		KEEP[af]+=" ${PIDS[-1]}:nginx"
	[ "${LINK[aj]:-0}" = 1 ] && nginx_up aj ${P}japp "$WORK/aetherd-j.sock" &&
		KEEP[aj]+=" ${PIDS[-1]}:nginx"
	for t in "${TARGETS[@]}" af aj; do
		[ "${LINK[$t]:-0}" = 1 ] || continue
		if wait_for 15 http_ok "${CLI[$t]}" "http://${ADDR[$t]}/hello.html"; then
			HTTP[$t]=1
		else
			fail "path $t: no HTTP server answering"
			sed 's/^/#   /' "$WORK/nginx-$t/error.log" >&2 2>/dev/null
		fi
	done
}

# survived PART PREFIX: every path's server processes (KEEP) are still
# running after PART; if one died, the path is down from here on and every
# value it gave under PREFIX is marked FAIL (it may have died mid-run)
survived() {
	local t p k
	for t in "${TARGETS[@]}" af aj pa; do
		[ "${LINK[$t]:-0}" = 1 ] || continue
		for p in ${KEEP[$t]:-}; do
			kill -0 "${p%%:*}" 2>/dev/null && continue
			fail "path $t: ${p#*:} (pid ${p%%:*}) died during the $1 part"
			LINK[$t]=0; HTTP[$t]=0
			for k in $(awk -v t="$t" -v p="$2" '$2 == t && index($1, p) == 1 { print $1 }' "$RES" | sort -u); do
				rec "$k" "$t" FAIL
			done
			break
		done
	done
}

# need LINK|HTTP TARGET KEY...: true if TARGET is up that far; if not, its
# KEYs are recorded as FAIL (the reason was reported when it came up)
need() {
	local v
	if [ "$1" = LINK ]; then v=${LINK[$2]:-0}; else v=${HTTP[$2]:-0}; fi
	[ "$v" = 1 ] && return 0
	local t=$2 k
	shift 2
	for k; do rec "$k" "$t" FAIL; done
	return 1
}

# --- benchmarks ----------------------------------------------------------------

# bench_icmp: $PINGS echo requests 2 ms apart to each path
bench_icmp() {
	local t out v
	for t in "${TARGETS[@]}"; do
		need LINK $t icmp.p50 icmp.p99 icmp.max icmp.lost || continue
		out=$WORK/ping.$t
		timeout $((PINGS / 100 + 60)) ip netns exec "${CLI[$t]}" \
			ping -n -c "$PINGS" -i 0.002 -W 1 "${ADDR[$t]}" >"$out" 2>&1
		if ! v=$(python3 "$HERE/bench.py" ping "$out"); then
			fail "icmp $t: no replies ($(tail -2 "$out" | tr '\n' ' '))"
			for k in p50 p99 max lost; do rec icmp.$k "$t" FAIL; done
			continue
		fi
		set -- $v
		rec icmp.p50 "$t" "$1"; rec icmp.p99 "$t" "$2"; rec icmp.max "$t" "$3"
		rec icmp.lost "$t" $((PINGS - $4))
	done
}

# rr_servers: aether-rr server on port 7000 of each path's server (kv and kt
# on the kernel, ae under LD_PRELOAD; pa's was started by pasta_up, inside
# pasta's namespace); RRS[t]=1 where one listens
declare -A RRS
rr_servers() {
	[ "${LINK[kv]:-0}" = 1 ] && bg ip netns exec ${P}ks "$BIN/aether-rr" server 7000 >/dev/null 2>&1 && RRS[kv]=1
	[ "${LINK[kt]:-0}" = 1 ] && bg ip netns exec ${P}ts "$BIN/aether-rr" server 7000 >/dev/null 2>&1 && RRS[kt]=1
	[ "${LINK[ae]:-0}" = 1 ] && bg ip netns exec ${P}app env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$WORK/aetherd.sock" "$BIN/aether-rr" server 7000 >/dev/null 2>"$WORK/rr-ae.log" && RRS[ae]=1
	[ "${LINK[pa]:-0}" = 1 ] && RRS[pa]=1
	sleep 0.5
}

# rr_one KEY TARGET NS REP: one aether-rr client run from NS to TARGET's
# server, recorded under KEY.p50 and KEY.p99
rr_one() {
	local k=$1 t=$2 out=$WORK/$1.$2.$4
	if ! timeout $((RR / 100 + 30)) ip netns exec "$3" "$BIN/aether-rr" \
		client "${ADDR[$t]}" 7000 "$RR" >"$out" 2>&1; then
		fail "$k $t (run $4): $(tail -1 "$out")"
		rec $k.p50 "$t" FAIL; rec $k.p99 "$t" FAIL
		return
	fi
	set -- $(cat "$out")
	rec $k.p50 "$t" "$1"; rec $k.p99 "$t" "$2"
}

# rr_busy_up: a second aetherd with --busy-poll $BUSY_US and an aether-rr
# server under AETHER_BUSY_POLL=$BUSY_US: the opt-in latency mode (rr.bp)
BUSY_US=${BENCH_BUSY_US:-50}
rr_busy_up() {
	aether_up ${P}q ${P}qapp "$WORK/busy.sock" "$WORK/aetherd-busy.log" \
		--busy-poll "$BUSY_US" ${BENCH_AE_ARGS:-} || return 1
	bg ip netns exec ${P}qapp env LD_PRELOAD="$SO" AETHER_SOCKET="$WORK/busy.sock" \
		AETHER_BUSY_POLL="$BUSY_US" "$BIN/aether-rr" server 7000 >/dev/null 2>&1
	sleep 0.5
}

# bench_rr: $REPS runs of $RR 14-byte TCP round trips on kv, kt, ae, pa in
# turn, and on aether with busy polling on both sides
bench_rr() {
	local t r bp=0
	rr_servers
	rr_busy_up && bp=1 || fail "rr busy-poll: the second aetherd did not come up"
	for ((r = 1; r <= REPS; r++)); do
		for t in kv kt ae pa; do
			[ "${RRS[$t]:-0}" = 1 ] || { rec rr.p50 "$t" FAIL; rec rr.p99 "$t" FAIL; continue; }
			rr_one rr $t "${CLI[$t]}" $r
		done
		if [ $bp = 1 ]; then
			rr_one rr.bp ae ${P}q $r
		else
			rec rr.bp.p50 ae FAIL; rec rr.bp.p99 ae FAIL
		fi
	done
}

# bench_connect: $CONNS sequential curl GETs, each on a new connection
bench_connect() {
	local t out n
	for t in "${TARGETS[@]}"; do
		need HTTP $t conn.p50 conn.p99 || continue
		out=$WORK/connect.$t
		timeout 300 ip netns exec "${CLI[$t]}" curl -s --max-time 280 \
			-H 'Connection: close' -o /dev/null \
			-w '%{http_code} %{num_connects} %{time_total}\n' \
			"http://${ADDR[$t]}/hello.html?n=[1-$CONNS]" >"$out" 2>&1
		n=$(awk '$1 == 200 && $2 == 1 { n++ } END { print n + 0 }' "$out")
		if [ "$n" != "$CONNS" ]; then
			fail "connect $t: $n of $CONNS requests got 200 on a new connection"
			rec conn.p50 "$t" FAIL; rec conn.p99 "$t" FAIL
			continue
		fi
		awk '{ print $3 * 1e6 }' "$out" >"$out.us"
		set -- $(python3 "$HERE/bench.py" pct "$out.us")
		rec conn.p50 "$t" "$1"; rec conn.p99 "$t" "$2"
	done
}

# ae_counters: aetherd's counters on the aether path now, "group.name value"
ae_counters() { AETHER_SOCKET="$WORK/aetherd.sock" "$BIN/aether" stats 2>/dev/null; }

# per_req_rows KEY TARGET N J0 J1 C0 C1: the k1k part's costs per request:
# whole-machine CPU microseconds (busy jiffies J0..J1), and on the aether
# path the doorbells and NOTIFYs (counter dumps C0, C1) per request
per_req_rows() {
	local key=$1 t=$2 n=$3 hz
	hz=$(getconf CLK_TCK)
	rec $key.cpu "$t" "$(awk -v d=$(($5 - $4)) -v n="$n" -v hz="$hz" 		'BEGIN { printf "%.1f", d * 1e6 / hz / n }')"
	[ "$t" = ae ] || return 0
	rec $key.db "$t" "$(awk -v n="$n" 'NR == FNR { a[$1] = $2; next }
		$1 == "ipc.doorbells" { printf "%.3f", ($2 - a[$1]) / n }' "$6" "$7")"
	rec $key.nt "$t" "$(awk -v n="$n" 'NR == FNR { a[$1] = $2; next }
		$1 == "ipc.notifies" { printf "%.3f", ($2 - a[$1]) / n }' "$6" "$7")"
}

# wrk_one MODE CONNS TARGET REP: one wrk run, recorded under http.MODE.cCONNS;
# MODE keep and close: hello.html with wrk -t1 (close with Connection: close),
# k1k: issue 14's row, the 1 KiB body kept alive with wrk -t2
wrk_one() {
	local mode=$1 c=$2 t=$3 r=$4 key=http.$1.c$2 out=$WORK/wrk.$1.$2.$3.$4 hdr=() v
	local thr=1 page=hello.html
	[ "$mode" = close ] && hdr=(-H 'Connection: close')
	[ "$mode" = k1k ] && thr=2 page=1k.html
	need HTTP $t $key.rps $key.p50 $key.p99 || return
	local j0 j1
	j0=$(busy_jiffies)
	[ "$t" = ae ] && ae_counters >"$out.c0"
	timeout $((DUR + 30)) ip netns exec "${CLI[$t]}" wrk -t$thr -c"$c" -d"${DUR}s" \
		--timeout 5s --latency "${hdr[@]}" "http://${ADDR[$t]}/$page" >"$out" 2>&1
	local rc=$?
	j1=$(busy_jiffies)
	[ "$t" = ae ] && ae_counters >"$out.c1"
	if [ $rc -ne 0 ] || ! v=$(python3 "$HERE/bench.py" wrk "$out"); then
		fail "wrk $mode -c$c on $t (run $4): exit $rc: $(tail -3 "$out" | tr '\n' ' ')"
		rec $key.rps "$t" FAIL; rec $key.p50 "$t" FAIL; rec $key.p99 "$t" FAIL
		return
	fi
	set -- $v
	if [ "$4" = 0 ] || [ "$1" = 0 ]; then
		fail "wrk $mode -c$c on $t: no request completed"
		rec $key.rps "$t" FAIL; return
	fi
	if [ $(($5 * 100)) -gt "$4" ]; then
		fail "wrk $mode -c$c on $t (run $r): $5 errors in $4 requests (over 1%)"
		rec $key.rps "$t" FAIL; rec $key.p50 "$t" FAIL; rec $key.p99 "$t" FAIL
		return
	fi
	rec $key.rps "$t" "$1"; rec $key.p50 "$t" "$2"; rec $key.p99 "$t" "$3"
	rec $key.errors "$t" "$5"
	if [ "$mode" = k1k ]; then
		per_req_rows $key "$t" "$4" "$j0" "$j1" "$out.c0" "$out.c1"
	fi
}

bench_http() {
	local mode c r t
	for c in 50 400; do
		for ((r = 1; r <= REPS; r++)); do
			for t in kv kt ae; do
				wrk_one k1k $c $t $r
			done
		done
	done
	# close c50: issue 15's new-connections/s goal (0.8x the kernel)
	for ((r = 1; r <= REPS; r++)); do
		for t in kv kt ae; do
			wrk_one close 50 $t $r
		done
	done
	[ "$FULL" = 1 ] || return 0
	for mode in keep close; do
		for c in 1 32; do
			for ((r = 1; r <= REPS; r++)); do
				for t in "${TARGETS[@]}"; do
					wrk_one $mode $c $t $r
				done
			done
		done
	done
}

# busy_jiffies: the whole machine's busy time so far (/proc/stat cpu line:
# user nice system irq softirq steal), in jiffies
busy_jiffies() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat; }

# perf_start TARGET DIR REP / perf_stop: with BENCH_PERF=1, profile aetherd
# (path ae) during the first run each way; the top symbols go under the table
perf_start() {
	PERF_PID=
	[ "${BENCH_PERF:-0}" = 1 ] && [ "$1" = ae ] && [ "$3" = 1 ] &&
		command -v perf >/dev/null || return 0
	perf record -q -F 1999 -g -p "$AE_PID" -o "$WORK/perf.$2.data" \
		>/dev/null 2>&1 & PERF_PID=$!
	PERF_DIR=$2
	sleep 0.2
}
perf_stop() {
	[ -n "${PERF_PID:-}" ] || return 0
	kill -INT "$PERF_PID" 2>/dev/null; wait "$PERF_PID" 2>/dev/null
	{
		echo "perf: aetherd during iperf3 $PERF_DIR (self time, symbols over 1.5%):"
		perf report -q -i "$WORK/perf.$PERF_DIR.data" --stdio --no-children \
			--sort dso,symbol --percent-limit 1.5 -g none 2>/dev/null |
			awk 'NF >= 4 { printf "  %7s  %-20s %s\n", $1, $2, $4 }' | head -25
	} >>"$NOTES"
	PERF_PID=
}

# iperf_one DIR TARGET REP: iperf3 for $DUR s; DIR rx = the server receives,
# tx = the server sends (-R); also the machine's CPU jiffies per GB moved
iperf_one() {
	local out=$WORK/iperf.$1.$2.$3 rev=() v rc j0 j1
	[ "$1" = tx ] && rev=(-R)
	need LINK $2 bulk.iperf.$1 bulk.cpu.$1 || return
	perf_start "$2" "$1" "$3"
	j0=$(busy_jiffies)
	timeout $((DUR + 30)) ip netns exec "${CLI[$2]}" iperf3 -c "${ADDR[$2]}" \
		-t "$DUR" -J "${rev[@]}" >"$out" 2>"$out.err"
	rc=$?
	j1=$(busy_jiffies)
	perf_stop
	if [ $rc -ne 0 ] || ! v=$(python3 "$HERE/bench.py" iperf "$out" 2>>"$out.err"); then
		fail "iperf3 $1 on $2 (run $3): exit $rc: $(tail -2 "$out.err" | tr '\n' ' ')"
		rec bulk.iperf.$1 "$2" FAIL
		rec bulk.cpu.$1 "$2" FAIL
		return
	fi
	set -- "$1" "$2" $v
	rec bulk.iperf.$1 "$2" "$3"
	rec bulk.cpu.$1 "$2" "$(awk -v j=$((j1 - j0)) -v b="$5" 'BEGIN { printf "%.1f", j / (b / 1e9) }')"
}

# curl_bulk TARGET REP: GET the $BULK_MIB MiB file, Gbit/s from curl's time
curl_bulk() {
	local out=$WORK/bulk.$1.$2 want=$((BULK_MIB * 1048576))
	need HTTP $1 bulk.curl || return
	timeout 300 ip netns exec "${CLI[$1]}" curl -s --max-time 280 -o /dev/null \
		-w '%{http_code} %{size_download} %{time_total}\n' \
		"http://${ADDR[$1]}/bulk" >"$out" 2>&1
	set -- $1 $2 $(cat "$out")
	if [ "${3:-}" != 200 ] || [ "${4:-}" != "$want" ]; then
		fail "bulk curl on $1 (run $2): got '${3:-} ${4:-}', wanted 200 $want"
		rec bulk.curl "$1" FAIL
		return
	fi
	rec bulk.curl "$1" "$(awk -v b="$4" -v s="$5" 'BEGIN { printf "%.3f", b * 8 / s / 1e9 }')"
}

# bench_bulk: iperf3 both ways on kv kt ae aj pa (and af), then with
# BENCH_FULL=1 the curl of the bulk file
bench_bulk() {
	local r t d ok=1 ip=(kv kt ae aj)
	[ "$FULL" = 1 ] && ip+=(af)
	if [ "$FULL" = 1 ]; then
		say "writing the ${BULK_MIB} MiB file"
		head -c $((BULK_MIB * 1048576)) /dev/urandom >"$WWW/bulk" || {
			fail "cannot write the bulk file"; return; }
	fi
	bg ip netns exec ${P}ks iperf3 -s -B 10.10.0.2 >"$WORK/iperf-s.kv" 2>&1
	bg ip netns exec ${P}ts iperf3 -s -B 10.9.0.2 >"$WORK/iperf-s.kt" 2>&1
	bg ip netns exec ${P}app env LD_PRELOAD="$SO" AETHER_SOCKET="$WORK/aetherd.sock" \
		iperf3 -s >"$WORK/iperf-s.ae" 2>&1
	[ "${LINK[af]:-0}" = 1 ] &&
		bg ip netns exec ${P}fapp env LD_PRELOAD="$SO" \
			AETHER_SOCKET="$WORK/aetherd-off.sock" iperf3 -s >"$WORK/iperf-s.af" 2>&1
	[ "${LINK[aj]:-0}" = 1 ] &&
		bg ip netns exec ${P}japp env LD_PRELOAD="$SO" \
			AETHER_SOCKET="$WORK/aetherd-j.sock" iperf3 -s >"$WORK/iperf-s.aj" 2>&1
	sleep 1
	for ((r = 1; r <= REPS; r++)); do
		for d in rx tx; do
			for t in "${ip[@]}"; do
				iperf_one $d $t $r
			done
			[ "${LINK[pa]:-}" ] && iperf_one $d pa $r
		done
		[ "$FULL" = 1 ] || continue
		for t in "${TARGETS[@]}" af aj; do
			curl_bulk $t $r
		done
	done
	rm -f "$WWW/bulk"
}

# imp_fetch KEY TARGET REP NS URL [SOCK]: fetch URL from NS (preloaded when
# SOCK is given), check it is the file, record the seconds it took
imp_fetch() {
	local key=$1 t=$2 r=$3 ns=$4 url=$5 out=$WORK/imp.$1.$2.$3 pre=()
	[ $# -ge 6 ] && pre=(env LD_PRELOAD="$SO" AETHER_SOCKET="$6")
	rm -f "$WORK/got"
	timeout 200 ip netns exec "$ns" "${pre[@]}" curl -s --max-time 180 \
		-o "$WORK/got" -w '%{http_code} %{time_total}\n' "$url" >"$out" 2>&1
	set -- $(cat "$out")
	if [ "${1:-}" != 200 ] || ! cmp -s "$WORK/got" "$WWW/imp"; then
		fail "impaired $key on $t (run $r): '$(cat "$out")', file differs or missing"
		rec "$key" "$t" FAIL
		return
	fi
	rec "$key" "$t" "$2"
}

imp_failed() {
	local k t
	for k in impair.tx impair.rx; do for t in kt ae; do rec $k $t FAIL; done; done
	rec impair.tx.kdef kt FAIL
}

# set_cc NS DST DEV CC: the kernel in NS sends on route DST dev DEV with TCP
# congestion control CC (ip route congctl: per route, as a child namespace
# may not set its default to cubic); "default" puts back the plain route.
# False, with a line on stderr, unless `ip route` then shows it.
set_cc() {
	local cur
	if [ "$4" = default ]; then
		ip -n "$1" route replace "$2" dev "$3" || return 1
		cur=$(ip -n "$1" route show exact "$2" dev "$3")
		case "$cur" in *congctl*) say "route $2 in $1 kept its congctl: $cur"; return 1 ;; esac
		return 0
	fi
	ip -n "$1" route replace "$2" dev "$3" congctl "$4" || {
		say "cannot set congctl $4 on route $2 dev $3 in $1"; return 1; }
	cur=$(ip -n "$1" route show exact "$2" dev "$3")
	case " $cur " in *" congctl $4 "*) return 0 ;; esac
	say "route $2 dev $3 in $1 does not show congctl $4: '$cur'"
	return 1
}

# imp_bbr: BBR against BBR on the same impaired link: the kernel-tap server
# sends with bbr (by route), and a second aetherd started with --congestion
# bbr serves the file through preloaded nginx
imp_bbr() {
	local r
	if ! set_cc ${P}is 10.11.0.0/24 imp0 bbr ||
	   ! aether_up ${P}b ${P}bapp "$WORK/bbr.sock" "$WORK/aetherd-bbr.log" \
		--impair "$IMP_SPEC" --congestion bbr; then
		fail "impaired BBR rows: kernel route or aetherd --congestion bbr not up"
		rec impair.tx.bbr kt FAIL
		rec impair.tx.bbr ae FAIL
		return
	fi
	nginx_up iab ${P}bapp "$WORK/bbr.sock"
	if ! wait_for 20 http_ok ${P}b http://192.168.1.2/hello.html; then
		fail "impaired BBR rows: Aether's nginx not answering"
		rec impair.tx.bbr ae FAIL
	fi
	for ((r = 1; r <= REPS; r++)); do
		imp_fetch impair.tx.bbr kt $r ${P}ic http://10.11.0.2/imp
		imp_fetch impair.tx.bbr ae $r ${P}b http://192.168.1.2/imp
	done
	kill -USR1 "$AETHERD_PID" 2>/dev/null
	wait_for 5 grep -q '^aetherd: stats end' "$WORK/aetherd-bbr.log"
	{
		echo "BBR row: kernel-tap sender by route congctl bbr; aetherd --congestion bbr:"
		echo "  aether: $(grep -E '^tcp\.(out_segs|retrans_segs|timeouts|paced) ' \
			"$WORK/aetherd-bbr.log" | sed 's/^tcp\.//' | paste -sd' ')"
	} >>"$NOTES"
}

bench_impair() {
	local r
	head -c $((IMP_MIB * 1048576)) /dev/urandom >"$WWW/imp" || {
		fail "cannot write the impair file"; return; }
	if ! relay_up ${P}ic ${P}is "$IMP_SPEC" "$WORK/relay-imp.log" 10.11.0 ||
	   ! aether_up ${P}i ${P}iapp "$WORK/imp.sock" "$WORK/aetherd-imp.log" \
		--impair "$IMP_SPEC"; then
		fail "impaired paths did not come up"
		imp_failed
		return
	fi
	local IMP_RELAY=$RELAY_PID IMP_AETHERD=$AETHERD_PID ks
	# Every kernel that sends data here sends with CUBIC, as Aether does
	# (this machine's default is BBR, which Aether does not implement): both
	# kernel-tap namespaces, and the aether path's kernel peer (its nginx
	# sends to Aether's curl in the 'receives' runs).
	if ! set_cc ${P}is 10.11.0.0/24 imp0 cubic || ! set_cc ${P}ic 10.11.0.0/24 imp0 cubic ||
	   ! set_cc ${P}i 192.168.1.0/24 aether0 cubic; then
		fail "impaired paths: the kernel senders cannot be set to cubic"
		imp_failed
		return
	fi
	nginx_up iks ${P}is
	nginx_up ikc ${P}ic
	nginx_up iae ${P}iapp "$WORK/imp.sock"
	nginx_up iak ${P}i
	# a lossy link may drop a probe: allow time
	if ! wait_for 20 http_ok ${P}ic http://10.11.0.2/hello.html ||
	   ! wait_for 20 http_ok ${P}is http://10.11.0.1/hello.html ||
	   ! wait_for 20 http_ok ${P}i http://192.168.1.2/hello.html; then
		fail "impaired paths: no HTTP server answering"
		imp_failed
		return
	fi
	for ((r = 1; r <= REPS; r++)); do
		# the server side sends: kernel server ns, or Aether's nginx
		imp_fetch impair.tx kt $r ${P}ic http://10.11.0.2/imp
		imp_fetch impair.tx ae $r ${P}i http://192.168.1.2/imp
		# the server side receives: curl there, kernel nginx across the link
		imp_fetch impair.rx kt $r ${P}is http://10.11.0.1/imp
		imp_fetch impair.rx ae $r ${P}iapp http://192.168.1.1/imp "$WORK/imp.sock"
	done
	ks=$(kstat ${P}is)
	# for information: the kernel-tap sender with the kernel's default
	# congestion control (bbr here), the figure the kernel gives out of the box
	if set_cc ${P}is 10.11.0.0/24 imp0 default; then
		for ((r = 1; r <= REPS; r++)); do
			imp_fetch impair.tx.kdef kt $r ${P}ic http://10.11.0.2/imp
		done
	else
		fail "impaired kernel-tap: cannot put back the kernel's default congestion control"
		rec impair.tx.kdef kt FAIL
	fi
	imp_bbr
	# evidence the link was impaired: each side's own counters
	kill -USR1 "$IMP_RELAY" "$IMP_AETHERD" 2>/dev/null
	wait_for 5 grep -q '^aetherd: stats end' "$WORK/aetherd-imp.log"
	wait_for 5 grep -q 'b->a' "$WORK/relay-imp.log"
	{
		echo "aether-impair ($IMP_SPEC) counters after the impaired runs:"
		grep -E '(a->b|b->a) ' "$WORK/relay-imp.log" | sed 's/^aether-impair: /  /'
		echo "aetherd --impair ($IMP_SPEC) counters after the impaired runs:"
		grep -E '^impair_(in|out)\.(submitted|dropped|delivered) ' \
			"$WORK/aetherd-imp.log" | paste -sd' ' | sed 's/^/  /'
		echo "kernel senders: cubic by route (ip route ... congctl cubic) in ${P}is, ${P}ic, ${P}i;" \
			"the kernel default here is $KDEF (row 'kernel default' only)"
		echo "TCP of the server side after the impaired cubic runs (it retransmits in the 'sends' runs):"
		echo "  kernel: $ks"
		echo "  aether: $(grep -E '^tcp\.(out_segs|retrans_segs|timeouts|fast_retrans) ' \
			"$WORK/aetherd-imp.log" | sed 's/^tcp\.//' | paste -sd' ')"
	} >>"$NOTES"
	rm -f "$WWW/imp" "$WORK/got"
}

# kstat NS: the kernel TCP counters of NS that match aetherd's tcp.* ones
kstat() {
	ip netns exec "$1" cat /proc/net/snmp /proc/net/netstat | awk '
		$1 == "Tcp:" || $1 == "TcpExt:" {
			if (!($1 in hdr)) { hdr[$1] = 1; for (i = 2; i <= NF; i++) n[$1, i] = $i; next }
			for (i = 2; i <= NF; i++) v[n[$1, i]] = $i
		}
		END {
			printf "out_segs %d retrans_segs %d timeouts %d fast_retrans %d\n",
				v["OutSegs"], v["RetransSegs"], v["TCPTimeouts"], v["TCPFastRetrans"]
		}'
}

# section NAME: note the load average before NAME
section() {
	local l
	l=$(loadavg)
	echo "$1: $l" >>"$LOADS"
	say "== $1 (load average $l)"
}

# --- the run -------------------------------------------------------------------

STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
BEGAN=$SECONDS
STAMP=$(date -u +%Y-%m-%dT%H%MZ)
HOST=$(hostname -s 2>/dev/null || hostname)
section start

if on icmp || on rr || on connect || on http || on bulk; then
	lab_up
	on icmp && { section icmp; bench_icmp; survived icmp icmp.; }
	on rr && { section rr; bench_rr; survived rr rr.; }
	on connect && { section connect; bench_connect; survived connect conn.; }
	on http && { section http; bench_http; survived http http.; }
	on bulk && { section bulk; bench_bulk; survived bulk bulk.; }
	stop_all
fi
on impair && { section impair; bench_impair; stop_all; }
section end
ENDED=$SECONDS

{
	echo "bulk_mib=$BULK_MIB"
	echo "impair_spec=$IMP_SPEC"
	echo "impair_mib=$IMP_MIB"
	echo "kernel_default_cc=$KDEF"
	echo "reps=$REPS"
	echo "busy_us=$BUSY_US"
} >"$META"

REV=$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git -C "$TOP" status --porcelain --untracked-files=no -- stack ipc client host daemon tools preload examples 2>/dev/null | wc -l)
report() {
	echo "Aether vs the kernel TCP/IP stack, side by side (bench/run.sh)"
	echo "started $STARTED on $HOST: $(nproc) cores, $(uname -r), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "source: git $REV$([ "$DIRTY" -gt 0 ] && echo " + $DIRTY modified files under stack/ ipc/ client/ host/ daemon/ tools/ preload/ examples/")"
	echo "set: $([ "$FULL" = 1 ] && echo full || echo 'default (the issue-14 rows; BENCH_FULL=1 for all)'), parts $ONLY, took $((ENDED - BEGAN)) s"
	echo "settings: wrk/iperf3 ${DUR}s, $REPS runs each (paths in turn), $PINGS pings, $CONNS connects, bulk $BULK_MIB MiB, impaired $IMP_MIB MiB with $IMP_SPEC (kernel senders: cubic; kernel default $KDEF)"
	echo "tools: $(nginx -v 2>&1 | sed 's/.*version: //'), $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), $(iperf3 -v | head -1 | cut -d' ' -f1-2), $(curl --version | head -1 | cut -d' ' -f1-2)"
	echo "load average (1/5/15 min) before each part:"
	sed 's/^/  /' "$LOADS"
	echo "paths: kernel-veth = kernel client ns -veth- kernel server ns"
	echo "       kernel-tap  = kernel client ns -TAP- aether-impair (clean) -TAP- kernel server ns"
	echo "       aether      = kernel client ns -TAP- aetherd -shm- nginx/iperf3 via LD_PRELOAD"
	echo "       aether-nooff = the same, aetherd --offload off (bulk rows only)"
	echo "       aether-65520 = the same as aether, TAP MTU 65520 (bulk rows only)"
	command -v pasta >/dev/null &&
		echo "       pasta       = kernel client ns -veth- pasta (passt) port forward -TAP (MTU 65520)- iperf3/aether-rr ns (iperf3 and rr rows)"
	echo "       embedded    = kernel client ns -TAP- examples/httpd (stack linked in)"
	echo
	python3 "$HERE/bench.py" table "$RES" "$META"
	if [ -s "$NOTES" ]; then
		echo
		cat "$NOTES"
	fi
	if [ ${#FAILED[@]} -gt 0 ]; then
		echo
		echo "FAILED (${#FAILED[@]}):"
		printf '  %s\n' "${FAILED[@]}"
	fi
}
mkdir -p "$OUTDIR"
OUT=$OUTDIR/$STAMP-$HOST.txt
report | tee "$OUT"
echo "bench: results written to $OUT" >&2
if command -v gnuplot >/dev/null; then
	python3 "$HERE/bench.py" plot "$RES" "${OUT%.txt}" | sed 's/^/bench: plot /' >&2 ||
		fail "plots: gnuplot failed"
else
	say "gnuplot not installed (tests/deps.sh test): no plots"
fi
if [ ${#FAILED[@]} -gt 0 ]; then
	echo "bench: ${#FAILED[@]} measurement(s) FAILED; see above" >&2
	exit 1
fi
exit 0

#!/bin/bash
# bench/memcurve.sh: memory under sustained load, Aether beside the kernel
# (`make bench` runs it after run.sh). nginx (2 workers, 1 KiB page) serves
# wrk -t2 -c$MEM_CONNS keep-alive for MEM_SECS, then idles MEM_IDLE seconds;
# every 2 s one line per stack:
#   aether  aetherd's private memory (Pss_Anon) + every resident ring page
#           (ipc.ring_resident_bytes + pool_resident_bytes, each page once),
#           and aetherd's RSS for reference
#   kernel  the same nginx on the kernel, over a veth: the server
#           namespace's TCP socket memory, sum over its sockets of `ss -tm`
#           r + w + f (receive queue, send queue, forward allocation)
# Environment: MEM_CONNS (400), MEM_SECS (30), MEM_IDLE (6). Needs root.
. "$(dirname "$0")/../tests/integration/lib.sh"

CONNS=${MEM_CONNS:-400}
SECS=${MEM_SECS:-30}
IDLE=${MEM_IDLE:-6}
APPNS=${NS}app KS=${NS}ks KC=${NS}kc

[ "$(id -u)" = 0 ] || { echo "memcurve: must run as root" >&2; exit 2; }
mkdir -p "$WORK/www"
head -c 1024 /dev/zero | tr '\0' a >"$WORK/www/page.html"
nginx_conf "$WORK/www" 8081 4096
sed -i 's/access_log off;/access_log off;\n\tkeepalive_requests 1000;/' "$WORK/nginx/nginx.conf"

# curve LABEL SAMPLE_FN CLIENT_NS URL: wrk for SECS, sampling every 2 s
# through SAMPLE_FN until IDLE s after it ends
curve() {
	local label=$1 fn=$2 t=0 wpid
	ip netns exec "$3" timeout $((SECS + 30)) wrk -t2 -c"$CONNS" -d"${SECS}s" \
		--timeout 2s "$4" >"$WORK/wrk.$label" 2>&1 & wpid=$!
	while [ $t -le $((SECS + IDLE)) ]; do
		echo "$label t=$t $($fn)"
		sleep 2; t=$((t + 2))
	done
	wait "$wpid"
	echo "$label wrk: $(awk '/Requests\/sec/ { print $2 " req/s" }' "$WORK/wrk.$label")" \
		"$(grep -h 'Socket errors' "$WORK/wrk.$label")"
}

# --- Aether -------------------------------------------------------------------
ns_add "$NS" && ns_add "$APPNS" || exit 2
ip -n "$NS" tuntap add mode tap name aether0 &&
	ip -n "$NS" addr add 192.168.1.1/24 dev aether0 &&
	ip -n "$NS" link set aether0 up || exit 2
bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 >"$WORK/aetherd.log" 2>&1
AETHERD_PID=${PIDS[-1]}
wait_for 5 nsx ping -c1 -W1 192.168.1.2 >/dev/null || { echo "memcurve: no aetherd" >&2; exit 2; }
bg ip netns exec "$APPNS" env LD_PRELOAD="$B/libaether.so" AETHER_SOCKET="$AETHER_SOCKET" \
	nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
NGINX_PID=${PIDS[-1]}
wait_for 20 nsx curl -sf -o /dev/null http://192.168.1.2:8081/page.html || exit 2
aether_mem() {
	local anon rss ring
	anon=$(awk '/^Pss_Anon:/ { print $2 }' "/proc/$AETHERD_PID/smaps_rollup")
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$AETHERD_PID/status")
	ring=$("$B/aether" stats | awk '$1 == "ipc.ring_resident_bytes" || $1 == "ipc.pool_resident_bytes" { s += $2 } END { print int(s / 1024) }')
	echo "memory_kB $((anon + ring)) (aetherd anon $anon + rings $ring; aetherd rss $rss)"
}
curve aether aether_mem "$NS" http://192.168.1.2:8081/page.html
stop_pid "$NGINX_PID"

# --- kernel ---------------------------------------------------------------------
ns_add "$KS" && ns_add "$KC" || exit 2
ip link add kv0 netns "$KS" type veth peer name kv1 netns "$KC" || exit 2
ip -n "$KS" addr add 10.9.2.1/24 dev kv0 && ip -n "$KS" link set kv0 up &&
	ip -n "$KC" addr add 10.9.2.2/24 dev kv1 && ip -n "$KC" link set kv1 up || exit 2
bg ip netns exec "$KS" nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf"
wait_for 20 ip netns exec "$KC" curl -sf -o /dev/null http://10.9.2.1:8081/page.html || exit 2
kernel_mem() {
	ip netns exec "$KS" ss -tmH | grep -o 'skmem:([^)]*)' |
		awk -F'[(,)]' '{ for (i = 2; i < NF; i++) { k = $i; v = $i
			gsub(/[0-9]/, "", k); gsub(/[a-z]/, "", v)
			if (k == "r" || k == "w" || k == "f") s += v } }
			END { printf "memory_kB %d (sum of ss -tm r+w+f)\n", s / 1024 }'
}
curve kernel kernel_mem "$KC" http://10.9.2.1:8081/page.html

#!/bin/bash
# Stock nginx with Debian's packaged configuration, unchanged: /etc/nginx/
# nginx.conf and sites-enabled/default ("listen 80 default_server; listen
# [::]:80 default_server;", which nginx binds with IPV6_V6ONLY beside
# 0.0.0.0:80), run as the package runs it (master as root, www-data
# workers, port 80, root /var/www/html). Only where it writes is redirected:
# a private tmpfs on /run and /var/log/nginx (the packaged pid file and logs)
# and "-g 'daemon off; error_log stderr;'" so the test holds its PID and log.
#
# It runs on the kernel stack (nginx in a namespace with a veth pair) and on
# Aether (LD_PRELOAD, aetherd serving 192.168.1.2), and must serve the same
# bytes both ways: / over IPv4 from the peer namespace, and / over ::1 from
# the server's own namespace (the V6ONLY listener), plus the same 404.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
KP=${NS}kp
KS=${NS}ks
APPNS=${NS}app
PAGE=/var/www/html/index.nginx-debian.html

command -v nginx >/dev/null && [ -f /etc/nginx/nginx.conf ] && [ -f "$PAGE" ] ||
	{ check "nginx and its packaged configuration installed" false; finish; exit 1; }

# stock_nginx NETNS [ENV...]: the packaged nginx in NETNS, in the background
# (its PID is nginx's master: ip netns exec, unshare and sh all exec)
stock_nginx() {
	local netns=$1; shift
	bg ip netns exec "$netns" env "$@" unshare -m sh -c \
		'mount -t tmpfs tmpfs /run && mount -t tmpfs tmpfs /var/log/nginx &&
		 exec nginx -g "daemon off; error_log stderr;"' \
		>"$WORK/nginx.$netns.log" 2>&1
}

# fetch NETNS OUT URL [ENV...]: GET URL from NETNS into OUT.body, status in OUT.code
fetch() {
	local netns=$1 out=$2 url=$3; shift 3
	ip netns exec "$netns" env "$@" curl -sg -m 5 -o "$out.body" \
		-w '%{http_code}' "$url" >"$out.code" 2>/dev/null
}

# listening NETNS: nginx answers on 192.168.1.2:80
listening() { ip netns exec "$1" curl -s -m 1 -o /dev/null http://192.168.1.2/; }

# --- the kernel run -------------------------------------------------------
if ! kernel_lab "$KP" "$KS"; then
	check "kernel lab up" false; finish; exit 1
fi
stock_nginx "$KS"
if check "kernel: stock nginx serves" wait_for 10 listening "$KP"; then
	fetch "$KP" "$WORK/k4" http://192.168.1.2/
	fetch "$KS" "$WORK/k6" 'http://[::1]/'
	fetch "$KP" "$WORK/k404" http://192.168.1.2/nope.html
	check "kernel: / is the packaged page" cmp -s "$WORK/k4.body" "$PAGE"
fi
stop_pid "${PIDS[-1]}"
sed 's/^/# kernel nginx: /' "$WORK/nginx.$KS.log" | head -5

# --- the Aether run -------------------------------------------------------
if ! lab_up || ! ns_add "$APPNS"; then
	check "aether lab up" false; finish; exit 1
fi
stock_nginx "$APPNS" LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET"
ok=true
check "aether: stock nginx starts and serves" wait_for 10 listening "$NS" || ok=false
if ! $ok || grep -q 'emerg\|bind()' "$WORK/nginx.$APPNS.log"; then
	log "nginx's log on Aether:"
	sed 's/^/#   /' "$WORK/nginx.$APPNS.log" | tail -10
fi
check "aether: no bind error in nginx's log" \
	bash -c "! grep -q 'bind()\|emerg' '$WORK/nginx.$APPNS.log'"
if $ok; then
	fetch "$NS" "$WORK/a4" http://192.168.1.2/
	fetch "$APPNS" "$WORK/a6" 'http://[::1]/' LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET"
	fetch "$NS" "$WORK/a404" http://192.168.1.2/nope.html
	for f in 4 6 404; do
		check "aether: same status as the kernel ($f)" \
			cmp -s "$WORK/k$f.code" "$WORK/a$f.code"
		check "aether: same bytes as the kernel ($f)" \
			cmp -s "$WORK/k$f.body" "$WORK/a$f.body"
	done
	log "status kernel/aether: $(cat "$WORK"/k{4,6,404}.code) / $(cat "$WORK"/a{4,6,404}.code)"
fi
finish

#!/bin/bash
# bench/prof_lib.sh: the lab of connprof.sh and rpsprof.sh, sourced after
# tests/integration/lib.sh. prof_labs_up ROOT URLPATH [NGINX LINE]: aetherd
# on the lab's TAP (no capture: a write per few frames; --no-seccomp so that
# strace may follow it), the empty namespace $APPNS for the preloaded nginx,
# the kernel twin $KPEER/$KSUBJ over veth, and one nginx worker serving ROOT
# on each (the optional LINE goes into its http block); true once both
# serve URLPATH. Sets AETHERD_PID, NA and NK (the two nginx masters).

# prof_nginx_conf DIR ROOT [LINE]: a one-worker nginx serving ROOT on port 80
prof_nginx_conf() {
	mkdir -p "$1"
	cat >"$1/nginx.conf" <<-CONF
	user root;
	daemon off;
	worker_processes 1;
	pid $1/nginx.pid;
	error_log $1/error.log warn;
	events { worker_connections 4096; }
	http {
		access_log off;
		sendfile on;
		${3:-}
		client_body_temp_path $1/body;
		proxy_temp_path $1/proxy;
		fastcgi_temp_path $1/fastcgi;
		uwsgi_temp_path $1/uwsgi;
		scgi_temp_path $1/scgi;
		types { text/html html; }
		default_type application/octet-stream;
		server { listen 80; root $2; }
	}
	CONF
}

# worker_of PID: the nginx worker (the master's child)
worker_of() { pgrep -P "$1" | head -1; }

# prof_ae_lab: the Aether lab namespace and its aetherd
prof_ae_lab() {
	ns_add "$NS" && ip -n "$NS" tuntap add mode tap name aether0 &&
	ip -n "$NS" addr add 192.168.1.1/24 dev aether0 &&
	ip -n "$NS" link set aether0 up || return 1
	bg nsx "$B/aetherd" --tap aether0 --addr 192.168.1.2/24 --no-seccomp \
		${AETHERD_ARGS:-} >"$WORK/aetherd.log" 2>&1
	AETHERD_PID=${PIDS[-1]}
	wait_for 5 nsx ping -c1 -W1 192.168.1.2 >/dev/null
}

prof_labs_up() {
	prof_ae_lab && ns_add "$APPNS" && kernel_lab "$KPEER" "$KSUBJ" ||
		return 1
	prof_nginx_conf "$WORK/ng-ae" "$1" "${3:-}"
	prof_nginx_conf "$WORK/ng-k" "$1" "${3:-}"
	bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET" \
		nginx -p "$WORK/ng-ae" -c "$WORK/ng-ae/nginx.conf"
	NA=${PIDS[-1]}
	bg ip netns exec "$KSUBJ" nginx -p "$WORK/ng-k" -c "$WORK/ng-k/nginx.conf"
	NK=${PIDS[-1]}
	wait_for 10 nsx curl -sf -o /dev/null "http://192.168.1.2/$2" &&
	wait_for 10 ip netns exec "$KPEER" curl -sf -o /dev/null \
		"http://192.168.1.2/$2"
}

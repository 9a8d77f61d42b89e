#!/bin/bash
# Loopback inside Aether: two preloaded programs exchange 20 MB through
# aetherd over 127.0.0.1 and over its own address 192.168.1.2. The bytes must
# arrive intact, the daemon's ip.loop_out counter must show the loopback
# path was taken, and no segment of these connections may appear on the
# TAP (the capture of every frame in and out). Then loopback destinations
# Aether does not serve: preloaded clients reach the kernel's servers there.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
SIZE=20000000

if ! lab_up; then
	check "lab up" false
	finish; exit 1
fi
head -c $SIZE /dev/urandom >"$WORK/src.bin"

# transfer ADDR PORT: one connection, the server writes what it receives
transfer() {
	rm -f "$WORK/dst.bin" "$WORK/srv.out"
	bg env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" timeout 60 \
		python3 -c '
import socket, sys
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("0.0.0.0", int(sys.argv[2])))
l.listen(1)
print("listening", flush=True)
c, a = l.accept()
n = 0
with open(sys.argv[1], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
        n += len(b)
print("peer", a[0], "got", n, flush=True)
' "$WORK/dst.bin" "$2" >"$WORK/srv.out" 2>&1
	wait_for 15 grep -q listening "$WORK/srv.out" || return 1
	env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" timeout 60 \
		python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=30)
s.sendall(open(sys.argv[1], "rb").read())
s.close()
' "$WORK/src.bin" "$1" "$2" || return 1
	wait_for 30 grep -q got "$WORK/srv.out"
}

start=$SECONDS
transfer 127.0.0.1 7001
check "127.0.0.1: 20 MB arrive intact (peer $(awk '/got/ {print $2}' "$WORK/srv.out"))" \
	cmp -s "$WORK/src.bin" "$WORK/dst.bin"
check "127.0.0.1: the server sees the peer as 127.0.0.1" \
	grep -q "peer 127.0.0.1 got $SIZE" "$WORK/srv.out"
transfer 192.168.1.2 7002
check "192.168.1.2: 20 MB arrive intact" cmp -s "$WORK/src.bin" "$WORK/dst.bin"
check "192.168.1.2: the server sees the peer as 192.168.1.2" \
	grep -q "peer 192.168.1.2 got $SIZE" "$WORK/srv.out"
log "two transfers in $((SECONDS - start)) s"
check "both transfers within 40 s" [ $((SECONDS - start)) -le 40 ]

out=$(stat_of ip.loop_out)
drops=$(stat_of ip.loop_drops)
log "ip.loop_out $out, ip.loop_drops $drops"
check "ip.loop_out counts the loopback datagrams (> 20000)" [ "$out" -gt 20000 ]

# --- loopback that Aether does not serve goes to the kernel --------------
# In a namespace of their own (lo up): a kernel server (not preloaded) on
# ports 7101 and 7104, an Aether one (preloaded) on 7102 and 7104; each
# greets with its name. Preloaded clients reach whichever serves the port,
# Aether first (7104).
LNS=${NS}l
LK=$TOP/tests/integration/loop_kernel.py
# lk ARGS: loop_kernel.py ARGS in $LNS, preloaded (with $LK_ENV if set)
lk() {
	ip netns exec "$LNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
		${LK_ENV:-} timeout 20 python3 "$LK" "$@" 2>&1
}
# expect WANT ARGS...: lk ARGS prints a line matching the regex WANT
expect() {
	local want=$1 got; shift
	got=$(lk "$@" | tr '\n' ' ')
	log "$* -> $got"
	[[ $got =~ $want ]]
}
if ns_add "$LNS"; then
	k0=$(stat_of ipc.kernel_loop)
	# the servers live until the script ends (at most 300 s); each says
	# "serving" once all its ports listen, which took 5 s at load 16
	bg ip netns exec "$LNS" timeout 300 python3 "$LK" serve kernel 7101 7104 >"$WORK/lk.out" 2>&1
	bg ip netns exec "$LNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
		timeout 300 python3 "$LK" serve aether 7102 7104 >"$WORK/la.out" 2>&1
	check "kloop: the kernel's server listens" wait_for 30 grep -q serving "$WORK/lk.out"
	check "kloop: Aether's server listens" wait_for 30 grep -q serving "$WORK/la.out"
	check "kloop: 127.0.0.1, only the kernel listens: the kernel's (options kept)" \
		expect '^got kernel nodelay 1 $' get 127.0.0.1 7101
	check "kloop: ::1, only the kernel listens: the kernel's" \
		expect '^got kernel ' get ::1 7101
	check "kloop: non-blocking connect to the kernel's" \
		expect '^connect_ex (EINPROGRESS|0) got kernel ' getnb 127.0.0.1 7101
	check "kloop: connected UDP to the kernel's echo" \
		expect '^got kernel ping $' udp 127.0.0.1 7101
	check "kloop: 127.0.0.1, only Aether listens: Aether's" \
		expect '^got aether ' get 127.0.0.1 7102
	check "kloop: ::1, only Aether listens: Aether's" \
		expect '^got aether ' get ::1 7102
	check "kloop: connected UDP to Aether's echo" \
		expect '^got aether ping $' udp 127.0.0.1 7102
	check "kloop: both listen: Aether's" \
		expect '^got aether ' get 127.0.0.1 7104
	check "kloop: nobody listens: ECONNREFUSED (the kernel's)" \
		expect '^error ECONNREFUSED $' get 127.0.0.1 7109
	check "kloop: nobody listens, non-blocking: ECONNREFUSED" \
		expect 'error ECONNREFUSED $' getnb 127.0.0.1 7109
	LK_ENV=AETHER_LOOPBACK=aether
	check "kloop: AETHER_LOOPBACK=aether keeps it in Aether: ECONNREFUSED" \
		expect '^error ECONNREFUSED $' get 127.0.0.1 7101
	LK_ENV=
	k1=$(stat_of ipc.kernel_loop)
	log "ipc.kernel_loop $k0 -> $k1"
	check "kloop: ipc.kernel_loop counts the connects left to the kernel (6)" \
		[ $((k1 - k0)) -eq 6 ]
	# a preloaded nginx proxying to a kernel backend on 127.0.0.1:7111
	# (nginx puts its upstream socket in epoll before connecting)
	mkdir -p "$WORK/www" && echo "kernel backend page" >"$WORK/www/k.html"
	bg ip netns exec "$LNS" timeout 60 python3 -m http.server 7111 \
		--bind 127.0.0.1 --directory "$WORK/www" >"$WORK/backend.log" 2>&1
	nginx_conf "$WORK/www" 7112 64
	sed -i 's|^\t\troot .*|\t\tlocation / { proxy_pass http://127.0.0.1:7111; }|' \
		"$WORK/nginx/nginx.conf"
	bg ip netns exec "$LNS" env LD_PRELOAD="$SO" AETHER_SOCKET="$AETHER_SOCKET" \
		timeout 60 nginx -c "$WORK/nginx/nginx.conf" >"$WORK/nginx.out" 2>&1
	wait_for 15 bash -c "ip netns exec $LNS ss -Hltn 'sport = :7111' | grep -q 7111"
	# nginx is up once it answers (its first answer may be the 502 of a
	# backend still starting: then ask again)
	wait_for 15 ip netns exec "$LNS" env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET" curl -sf -o /dev/null \
		http://127.0.0.1:7112/k.html
	page=""
	for i in 1 2 3; do	# three requests: three upstream connects
		page+=$(ip netns exec "$LNS" env LD_PRELOAD="$SO" \
			AETHER_SOCKET="$AETHER_SOCKET" timeout 10 curl -s \
			http://127.0.0.1:7112/k.html)
	done
	log "through the preloaded nginx: '$page'"
	check "kloop: a preloaded nginx proxies to a kernel backend on 127.0.0.1" \
		[ "$page" = "kernel backend pagekernel backend pagekernel backend page" ]
	check "kloop: nginx logged no upstream error" \
		bash -c "! grep 'upstream' '$WORK/nginx/error.log'"
else
	check "namespace $LNS" false
fi

# the capture is complete once aetherd has exited
kill "$AETHERD_PID" 2>/dev/null
wait_for 5 bash -c "! kill -0 $AETHERD_PID"
all=$(tshark -r "$WORK/aether.pcap" 2>/dev/null | grep -c .)
check "the capture is readable ($all frames: ARP, the lab's ping)" [ "$all" -gt 0 ]
n=$(tshark -r "$WORK/aether.pcap" -Y "tcp.port == 7001 || tcp.port == 7002" \
	2>/dev/null | grep -c .)
check "no loopback segment on the TAP ($n in the capture)" [ "$n" = 0 ]
finish

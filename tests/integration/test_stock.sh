#!/bin/bash
# Stock configurations and real daemons (issue 16): lighttpd with Debian's
# packaged lighttpd.conf, busybox httpd, redis-server with the packaged
# redis.conf and sshd (openssh-server) each start twice: on Aether
# (preloaded with libaether.so, in an empty namespace of their own) and on
# the kernel (the same command in namespace $KNS, reached over a veth pair
# from the lab namespace). The same client in the lab namespace talks to
# both, and what it gets must be the same bytes.
#
# Only paths are redirected in the packaged configurations (and, for
# redis, bind, daemonize and protected mode; for sshd, StrictModes, because the key file
# lives under /tmp, which is world-writable). sshd's pre-auth child runs a
# seccomp sandbox: if it dies on Aether, the sshd checks FAIL; they are
# never skipped.
. "$(dirname "$0")/lib.sh"

SO=${AETHER_SO:-$B/libaether.so}
APPNS=${NS}app
KNS=${NS}k
AADDR=192.168.1.2
KADDR=10.7.0.2
SSHD=/usr/sbin/sshd

# kernel_up: namespace $KNS with kv1 (10.7.0.2/24), veth peer of kv0
# (10.7.0.1/24) in the lab namespace
kernel_up() {
	ns_add "$KNS" &&
	ip -n "$NS" link add kv0 type veth peer name kv1 netns "$KNS" &&
	ip -n "$NS" addr add 10.7.0.1/24 dev kv0 &&
	ip -n "$NS" link set kv0 up &&
	ip -n "$KNS" addr add "$KADDR/24" dev kv1 &&
	ip -n "$KNS" link set kv1 up &&
	wait_for 5 nsx ping -c1 -W1 "$KADDR" >/dev/null
}

# on STACK CMD...: start CMD in the background on STACK (aether: preloaded,
# in $APPNS; kernel: in $KNS), its output in $WORK/NAME.STACK.out; the PID
# remembered is CMD's own
on() {
	local stack=$1 out
	shift
	out=$WORK/$(basename "$1").$stack.out
	if [ "$stack" = aether ]; then
		bg ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
			AETHER_SOCKET="$AETHER_SOCKET" "$@" >"$out" 2>&1
	else
		bg ip netns exec "$KNS" "$@" >"$out" 2>&1
	fi
	SRV_PID=${PIDS[-1]}
}

addr_of() { if [ "$1" = aether ]; then echo "$AADDR"; else echo "$KADDR"; fi; }

# listening ADDR PORT: a TCP connect from the lab namespace succeeds
listening() { nsx timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# same_files A B: both exist, non-empty, identical
same_files() {
	[ -s "$1" ] && [ -s "$2" ] && cmp -s "$1" "$2" && return 0
	log "differ: $1 ($(sha "$1")) vs $2 ($(sha "$2"))"
	diff <(head -c 2000 "$1") <(head -c 2000 "$2") | head -20 | sed 's/^/#   /'
	return 1
}

# www: the served files (hello.html, 1 MiB of random bytes)
www() {
	mkdir -p "$WORK/www"
	cp "$TOP/examples/www/hello.html" "$WORK/www/"
	head -c 1048576 /dev/urandom >"$WORK/www/blob.bin"
	# lighttpd drops to www-data: it must reach the files
	chmod 755 "$WORK" "$WORK/www"
	chmod 644 "$WORK/www/"*
}

# http_get STACK PORT PATH TAG: response headers (Date dropped: it is the
# only field that may differ) and body, from the lab namespace
http_get() {
	local h=$WORK/$4.$1.hdr b=$WORK/$4.$1.body
	rm -f "$h" "$b"
	nsx curl -s -f --max-time 10 -D "$h.raw" -o "$b" \
		"http://$(addr_of "$1"):$2$3" || { log "$4 on $1: curl failed"; return 1; }
	grep -vi '^date:' "$h.raw" >"$h"
}

# http_same PORT PATH TAG FILE: both stacks answered; bodies equal FILE and
# each other; headers equal
http_same() {
	http_get aether "$1" "$2" "$3" && http_get kernel "$1" "$2" "$3" &&
	same_files "$WORK/$3.aether.body" "$4" &&
	same_files "$WORK/$3.kernel.body" "$4" &&
	same_files "$WORK/$3.aether.hdr" "$WORK/$3.kernel.hdr"
}

# norm FILE: its lines with numbers, addresses and stack names blanked, sorted
norm() {
	sed -E -e 's/[0-9]+/N/g' -e 's/aether|kernel/STACK/g' "$1" 2>/dev/null | sort -u
}

# says_no_more A K: the server on Aether logged no line (numbers, addresses
# and paths aside) that it did not log on the kernel; what it did is shown
says_no_more() {
	local extra
	extra=$(comm -23 <(norm "$1") <(norm "$2"))
	[ -z "$extra" ] && return 0
	log "only on Aether:"
	echo "$extra" | head -8 | sed 's/^/#   /'
	return 1
}

# --- lighttpd ----------------------------------------------------------------
# A copy of the packaged lighttpd.conf with the document root, upload dir,
# error log and pid file redirected by sed (lighttpd refuses a variable
# assigned twice, so an override file cannot do it); everything else,
# including use-ipv6.pl's [::]:80 socket and the conf-enabled includes, is
# the packaged file's.
lighttpd_conf() {
	local d=$WORK/lighttpd-$1
	mkdir -p "$d/uploads"
	# it opens its error log after dropping to www-data
	chown www-data:www-data "$d" "$d/uploads"
	sed -e "s|^server.document-root .*|server.document-root = \"$WORK/www\"|" \
	    -e "s|\"/var/cache/lighttpd/uploads\"|\"$d/uploads\"|" \
	    -e "s|^server.errorlog .*|server.errorlog = \"$d/error.log\"|" \
	    -e "s|^server.pid-file .*|server.pid-file = \"$d/lighttpd.pid\"|" \
	    /etc/lighttpd/lighttpd.conf >"$d/lighttpd.conf"
	diff /etc/lighttpd/lighttpd.conf "$d/lighttpd.conf" | grep -c '^>'
}

lighttpd_up() {
	local n
	n=$(lighttpd_conf "$1")
	[ "$n" -eq 4 ] || { log "lighttpd.conf: $n lines redirected, want 4"; return 1; }
	on "$1" lighttpd -D -f "$WORK/lighttpd-$1/lighttpd.conf"
	eval "LIGHTTPD_$1=$SRV_PID"
	wait_for 10 listening "$(addr_of "$1")" 80 || {
		log "lighttpd on $1 is not listening; its output and error log:"
		cat "$WORK/lighttpd.$1.out" "$WORK/lighttpd-$1/error.log" 2>/dev/null |
			tail -5 | sed 's/^/#   /'
		return 1
	}
}

# --- busybox httpd -----------------------------------------------------------
busybox_up() {
	on "$1" busybox httpd -f -p 8080 -h "$WORK/www"
	eval "BUSYBOX_$1=$SRV_PID"
	wait_for 10 listening "$(addr_of "$1")" 8080
}

# --- redis -------------------------------------------------------------------
# The packaged /etc/redis/redis.conf, unchanged, with overrides on the
# command line (redis applies them after the file): daemonize, pid file, log
# file, data directory and bind; and protected mode, unavoidably: without a
# password, Redis 7 refuses every client that is not on loopback whatever
# bind says, and the client here is another host on both stacks.
redis_up() {
	mkdir -p "$WORK/redis-$1"
	on "$1" redis-server /etc/redis/redis.conf --daemonize no \
		--pidfile "$WORK/redis-$1/redis.pid" \
		--logfile "$WORK/redis-$1/redis.log" --dir "$WORK/redis-$1" \
		--bind "$(addr_of "$1")" --protected-mode no
	eval "REDIS_$1=$SRV_PID"
	wait_for 10 redis_ping "$1" || {
		log "redis on $1 does not answer PING; its log:"
		tail -5 "$WORK/redis-$1/redis.log" 2>/dev/null | sed 's/^/#   /'
		return 1
	}
}
rcli() { local s=$1; shift; nsx timeout 20 redis-cli -h "$(addr_of "$s")" "$@"; }
redis_ping() { [ "$(rcli "$1" ping 2>/dev/null)" = PONG ]; }

# redis_small STACK: SET then GET of a short value
redis_small() {
	[ "$(rcli "$1" set stock "value on $1")" = OK ] &&
	[ "$(rcli "$1" get stock)" = "value on $1" ]
}

# redis_big STACK: a 1 MiB value stored (redis-cli -x) and read back (--raw
# adds one newline) into $WORK/redis-big.STACK
redis_big() {
	[ "$(rcli "$1" -x set big <"$WORK/www/blob.bin")" = OK ] || return 1
	rcli "$1" --raw get big | head -c 1048576 >"$WORK/redis-big.$1"
	same_files "$WORK/redis-big.$1" "$WORK/www/blob.bin"
}

# redis_bench STACK: redis-benchmark completes both tests
redis_bench() {
	local out=$WORK/bench.$1
	nsx timeout 40 redis-benchmark -h "$(addr_of "$1")" -q -n 2000 \
		-t set,get >"$out" 2>&1 || { log "redis-benchmark on $1: rc $?"; tail -3 "$out" | sed 's/^/#   /'; return 1; }
	tr '\r' '\n' <"$out" | grep -E '^(SET|GET): [0-9.]+ requests per second' >"$out.sum"
	log "redis-benchmark on $1: $(paste -sd' ' "$out.sum")"
	[ "$(wc -l <"$out.sum")" -eq 2 ]
}

# --- sshd --------------------------------------------------------------------
# The packaged sshd_config and host keys; -o redirects the pid file and the
# authorized keys file, and turns StrictModes off (the key file lives under
# /tmp, which is world-writable, and StrictModes refuses every file below a
# world-writable directory).
ssh_keys() {
	mkdir -p "$WORK/ssh" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$WORK/ssh/id" >/dev/null &&
	cp "$WORK/ssh/id.pub" "$WORK/ssh/authorized_keys" &&
	head -c 4194304 /dev/urandom >"$WORK/ssh/up.bin"
}

sshd_up() {
	on "$1" "$SSHD" -D -e -o "PidFile=$WORK/ssh/sshd-$1.pid" \
		-o "AuthorizedKeysFile=$WORK/ssh/authorized_keys" \
		-o StrictModes=no
	eval "SSHD_$1=$SRV_PID"
	wait_for 10 listening "$(addr_of "$1")" 22
}

SSHOPTS=(-i "$WORK/ssh/id" -o BatchMode=yes -o StrictHostKeyChecking=no
	-o UserKnownHostsFile=/dev/null -o ConnectTimeout=10)

# ssh_cmd STACK: a remote command's output into $WORK/ssh/cmd.STACK
ssh_cmd() {
	nsx timeout 30 ssh "${SSHOPTS[@]}" "root@$(addr_of "$1")" \
		'echo stock; head -c 65536 /dev/zero | sha256sum' \
		>"$WORK/ssh/cmd.$1" 2>"$WORK/ssh/cmd.$1.err"
	local rc=$?
	[ $rc -eq 0 ] && return 0
	log "ssh on $1: rc $rc: $(tail -1 "$WORK/ssh/cmd.$1.err")"
	sshd_why "$1"
	return 1
}

# scp_both STACK: 4 MiB up to the server, then back down, sha256 identical
scp_both() {
	local a
	a=$(addr_of "$1")
	rm -f "$WORK/ssh/remote.$1" "$WORK/ssh/down.$1"
	nsx timeout 40 scp -q "${SSHOPTS[@]}" "$WORK/ssh/up.bin" \
		"root@$a:$WORK/ssh/remote.$1" 2>"$WORK/ssh/scp.$1.err" ||
		{ log "scp up on $1 failed: $(tail -1 "$WORK/ssh/scp.$1.err")"; sshd_why "$1"; return 1; }
	nsx timeout 40 scp -q "${SSHOPTS[@]}" "root@$a:$WORK/ssh/remote.$1" \
		"$WORK/ssh/down.$1" 2>"$WORK/ssh/scp.$1.err" ||
		{ log "scp down on $1 failed: $(tail -1 "$WORK/ssh/scp.$1.err")"; sshd_why "$1"; return 1; }
	[ "$(sha "$WORK/ssh/remote.$1")" = "$(sha "$WORK/ssh/up.bin")" ] &&
	[ "$(sha "$WORK/ssh/down.$1")" = "$(sha "$WORK/ssh/up.bin")" ]
}

# seccomp_mark: note how many seccomp kills (audit type 1326) the kernel
# log holds, so sshd_why can show the ones that came after
seccomp_mark() { SECCOMP_SEEN=$(dmesg 2>/dev/null | grep -c 'type=1326'); }

# syscall_name NR: the x86-64 name of system call NR (the number if unknown)
syscall_name() {
	awk -v n="$1" '$1 == "#define" && $3 == n { sub("__NR_", "", $2); print $2; f = 1 }
		END { if (!f) print n }' /usr/include/x86_64-linux-gnu/asm/unistd_64.h 2>/dev/null
}

# sshd_why STACK: what sshd said (it logs to stderr with -e), and which
# system calls a seccomp filter killed an sshd for since seccomp_mark (the
# pre-auth child dies silently: the kernel log is the only witness)
sshd_why() {
	local nr line
	grep -iE 'fatal|error|killed|signal|sandbox' "$WORK/sshd.$1.out" | tail -5 | sed 's/^/#   /'
	dmesg 2>/dev/null | grep 'type=1326' | tail -n +"$((SECCOMP_SEEN + 1))" |
		grep 'comm="sshd"' | tail -3 | while read -r line; do
			nr=$(echo "$line" | grep -o 'syscall=[0-9]*')
			log "seccomp killed sshd $(echo "$line" | grep -oE '(^| )(pid|uid)=[0-9]+' | tr -d ' ' | paste -sd' ')" \
				"in $(syscall_name "${nr#syscall=}")() ($nr)"
		done
	seccomp_mark
}

# stop VAR: stop the server whose PID is in VAR
stop() { [ -n "${!1:-}" ] && stop_pid "${!1}"; eval "$1="; }

# web NAME TITLE PORT TAG: NAME_up on both stacks, then hello.html and the
# 1 MiB file fetched from both
web() {
	local s
	for s in aether kernel; do
		check "$2 starts on $s" "$1_up" "$s"
	done
	check "$2: hello.html, same headers and bytes on both" \
		http_same "$3" /hello.html "$4h" "$WORK/www/hello.html"
	check "$2: 1 MiB file, same headers and bytes on both" \
		http_same "$3" /blob.bin "$4b" "$WORK/www/blob.bin"
}

# --- run ---------------------------------------------------------------------
for p in lighttpd busybox redis-server redis-cli redis-benchmark "$SSHD" ssh scp; do
	command -v "$p" >/dev/null || { check "$p installed (tests/deps.sh)" false; finish; exit 1; }
done
if [ ! -f "$SO" ] || ! lab_up || ! ns_add "$APPNS" || ! kernel_up; then
	check "lab up (aetherd, app namespace, kernel namespace over veth)" false
	finish; exit 1
fi
www

web lighttpd "lighttpd (packaged conf)" 80 l
stop LIGHTTPD_aether; stop LIGHTTPD_kernel
check "lighttpd: logged nothing on Aether it did not on the kernel" says_no_more \
	"$WORK/lighttpd-aether/error.log" "$WORK/lighttpd-kernel/error.log"
web busybox "busybox httpd" 8080 b
stop BUSYBOX_aether; stop BUSYBOX_kernel

for s in aether kernel; do
	if check "redis-server (packaged conf) starts on $s" redis_up "$s"; then
		check "redis on $s: SET/GET" redis_small "$s"
		check "redis on $s: 1 MiB value round trip" redis_big "$s"
		check "redis on $s: redis-benchmark set,get completes" redis_bench "$s"
	fi
done
check "redis: the 1 MiB value is the same bytes on both" \
	same_files "$WORK/redis-big.aether" "$WORK/redis-big.kernel"
stop REDIS_aether; stop REDIS_kernel
check "redis: logged nothing on Aether it did not on the kernel" says_no_more \
	"$WORK/redis-aether/redis.log" "$WORK/redis-kernel/redis.log"

ssh_keys || { check "ssh keys generated" false; finish; exit 1; }
seccomp_mark
for s in kernel aether; do
	if check "sshd (packaged config) starts on $s" sshd_up "$s"; then
		check "ssh on $s: key login, remote command" ssh_cmd "$s"
		check "ssh on $s: scp 4 MiB up and down, sha256 identical" scp_both "$s"
	fi
done
check "ssh: the remote command printed the same bytes on both" \
	same_files "$WORK/ssh/cmd.aether" "$WORK/ssh/cmd.kernel"
stop SSHD_aether; stop SSHD_kernel
check "sshd: logged nothing on Aether it did not on the kernel" says_no_more \
	"$WORK/sshd.aether.out" "$WORK/sshd.kernel.out"

finish

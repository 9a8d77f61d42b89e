#!/bin/bash
# Day-to-day operation (issue 18): --version and one-line usage errors on
# every program, every counter in `aether stats` (-j, --watch) and in the
# SIGUSR1 dump, `aether ss -i -p`, the control socket path rule, the
# "cannot reach"/"cannot serve" lines with their fixing command, and the
# socket's group. Runs as root; the lab lives in namespaces; the default
# path /run/aether is tried only inside a private mount namespace.
. "$(dirname "$0")/lib.sh"
PY=$(python3 -c 'import sys; print(sys.executable)' 2>/dev/null || echo /usr/bin/python3)
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

# --- options ----------------------------------------------------------------
version_ok() {
	local p=$1 out
	out=$("$B/$p" --version) || return 1
	[[ "$out" =~ ^$p\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || { log "got: $out"; return 1; }
}
for p in aetherd aether aether-impair; do
	check "$p --version prints '$p X.Y.Z' and exits 0" version_ok "$p"
done

# one_line RC PATTERN CMD...: CMD exits RC, prints nothing on stdout and
# exactly one line on stderr, matching PATTERN
one_line() {
	local rc=$1 pat=$2 got
	shift 2
	"$@" >"$WORK/ol.out" 2>"$WORK/ol.err"; got=$?
	[ "$got" = "$rc" ] && [ ! -s "$WORK/ol.out" ] &&
		[ "$(wc -l <"$WORK/ol.err")" = 1 ] && grep -q -- "$pat" "$WORK/ol.err" ||
		{ log "exit $got: $(cat "$WORK/ol.out" "$WORK/ol.err")"; return 1; }
}
check "aetherd --bogus: one line, see --help, exit 2" \
	one_line 2 "unknown option '--bogus' (see --help)" "$B/aetherd" --bogus
check "aether --bogus: one line, see --help, exit 2" \
	one_line 2 "unknown option '--bogus' (see --help)" "$B/aether" --bogus
check "aether stats -q: one line, see --help, exit 2" \
	one_line 2 "unknown option '-q' (see --help)" "$B/aether" stats -q
check "aether-impair --bogus: one line, see --help" \
	one_line 1 "unknown option '--bogus' (see --help)" "$B/aether-impair" --bogus
check "aetherd --impair '': rejected, naming --impair" \
	one_line 2 "bad --impair '': empty value" "$B/aetherd" --impair ""
check "aetherd --tap (no value): rejected, naming --tap" \
	one_line 2 "option '--tap' needs a value" "$B/aetherd" --tap

# --- no daemon: the tool and the shim say where, why and what to do ---------
check "aether ss without a daemon: no header, one line naming path and fix" \
	one_line 1 "cannot reach aetherd at $AETHER_SOCKET: No such file or directory.*start one with 'aetherd --socket $AETHER_SOCKET'" \
	"$B/aether" ss
shim_nodaemon() {
	LD_PRELOAD=$B/libaether.so "$PY" -c '
import socket
try:
    socket.socket()
except OSError as e:
    print(e.errno)' >"$WORK/shim.out" 2>"$WORK/shim.err"
	[ "$(cat "$WORK/shim.out")" = 100 ] &&
		grep -q "cannot reach aetherd at $AETHER_SOCKET: .*aetherd --socket" "$WORK/shim.err" ||
		{ log "$(cat "$WORK/shim.out" "$WORK/shim.err")"; return 1; }
}
check "the shim without a daemon: ENETDOWN, the line names path and fix" shim_nodaemon

# --- the lab: an impaired aetherd, a preloaded server ------------------------
AETHERD_ARGS="--impair delay=1ms,seed=7 --socket-group ops-none$$"
check "--socket-group naming a missing group is a usage error" \
	one_line 2 "bad --socket-group 'ops-none$$': no such group (create it with 'groupadd --system ops-none$$')" \
	"$B/aetherd" $AETHERD_ARGS
AETHERD_ARGS="--impair delay=1ms,seed=7"
lab_up || { log "no lab"; finish; exit 1; }
check "the start line names the active impairment" \
	grep -q "^aetherd: 192.168.1.2/24 .*pid $AETHERD_PID, impair delay=1ms,seed=7\$" "$WORK/aetherd.log"
# least privilege: root's aetherd gives up every capability and filters
# its system calls once the TAP, the socket and the capture are set up
status_is() { grep -qx "$2:[[:space:]]*$3" "/proc/$1/status" || { log "$(grep "^$2:" "/proc/$1/status")"; return 1; }; }
check "running aetherd: CapEff 0 (started as root)" status_is "$AETHERD_PID" CapEff 0000000000000000
check "running aetherd: CapPrm 0, CapBnd 0" \
	sh -c "grep -qx 'CapPrm:.0000000000000000' /proc/$AETHERD_PID/status && grep -qx 'CapBnd:.0000000000000000' /proc/$AETHERD_PID/status"
check "running aetherd: Seccomp 2 (filter), NoNewPrivs 1" \
	sh -c "grep -qx 'Seccomp:.2' /proc/$AETHERD_PID/status && grep -qx 'NoNewPrivs:.1' /proc/$AETHERD_PID/status"
check "the default group missing: said at start, socket mode 0666" \
	sh -c "grep -q 'group aether does not exist, so every local user may connect' '$WORK/aetherd.log' &&
	       [ \$(stat -c %a '$AETHER_SOCKET') = 666 ]"

APPNS=${NS}app
ns_add "$APPNS"
bg ip netns exec "$APPNS" env LD_PRELOAD="$B/libaether.so" \
	AETHER_SOCKET="$AETHER_SOCKET" "$PY" -m http.server 8080 \
	--directory "$TOP/examples/www" >"$WORK/http.log" 2>&1
HTTP_PID=${PIDS[-1]}
wait_for 20 aether_hello "$TOP/examples/www" || log "http.server did not serve"
# a kernel client holding an established connection for the ss checks
bg nsx "$PY" -c '
import socket, time
s = socket.create_connection(("192.168.1.2", 8080))
s.sendall(b"GET /hello.html HTTP/1.1\r\nHost: x\r\n")
time.sleep(20)'
HOLD=${PIDS[-1]}
wait_for 5 sh -c "'$B/aether' ss | grep -q 'ESTAB '"

stats_has() {
	"$B/aether" stats >"$WORK/stats" || return 1
	local k
	for k in tap.rx_frames tap.tx_frames pcap.frames impair_in.submitted \
		 ip.in_csum_errors tcp.in_rsts ipc.clients ipc.requests ipc.live_conns; do
		grep -q "^$k [0-9]*$" "$WORK/stats" || { log "no $k"; return 1; }
	done
	[ "$(awk '$1 == "tap.rx_frames" {print $2}' "$WORK/stats")" -gt 0 ]
}
check "aether stats: tap, pcap, impair, stack and ipc counters" stats_has
stats_json() {
	"$B/aether" stats -j | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
for g in ("tap", "pcap", "ip", "tcp", "ipc"):
    assert g in d, g
assert d["tap"]["rx_frames"] > 0 and d["ipc"]["clients"] >= 1
n = sum(len(v) for v in d.values())
print(n)' >"$WORK/json.n" &&
		[ "$(cat "$WORK/json.n")" = "$(wc -l <"$WORK/stats")" ]
}
check "aether stats -j: valid JSON, the same counters by group" stats_json
check "aether stats --watch=1 --count 2: two frames with rates" \
	sh -c "timeout 10 '$B/aether' stats --watch=1 --count 2 >'$WORK/watch' &&
	       [ \$(grep -c '^aether stats .*every 1 s' '$WORK/watch') = 2 ] &&
	       grep -q '^tap.rx_frames .*/s\$' '$WORK/watch'"
usr1_ipc() {
	aetherd_stats >"$WORK/usr1" || return 1
	grep -q '^ipc.clients [0-9]' "$WORK/usr1" && grep -q '^tap.rx_frames ' "$WORK/usr1" &&
		grep -q '^tcp.' "$WORK/usr1"
}
check "SIGUSR1 dump includes ipc.*, tap.* and the stack" usr1_ipc

ss_info() {
	"$B/aether" ss -i -p >"$WORK/ss" || return 1
	grep -A1 'ESTAB .*192.168.1.2:8080' "$WORK/ss" >"$WORK/ss.est"
	grep -Eq "users:\(\(\"python3[.0-9]*\",pid=$HTTP_PID\)\)" "$WORK/ss.est" &&
		grep -Eq $'^\t (cubic|reno|bbr) rtt:[0-9.]+/[0-9.]+ rto:[0-9]+ mss:[0-9]+ cwnd:[0-9]+' "$WORK/ss.est" ||
		{ log "$(cat "$WORK/ss")"; return 1; }
}
check "aether ss -i -p: rtt, rto, mss, cwnd, congestion and the program" ss_info
check "aether ss (plain) keeps one line a socket, no details" \
	sh -c "'$B/aether' ss | grep -q 'LISTEN .*0.0.0.0:8080' && ! '$B/aether' ss | grep -q 'rtt:'"
stop_pid "$HOLD"

# --- the socket's group ------------------------------------------------------
GRP=aeops$$
groupadd "$GRP" || log "groupadd failed"
aetherd_group() {
	AETHER_SOCKET=$WORK/g.sock nsx "$B/aetherd" --tap aeg0 --socket-group "$GRP" \
		--addr 192.168.7.2/24 >"$WORK/g.log" 2>&1 &
	GPID=$!
	PIDS+=($GPID)
	wait_for 5 test -S "$WORK/g.sock"
}
chmod 0711 "$WORK"
if aetherd_group; then
	check "--socket-group: the socket is 0660 with that group" \
		sh -c "[ \"\$(stat -c '%a %G' '$WORK/g.sock')\" = '660 $GRP' ]"
	check "a user outside the group is refused with a clear line" \
		sh -c "AETHER_SOCKET='$WORK/g.sock' $NOBODY '$B/aether' stats 2>'$WORK/g.err' >/dev/null;
		       [ \$? = 1 ] && grep -q \"cannot reach aetherd at $WORK/g.sock: Permission denied (only group $GRP may connect); join it with 'sudo usermod -aG $GRP\" '$WORK/g.err'"
	check "a member of the group is served" \
		sh -c "AETHER_SOCKET='$WORK/g.sock' setpriv --reuid=65534 --regid=65534 --groups=$(getent group "$GRP" | cut -d: -f3) '$B/aether' stats | grep -q '^ipc.clients [1-9]'"
	stop_pid "$GPID"
else
	check "aetherd --socket-group starts" false
	sed 's/^/#   /' "$WORK/g.log"
fi
groupdel "$GRP"

# --- the socket path rule ----------------------------------------------------
# $XDG_RUNTIME_DIR/aether/aetherd.sock when AETHER_SOCKET is unset
xdg_rule() {
	mkdir -p "$WORK/xdg"
	env -u AETHER_SOCKET XDG_RUNTIME_DIR="$WORK/xdg" \
		ip netns exec "$NS" "$B/aetherd" --tap aex0 --addr 192.168.8.2/24 \
		>"$WORK/x.log" 2>&1 &
	local pid=$! ok=1
	PIDS+=($pid)
	if wait_for 5 test -S "$WORK/xdg/aether/aetherd.sock"; then
		env -u AETHER_SOCKET XDG_RUNTIME_DIR="$WORK/xdg" "$B/aether" stats |
			grep -q '^ipc.clients 1' &&
			grep -q "socket $WORK/xdg/aether/aetherd.sock," "$WORK/x.log" &&
			[ "$(stat -c %a "$WORK/xdg/aether")" = 755 ] && ok=0
	fi
	stop_pid "$pid"
	[ $ok = 0 ] || sed 's/^/#   /' "$WORK/x.log"
	return $ok
}
check "AETHER_SOCKET unset: \$XDG_RUNTIME_DIR/aether/aetherd.sock, dir made" xdg_rule
# neither set (su, sudo, ssh without logind): /run/aether/aetherd.sock, in a
# private mount namespace with its own /run so the machine's is not touched
run_rule() {
	unshare --mount sh -c "
		exec 3</run/netns/$NS &&
		mount -t tmpfs ops /run &&
		env -u AETHER_SOCKET -u XDG_RUNTIME_DIR nsenter --net=/proc/self/fd/3 '$B/aetherd' \
			--tap aer0 --addr 192.168.9.2/24 >'$WORK/r.log' 2>&1 &
		pid=\$!
		i=0; while [ ! -S /run/aether/aetherd.sock ] && [ \$i -lt 100 ]; do sleep 0.05; i=\$((i+1)); done
		env -u AETHER_SOCKET -u XDG_RUNTIME_DIR '$B/aether' stats | grep -q '^ipc.clients 1'; rc=\$?
		kill \$pid; wait \$pid
		exit \$rc" &&
		grep -q 'socket /run/aether/aetherd.sock,' "$WORK/r.log"
}
check "neither set: /run/aether/aetherd.sock, dir made" run_rule
check "XDG_RUNTIME_DIR empty (su): the tool looks in /run/aether" \
	sh -c "env -u AETHER_SOCKET XDG_RUNTIME_DIR= '$B/aether' ss 2>&1 | grep -q 'cannot reach aetherd at /run/aether/aetherd.sock'"

# "cannot serve": a directory the user may not create
mkdir -p "$WORK/pub" && chmod 0755 "$WORK/pub"
check "cannot serve: names path, reason and the fixing command" \
	one_line 1 "cannot serve on $WORK/pub/run/aetherd.sock: cannot create $WORK/pub/run: Permission denied; create $WORK/pub/run once with 'sudo install -d -o \$USER -m 0755 $WORK/pub/run'" \
	env AETHER_SOCKET="$WORK/pub/run/aetherd.sock" $NOBODY "$B/aetherd"
mkdir -p "$WORK/pub/ro" && chmod 0755 "$WORK/pub/ro"
check "cannot serve in a directory not ours: says whose to chown" \
	sh -c "AETHER_SOCKET='$WORK/pub/ro/aetherd.sock' $NOBODY '$B/aetherd' --tap aeq0 2>&1 |
	       grep -q \"cannot serve on $WORK/pub/ro/aetherd.sock: Permission denied; $WORK/pub/ro is not writable by you: 'sudo chown \\\$USER $WORK/pub/ro'\""

# --- aether up / down, aetherd as the TAP's owner, aether run -------------------
UPNS=${NS}up
ns_add "$UPNS"
mkdir -p "$WORK/nob" && chown 65534 "$WORK/nob"
check "aether up: persistent TAP for nobody, host address, up, said" \
	sh -c "'$B/aether' up --netns $UPNS --tap aeup0 --user nobody --addr 10.77.0.1/24 >'$WORK/up.out' &&
	       grep -q 'tap aeup0 in netns $UPNS created: persistent, owner nobody (uid 65534), host address 10.77.0.1/24, up' '$WORK/up.out' &&
	       ip -n $UPNS -d link show aeup0 | grep -Eq 'persist on user (nobody|65534) ' &&
	       ip -n $UPNS -d link show aeup0 | grep -q '<.*UP.*>' &&
	       ip -n $UPNS -4 addr show aeup0 | grep -q 'inet 10.77.0.1/24'"
check "aether up again: 'already there', exit 0" \
	sh -c "'$B/aether' up --netns $UPNS --tap aeup0 --user nobody --addr 10.77.0.1/24 | grep -q 'already there'"
# (as nobody when /dev/net/tun lets it: mode 0666, the Debian default)
AS=()
[ "$(stat -c %a /dev/net/tun)" = 666 ] && AS=(setpriv --reuid=65534 --regid=65534 --clear-groups)
log "aetherd on the TAP aether up made runs as ${AS[*]:-root (/dev/net/tun is not 0666 here)}"
bg ip netns exec "$UPNS" "${AS[@]}" \
	env AETHER_SOCKET="$WORK/nob/a.sock" "$B/aetherd" --tap aeup0 --addr 10.77.0.2/24 \
	>"$WORK/nob.log" 2>&1
NOBD=${PIDS[-1]}
check "aetherd serves the TAP aether up made" \
	wait_for 10 sh -c "ip netns exec $UPNS ping -c1 -W1 10.77.0.2 >/dev/null"
run_serves() {
	# the server changes directory first: a relative LD_PRELOAD would be lost
	( cd /; AETHER_SOCKET= "$B/aether" run --socket "$WORK/nob/a.sock" -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c "cd '$TOP/examples/www' && exec /usr/bin/python3 -m http.server 8081" \
		>"$WORK/run.log" 2>&1 ) &
	PIDS+=($!)
	wait_for 20 sh -c "ip netns exec $UPNS curl -s -f --max-time 3 http://10.77.0.2:8081/hello.html |
		cmp -s - '$TOP/examples/www/hello.html'" || { sed 's/^/#   /' "$WORK/run.log"; return 1; }
}
check "aether run: python http.server on Aether, after a cd, as nobody" run_serves
check "aether run: the server's socket is in aether ss" \
	sh -c "AETHER_SOCKET='$WORK/nob/a.sock' '$B/aether' ss | grep -q 'LISTEN .*0.0.0.0:8081'"
stop_pid "${PIDS[-1]}"
stop_pid "$NOBD"
check "aether run: LD_PRELOAD absolute and first, the old one kept, AETHER_SOCKET absolute" \
	sh -c "cd '$WORK' && LD_PRELOAD=libc.so.6 '$B/aether' run --socket rel.sock env >'$WORK/env' &&
	       grep -qx 'LD_PRELOAD=$(readlink -f "$B/libaether.so") libc.so.6' '$WORK/env' &&
	       grep -qx 'AETHER_SOCKET=$WORK/rel.sock' '$WORK/env'"
STATIC=$(command -v ldconfig.real || command -v ldconfig)
check "aether run warns about a static program" \
	sh -c "'$B/aether' run '$STATIC' -p 2>&1 >/dev/null | grep -q 'is statically linked: LD_PRELOAD cannot reach it'"
cp "$(type -P true)" "$WORK/nob/suid" && chown 0 "$WORK/nob/suid" && chmod 4755 "$WORK/nob/suid"
check "aether run warns about a setuid program" \
	sh -c "$NOBODY '$B/aether' run '$WORK/nob/suid' 2>&1 | grep -q 'is setuid: the dynamic loader ignores LD_PRELOAD'"
check "aether run without PROGRAM: one line, exit 2" \
	one_line 2 "run: no PROGRAM (see --help)" "$B/aether" run
check "aether down: the TAP is gone" \
	sh -c "'$B/aether' down --netns $UPNS --tap aeup0 | grep -q 'tap aeup0 in netns $UPNS removed' &&
	       ! ip -n $UPNS link show aeup0 2>/dev/null"
check "aether down again: one line, exit 1" \
	one_line 1 "there is no interface aeup0" ip netns exec "$UPNS" "$B/aether" down --tap aeup0

# aetherd --host-addr: creates the TAP, addresses its host end, brings it up
HNS=${NS}h
ns_add "$HNS"
bg ip netns exec "$HNS" env AETHER_SOCKET="$WORK/h.sock" "$B/aetherd" \
	--tap aeh0 --addr 10.78.0.2/24 --host-addr 10.78.0.1/24 --no-seccomp -v >"$WORK/h.log" 2>&1
HD=${PIDS[-1]}
check "aetherd --host-addr: the host end is up, ping answers, no I/O errors" \
	sh -c "wait_() { i=0; while [ \$i -lt 100 ]; do ip netns exec $HNS ping -c1 -W1 10.78.0.2 >/dev/null 2>&1 && return 0; i=\$((i+1)); sleep 0.1; done; return 1; }; wait_ &&
	       grep -q 'created tap aeh0 with host address 10.78.0.1/24, up' '$WORK/h.log' &&
	       ! grep -q 'Input/output error' '$WORK/h.log'"
check "--no-seccomp: Seccomp 0, capabilities dropped all the same, said with -v" \
	sh -c "grep -qx 'Seccomp:.0' /proc/$HD/status && grep -qx 'CapEff:.0000000000000000' /proc/$HD/status &&
	       grep -q 'capabilities dropped, no seccomp filter (--no-seccomp)' '$WORK/h.log'"
stop_pid "$HD"

# --- installation ----------------------------------------------------------------
if [ "$B" = "$TOP/build" ]; then
	check "a second make is a no-op (make -q: everything up to date)" make -s --no-print-directory -C "$TOP" -q all
	INST=$WORK/inst
	touch "$WORK/pre-install"
	sleep 0.01
	make -C "$TOP" install DESTDIR="$INST" PREFIX=/usr/local >"$WORK/install.log" 2>&1 ||
		{ log "make install failed"; sed 's/^/#   /' "$WORK/install.log"; }
	tree_ok() {
		(cd "$INST" && find . -type f | sort) >"$WORK/tree"
		printf '%s\n' ./etc/aether/aetherd.conf ./usr/local/bin/aether \
			./usr/local/bin/aether-impair ./usr/local/include/aether/aether.h \
			./usr/local/lib/libaether-stack.a ./usr/local/lib/libaether.so \
			./usr/local/lib/pkgconfig/aether-stack.pc \
			./usr/local/lib/systemd/system/aetherd.service ./usr/local/sbin/aetherd \
			./usr/local/share/man/man1/aether.1 ./usr/local/share/man/man7/libaether.7 \
			./usr/local/share/man/man8/aetherd.8 | diff - "$WORK/tree" >&2
	}
	check "make install DESTDIR: the expected tree" tree_ok
	check "make install wrote nothing into build/ (a root install leaves no root-owned files there)" \
		sh -c "[ -z \"\$(find '$B' -newer '$WORK/pre-install' -print -quit)\" ]"
	IB=$INST/usr/local
	check "installed programs run (--version)" \
		sh -c "'$IB/sbin/aetherd' --version && '$IB/bin/aether' --version && '$IB/bin/aether-impair' --version" >/dev/null
	check "installed aether run preloads the installed library by absolute path" \
		sh -c "'$IB/bin/aether' run env | grep -qx 'LD_PRELOAD=$IB/lib/libaether.so'"
	man_ok() {
		local f
		for f in man1/aether.1 man8/aetherd.8 man7/libaether.7; do
			MANWIDTH=80 man -l --warnings "$IB/share/man/$f" >"$WORK/man.txt" 2>"$WORK/man.err" &&
				[ ! -s "$WORK/man.err" ] && grep -q '^NAME' "$WORK/man.txt" &&
				grep -q '^SEE ALSO' "$WORK/man.txt" || { log "$f: $(cat "$WORK/man.err")"; return 1; }
		done
	}
	if command -v man >/dev/null; then
		check "man -l renders aether(1), aetherd(8), libaether(7) without warnings" man_ok
	else
		log "man is not installed: pages not rendered"
	fi
	unit_ok() {
		# the unit as installed, ExecStart and ExecReload pointed into DESTDIR, its
		# Documentation= pages looked up there
		sed -e "s|^ExecStart=/usr/local/sbin/|ExecStart=$IB/sbin/|" \
		    -e "s|^ExecReload=/usr/local/bin/|ExecReload=$IB/bin/|" \
			"$IB/lib/systemd/system/aetherd.service" >"$WORK/aetherd.service"
		grep -qx 'AmbientCapabilities=CAP_NET_ADMIN' "$WORK/aetherd.service" &&
			grep -qx 'NoNewPrivileges=yes' "$WORK/aetherd.service" &&
			grep -qx 'ProtectSystem=strict' "$WORK/aetherd.service" &&
			grep -qx 'RuntimeDirectory=aether' "$WORK/aetherd.service" &&
			grep -qx 'Restart=on-failure' "$WORK/aetherd.service" &&
			MANPATH=$IB/share/man systemd-analyze verify "$WORK/aetherd.service"
	}
	if command -v systemd-analyze >/dev/null; then
		check "aetherd.service: hardening lines, systemd-analyze verify passes" unit_ok
	else
		log "systemd-analyze is not installed: unit not verified"
	fi
	pc_ok() {
		cat >"$WORK/emb.c" <<'C'
#include <stdio.h>
#include <aether.h>
int main(void) { puts(ae_tcp_state_name(1)); return 0; }
C
		cc -o "$WORK/emb" "$WORK/emb.c" $(PKG_CONFIG_PATH=$IB/lib/pkgconfig \
			pkg-config --define-variable=prefix="$IB" --cflags --libs aether-stack) &&
			[ -n "$("$WORK/emb")" ]
	}
	check "pkg-config aether-stack: a program builds against the installed stack" pc_ok

	# the configuration file: same keys as the options
	printf '# test\ntap = aecf0\naddr = 10.79.0.2/24   # ours\nhost-addr=10.79.0.1/24\nstats-on-exit\n' >"$WORK/c.conf"
	check "--check-config: OK for a good file" \
		sh -c "'$IB/sbin/aetherd' --config '$WORK/c.conf' --check-config | grep -q 'configuration OK ($WORK/c.conf)'"
	printf 'tap = aecf0\nbogus = 1\n' >"$WORK/bad1.conf"
	check "--check-config: an unknown key is FILE:LINE, exit 2" \
		one_line 2 "$WORK/bad1.conf:2: unknown key 'bogus'" "$IB/sbin/aetherd" --config "$WORK/bad1.conf" --check-config
	printf 'impair =\n' >"$WORK/bad2.conf"
	check "--check-config: an empty value names its key" \
		one_line 2 "key 'impair' needs a value" "$IB/sbin/aetherd" --config "$WORK/bad2.conf" --check-config
	printf 'mtu = 70000\n' >"$WORK/bad3.conf"
	check "--check-config: a bad value is refused like on the command line" \
		one_line 2 "bad --mtu '70000'" "$IB/sbin/aetherd" --config "$WORK/bad3.conf" --check-config
	check "--config FILE that does not exist: one line, exit 2" \
		one_line 2 "cannot read $WORK/none.conf: No such file or directory" "$IB/sbin/aetherd" --config "$WORK/none.conf"
	CNS=${NS}c
	ns_add "$CNS"
	bg ip netns exec "$CNS" env AETHER_SOCKET="$WORK/c.sock" "$IB/sbin/aetherd" --config "$WORK/c.conf" >"$WORK/c.log" 2>&1
	CD=${PIDS[-1]}
	check "aetherd reads its configuration file (tap, addr, host-addr from it)" \
		wait_for 10 sh -c "ip netns exec $CNS ping -c1 -W1 10.79.0.2 >/dev/null 2>&1"
	stop_pid "$CD"
	check "stats-on-exit from the file: counters printed at stop" grep -q '^aetherd: stats end 1$' "$WORK/c.log"

	uninst_ok() {
		make -C "$TOP" uninstall DESTDIR="$INST" PREFIX=/usr/local >"$WORK/uninstall.log" 2>&1 &&
			[ "$(cd "$INST" && find . -type f)" = ./etc/aether/aetherd.conf ]
	}
	check "make uninstall: everything gone but the configuration file" uninst_ok
else
	log "B=$B is not the tree's build/: installation not tested"
fi

# --- make deps: only the build's packages; no service started ------------------
# deps.sh with stand-ins for dpkg-query (nginx and curl "missing") and
# apt-get (notes what it was asked and what policy-rc.d answers then), in a
# private mount namespace whose /usr/sbin is empty: the machine's own
# policy-rc.d, if any, is not seen and not touched
mkdir -p "$WORK/fake"
cat >"$WORK/fake/dpkg-query" <<'SH'
#!/bin/sh
for a; do p=$a; done
case $p in nginx|curl) exit 1 ;; esac
printf 'install ok installed'
SH
cat >"$WORK/fake/apt-get" <<SH
#!/bin/sh
[ "\$1" = update ] && exit 0
echo "apt-get \$*" >>"$WORK/apt.log"
/usr/sbin/policy-rc.d nginx start; echo "policy \$?" >>"$WORK/apt.log"
SH
printf '#!/bin/sh\ncat >/dev/null\n' >"$WORK/fake/debconf-set-selections"
chmod +x "$WORK/fake/"*
deps_run() {
	rm -f "$WORK/apt.log"
	unshare --mount sh -c "mount -t tmpfs ops /usr/sbin && PATH='$WORK/fake':\$PATH sh '$TOP/tests/deps.sh' $1 >/dev/null &&
		[ ! -e /usr/sbin/policy-rc.d ]"
}
check "deps build: the build's packages only, nothing installed here" \
	sh -c "$(declare -f deps_run); WORK='$WORK' TOP='$TOP'; deps_run build && [ ! -e '$WORK/apt.log' ]"
check "deps demo: adds curl, not nginx; no service may start meanwhile; policy removed after" \
	sh -c "$(declare -f deps_run); WORK='$WORK' TOP='$TOP'; deps_run demo &&
	       grep -qx 'apt-get install -y -qq --no-install-recommends curl' '$WORK/apt.log' &&
	       grep -qx 'policy 101' '$WORK/apt.log'"
check "deps test: adds nginx and curl, policy 101 while installing" \
	sh -c "$(declare -f deps_run); WORK='$WORK' TOP='$TOP'; deps_run test &&
	       grep -qx 'apt-get install -y -qq --no-install-recommends curl nginx' '$WORK/apt.log' &&
	       grep -qx 'policy 101' '$WORK/apt.log'"

finish

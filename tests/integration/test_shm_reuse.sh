#!/bin/bash
# Shared-memory reuse (daemon/session_shm.c, client/shm_map.c): aetherd hands a
# closed socket's ring memfd to later sockets of the same uid only. A uid 0
# client and a uid 65534 client (both preloaded, both alive at once and each
# holding an idle socket, so that uid 0's pool is full of its memfds while
# uid 65534 connects) must never be given the same memfd (the inodes each
# maps, read from its /proc/self/maps), while reuse does happen. A server
# that listens as root and accepts in a uid 65534 child (as nginx does) must
# not pass what the child mapped on to root's sockets. A preloaded server
# (passive opens) reuses too and serves correct pages. A socket whose fd was
# closed under it notices that its memory went to a new socket.
. "$(dirname "$0")/lib.sh"

APP=${NS}app
A="$B/aether"
N=20
CLIENT=$TOP/tests/integration/shm_client.py
stat_v() { "$A" stats | sed -n "s/^ipc\.$1 //p"; }

if ! lab_up || ! ns_add "$APP"; then
	check "lab up" false
	finish; exit 1
fi
chmod o+x "$WORK"		# nobody reaches the control socket in it
mkdir -p "$WORK/www" && cp "$TOP/examples/www/hello.html" "$WORK/www/"
chmod -R o+rX "$WORK/www"
O=$WORK/out			# where the clients write, nobody included
mkdir -p "$O" && chmod 1777 "$O"
bg nsx python3 -m http.server 9000 --bind 192.168.1.1 --directory "$WORK/www" \
	>"$WORK/kserver.out" 2>&1
wait_for 10 nsx sh -c "ss -Hltn 'sport = :9000' | grep -q 9000"

# client NAME CMD-PREFIX...: start shm_client.py ($N GETs) as a given user
client() {
	local name=$1; shift
	bg ip netns exec "$APP" "$@" env LD_PRELOAD="$B/libaether.so" \
		AETHER_SOCKET="$AETHER_SOCKET" python3 "$CLIENT" 192.168.1.1 9000 \
		"$N" "$O/$name.ino" >"$O/$name.out" 2>&1
	wait_for 60 grep -q '^done' "$O/$name.out"
}

# --- active opens: uid 0, then uid 65534 while uid 0's client lives ----------
R0=$(stat_v shm_reused)
client root
check "uid 0 client: $N GETs on Aether" grep -q 'ok=1' "$O/root.out"
R1=$(stat_v shm_reused)
log "regions reused for uid 0's $N connections: $((R1 - R0)); memfds it was given: $(wc -l <"$O/root.ino")"
check "uid 0's later connections reuse its earlier memfds" [ $((R1 - R0)) -ge 1 ]
check "uid 0 was given fewer memfds than connections" \
	[ "$(wc -l <"$O/root.ino")" -lt "$N" ]
P0=$(stat_v pooled_regions)
log "idle regions pooled when uid 65534 starts: $P0"
check "uid 0's pool holds regions while uid 65534 connects" [ "${P0:-0}" -ge 1 ]
client nobody setpriv --reuid 65534 --regid 65534 --clear-groups
check "uid 65534 client: $N GETs on Aether" grep -q 'ok=1' "$O/nobody.out"
grep -v "^done" "$O/nobody.out" | tail -3 | sed "s/^/#   /"
check "uid 65534 was given memfds" [ -s "$O/nobody.ino" ]
check "no memfd was given to both uids" \
	sh -c "! comm -12 '$O/root.ino' '$O/nobody.ino' | grep -q ."
R2=$(stat_v shm_reused)
log "regions reused for uid 65534's $N connections: $((R2 - R1)); memfds it was given: $(wc -l <"$O/nobody.ino")"
check "uid 65534 reused its own memfds too" [ $((R2 - R1)) -ge 1 ]
touch "$O/root.ino.quit" "$O/nobody.ino.quit"

# --- a server that drops privileges after listen() (as nginx does) ------------
# root listens, a uid 65534 child accepts: what the child was given must
# never be reused for root's sockets (the child could keep it mapped)
bg ip netns exec "$APP" env LD_PRELOAD="$B/libaether.so" \
	AETHER_SOCKET="$AETHER_SOCKET" python3 "$TOP/tests/integration/shm_privdrop.py" \
	8090 10 "$O/privdrop.ino" >"$O/privdrop.out" 2>&1
wait_for 10 grep -q listening "$O/privdrop.out"
for i in $(seq 10); do
	nsx curl -s --max-time 5 -o /dev/null http://192.168.1.2:8090/ || break
done
wait_for 10 grep -q '^served 10' "$O/privdrop.out"
check "privilege-dropping server: its uid 65534 child served 10" \
	grep -q '^served 10' "$O/privdrop.out"
check "the memfds it got are poisoned (shm_poisoned > 0)" \
	[ "$(stat_v shm_poisoned)" -gt 0 ]
client root2
check "uid 0 client beside it: $N GETs on Aether" grep -q 'ok=1' "$O/root2.out"
check "no memfd of the uid 65534 child went to a uid 0 socket" \
	sh -c "! comm -12 '$O/privdrop.ino' '$O/root2.ino' | grep -q ."
touch "$O/privdrop.ino.quit" "$O/root2.ino.quit"

# --- passive opens: a preloaded server alone listening -------------------------
bg ip netns exec "$APP" env LD_PRELOAD="$B/libaether.so" \
	AETHER_SOCKET="$AETHER_SOCKET" python3 -m http.server 8080 \
	--directory "$WORK/www" >"$WORK/server.out" 2>&1
SRV=${PIDS[-1]}
wait_for 30 nsx curl -s -f --max-time 2 -o /dev/null http://192.168.1.2:8080/hello.html
R3=$(stat_v shm_reused)
bad=0
for i in $(seq 30); do
	nsx curl -s -f --max-time 5 -o "$WORK/got" http://192.168.1.2:8080/hello.html &&
		cmp -s "$WORK/got" "$WORK/www/hello.html" || bad=$((bad + 1))
done
check "preloaded server: 30 GETs, every page intact" [ $bad = 0 ]
log "regions reused for the server's 30 connections: $(($(stat_v shm_reused) - R3))"
check "the server's connections reuse memfds" [ $(($(stat_v shm_reused) - R3)) -ge 15 ]
check "no region was ever offered across uids (shm_uid_mismatch 0)" \
	[ "$(stat_v shm_uid_mismatch)" = 0 ]
stop_pid "$SRV"

# --- a socket closed under a thread keeps its mapping: it must not read the
# next owner's data (tests/tools/shm_stale.c)
timeout 60 "$B/tools/shm_stale" 7700 >"$WORK/stale.out" 2>&1
rc=$?
sed 's/^/# /' "$WORK/stale.out"
check "a stale socket fails instead of reading its recycled memfd's new owner" \
	[ $rc = 0 ]
finish

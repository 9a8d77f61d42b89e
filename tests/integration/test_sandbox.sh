#!/bin/bash
# An established TCP socket used by a sandboxed child (tests/api/sandbox.c:
# as root chroot + setresuid to nobody, then a seccomp filter that kills on
# anything but read, write, poll/ppoll, futex, clock_gettime and what libc
# needs; OpenSSH's pre-auth child has this shape), on the kernel (a
# namespace with lo up) and on Aether: 1 MiB each way, polled, every byte
# checked; the same as a blocking ping-pong; under a filter inherited
# across execve (installed with syscall(SYS_seccomp), killing on sendto);
# and UDP datagrams both ways through every send and receive call ("udp").
. "$(dirname "$0")/lib.sh"

SB=$B/api/sandbox
SO=${AETHER_SHIM:-$B/libaether.so}	# another build of the shim to compare
[ -x "$SB" ] || { check "build/api/sandbox built" false; finish; exit 1; }

KS=${NS}k
APPNS=${NS}app
ns_add "$KS" || { check "kernel namespace" false; finish; exit 1; }
MODES=("" block inherit udp)
for m in "${MODES[@]}"; do
	check "kernel: data both ways under a seccomp filter ${m:-non-blocking}" \
		ip netns exec "$KS" timeout 30 "$SB" 6200 $m
done
if ! lab_up || ! ns_add "$APPNS"; then
	check "aether lab up" false; finish; exit 1
fi
for m in "${MODES[@]}"; do
	ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
		AETHER_SOCKET="$AETHER_SOCKET" timeout 30 "$SB" 6200 $m \
		>"$WORK/sb.out" 2>&1
	rc=$?
	sed 's/^/# aether: /' "$WORK/sb.out" | head -12
	check "aether: data both ways under a seccomp filter ${m:-non-blocking} (rc $rc)" \
		[ $rc -eq 0 ]
done
finish

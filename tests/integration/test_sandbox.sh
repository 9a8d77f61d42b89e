#!/bin/bash
# An established TCP socket used by a sandboxed child (tests/api/sandbox.c:
# as root chroot + setresuid to nobody, then a seccomp filter that kills on
# anything but read, write, poll/ppoll, futex, clock_gettime and what libc
# needs; OpenSSH's pre-auth child has this shape), on the kernel (a
# namespace with lo up) and on Aether: 1 MiB each way, polled, every byte
# checked.
. "$(dirname "$0")/lib.sh"

SB=$B/api/sandbox
SO=${AETHER_SHIM:-$B/libaether.so}	# another build of the shim to compare
[ -x "$SB" ] || { check "build/api/sandbox built" false; finish; exit 1; }

KS=${NS}k
APPNS=${NS}app
ns_add "$KS" || { check "kernel namespace" false; finish; exit 1; }
check "kernel: data both ways under a seccomp filter" \
	ip netns exec "$KS" timeout 30 "$SB" 6200
if ! lab_up || ! ns_add "$APPNS"; then
	check "aether lab up" false; finish; exit 1
fi
ip netns exec "$APPNS" env LD_PRELOAD="$SO" \
	AETHER_SOCKET="$AETHER_SOCKET" timeout 30 "$SB" 6200 >"$WORK/sb.out" 2>&1
rc=$?
sed 's/^/# aether: /' "$WORK/sb.out" | head -12
check "aether: data both ways under a seccomp filter (rc $rc)" [ $rc -eq 0 ]
finish

#!/bin/bash
# Run every tests/integration/test_*.sh (as root: they build network
# namespaces), print each script's checks and the total "N passed, N failed".
# A script that dies without its summary line counts as one failure.
# LONG_ONLY scripts run only in make check-all (AETHER_LONG=1); none today
# (test_soak.sh runs 30 s per phase here, ten minutes in check-all).
#
# Scripts run AETHER_JOBS at a time (2: this is a 2-core box). Each has its
# own namespaces (ae<pid>...), work directory and aetherd socket, so they do
# not see one another. SOLO scripts assert on timing (wake-ups, latencies,
# rates or ratios against the kernel, idle counts) and run with nothing else
# of ours beside them; the others share the two cores. A script's output is
# kept and printed whole when it ends, so blocks never interleave.
cd "$(dirname "$0")" || exit 1
[ "$(id -u)" = 0 ] || { echo "integration tests need root (network namespaces)" >&2; exit 1; }
pass=0; fail=0
LONG_ONLY=" "
# (test_reliability and test_impair_aether share: their checks are
# sha256s, counters and lower bounds; the aether/kernel ratio that
# test_reliability prints is for information and is noisier beside another)
SOLO=" test_bbr.sh test_busy_poll.sh test_idle.sh test_impair_kernel.sh
 test_loopback.sh test_preload.sh test_pyaccept.sh test_restart.sh test_scale.sh
 test_soak.sh
 test_takeover.sh test_wake_stress.sh "
# the longest shared scripts first, so the pairs end together
FIRST="test_reliability.sh test_preload_api.sh test_cpython.sh test_ipc.sh
 test_impair_aether.sh test_foundation.sh"
# one line each, spaces around every name: the matches below are " $t "
SOLO=" $(echo $SOLO) "
FIRST=" $(echo $FIRST) "
JOBS=${AETHER_JOBS:-2}
# a hang guard per script: 300 s alone; 450 s when two share the cores
# (test_reliability took 214 s alone at load 22)
TMO=${AETHER_TEST_TIMEOUT:-$([ "$JOBS" -gt 1 ] && echo 450 || echo 300)}
OUT=$(mktemp -d /tmp/aether-run.XXXXXX) || exit 1
trap 'rm -rf "$OUT"' EXIT
declare -A T0 RUNNING

# report T: print script T's kept output and add up its summary line
report() {
	local t=$1 rc sum p f
	rc=$(cat "$OUT/$t.rc" 2>/dev/null || echo 255)
	echo "=== $t"
	cat "$OUT/$t.out"
	echo "# $t took $((SECONDS - T0[$t])) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	sum=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$OUT/$t.out" | tail -1)
	if [ -z "$sum" ]; then
		echo "FAIL $t: no summary (exit $rc)"; fail=$((fail + 1)); return
	fi
	p=${sum%% passed*}; f=${sum#*, }; f=${f%% failed}
	pass=$((pass + p)); fail=$((fail + f))
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && { echo "FAIL $t: exit $rc"; fail=$((fail + 1)); }
}

# start T: run script T in the background, its output and status kept
start() {
	T0[$1]=$SECONDS
	( timeout "$TMO" bash "$1" >"$OUT/$1.out" 2>&1
	  echo $? >"$OUT/$1.rc" ) &
	RUNNING[$!]=$1
}

# reap: wait for one running script to end and report it
reap() {
	local pid
	wait -n -p pid "${!RUNNING[@]}"
	report "${RUNNING[$pid]}"
	unset "RUNNING[$pid]"
}

# drain: wait for every running script
drain() { while [ ${#RUNNING[@]} -gt 0 ]; do reap; done; }

all=()
for t in ${AETHER_TESTS:-test_*.sh}; do
	if [ -z "${AETHER_LONG:-}" ] && [ -z "${AETHER_TESTS:-}" ] &&
	   [[ $LONG_ONLY == *" $t "* ]]; then
		echo "# $t: make check-all only (AETHER_LONG=1)"; continue
	fi
	all+=("$t")
done
shared=(); solo=()
for t in $FIRST; do [[ " ${all[*]} " == *" $t "* ]] && shared+=("$t"); done
for t in "${all[@]}"; do
	[[ " $FIRST " == *" $t "* ]] && continue
	if [[ $SOLO == *" $t "* ]]; then solo+=("$t"); else shared+=("$t"); fi
done
for t in "${shared[@]}"; do
	[ ${#RUNNING[@]} -ge "$JOBS" ] && reap
	start "$t"
done
drain
for t in "${solo[@]}"; do
	start "$t"
	drain
done
echo "integration: $pass passed, $fail failed"
[ $fail -eq 0 ]

#!/bin/bash
# Run the unit suites given (make unit), UNIT_JOBS at a time (2: a 2-core
# box; the suites are single-threaded CPU work). Each suite's output is kept
# and printed whole, "== SUITE" first and its wall time last, when it ends;
# every suite runs, and the exit status is 1 if any of them failed, with the
# failed ones named at the end.
#   tests/unit_run.sh build/tests/test_a build/tests/test_b ...
OUT=$(mktemp -d /tmp/aether-unit.XXXXXX) || exit 1
trap 'rm -rf "$OUT"' EXIT
JOBS=${UNIT_JOBS:-2}
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-60}
declare -A RUNNING T0
failed=()

# start T: run suite T in the background, output and status kept
start() {
	local n=${1##*/}
	T0[$n]=$SECONDS
	( "$1" >"$OUT/$n.out" 2>&1; echo $? >"$OUT/$n.rc" ) &
	RUNNING[$!]=$1
}

# reap: wait for one suite to end, print its output, note a failure
reap() {
	local pid t n rc
	wait -n -p pid "${!RUNNING[@]}"
	t=${RUNNING[$pid]}; n=${t##*/}
	unset "RUNNING[$pid]"
	rc=$(cat "$OUT/$n.rc" 2>/dev/null || echo 255)
	echo "== $t"
	cat "$OUT/$n.out"
	echo "# $n took $((SECONDS - T0[$n])) s"
	[ "$rc" -eq 0 ] || failed+=("$n (exit $rc)")
}

for t in "$@"; do
	[ ${#RUNNING[@]} -ge "$JOBS" ] && reap
	start "$t"
done
while [ ${#RUNNING[@]} -gt 0 ]; do reap; done
[ ${#failed[@]} -eq 0 ] && { echo "unit: $# suites passed"; exit 0; }
echo "unit: ${#failed[@]} of $# suites failed: ${failed[*]}"
exit 1

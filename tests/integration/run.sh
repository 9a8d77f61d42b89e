#!/bin/bash
# Run every tests/integration/test_*.sh (as root: they build network
# namespaces), print each script's checks and the total "N passed, N failed".
# A script that dies without its summary line counts as one failure.
# LONG_ONLY scripts run only in make check-all (AETHER_LONG=1); none today
# (test_soak.sh runs 30 s per phase here, ten minutes in check-all).
cd "$(dirname "$0")" || exit 1
[ "$(id -u)" = 0 ] || { echo "integration tests need root (network namespaces)" >&2; exit 1; }
pass=0; fail=0
LONG_ONLY=" "
for t in ${AETHER_TESTS:-test_*.sh}; do
	if [ -z "${AETHER_LONG:-}" ] && [ -z "${AETHER_TESTS:-}" ] &&
	   [[ $LONG_ONLY == *" $t "* ]]; then
		echo "# $t: make check-all only (AETHER_LONG=1)"; continue
	fi
	echo "=== $t"
	t0=$SECONDS
	out=$(timeout "${AETHER_TEST_TIMEOUT:-300}" bash "$t" 2>&1); rc=$?
	echo "$out"
	echo "# $t took $((SECONDS - t0)) s (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	sum=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
	if [ -z "$sum" ]; then
		echo "FAIL $t: no summary (exit $rc)"; fail=$((fail + 1)); continue
	fi
	p=${sum%% passed*}; f=${sum#*, }; f=${f%% failed}
	pass=$((pass + p)); fail=$((fail + f))
	[ $rc -ne 0 ] && [ "$f" -eq 0 ] && { echo "FAIL $t: exit $rc"; fail=$((fail + 1)); }
done
echo "integration: $pass passed, $fail failed"
[ $fail -eq 0 ]

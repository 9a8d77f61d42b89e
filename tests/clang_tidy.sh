#!/bin/sh
# SPDX-License-Identifier: MIT
# clang-tidy on some files with the compiler flags given: for `make
# clang-tidy` (checks in .clang-tidy). Usage: clang_tidy.sh CFLAGS... -- FILES...
# Prints only the findings (not clang's "N warnings generated" counts of
# what it suppressed); fails when there is any.
flags=
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	flags="$flags $1"
	shift
done
shift
log=$(mktemp) || exit 1
# shellcheck disable=SC2086
clang-tidy --quiet "$@" -- $flags >"$log" 2>&1
rc=$?
grep -v -e '^[0-9]* warnings\? generated\.$' -e '^Suppressed [0-9]* warnings' \
	-e '^Use -header-filter=' "$log"
rm -f "$log"
exit $rc

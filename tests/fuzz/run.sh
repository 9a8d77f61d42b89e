#!/bin/bash
# SPDX-License-Identifier: MIT
# Build and run the fuzz targets (`make fuzz` runs this with no argument).
#
#   tests/fuzz/run.sh [fuzz]    build, replay the seeds, fuzz each target for
#                               FUZZ_SECONDS (default 60); fails on any crash
#   tests/fuzz/run.sh build     only build (libFuzzer and replay binaries)
#   tests/fuzz/run.sh replay    replay seeds + saved corpus once under
#                               ASan+UBSan without libFuzzer (FUZZ_CC=gcc works)
#   tests/fuzz/run.sh crashes   replay every tests/fuzz/crashes/<target>-* file;
#                               fails while any of them still crashes
#   tests/fuzz/run.sh check     replay and crashes with one build (make
#                               fuzz-replay, part of make test; FUZZ_CC=cc)
#
# Targets are built straight from their source lists with clang, not through
# the Makefile's CFLAGS: libFuzzer needs -fsanitize=fuzzer on every object.
# Output in $O/fuzz (O defaults to build): fuzz_<t>, replay_<t>, seeds/<t>,
# corpus/<t> (grows across runs), artifacts/ (crash inputs found).
# FUZZ_TARGETS limits the targets (default "frame ipc s2s vnet"); FUZZ_JOBS is not a
# thing on purpose: one process per target, run one after the other, niced.
set -u
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
OUT=$O/fuzz
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_CC=${FUZZ_CC:-clang}
TARGETS=${FUZZ_TARGETS:-frame ipc s2s vnet}
# AE_DEBUG: the stack's own AE_ASSERT()s are on (stack/stack.h)
CFLAGS_F="-g -O1 -std=gnu11 -D_GNU_SOURCE -DAE_DEBUG -Istack -Iipc -Ihost -fno-omit-frame-pointer -Wall"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

sources() {
	case $1 in
	frame) echo tests/fuzz/fuzz_frame.c stack/*.c ;;
	ipc) echo tests/fuzz/fuzz_ipc.c ipc/proto.c ipc/shm.c ;;
	s2s) echo tests/fuzz/fuzz_s2s.c stack/*.c ;;
	vnet) echo tests/fuzz/fuzz_vnet.c host/tap.c stack/*.c ;;
	*) echo "run.sh: unknown target $1" >&2; return 1 ;;
	esac
}

# robj SRC: the replay object file of SRC (one per source, shared by targets)
robj() { local f=${1//\//_}; echo "$OUT/robj/${f%.c}.o"; }

# robj_cc SRC: compile SRC into its replay object
robj_cc() {
	# shellcheck disable=SC2086
	$FUZZ_CC $CFLAGS_F $SAN -c "$1" -o "$(robj "$1")"
}

# replay_objs: compile every source the replay targets use, once each, two
# at a time: frame, s2s and vnet share stack/*.c with the same flags, and
# compiling them once per target was two thirds of make lint's time
replay_objs() {
	local t src all=
	rm -rf "$OUT/robj" && mkdir -p "$OUT/robj" || return 1
	for t in $TARGETS; do
		src=$(sources "$t") || return 1
		all="$all $src"
	done
	echo "== build $OUT/robj ($FUZZ_CC, two at a time)"
	export -f robj robj_cc
	export FUZZ_CC CFLAGS_F SAN OUT
	# shellcheck disable=SC2086
	printf '%s\n' tests/fuzz/replay_main.c $all | sort -u |
		xargs -P2 -I{} bash -c 'robj_cc "$1"' _ {}
}

# replay_link T: link replay_T from the shared objects
replay_link() {
	local f objs
	objs=$(robj tests/fuzz/replay_main.c)
	for f in $(sources "$1"); do objs="$objs $(robj "$f")"; done
	echo "== build $OUT/replay_$1 ($FUZZ_CC)"
	# shellcheck disable=SC2086
	$FUZZ_CC $SAN $objs -o "$OUT/replay_$1" -lbsd
}

build() {
	local t src
	mkdir -p "$OUT" || return 1
	for t in $TARGETS; do
		src=$(sources "$t") || return 1
		[ "${1:-}" = replay ] && continue
		echo "== build $OUT/fuzz_$t"
		# shellcheck disable=SC2086
		clang $CFLAGS_F -fsanitize=fuzzer,address,undefined \
			-fno-sanitize-recover=undefined $src \
			-o "$OUT/fuzz_$t" -lbsd || return 1
	done
	replay_objs || return 1
	for t in $TARGETS; do
		replay_link "$t" || return 1
	done
}

seeds() {
	rm -rf "$OUT/seeds"
	python3 tests/fuzz/gen_corpus.py "$OUT/seeds" || return 1
}

# ASan options: leaks are failures; UBSan stops at the first report.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

replay() {
	local t fail=0
	for t in $TARGETS; do
		mkdir -p "$OUT/corpus/$t"
		echo "== replay $t"
		"$OUT/replay_$t" "$OUT/seeds/$t" "$OUT/corpus/$t" || fail=1
	done
	return $fail
}

fuzz() {
	local t fail=0 rc
	for t in $TARGETS; do
		mkdir -p "$OUT/corpus/$t" "$OUT/artifacts"
		echo "== fuzz $t for ${FUZZ_SECONDS}s"
		nice -n 10 "$OUT/fuzz_$t" -max_total_time="$FUZZ_SECONDS" \
			-max_len=16384 -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 \
			-artifact_prefix="$OUT/artifacts/$t-" \
			"$OUT/corpus/$t" "$OUT/seeds/$t" >"$OUT/fuzz_$t.log" 2>&1
		rc=$?
		tail -n 12 "$OUT/fuzz_$t.log"
		if [ $rc -ne 0 ]; then
			echo "FAIL fuzz_$t (exit $rc); log $OUT/fuzz_$t.log, input(s):"
			ls -1 "$OUT/artifacts/$t-"* 2>/dev/null
			echo "save a reproducer as tests/fuzz/crashes/$t-<name>"
			fail=1
		else
			echo "ok fuzz_$t"
		fi
	done
	return $fail
}

crashes() {
	local f t bin fail=0 n=0
	for f in tests/fuzz/crashes/*-*; do
		[ -f "$f" ] || continue
		t=$(basename "$f"); t=${t%%-*}
		bin=$OUT/replay_$t
		[ -x "$bin" ] || { echo "no replay binary for $f"; fail=1; continue; }
		n=$((n + 1))
		if "$bin" "$f" >"$OUT/crash.log" 2>&1; then
			echo "ok (fixed) $f"
		else
			echo "FAIL (still crashes) $f:"
			grep -m3 -E 'ERROR|runtime error|invariant|fuzz_[a-z0-9]+:|#[0-3] ' "$OUT/crash.log" | sed 's/^/    /'
			fail=1
		fi
	done
	echo "$n crash reproducers replayed"
	return $fail
}

case ${1:-fuzz} in
build) build && seeds ;;
replay) build replay && seeds && replay ;;
crashes) build replay && crashes ;;
check) build replay && seeds && replay && crashes ;;
fuzz) build && seeds && replay && fuzz ;;
*) echo "usage: $0 [fuzz|build|replay|crashes|check]" >&2; exit 2 ;;
esac

#!/bin/sh
# Runs each libFuzzer target for FUZZ_SECONDS on its seed corpus and prints
# the executions done, the wall time, the working corpus's size and the peak
# RSS (the figures docs/fuzzing.md keeps); a crash, sanitizer report or leak
# fails the run and leaves the input in $BUILD/fuzz/crash-NAME-*, to be added
# to tests/fuzz/corpus/NAME/ once fixed (make check replays that directory).
# Usage: tests/fuzz/run.sh [NAME...]
# Environment: BUILD, FUZZ_SECONDS, FUZZ_RUNS (stop after this many executions).
BUILD=${BUILD:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
names=${*:-$(ls tests/fuzz/fuzz-*.c | sed 's|.*/fuzz-||; s|\.c$||')}
status=0
for n in $names; do
	work=$BUILD/fuzz/corpus/$n
	mkdir -p "$work"
	log=$BUILD/fuzz/$n.log
	start=$(date +%s)
	"$BUILD/fuzz/fuzz-$n" -max_total_time="$secs" -runs="${FUZZ_RUNS:--1}" -timeout=60 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$BUILD/fuzz/crash-$n-" "$work" "tests/fuzz/corpus/$n" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	echo "fuzz $n: ${runs:-?} executions in $(($(date +%s) - start)) s (limit ${secs} s)," \
		"corpus $(ls "$work" | wc -l) inputs, peak RSS ${rss:-?} MB, exit $rc"
	if [ $rc -ne 0 ]; then
		grep -m1 -A12 'ERROR:\|runtime error\|deadly signal\|timeout' "$log"
		status=1
	fi
done
exit $status

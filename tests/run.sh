#!/bin/sh
# Runs every test — the C unit tests and the bats program tests — and ends
# with one line "N passed, N failed" (skips counted apart). A test program
# whose checks do not add up to its plan, or that plans none, counts as a
# failure, and so does a pattern of FCVAE_TESTS that matches no test.
# Environment: BUILD (default build), FCVAE_TESTS (patterns, blank-separated,
# to run a subset: each matches any part of a test's path below the checkout,
# as tests/0300-score.bats or BUILD/tests/test-json), FCVAE_VALGRIND (set:
# every program run through valgrind, which makes a test fail on a memory
# error or a definite leak), BATS_TEST_TIMEOUT (seconds a bats test may take
# before it fails as hung: 300, 1200 under valgrind, 3600 with FCVAE_STRESS),
# FCVAE_JOBS (lanes of bats files run side by side, default 1: a file's
# tests run one after another, in one lane, its output shown when it ends).
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export FCVAE_TOP="$top" FCVAE_BUILD="$top/$BUILD"
export PATH="$top/$BUILD/bin:$top/$BUILD/tools:$top/scripts:$PATH"
export LC_ALL=C
if [ -n "${FCVAE_STRESS:-}" ]; then
	export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-3600}
elif [ -n "${FCVAE_VALGRIND:-}" ]; then
	export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-1200}
else
	export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300}
fi
unit_runner=
if [ -n "${FCVAE_VALGRIND:-}" ]; then
	unit_runner="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
	# a PATH shim: the tests call the programs by name and get valgrind
	shim="$top/$BUILD/valgrind-bin"
	mkdir -p "$shim"
	for p in "$top/$BUILD"/bin/* "$top/$BUILD"/tools/*; do
		[ -x "$p" ] || continue
		case "$p" in *.d) continue ;; esac
		printf '#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite "%s" "$@"
' "$p" \
			>"$shim/$(basename "$p")"
		chmod +x "$shim/$(basename "$p")"
	done
	export PATH="$shim:$PATH"
fi
log=$(mktemp)
queue=$(mktemp -d)
trap 'rm -rf "$log" "$log".* "$queue"' EXIT
status=0
pat=${FCVAE_TESTS:-}
matched=
matches() {
	local p hit=1
	for p in $pat; do
		case "${1#"$top"/}" in *$p*) matched="$matched $p"; hit=0 ;; esac
	done
	return $hit
}

# run_one NAME COMMAND...: runs a test program in the checkout, its TAP
# into the log; a failure besides its own "not ok" lines: an exit status
# not 0 without one, no plan, a plan of no test, or checks that do not add
# up to the plan (a program that stopped early). LANE names the lane's own
# files; its output goes out whole, under a lock shared by the lanes.
LANE=0
run_one() {
	local name=$1 rc plan ran t0 one="$log.one$LANE"
	shift
	t0=$(date +%s)
	echo "# $name" >"$one"
	(cd "$top" && "$@") >>"$one" 2>&1
	rc=$?
	echo "# $name took $(($(date +%s) - t0)) s" >>"$one"
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$one" | head -n 1)
	ran=$(grep -Ec '^(not )?ok( |$)' "$one")
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$one"; then
		# a crash or abort before any failing check still counts as a failure
		echo "not ok - $name exited with status $rc" >>"$one"
	elif [ -z "$plan" ]; then
		echo "not ok - $name printed no plan (1..N)" >>"$one"
	elif [ "$plan" -eq 0 ]; then
		echo "not ok - $name has no test" >>"$one"
	elif [ "$plan" -ne "$ran" ]; then
		echo "not ok - $name planned $plan tests, ran $ran" >>"$one"
	fi
	flock "$log" sh -c 'cat "$1"; cat "$1" >>"$2"' sh "$one" "$log"
	rm -f "$one"
}

for t in "$top/$BUILD"/tests/test-*; do
	[ -x "$t" ] || continue
	case "$t" in *.d) continue ;; esac
	[ -n "$pat" ] && ! matches "$t" && continue
	run_one "$(basename "$t")" $unit_runner "$t"
done

# The bats files in a queue, taken from the last: the stream tests, the
# slowest, are numbered high, and a lane that took one last would finish
# alone. A lane takes a file by renaming it to its own name (one rename
# wins).
n=0
for t in "$top"/tests/*.bats; do
	[ -f "$t" ] || continue
	[ -n "$pat" ] && ! matches "$t" && continue
	n=$((n + 1))
	printf '%s\n' "$t" >"$queue/$(printf %06d $((1000000 - n)))"
done
lane() {
	local q t
	LANE=$1
	for q in "$queue"/[0-9]*; do
		[ -e "$q" ] && mv "$q" "$q.$LANE" 2>/dev/null || continue
		t=$(cat "$q.$LANE")
		# (a lane run in the background, as every lane of a make check that
		# is, has SIGINT and SIGQUIT ignored, and so had the programs that
		# tests send SIGINT)
		run_one "$(basename "$t")" env --default-signal=INT,QUIT bats --tap --timing "$t"
	done
}
lanes=${FCVAE_JOBS:-1}
i=1
while [ $i -lt "$lanes" ]; do
	lane $i &
	i=$((i + 1))
done
lane 0
wait

for p in $pat; do
	case " $matched " in *" $p "*) ;; *) echo "not ok - FCVAE_TESTS: '$p' matches no test" | tee -a "$log" ;; esac
done

skipped=$(grep -c '^ok .*# [Ss][Kk][Ii][Pp]' "$log")
passed=$(($(grep -c '^ok ' "$log") - skipped))
failed=$(grep -c '^not ok' "$log")
[ "$failed" -eq 0 ] || status=1
[ $((passed + failed)) -gt 0 ] || status=1
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
exit $status

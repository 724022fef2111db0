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
# before it fails as hung: 300, 1200 under valgrind, 3600 with FCVAE_STRESS).
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
trap 'rm -f "$log"' EXIT
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
# up to the plan (a program that stopped early)
run_one() {
	local name=$1 rc plan ran t0
	shift
	t0=$(date +%s)
	(cd "$top" && "$@") >"$log.one" 2>&1
	rc=$?
	cat "$log.one"
	echo "# $name took $(($(date +%s) - t0)) s"
	cat "$log.one" >>"$log"
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$log.one" | head -n 1)
	ran=$(grep -Ec '^(not )?ok( |$)' "$log.one")
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log.one"; then
		# a crash or abort before any failing check still counts as a failure
		echo "not ok - $name exited with status $rc" | tee -a "$log"
	elif [ -z "$plan" ]; then
		echo "not ok - $name printed no plan (1..N)" | tee -a "$log"
	elif [ "$plan" -eq 0 ]; then
		echo "not ok - $name has no test" | tee -a "$log"
	elif [ "$plan" -ne "$ran" ]; then
		echo "not ok - $name planned $plan tests, ran $ran" | tee -a "$log"
	fi
	rm -f "$log.one"
}

for t in "$top/$BUILD"/tests/test-*; do
	[ -x "$t" ] || continue
	case "$t" in *.d) continue ;; esac
	[ -n "$pat" ] && ! matches "$t" && continue
	echo "# unit: $(basename "$t")"
	run_one "$(basename "$t")" $unit_runner "$t"
done

for t in "$top"/tests/*.bats; do
	[ -f "$t" ] || continue
	[ -n "$pat" ] && ! matches "$t" && continue
	echo "# bats: $(basename "$t")"
	run_one "$(basename "$t")" bats --tap --timing "$t"
done

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

#!/bin/sh
# Runs every test — the C unit tests and the bats program tests — and ends
# with one line "N passed, N failed" (skips counted apart).
# Environment: BUILD (default build), FCVAE_TESTS (patterns, blank-separated,
# to run a subset), FCVAE_VALGRIND (set: every program run through valgrind,
# which makes a test fail on a memory error or a definite leak).
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export FCVAE_TOP="$top" FCVAE_BUILD="$top/$BUILD"
export PATH="$top/$BUILD/bin:$top/$BUILD/tools:$top/scripts:$PATH"
export LC_ALL=C
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
matches() {
	for p in $pat; do
		case "$1" in *$p*) return 0 ;; esac
	done
	return 1
}

for t in "$top/$BUILD"/tests/test-*; do
	[ -x "$t" ] || continue
	case "$t" in *.d) continue ;; esac
	[ -n "$pat" ] && ! matches "$t" && continue
	echo "# unit: $(basename "$t")"
	(cd "$top" && $unit_runner "$t") >"$log.one" 2>&1
	rc=$?
	cat "$log.one"
	cat "$log.one" >>"$log"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log.one"; then
		# a crash or abort before any failing check still counts as a failure
		echo "not ok - $(basename "$t") exited with status $rc" | tee -a "$log"
	fi
	rm -f "$log.one"
done

for t in "$top"/tests/*.bats; do
	[ -f "$t" ] || continue
	[ -n "$pat" ] && ! matches "$t" && continue
	echo "# bats: $(basename "$t")"
	(cd "$top" && bats --tap "$t") >"$log.one" 2>&1
	rc=$?
	cat "$log.one"
	cat "$log.one" >>"$log"
	if [ $rc -ne 0 ] && ! grep -q '^not ok' "$log.one"; then
		echo "not ok - $(basename "$t") exited with status $rc" | tee -a "$log"
	fi
	rm -f "$log.one"
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

# man.bash — bats helper: run a man page's EXAMPLES (tests/man-examples.sh).

bats_require_minimum_version 1.5.0

# man_examples [-C DIR] [-c CHECK] PAGE MIN: every "$ " line of PAGE's
# EXAMPLES (a path under the checkout), in order, each in its own bash in
# DIR (default: here) with pipefail: every command of a pipeline must exit
# 0, not only the last (so no example may end in a reader that stops early,
# like head, after a writer that meets the closed pipe). Each must exit 0,
# report no bad input on standard error ("rejected", "line N:"), and pass
# CHECK, a command that sees the example's standard output in $output, its
# standard error in $stderr, its number (from 1) in $man_n and the command
# in $man_cmd (default: man_output, some standard output). At least MIN
# examples. $output is left as the last example's.
man_examples() {
	local dir=. check=man_output
	man_n=0
	while [ $# -gt 2 ]; do
		case $1 in
		-C) dir=$2 ;;
		-c) check=$2 ;;
		*) echo "man_examples: unknown option $1" >&2; return 2 ;;
		esac
		shift 2
	done
	while IFS= read -r man_cmd; do
		man_n=$((man_n + 1))
		run --separate-stderr bash -o pipefail -c "cd '$dir' && $man_cmd"
		echo "$man_n: $man_cmd => $status: ${output:0:300}" "${stderr:+[stderr: ${stderr:0:300}]}"
		[ "$status" -eq 0 ]
		[[ "$stderr" != *rejected* ]]
		[[ ! "$stderr" =~ line\ [0-9]+: ]]
		$check
	done < <(sh "$FCVAE_TOP/tests/man-examples.sh" "$FCVAE_TOP/$1")
	echo "$1: $man_n examples"
	[ "$man_n" -ge "$2" ]
}

man_output() { [ -n "$output" ]; }

# man_lines N: the example wrote N lines to standard output
man_lines() { [ "${#lines[@]}" -eq "$1" ]; }

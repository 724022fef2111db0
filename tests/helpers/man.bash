# man.bash — bats helper: run a man page's EXAMPLES (tests/man-examples.sh).

# man_examples [-C DIR] [-c CHECK] [-p] PAGE MIN: every "$ " line of PAGE's
# EXAMPLES (a path under the checkout), in order, each in its own sh in DIR
# (default: here); each must exit 0 and pass CHECK, a command that sees the
# example's output in $output (default: man_output, some output). With -p,
# every command of a pipeline must exit 0, not only the last (a reader
# that stops early, like head, makes the writer before it report a closed
# pipe and fail). At least MIN examples. $output is left as the last
# example's.
man_examples() {
	local dir=. check=man_output n=0 cmd shell=sh
	while [ $# -gt 2 ]; do
		case $1 in
		-C) dir=$2 ;;
		-c) check=$2 ;;
		-p) shell="bash -o pipefail"; shift; continue ;;
		*) echo "man_examples: unknown option $1" >&2; return 2 ;;
		esac
		shift 2
	done
	while IFS= read -r cmd; do
		run $shell -c "cd '$dir' && $cmd"
		echo "$cmd => $status: ${output:0:300}"
		[ "$status" -eq 0 ]
		$check
		n=$((n + 1))
	done < <(sh "$FCVAE_TOP/tests/man-examples.sh" "$FCVAE_TOP/$1")
	echo "$1: $n examples"
	[ "$n" -ge "$2" ]
}

man_output() { [ -n "$output" ]; }

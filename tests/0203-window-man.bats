#!/usr/bin/env bats
# fcvae-window: the man page renders cleanly and its EXAMPLES run.

@test "window: the man page examples run" {
	[ -f man/fcvae-window.1 ]
	n=0
	while IFS= read -r cmd; do
		run sh -c "$cmd"
		echo "$cmd => $status: ${output:0:300}"
		[ "$status" -eq 0 ]
		[ -n "$output" ]
		[[ "$output" != *fcvae-window:* ]]
		n=$((n + 1))
	done < <(sh tests/man-examples.sh man/fcvae-window.1)
	[ "$n" -ge 4 ]
}

@test "window: the man page has no roff warnings" {
	command -v groff >/dev/null || skip "no groff"
	run groff -man -Tutf8 -ww -z man/fcvae-window.1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

#!/usr/bin/env bats
# fcvae-window: the man page renders cleanly and its EXAMPLES run.

load helpers/man

@test "window: the man page examples run" {
	[ -f man/fcvae-window.1 ]
	man_examples -c quiet_output man/fcvae-window.1 4
}

# some output, and no message of fcvae-window's among it
quiet_output() { [ -n "$output" ] && [[ "$output" != *fcvae-window:* ]]; }

@test "window: the man page has no roff warnings" {
	command -v groff >/dev/null || skip "no groff"
	run groff -man -Tutf8 -ww -z man/fcvae-window.1
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

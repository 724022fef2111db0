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

@test "window: fcvae.7 names every aggregation; examples with a state keep the stream's buckets open" {
	# fcvae-window -h's --agg choices, none aside, are fcvae.7's list
	[ "$(fcvae-window -h | grep -oE -- '--agg A +[a-z|]+' | grep -oE '[a-z]+(\|[a-z]+)+' | tr '|' '\n' | grep -vx none)" = \
	  "$(tr '\n' ' ' <man/fcvae.7 | grep -oE 'time buckets \([^)]*\)' | grep -oE '[a-z]+' | grep -vx -e time -e buckets)" ]
	# a pipeline's fcvae-window with --state (a stream that goes on) has
	# --no-flush: else each restart closes the open buckets early
	run awk '/\\e$/ { cmd = cmd $0; next } { cmd = cmd $0
		if (cmd ~ /fcvae\\-window/ && cmd ~ /\\-\\-state/ && cmd !~ /\\-\\-no\\-flush/) print FILENAME ": " cmd; cmd = "" }' \
		man/*.1 man/*.7
	echo "$output"
	[ -z "$output" ]
}

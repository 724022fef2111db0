#!/usr/bin/env bats
# Man pages of fcvae-plot, fcvae-alert, fcvae-batch, fcvae-stream and
# fcvae-mock-broker: their EXAMPLES run; every page renders without roff
# warnings.

load helpers/kafka
load helpers/man

setup() {
	work=$BATS_TEST_TMPDIR/work
	mkdir -p "$work"
	ln -s "$FCVAE_TOP/tests/data/seed_models" "$work/models"
}
teardown() { broker_stop; }

# run_examples PAGE MIN: every "$ " line of PAGE's EXAMPLES, in order, in
# one directory; each must succeed with no rejected input
run_examples() { man_examples -C "$work" -c no_rejects "$@"; }
no_rejects() { [[ "$output" != *"rejected"* ]]; }

@test "man: fcvae-plot examples run" {
	run_examples man/fcvae-plot.1 2
	[ -s "$work/dashboard/index.html" ]
	[ -s "$work/dashboard/Star_no-pin.svg" ]
}

@test "man: fcvae-alert examples run" {
	run_examples man/fcvae-alert.1 4
	[ "$(wc -l <"$work/log.ndjson")" -eq "$(wc -l <"$work/scored.ndjson")" ]
}

@test "man: fcvae-batch examples run" {
	run_examples man/fcvae-batch.1 4
	[ -s "$work/in/scored/star.ndjson" ]
}

@test "man: fcvae-stream examples run" {
	broker_start -t hourly -p 2
	run_examples man/fcvae-stream.1 4
	[ "$(wc -l <"$work/state/scored.ndjson")" -eq $((8 * 24 - 23)) ]
}

@test "man: fcvae-mock-broker examples run" {
	run_examples man/fcvae-mock-broker.1 2
	# the message the last one sent through the broker came back
	[ "$output" = '{"n":1}' ]
	grep -Eq '^127\.0\.0\.1:[0-9]+$' "$work/broker.addr"
}

@test "man: every installed program has a page; no page has roff warnings" {
	for p in $(cd src && ls fcvae-*.c tools/fcvae-mock-broker.c) $(cd scripts && ls fcvae-*); do
		p=$(basename "$p" .c)
		[ -f "man/$p.1" ] || { echo "no man/$p.1"; false; }
	done
	command -v groff >/dev/null || skip "no groff"
	for p in man/*.1 man/*.7; do
		run groff -man -Tutf8 -ww -z "$p"
		echo "$p: $output"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
	done
}

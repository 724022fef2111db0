#!/usr/bin/env bats
# Man pages of fcvae-plot, fcvae-alert, fcvae-batch, fcvae-stream and
# fcvae-mock-broker: their EXAMPLES run and show what they say; every page
# renders without roff warnings.

load helpers/kafka
load helpers/man

setup() {
	work=$BATS_TEST_TMPDIR/work
	mkdir -p "$work"
	ln -s "$FCVAE_TOP/tests/data/seed_models" "$work/models"
}
teardown() { broker_stop; }

# run_examples PAGE MIN: every "$ " line of PAGE's EXAMPLES, in order, in
# one directory, each checked by the page's own check (plot_example for
# fcvae-plot.1, mock_broker_example for fcvae-mock-broker.1, ...)
run_examples() {
	local check=${1#man/fcvae-}
	check=${check%.1}
	man_examples -C "$work" -c "${check//-/_}_example" "$@"
}

plot_example() {
	case $man_n in
	1) # the four series, each in both formats, and the page
		[ "$(grep -c '\.svg$' <<<"$output")" -eq 4 ]
		[ "$(grep -c '\.png$' <<<"$output")" -eq 4 ]
		grep -qx Star_no-pin.svg <<<"$output"
		grep -qx index.html <<<"$output" ;;
	2) [ "$output" = $'Star_CMP.png\nindex.html' ] ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

alert_example() {
	case $man_n in
	1) # runs opened and closed
		echo "$output" | jq -se 'any(.[]; .[0] == "open") and any(.[]; .[0] == "close")' ;;
	2) [ -z "$output" ]
		[ -s "$work/scored.ndjson" ] ;;
	3) [ "$output" -gt 0 ] ;;
	4) # the second run: nothing again
		[[ "$output" == "fcvae-alert: "*" records: 0 taken, "*" duplicates dropped; 0 runs opened, 0 closed" ]] ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

batch_example() {
	case $man_n in
	1) [ -z "$output" ]
		[ -s "$work/in/star.csv" ] ;;
	2) [[ "$output" =~ ^"fcvae-batch: 2 files in in: 2 scored ("[1-9][0-9]*" records, "[1-9][0-9]*" anomalous), 0 unchanged, 0 failed"$ ]] ;;
	3) [ "$output" = "fcvae-batch: 2 files in in: 0 scored (0 records, 0 anomalous), 2 unchanged, 0 failed" ] ;;
	4) man_lines 3
		[ "${lines[0]}" = timestamp,value,label,score,threshold,anomaly,expected,lower,upper ] ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

stream_example() {
	case $man_n in
	1) [ -z "$output" ] ;;
	2) echo "$output" | jq -e '.key == "Star/CMP" and (.value | type) == "number" and .is_anomaly == 0' ;;
	3) # eight days scored, each hour from the 24th on; a clean stop
		[ "$output" -eq $((8 * 24 - 23)) ]
		[[ "$stderr" == *"fcvae-stream: stopped cleanly"* ]] ;;
	4) # the alerts
		echo "$output" | jq -se 'any(.[]; .[0] == "open" and .[1] == "Star/CMP")' ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

mock_broker_example() {
	case $man_n in
	1) [[ "$output" =~ ^127\.0\.0\.1:[0-9]+$ ]] ;;
	2) [ "$output" = '{"n":1}' ] ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

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

#!/usr/bin/env bats
# fcvae-window: the man page's EXAMPLES run and show what they say (the
# roff check of every page: 0790).

load helpers/man

# what each example of fcvae-window(1) shows; fcvae-window says nothing
window_example() {
	[ -z "$stderr" ]
	case $man_n in
	1) # the start of a window record, cut at 120 bytes
		man_lines 1
		[[ "$output" == '{"key":"Accel/CMP","ts":"'*'","value":'*',"window":['* ]] ;;
	2) # hourly counts per key from the transactions
		man_lines 4
		echo "$output" | jq -se 'all(.[]; length == 3 and (.[2] | type) == "number" and .[2] > 0)' ;;
	3) # the gap filled and listed
		man_lines 1
		echo "$output" | jq -e '.window == [1, 2, 3, 4] and .missing == [1, 2]' ;;
	4) # one series' windows only
		man_lines 1
		[[ "$output" =~ ^\ *[1-9][0-9]*\ Star/CMP$ ]] ;;
	5) # five-minute sums, the last two of the day
		man_lines 2
		echo "$output" | jq -se 'all(.[]; (.[0] | test(":[0-5][05]:00Z$")) and .[1] > 0)' ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

@test "window: the man page examples run" {
	[ -f man/fcvae-window.1 ]
	man_examples -c window_example man/fcvae-window.1 5
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

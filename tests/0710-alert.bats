#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fcvae-alert: one alert per anomaly run opening and closing, per series;
# with --state an exactly-once sink across restarts.

setup() {
	tmp=$BATS_TEST_TMPDIR
	# series a: normal, two anomalous hours, normal (one run, opened and
	# closed); series b: anomalous from its second hour on (open at the end)
	rec() { printf '{"key":"%s","ts":"2025-01-01T%02d:00:00Z","value":%s,"score":%s,"threshold":-5,"anomaly":%s}\n' "$@"; }
	{
		rec a 0 10 -1 false
		rec b 0 10 -1 false
		rec a 1 90 -9 true
		rec b 1 90 -7 true
		rec a 2 95 -12 true
		rec b 2 80 -6 true
		rec a 3 11 -1 false
		rec a 4 12 -1 false
	} >"$tmp/scored"
}

@test "alert: -h prints usage; bad options are usage errors" {
	run fcvae-alert -h
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-alert --bogus
	[ "$status" -eq 2 ]
	run fcvae-alert --resend
	[ "$status" -eq 2 ]
	# an empty -K glued the key onto the alert (a{"id":...)
	run --separate-stderr fcvae-alert -K '' "$tmp/scored"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-alert: --key-delimiter: an empty delimiter" ]
}

@test "alert: a run opens once and closes once, per series" {
	run fcvae-alert "$tmp/scored"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(echo "${lines[0]}" | jq -r '[.key,.alert,.ts,.score,.value] | @tsv')" = "$(printf 'a\topen\t2025-01-01T01:00:00Z\t-9\t90')" ]
	[ "$(echo "${lines[1]}" | jq -r '[.key,.alert,.ts] | @tsv')" = "$(printf 'b\topen\t2025-01-01T01:00:00Z')" ]
	# the close names the first normal hour, the run's start, its length and lowest score
	[ "$(echo "${lines[2]}" | jq -r '[.key,.alert,.ts,.start,.points,.min_score] | @tsv')" = "$(printf 'a\tclose\t2025-01-01T03:00:00Z\t2025-01-01T01:00:00Z\t2\t-12')" ]
	# ids are unique and name the run
	[ "$(echo "${lines[0]}" | jq -r .id)" = "a@2025-01-01T01:00:00Z/open" ]
}

@test "alert: a record not newer than its series' last (a revised window) is dropped and counted" {
	# without --state too: a's revised 01:00, normal now, must not close the
	# run opened at 02:00 with a close dated before its start
	{
		rec a 0 10 -1 false
		rec a 2 90 -9 true
		printf '{"key":"a","ts":"2025-01-01T01:00:00Z","value":10,"score":1,"threshold":-5,"anomaly":false,"revised":true}\n'
		rec a 3 11 -1 false
	} >"$tmp/revised"
	run --separate-stderr fcvae-alert "$tmp/revised"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[1]}" | jq -r '[.alert,.ts,.start] | @tsv')" = "$(printf 'close\t2025-01-01T03:00:00Z\t2025-01-01T02:00:00Z')" ]
	[ "$stderr" = 'fcvae-alert: 4 records: 3 taken, 1 duplicates dropped; 1 runs opened, 1 closed' ]
}

@test "alert: -K prefixes the series key for kcat -P -K" {
	run fcvae-alert -K: "$tmp/scored"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == 'a:{"id":'* ]]
	[[ "${lines[1]}" == 'b:{"id":'* ]]
}

@test "alert: -K: a key's delimiter bytes and newlines are '_' in the prefix, said once; --resend alike" {
	printf '%s\n' '{"key":"db:cpu","ts":"2025-01-01T00:00:00Z","score":-9,"anomaly":true}' \
		'{"key":"l\nf","ts":"2025-01-01T00:00:00Z","score":-9,"anomaly":true}' >"$tmp/keys"
	run --separate-stderr fcvae-alert -K: --alerts "$tmp/box" "$tmp/keys"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == 'db_cpu:{"id":"db:cpu@'* ]]
	[[ "${lines[1]}" == 'l_f:{"id":"l\nf@'* ]]
	[ "$stderr" = "fcvae-alert: a series key holds the key delimiter or a newline: its alerts' message key has '_' in their place (said once)" ]
	# a delimiter with a '_' in it: the bytes are left out
	run --separate-stderr fcvae-alert --resend -K :_ --alerts "$tmp/box" /dev/null
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == 'dbcpu:_{"id":"db:cpu@'* ]]
	[[ "${lines[1]}" == 'lf:_{"id":"l\nf@'* ]]
	[ "${stderr_lines[0]}" = "fcvae-alert: a series key holds the key delimiter or a newline: its alerts' message key has them left out (said once)" ]
}

@test "alert: a key holding \u0000 is a series of its own, kept whole" {
	# fcvae-window and fcvae-score keep "a\u0000b" apart from "a"; cut at
	# the NUL it clashed with "a", and compared so every record was new
	nul='{"key":"a\\u0000b","ts":%s,"value":1,"anomaly":%s}\n'
	printf "$nul" 0 true 3600 false 0 true 7200 true >"$tmp/nul"
	printf '{"key":"a","ts":%s,"value":1,"anomaly":%s}\n' 0 true 3600 true >>"$tmp/nul"
	run --separate-stderr fcvae-alert -v --state "$tmp/st" --alerts "$tmp/box" "$tmp/nul"
	[ "$status" -eq 0 ]
	[ "$stderr" = "fcvae-alert: 6 records: 5 taken, 1 duplicates dropped; 3 runs opened, 1 closed" ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -r '[.id,.key,.alert] | @json' | paste -sd ' ')" = \
		'["a\u0000b@1970-01-01T00:00:00Z/open","a\u0000b","open"] ["a\u0000b@1970-01-01T00:00:00Z/close","a\u0000b","close"] ["a\u0000b@1970-01-01T02:00:00Z/open","a\u0000b","open"] ["a@1970-01-01T00:00:00Z/open","a","open"]' ]
	[ "$(jq -c '[.series[] | [.key, .last]]' "$tmp/st")" = '[["a\u0000b",7200],["a",3600]]' ]
	# the state brings the series back whole: the replay is all duplicates
	run --separate-stderr fcvae-alert -v --state "$tmp/st" "$tmp/nul"
	[ -z "$output" ]
	[ "$stderr" = "fcvae-alert: 6 records: 0 taken, 6 duplicates dropped; 0 runs opened, 0 closed" ]
	# -K: the message key holds the key's bytes, NUL among them
	fcvae-alert -K: "$tmp/nul" | head -c 4 | od -An -c | tr -d ' ' >"$tmp/k"
	[ "$(cat "$tmp/k")" = 'a\0b:' ]
	fcvae-alert --resend -K: --alerts "$tmp/box" /dev/null | head -c 4 | od -An -c | tr -d ' ' >"$tmp/k"
	[ "$(cat "$tmp/k")" = 'a\0b:' ]
}

@test "alert: a record whose own bucket was missing is no verdict: a run goes on across it" {
	# fcvae-score writes "anomaly": false for a window whose last point is
	# missing (value null); that is no reason to close the run and open another
	printf '%s\n' '{"key":"a","ts":"2025-01-01T00:00:00Z","score":1,"anomaly":false}' \
		'{"key":"a","ts":"2025-01-01T01:00:00Z","value":5,"score":-9,"anomaly":true}' \
		'{"key":"a","ts":"2025-01-01T02:00:00Z","value":null,"missing":[23],"score":-1,"anomaly":false}' \
		'{"key":"a","ts":"2025-01-01T03:00:00Z","value":7,"score":-8,"anomaly":true}' \
		'{"key":"a","ts":"2025-01-01T04:00:00Z","value":3,"score":1,"anomaly":false}' >"$tmp/gap"
	run --separate-stderr fcvae-alert "$tmp/gap"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -c '[.alert, .ts, .points]')" = "$(printf '%s\n' \
		'["open","2025-01-01T01:00:00Z",null]' '["close","2025-01-01T04:00:00Z",2]')" ]
}

@test "alert: a record of a model without a threshold is no verdict either" {
	# an uncalibrated model picked up while fcvae-score runs flags nothing
	printf '%s\n' '{"key":"A","ts":3600,"value":9,"score":-50,"threshold":-9,"anomaly":true}' \
		'{"key":"A","ts":7200,"value":9,"score":-60,"threshold":null,"anomaly":false}' \
		'{"key":"A","ts":10800,"value":9,"score":-70,"threshold":-9,"anomaly":true}' \
		'{"key":"A","ts":14400,"value":9,"score":-1,"threshold":-9,"anomaly":false}' >"$tmp/nothr"
	run --separate-stderr fcvae-alert "$tmp/nothr"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -c '[.alert, .points]')" = "$(printf '%s\n' '["open",null]' '["close",2]')" ]
}

@test "alert: lines of blanks are passed over, not bad lines, --strict too" {
	{ sed -n 1p "$tmp/scored"; echo; echo ' '; printf '\t\r\n'; sed -n '2,$p' "$tmp/scored"; } >"$tmp/blanks"
	run --separate-stderr fcvae-alert --strict "$tmp/blanks"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = "$(fcvae-alert "$tmp/scored")" ]
}

@test "alert: --every counts records without a verdict too" {
	command -v strace >/dev/null && strace -e trace=rename -o /dev/null true 2>/dev/null || skip "no strace"
	for a in null false; do
		rm -f "$tmp/e.state"
		seq 0 999 | awk -v a=$a '{ printf "{\"key\":\"A\",\"ts\":%d,\"anomaly\":%s}\n", 3600 * $1, a }' >"$tmp/in"
		# (LeakSanitizer does not work under ptrace)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -f -e trace=rename -o "$tmp/trace" fcvae-alert --every 10 --state "$tmp/e.state" "$tmp/in" >/dev/null
		n=$(grep -c 'rename(' "$tmp/trace")
		echo "anomaly $a: $n saves"
		[ "$n" -ge 100 ]
	done
}

@test "alert: bad lines are reported, counted and skipped" {
	{ echo 'not json'; echo '{"key":"a"}'; echo '{"ts":"2025-01-01T00:00:00Z"}'; echo '{"key":"a","ts":"x"}'; cat "$tmp/scored"; } >"$tmp/bad"
	run fcvae-alert "$tmp/bad"
	[ "$status" -eq 0 ]
	[[ "$output" == *"line 1:"* ]]
	[[ "$output" == *"4 input lines rejected"* ]]
	[ "$(fcvae-alert "$tmp/bad" 2>/dev/null | wc -l)" -eq 3 ]
	run fcvae-alert --strict "$tmp/bad"
	[ "$status" -eq 3 ]
	# fcvae-window's output, not fcvae-score's: no verdict in any record,
	# said (it was silent, exit 0, no alert)
	fcvae-gen --hourly --format ndjson --days 2 --combo Star/CMP | fcvae-window >"$tmp/windows"
	run --separate-stderr fcvae-alert "$tmp/windows"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = 'fcvae-alert: no record has an "anomaly" member: nothing to alert on (is this fcvae-score output?)' ]
	# one verdict is enough: a stream whose first records come unscored
	run --separate-stderr fcvae-alert "$tmp/scored"
	[ -z "$stderr" ]
}

@test "alert: NaN as Python writes it is no score, not a bad line; what is written is JSON" {
	# a bare NaN or Infinity reads as a number not there (SPEC §10); the
	# alert and the log carry it as null
	sed -e 's/"score":-9/"score":NaN/' -e '1s/"value":10/"value":Infinity/' "$tmp/scored" >"$tmp/nan"
	run --separate-stderr fcvae-alert --strict --log "$tmp/log" "$tmp/nan"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(echo "${lines[0]}" | jq -r '[.key,.alert,.score,.value] | @tsv')" = "$(printf 'a\topen\t\t90')" ]
	jq -e . "$tmp/log" >/dev/null
	[ "$(jq -r 'select(.key == "a") | .score' "$tmp/log" | head -n 2 | paste -sd ' ')" = "-1 null" ]
	[ "$(head -n 1 "$tmp/log" | jq .value)" = null ]
	# the min_score of the run is its other points' lowest
	[ "$(echo "${lines[2]}" | jq -r '[.alert,.points,.min_score] | @tsv')" = "$(printf 'close\t2\t-12')" ]
	# a time that is not a finite number is a bad time
	printf '{"key":"a","ts":%s,"score":-1,"anomaly":false}\n' NaN 1e999 >"$tmp/nants"
	run fcvae-alert "$tmp/nants"
	[ "$status" -eq 0 ]
	[[ "$output" == *'line 1: "ts" is not a timestamp'* ]]
	[[ "$output" == *'line 2: "ts" is not a timestamp'* ]]
	[[ "$output" == *"2 input lines rejected: 2 bad ts"* ]]
}

@test "alert: a time outside the years 0 to 9999 is a bad line, as fcvae-window has it" {
	# 1e300 and -1e300 once became one absurd id; a millisecond epoch is
	# no time of ours either (fcvae-window rejects them all)
	printf '{"key":"a","ts":%s,"anomaly":true}\n' 1e300 -1e300 -62167219201 253402300800 1740495600000 >"$tmp/far"
	run --separate-stderr fcvae-alert "$tmp/far"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	for i in 1 2 3 4 5; do
		[[ "$stderr" == *"$tmp/far line $i: \"ts\" is not a timestamp"* ]]
	done
	[[ "$stderr" == *"5 input lines rejected: 5 bad ts" ]]
	# the ends of the range are times
	printf '{"key":"a","ts":%s,"anomaly":%s}\n' -62167219200 true 253402300799 false | fcvae-alert >"$tmp/ends"
	[ "$(jq -r '[.alert,.ts] | @tsv' "$tmp/ends" | paste -sd ' ')" = "$(printf 'open\t0000-01-01T00:00:00Z close\t9999-12-31T23:59:59Z')" ]
	run --separate-stderr fcvae-alert --strict "$tmp/far"
	[ "$status" -eq 3 ]
	[ "$stderr" = "fcvae-alert: $tmp/far line 1: \"ts\" is not a timestamp" ]
}

@test "alert: --state takes each bucket once across runs and repeats no alert" {
	s="--state $tmp/st --log $tmp/log --alerts $tmp/outbox"
	head -n 3 "$tmp/scored" | fcvae-alert $s >"$tmp/out1"
	# the replay brings the first three again, then the rest
	fcvae-alert $s <"$tmp/scored" >"$tmp/out2"
	[ "$(wc -l <"$tmp/out1")" -eq 1 ]      # a opens
	[ "$(wc -l <"$tmp/out2")" -eq 2 ]      # b opens, a closes
	cat "$tmp/out1" "$tmp/out2" | cmp - "$tmp/outbox"
	cmp "$tmp/log" "$tmp/scored"           # every record once, in order
	# a third run over everything adds nothing
	run fcvae-alert -v $s "$tmp/scored"
	[ -z "$(fcvae-alert $s <"$tmp/scored" 2>/dev/null)" ]
	[[ "$output" == *"0 taken, 8 duplicates dropped"* ]]
	cmp "$tmp/log" "$tmp/scored"
	jq -e '.series | length == 2' "$tmp/st"
}

@test "alert: a damaged state is refused, naming the file and what is wrong" {
	# taken as it was, "last":"x" closed a run of no time (year 292277026596)
	damaged() { # state, what is said
		printf '%s\n' "$1" >"$tmp/st"
		cp "$tmp/st" "$tmp/st.orig"
		echo '{"key":"a","ts":7200,"anomaly":false,"value":1}' >"$tmp/in"
		run --separate-stderr fcvae-alert --state "$tmp/st" --log "$tmp/log" "$tmp/in"
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[ "$stderr" = "fcvae-alert: cannot load state: $tmp/st: $2" ]
		cmp "$tmp/st" "$tmp/st.orig"
		[ ! -e "$tmp/log" ]
	}
	h='"log_bytes":0,"alerts_bytes":0'
	damaged '{"series":[{"key":"a","last":"x","open":true}]}' 'damaged state: "log_bytes" or "alerts_bytes" is not a length'
	damaged '{"log_bytes":-1,"alerts_bytes":0,"series":[]}' 'damaged state: "log_bytes" or "alerts_bytes" is not a length'
	damaged '{"log_bytes":0,"alerts_bytes":1e30,"series":[]}' 'damaged state: "log_bytes" or "alerts_bytes" is not a length'
	damaged '{'"$h"',"series":[{"key":"a","last":"x","open":true}]}' 'damaged state: series 1: "last" is not a time'
	damaged '{'"$h"',"series":[{"key":"a","last":1e300,"open":false}]}' 'damaged state: series 1: "last" is not a time'
	damaged '{'"$h"',"series":[{"key":"a","last":0}]}' 'damaged state: series 1: "open" is not true or false'
	damaged '{'"$h"',"series":[{"key":"a","last":3600,"open":true}]}' "damaged state: series 1: an open run's \"start\" is not a time at or before \"last\""
	damaged '{'"$h"',"series":[{"key":"a","last":0,"open":true,"start":3600,"points":1,"min_score":-1}]}' "damaged state: series 1: an open run's \"start\" is not a time at or before \"last\""
	damaged '{'"$h"',"series":[{"key":"a","last":0,"open":true,"start":0,"points":0,"min_score":-1}]}' "damaged state: series 1: an open run's \"points\" is not a count of 1 or more"
	damaged '{'"$h"',"series":[{"key":"a","last":0,"open":true,"start":0,"points":1,"min_score":"x"}]}' "damaged state: series 1: an open run's \"min_score\" is not a number or null"
	damaged '{'"$h"',"series":[{"key":"a","last":0,"open":false},{"key":"a","last":0,"open":false}]}' "damaged state: series 2: its \"key\" is another series' too"
	damaged '{'"$h"',"series":[7]}' 'damaged state: series 1: no "key" string'
	damaged '[]' 'not an fcvae-alert state file'
	# a sound one with an open run: the run closes as it was saved
	printf '%s\n' '{'"$h"',"series":[{"key":"a","last":3600,"open":true,"start":0,"points":2,"min_score":null}]}' >"$tmp/st"
	run --separate-stderr fcvae-alert --state "$tmp/st" "$tmp/in"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '[.alert,.ts,.start,.points,.min_score] | @tsv')" = "$(printf 'close\t1970-01-01T02:00:00Z\t1970-01-01T00:00:00Z\t2\t')" ]
}

@test "alert: lines written after the last save are cut off at restart" {
	s="--state $tmp/st --log $tmp/log --alerts $tmp/outbox"
	head -n 4 "$tmp/scored" | fcvae-alert $s >/dev/null
	cp "$tmp/log" "$tmp/log.saved"
	# what a crash leaves: a line (and half of one) the state does not know
	sed -n 5p "$tmp/scored" >>"$tmp/log"
	printf '{"key":"a","ts":' >>"$tmp/log"
	echo '{"id":"ghost"}' >>"$tmp/outbox"
	fcvae-alert $s <"$tmp/scored" >/dev/null
	cmp "$tmp/log" "$tmp/scored"
	run ! grep -q ghost "$tmp/outbox"
	[ "$(wc -l <"$tmp/outbox")" -eq 3 ]
}

@test "alert: --resend writes the outbox lines the topic lacks" {
	fcvae-alert --alerts "$tmp/outbox" "$tmp/scored" >/dev/null
	sed -n 2p "$tmp/outbox" >"$tmp/topic"
	run --separate-stderr fcvae-alert --resend -K: --alerts "$tmp/outbox" "$tmp/topic"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "a:$(sed -n 1p "$tmp/outbox")" ]
	[ "${lines[1]}" = "a:$(sed -n 3p "$tmp/outbox")" ]
	[[ "$stderr" == *"2 alerts resent"* ]]
	run fcvae-alert --resend --alerts "$tmp/outbox" "$tmp/outbox"
	[ -z "$output" ]
	# alerts that could not be written are not counted as resent
	[ -w /dev/full ] || skip "no /dev/full"
	run sh -c 'fcvae-alert --resend --alerts "$1" "$2" >/dev/full' sh "$tmp/outbox" "$tmp/topic"
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-alert: write error on standard output: No space left on device" ]
}

@test "alert: --resend matches alerts by id and passes over other messages" {
	fcvae-alert --alerts "$tmp/outbox" "$tmp/scored" >/dev/null
	# the topic holds the first alert re-encoded (same id, other bytes) and
	# messages that are not alerts
	{ sed -n 1p "$tmp/outbox" | jq -cS .; echo 'not json'; echo '{"id":7}'; } >"$tmp/topic"
	run --separate-stderr fcvae-alert --resend --alerts "$tmp/outbox" "$tmp/topic"
	[ "$status" -eq 0 ]
	diff <(printf '%s\n' "${lines[@]}") <(sed 1d "$tmp/outbox")
	[[ "$stderr" == *"fcvae-alert: $tmp/topic: 2 messages are not alerts, passed over"* ]]
}

@test "alert: --resend reads the topic within --max-line and says what it could not read" {
	fcvae-alert --alerts "$tmp/outbox" "$tmp/scored" >/dev/null
	# the first alert on the topic, padded past the limit: it cannot be
	# matched, so it is sent again (a repeat, never a loss)
	sed -n 1p "$tmp/outbox" | jq -c ". + {pad: \"$(printf '%0300d' 0)\"}" >"$tmp/topic"
	sed -n 2p "$tmp/outbox" >>"$tmp/topic"
	run --separate-stderr fcvae-alert --resend --max-line 256 --alerts "$tmp/outbox" "$tmp/topic"
	[ "$status" -eq 0 ]
	diff <(printf '%s\n' "${lines[@]}") <(sed 2d "$tmp/outbox")
	[[ "$stderr" == *"fcvae-alert: $tmp/topic: 1 message longer than 256 bytes (see --max-line), not read"* ]]
	[[ "$stderr" != *"not alerts"* ]]
}

@test "alert: --resend with --state sends only what the state committed" {
	s="--state $tmp/st --alerts $tmp/outbox"
	head -n 4 "$tmp/scored" | fcvae-alert $s >"$tmp/sent"
	[ "$(wc -l <"$tmp/sent")" -eq 2 ]
	# a crash after writing an alert to the outbox, before saving the state:
	# that alert never went out, and the replay makes it again
	sed -n 5,7p "$tmp/scored" | fcvae-alert --alerts "$tmp/later" >/dev/null
	cat "$tmp/later" >>"$tmp/outbox"
	: >"$tmp/topic"
	run --separate-stderr fcvae-alert --resend $s "$tmp/topic"
	[ "$status" -eq 0 ]
	diff <(printf '%s\n' "${lines[@]}") "$tmp/sent"
	[[ "$stderr" == *"2 alerts resent"* ]]
	cmp "$tmp/outbox" "$tmp/sent"
	# the replay sends the rest once
	fcvae-alert $s <"$tmp/scored" >"$tmp/rest"
	[ "$(cat "$tmp/sent" "$tmp/rest" | jq -r .id | sort | uniq -d)" = "" ]
	cat "$tmp/sent" "$tmp/rest" | cmp - "$tmp/outbox"
}

@test "alert: --resend creates no file: no outbox or no state file is nothing to resend" {
	# a mistyped outbox was created empty, without a word
	run --separate-stderr fcvae-alert --resend --alerts "$tmp/typo" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-alert: $tmp/typo: no such outbox: no alert to resend" ]
	[ ! -e "$tmp/typo" ]
	# the log is no part of resending
	fcvae-alert --alerts "$tmp/outbox" "$tmp/scored" >/dev/null
	run --separate-stderr fcvae-alert --resend --log "$tmp/log" --alerts "$tmp/outbox" </dev/null
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ ! -e "$tmp/log" ]
	# no state file: nothing was committed, so nothing sent; the outbox
	# is left for the run that replays it (it was cut to nothing)
	cp "$tmp/outbox" "$tmp/outbox.orig"
	run --separate-stderr fcvae-alert --resend --state "$tmp/st" --alerts "$tmp/outbox" </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-alert: $tmp/st: no state file: no alert committed, none to resend" ]
	[ ! -e "$tmp/st" ]
	cmp "$tmp/outbox" "$tmp/outbox.orig"
}

@test "alert: with --state but no state file yet, the outbox and log start empty" {
	# a crash before the first save: lines in the files, no state
	fcvae-alert --log "$tmp/log" --alerts "$tmp/outbox" "$tmp/scored" >/dev/null
	fcvae-alert --state "$tmp/st" --log "$tmp/log" --alerts "$tmp/outbox" "$tmp/scored" >"$tmp/out"
	cmp "$tmp/out" "$tmp/outbox"
	cmp "$tmp/log" "$tmp/scored"
}

@test "alert: --sent: an alert already on the alerts topic is not sent again (a series taken over in a rebalance)" {
	# the member that had the series sent these; the one it moves to is
	# handed a's hours from 01:00 again (the other's last commit failed)
	fcvae-alert "$tmp/scored" >"$tmp/topic"
	{
		rec a 1 90 -9 true
		rec a 2 95 -12 true
		rec a 3 11 -1 false
		rec a 5 90 -8 true
	} >"$tmp/again"
	run --separate-stderr fcvae-alert -v --sent "$tmp/topic" --alerts "$tmp/box" "$tmp/again"
	[ "$status" -eq 0 ]
	# the run's open and close were sent: only the new run's open is
	[ "${#lines[@]}" -eq 1 ]
	[ "$(echo "${lines[0]}" | jq -r .id)" = "a@2025-01-01T05:00:00Z/open" ]
	# and only it is in the outbox, for --resend
	[ "$(jq -r .id "$tmp/box")" = "a@2025-01-01T05:00:00Z/open" ]
	[[ "$stderr" == *"alert \"a@2025-01-01T01:00:00Z/close\" is on the alerts topic already ($tmp/topic): not sent again"* ]]
	[[ "$stderr" == *"4 records: 4 taken, 0 duplicates dropped; 2 runs opened, 1 closed; 2 alerts sent already, 0 runs taken on" ]]
	# a file that is not there is an error; --resend's input is the topic
	run --separate-stderr fcvae-alert --sent "$tmp/none" "$tmp/again"
	[ "$status" -eq 1 ]
	# nor a pipe (the follower's output straight in), which would hold
	# each alert until it is written to
	mkfifo "$tmp/fifo"
	run --separate-stderr fcvae-alert --sent "$tmp/fifo" "$tmp/again"
	[ "$status" -eq 2 ]
	[ "$stderr" = "fcvae-alert: --sent $tmp/fifo: not a regular file (give the file the topic's follower appends to)" ]
	run --separate-stderr fcvae-alert --resend --alerts "$tmp/box" --sent "$tmp/topic" </dev/null
	[ "$status" -eq 2 ]
}

@test "alert: --sent: a run another member opened is taken on, not opened again; one it took on is over here" {
	# the other member had series a up to 02:00, in a run since 01:00
	{ rec a 0 10 -1 false; rec a 1 90 -9 true; rec a 2 95 -12 true; } | fcvae-alert >"$tmp/topic"
	[ "$(jq -r .id "$tmp/topic")" = "a@2025-01-01T01:00:00Z/open" ]
	# from 03:00 here: the run goes on, and closes here, under its id
	{ rec a 3 99 -20 true; rec a 4 10 -1 false; } >"$tmp/here"
	run --separate-stderr fcvae-alert -v --sent "$tmp/topic" --state "$tmp/st" "$tmp/here"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c '[.id, .ts, .start, .points, .min_score]' <<<"${lines[0]}")" = \
	  '["a@2025-01-01T01:00:00Z/close","2025-01-01T04:00:00Z","2025-01-01T01:00:00Z",2,-20]' ]
	[[ "$stderr" == *"run \"a@2025-01-01T01:00:00Z\" is open on the alerts topic: taken on ($tmp/topic)"* ]]
	[[ "$stderr" == *"2 records: 2 taken, 0 duplicates dropped; 0 runs opened, 1 closed; 0 alerts sent already, 1 runs taken on" ]]
	# a first record without a verdict: the run is taken on all the same
	run --separate-stderr fcvae-alert --sent "$tmp/topic" <(rec a 3 90 -20 null; rec a 4 10 -1 false)
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output")" = "a@2025-01-01T01:00:00Z/close" ]
	# (without --sent, a second run: opened at 03:00)
	[ "$(fcvae-alert "$tmp/here" | jq -r .id | head -n 1)" = "a@2025-01-01T03:00:00Z/open" ]
	# handed again from within a run the other member closed (its last
	# commit failed): the run is taken on, its close is on the topic already
	{ rec a 0 10 -1 false; rec a 1 90 -9 true; rec a 2 95 -12 true; rec a 3 10 -1 false; rec a 4 90 -9 true; } |
		fcvae-alert >"$tmp/topic4"
	run --separate-stderr fcvae-alert -v --sent "$tmp/topic4" <(rec a 2 95 -12 true; rec a 3 10 -1 false; rec a 4 90 -9 true)
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == *"3 records: 3 taken, 0 duplicates dropped; 1 runs opened, 1 closed; 2 alerts sent already, 1 runs taken on" ]]

	# the other way round: this member had a's run open when a went; the
	# other member took it on, closed it and opened another; a comes back
	{ rec a 0 10 -1 false; rec a 1 90 -9 true; } | fcvae-alert --state "$tmp/mine" >/dev/null
	printf '%s\n' '{"id":"a@2025-01-01T01:00:00Z/open","key":"a","alert":"open","ts":"2025-01-01T01:00:00Z","score":-9}' \
		'{"id":"a@2025-01-01T01:00:00Z/close","key":"a","alert":"close","ts":"2025-01-01T03:00:00Z","start":"2025-01-01T01:00:00Z","points":1,"min_score":-9}' \
		'{"id":"a@2025-01-01T05:00:00Z/open","key":"a","alert":"open","ts":"2025-01-01T05:00:00Z","score":-7}' >"$tmp/topic2"
	{ rec a 7 90 -8 true; rec a 8 10 -1 false; } >"$tmp/back"
	run --separate-stderr fcvae-alert --sent "$tmp/topic2" --state "$tmp/mine" "$tmp/back"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.id, .points, .min_score]' <<<"$output")" = '["a@2025-01-01T05:00:00Z/close",2,-8]' ]
	[[ "$stderr" == *"run \"a@2025-01-01T01:00:00Z\" went on at another member: over here ($tmp/topic2)"* ]]
	# closed there, and no other run since: a new anomaly opens a new run
	head -n 2 "$tmp/topic2" >"$tmp/topic3"
	{ rec a 0 10 -1 false; rec a 1 90 -9 true; } | fcvae-alert --state "$tmp/mine2" >/dev/null
	run --separate-stderr fcvae-alert --sent "$tmp/topic3" --state "$tmp/mine2" <(rec a 5 90 -7 true)
	[ "$status" -eq 0 ]
	[ "$(jq -r .id <<<"$output")" = "a@2025-01-01T05:00:00Z/open" ]
	[[ "$stderr" == *"run \"a@2025-01-01T01:00:00Z\" went on at another member: over here"* ]]
}

@test "alert: --sent is read on before each alert, as the topic's follower appends to it" {
	: >"$tmp/sent"
	mkfifo "$tmp/in"
	fcvae-alert --sent "$tmp/sent" <"$tmp/in" >"$tmp/out" 2>"$tmp/err" 3>&- &
	pid=$!
	exec 4>"$tmp/in"
	rec b 1 90 -7 true >&4
	for ((i = 0; i < 100; i++)); do [ -s "$tmp/out" ] && break; sleep 0.05; done
	# then the other member's close of b reaches the topic, and a line
	# not ended yet (a follower's write under way) of its open of c
	printf '%s\n%s' '{"id":"b@2025-01-01T01:00:00Z/close"}' '{"id":"c@2025-01-01T01:00:00Z/open"}' >>"$tmp/sent"
	rec b 2 10 -1 false >&4
	rec c 1 90 -7 true >&4
	exec 4>&-
	wait "$pid"
	# b's close was not sent; c's open was: its line had not ended
	[ "$(jq -r .id "$tmp/out")" = "$(printf '%s\n' b@2025-01-01T01:00:00Z/open c@2025-01-01T01:00:00Z/open)" ]
	grep -q 'b@2025-01-01T01:00:00Z/close.*not sent again' "$tmp/err"
}

@test "alert: one run at a time on a state file" {
	printf '{"key":"a","ts":%d,"score":-1,"threshold":-5,"anomaly":false}\n' 1 2 >"$tmp/two"
	{ cat "$tmp/two"; sleep 3; } | fcvae-alert --state "$tmp/st" >/dev/null 3>&- &
	pid=$!
	sleep 1
	run --separate-stderr fcvae-alert --state "$tmp/st" "$tmp/two"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-alert: $tmp/st: in use by another run (its lock $tmp/st.lock is held)" ]
	wait $pid
	run fcvae-alert --state "$tmp/st" "$tmp/two"
	[ "$status" -eq 0 ]
}

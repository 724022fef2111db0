#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fcvae-eval: metrics of scored, labelled records, on hand-worked data.

load helpers/man

setup() {
	tmp=$(mktemp -d)
	# The running example of tests/unit/test-metrics.c, as scored records
	# (score = -a, so lower = more anomalous):
	#   index  0 1 2 3 4 5 6 7 8 9
	#   label  1 1 0 0 0 1 1 1 0 1    events [0,1] [5,7] [9]: first and last at the ends
	#   flag   0 1 0 1 0 0 0 1 0 0    (the records' "anomaly")
	#   a      5 9 0 6 1 2 3 8 4 7
	ex() { # key, ts offset in hours
		local label=(1 1 0 0 0 1 1 1 0 1) flag=(false true false true false false false true false false)
		local a=(5 9 0 6 1 2 3 8 4 7)
		for i in 0 1 2 3 4 5 6 7 8 9; do
			printf '{"key":"%s","ts":"2025-01-01T%02d:00:00Z","score":-%s,"threshold":-5.5,"anomaly":%s,"label":%s}\n' \
				"$1" $((i + $2)) "${a[$i]}" "${flag[$i]}" "${label[$i]}"
		done
	}
	ex A 0 >"$tmp/a.ndjson"
}

teardown() {
	rm -rf "$tmp"
}

# jq -e on the JSON report
check() {
	fcvae-eval --format json "${@:2}" | jq -e "$1"
}

@test "eval: --help, --version and usage errors" {
	run fcvae-eval --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-eval --version
	[ "$status" -eq 0 ]
	run fcvae-eval --format xml "$tmp/a.ndjson"
	[ "$status" -eq 2 ]
	run fcvae-eval --delay -1 "$tmp/a.ndjson"
	[ "$status" -eq 2 ]
	run fcvae-eval --bogus
	[ "$status" -eq 2 ]
	run fcvae-eval "$tmp/nonexistent"
	[ "$status" -eq 1 ]
	[[ "$output" == *nonexistent* ]]
	run sh -c 'fcvae-eval "$1" >/dev/full' sh "$tmp/a.ndjson"
	[ "$status" -eq 1 ]
	[[ "$output" == *"write error"* ]]
}

@test "eval: point, PA and delay F1 at the model threshold, worked by hand" {
	# point: tp {1,7}, fp {3}, fn 4: P 2/3, R 1/3, F1 4/9
	check '.series[0].at_threshold | .tp == 2 and .fp == 1 and .fn == 4 and .tn == 3 and
		(.precision - 2/3 | fabs) < 1e-12 and (.recall - 1/3 | fabs) < 1e-12 and (.f1 - 4/9 | fabs) < 1e-12' "$tmp/a.ndjson"
	# PA: events [0,1] and [5,7] detected, [9] not: tp 5 fn 1 fp 1 -> 5/6
	check '(.series[0].pa.f1 - 5/6 | fabs) < 1e-12' "$tmp/a.ndjson"
	# delay 7 = PA here; delay 1: [5,7] is caught at 7, two points late: tp 2 -> 4/9
	check '(.series[0].delay.f1 - 5/6 | fabs) < 1e-12 and .series[0].delay.k == 7' "$tmp/a.ndjson"
	check '(.series[0].delay.f1 - 4/9 | fabs) < 1e-12 and .delay_k == 1' --delay 1 "$tmp/a.ndjson"
	# composite: point precision 2/3, events detected 2 of 3 -> 2/3
	check '.series[0].composite | (.precision - 2/3 | fabs) < 1e-12 and (.recall - 2/3 | fabs) < 1e-12 and (.f1 - 2/3 | fabs) < 1e-12' "$tmp/a.ndjson"
	check '.series[0] | .false_positive_points == 1 and .events == 3 and .events_detected == 2 and .anomalous_points == 6 and .points == 10' "$tmp/a.ndjson"
}

@test "eval: test-tuned best F1s and the AUCs, worked by hand" {
	# best point F1 6/7 (flag a >= 2), first reached at the paper grid's
	# t_223 = 8.9919*223/2000; best PA F1 1 (a >= 7) at t_1335
	check '.series[0].test_tuned | (.best_f1.f1 - 6/7 | fabs) < 1e-12 and (.best_f1.threshold + 8.9919*223/2000 | fabs) < 1e-9 and
		.best_pa_f1.f1 == 1 and (.best_pa_f1.threshold + 8.9919*1335/2000 | fabs) < 1e-9' "$tmp/a.ndjson"
	# every point flagged is best, at the sweep's first threshold, the
	# least anomalous score: printed as a threshold that --threshold takes
	# back and flags the same points with (score < it, not <=)
	printf '%s\n' '{"key":"k","ts":"2025-01-01T00:00:00Z","score":-1,"label":1}' \
		'{"key":"k","ts":"2025-01-01T01:00:00Z","score":-2,"label":1}' \
		'{"key":"k","ts":"2025-01-01T02:00:00Z","score":-3,"label":0}' >"$tmp/all.ndjson"
	check '.series[0].test_tuned.best_f1 | (.f1 - 0.8 | fabs) < 1e-12 and .threshold > -1 and .threshold < -0.999999' "$tmp/all.ndjson"
	t=$(fcvae-eval --format json "$tmp/all.ndjson" | jq -r '.series[0].test_tuned.best_f1.threshold')
	check '(.series[0].at_threshold.f1 - 0.8 | fabs) < 1e-12' -t "$t" "$tmp/all.ndjson"
	# ROC: 19 of 24 positive/negative pairs ordered right; AP 3/6 + 4/30 + 5/42 + 1/8
	check '(.series[0].roc_auc - 19/24 | fabs) < 1e-12 and (.series[0].pr_auc - (3/6 + 4/30 + 5/42 + 1/8) | fabs) < 1e-12' "$tmp/a.ndjson"
}

@test "eval: the event list with first detections and delays" {
	check '.series[0].event_list == [
		{"start":"2025-01-01T00:00:00Z","end":"2025-01-01T01:00:00Z","points":2,"detected":true,"first_detection":"2025-01-01T01:00:00Z","delay":1},
		{"start":"2025-01-01T05:00:00Z","end":"2025-01-01T07:00:00Z","points":3,"detected":true,"first_detection":"2025-01-01T07:00:00Z","delay":2},
		{"start":"2025-01-01T09:00:00Z","end":"2025-01-01T09:00:00Z","points":1,"detected":false,"first_detection":null,"delay":null}]' "$tmp/a.ndjson"
}

@test "eval: --threshold overrides, and the records' threshold serves without anomaly" {
	# score < -4.5: a in {5,6,7,8,9}: tp 4 fp 1 -> F1 8/11
	check '(.series[0].at_threshold.f1 - 8/11 | fabs) < 1e-12' --threshold -4.5 "$tmp/a.ndjson"
	# no "anomaly": score < -5.5 from the records, a in {6,7,8,9}: tp 3 fp 1 fn 3 -> 6/10
	jq -c 'del(.anomaly)' "$tmp/a.ndjson" >"$tmp/noflag"
	check '.series[0].at_threshold | .tp == 3 and .fp == 1 and (.f1 - 0.6 | fabs) < 1e-12' "$tmp/noflag"
	# neither: no figures at a threshold, and a warning says so
	jq -c 'del(.anomaly, .threshold)' "$tmp/a.ndjson" >"$tmp/none"
	run fcvae-eval "$tmp/none"
	[ "$status" -eq 0 ]
	[[ "$output" == *'A: no threshold (an uncalibrated model, "threshold": null, or no "anomaly" or "threshold")'* ]]
}

@test "eval: an uncalibrated model's records have no figures at a threshold, and say so once" {
	# fcvae-score writes "threshold": null, "anomaly": false for them: no
	# decision, not "nothing flagged" (which would read as R 0, F1 0)
	ex B 0 | jq -c '.threshold = null | .anomaly = false' >"$tmp/unc"
	cat "$tmp/a.ndjson" >>"$tmp/unc"
	ex C 0 | jq -c '.threshold = null | .anomaly = false' >>"$tmp/unc"
	run --separate-stderr fcvae-eval --format json "$tmp/unc"
	[ "$status" -eq 0 ]
	[ "$(echo "$stderr" | grep -c 'no threshold')" -eq 1 ]
	[[ "$stderr" == *"B and 1 other series: no threshold"* ]]
	echo "$output" | jq -e '.series[0] | .events == 3 and .events_detected == null and .false_positive_points == null and
		.at_threshold == {"precision":null,"recall":null,"f1":null,"tp":null,"fp":null,"fn":null,"tn":null} and
		.pa.f1 == null and .delay.f1 == null and .composite.f1 == null and
		all(.event_list[]; .detected == null and .first_detection == null and .delay == null)'
	# the threshold-free figures still come out
	echo "$output" | jq -e '.series[0] | .test_tuned.best_pa_f1.f1 == 1 and (.roc_auc - 19/24 | fabs) < 1e-12'
	# A has its threshold; pooled with the others it has none
	echo "$output" | jq -e '(.series[1].at_threshold.f1 - 4/9 | fabs) < 1e-12 and .pooled.at_threshold.f1 == null and
		.pooled.events_detected == null and (.pooled.roc_auc - 19/24 | fabs) < 1e-12'
	# in the table: dashes, not zeros
	run fcvae-eval "$tmp/unc"
	echo "$output" | grep -E '^B +10 +6 +3 +- +- +- +- +- +- +- +- +1\.000 '
	echo "$output" | grep -E '^B +2025-01-01T00:00:00Z +2025-01-01T01:00:00Z +2 +- +-$'
	# with --threshold they have one
	fcvae-eval --format json --threshold -4.5 "$tmp/unc" 2>/dev/null | jq -e '(.series[0].at_threshold.f1 - 8/11 | fabs) < 1e-12'
}

@test "eval: series are kept apart when pooled; input order does not matter" {
	# B follows A; A ends and B starts with an event: pooled they stay two.
	# Pooled PA: tp 10 fn 2 fp 2 -> 5/6 (merged they would give tp 11)
	ex B 0 >"$tmp/b.ndjson"
	cat "$tmp/a.ndjson" "$tmp/b.ndjson" >"$tmp/ab"
	check '.pooled | .events == 6 and .events_detected == 4 and (.pa.f1 - 5/6 | fabs) < 1e-12 and
		.at_threshold.tp == 4 and .at_threshold.fp == 2 and (.roc_auc - 19/24 | fabs) < 1e-12' "$tmp/ab"
	check '[.series[].key] == ["A", "B"] and .series[1].events == 3' "$tmp/ab"
	# also with a series between them that has no usable point
	{ cat "$tmp/a.ndjson"; echo '{"key":"AA","ts":1,"score":null,"label":0}'; cat "$tmp/b.ndjson"; } >"$tmp/a0b"
	check '.pooled | .events == 6 and .events_detected == 4 and (.pa.f1 - 5/6 | fabs) < 1e-12' "$tmp/a0b"
	# shuffled lines (same records) give the same report
	sort -r "$tmp/ab" >"$tmp/ba"
	diff <(fcvae-eval --format json "$tmp/ab" | jq -S '.series |= sort_by(.key)') \
	     <(fcvae-eval --format json "$tmp/ba" | jq -S '.series |= sort_by(.key)')
	# the table has a pooled row for several series and says test-tuned
	run fcvae-eval "$tmp/ab"
	[ "$status" -eq 0 ]
	[[ "$output" == *pooled* ]]
	[[ "$output" == *TEST-TUNED* ]]
}

@test "eval: unlabelled and unscored records are counted, not used" {
	{
		cat "$tmp/a.ndjson"
		echo '{"key":"A","ts":"2025-01-02T00:00:00Z","score":-100,"anomaly":true}'
		echo '{"key":"A","ts":"2025-01-02T01:00:00Z","score":-100,"anomaly":true,"label":null}'
		echo '{"key":"A","ts":"2025-01-02T02:00:00Z","score":null,"anomaly":false,"label":1}'
		echo '{"key":"A","ts":"2025-01-02T03:00:00Z","value":null,"score":-0.5,"anomaly":false,"label":1}'
	} >"$tmp/mixed"
	check '.series[0] | .records == 14 and .unlabelled == 2 and .unscored == 2 and .points == 10 and
		(.at_threshold.f1 - 4/9 | fabs) < 1e-12' "$tmp/mixed"
	run fcvae-eval "$tmp/mixed"
	[[ "$output" == *"2 records without a \"label\" left out"* ]]
}

@test "eval: a normal hour left out (unscored or unlabelled) between two events keeps them two" {
	# A's events [5,7] and [9] (a above) with hour 8 unscored: still two,
	# the first caught, the second not; labelled anomalous, it joins them
	sed '/T08:00/s/"score":-4/"score":null/' "$tmp/a.ndjson" >"$tmp/gap"
	check '.series[0] | .events == 3 and .events_detected == 2 and .points == 9' "$tmp/gap"
	# so also in shuffled input order, and with the label gone instead
	sort -r "$tmp/gap" >"$tmp/gap-r"
	check '.series[0] | .events == 3 and .events_detected == 2' "$tmp/gap-r"
	sed '/T08:00/s/,"label":0//' "$tmp/a.ndjson" >"$tmp/nolabel"
	check '.series[0] | .events == 3 and .unlabelled == 1' "$tmp/nolabel"
	sed '/T08:00/s/"score":-4,\(.*\)"label":0/"score":null,\1"label":1/' "$tmp/a.ndjson" >"$tmp/join"
	check '.series[0] | .events == 2 and .events_detected == 2' "$tmp/join"
}

@test "eval: the times of events after records left out" {
	# hours 3 and 4 (normal, before the event at 5 to 7) unscored and
	# unlabelled: the events keep their own times, in table and JSON
	sed -e '/T03:00/s/"score":-6/"score":null/' -e '/T04:00/s/,"label":0//' "$tmp/a.ndjson" >"$tmp/out"
	check '.series[0].event_list == [
		{"start":"2025-01-01T00:00:00Z","end":"2025-01-01T01:00:00Z","points":2,"detected":true,"first_detection":"2025-01-01T01:00:00Z","delay":1},
		{"start":"2025-01-01T05:00:00Z","end":"2025-01-01T07:00:00Z","points":3,"detected":true,"first_detection":"2025-01-01T07:00:00Z","delay":2},
		{"start":"2025-01-01T09:00:00Z","end":"2025-01-01T09:00:00Z","points":1,"detected":false,"first_detection":null,"delay":null}]' "$tmp/out"
	run fcvae-eval "$tmp/out"
	[[ "$output" == *"A                2025-01-01T05:00:00Z 2025-01-01T07:00:00Z      3 2025-01-01T07:00:00Z     2"* ]]
	[[ "$output" == *"A                2025-01-01T09:00:00Z 2025-01-01T09:00:00Z      1 missed"* ]]
}

# An event at 01:00 caught, one at 02:00+N missed, N hours between them,
# each the line printf makes of FORMAT and its time. Two events: PA tp 1
# fn 1 -> 2/3 (merged into one: 1).
gap() { # N FORMAT
	echo '{"key":"A","ts":0,"score":-1,"anomaly":false,"label":0}'
	echo '{"key":"A","ts":3600,"score":-9,"anomaly":true,"label":1}'
	for i in $(seq "$1"); do printf "$2\n" $((3600 * (1 + i))); done
	printf '{"key":"A","ts":%d,"score":-2,"anomaly":false,"label":1}\n' $((3600 * (2 + $1)))
}

@test "eval: any number of normal hours left out between two events keeps them two" {
	for n in 1 2 3 4; do
		gap "$n" '{"key":"A","ts":%d,"score":null,"anomaly":false,"label":0}' >"$tmp/gap"
		check '.series[0] | .events == 2 and .events_detected == 1 and (.pa.f1 - 2/3 | fabs) < 1e-12' "$tmp/gap"
		gap "$n" '{"key":"A","ts":%d,"value":null,"score":-1,"anomaly":false}' >"$tmp/gap"
		check '.series[0] | .events == 2 and (.pa.f1 - 2/3 | fabs) < 1e-12 and .unscored == '"$n" "$tmp/gap"
	done
}

@test "eval: a line rejected between two events keeps them two" {
	# what the line held is not known: as a record left out
	for n in 1 2; do
		gap "$n" '{"key":"A","ts":%d,"score":-1,"anomaly":false,"label":"no"}' >"$tmp/bad"
		run --separate-stderr fcvae-eval --format json "$tmp/bad"
		[ "$status" -eq 0 ]
		[[ "$stderr" == *"$n input line"*" rejected: $n bad label"* ]]
		echo "$output" | jq -e '.series[0] | .events == 2 and .records == 3 and (.pa.f1 - 2/3 | fabs) < 1e-12'
	done
}

@test "eval: a key holding \u0000 is a series of its own" {
	# compared as a C string it matched no series, not even its own: each
	# record became a series
	{ cat "$tmp/a.ndjson"; sed 's/"key":"A"/"key":"A\\u0000B"/' "$tmp/a.ndjson"; } >"$tmp/nul"
	run --separate-stderr fcvae-eval --format json "$tmp/nul"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '(.series | length) == 2 and ([.series[].records] == [10, 10])'
	# written whole, not cut to "A" at the NUL: the JSON and the table name
	# two series, not A twice
	echo "$output" | jq -e '[.series[].key] == ["A", "A\u0000B"]'
	run --separate-stderr fcvae-eval "$tmp/nul"
	[ "$status" -eq 0 ]
	grep -Eq '^A +10 +6 +3 ' <<<"$output"
	grep -Eq '^"A\\u0000B" +10 +6 +3 ' <<<"$output"
	[ "$(grep -c '^A ' <<<"$output")" -eq 4 ]
	[ "$(grep -c '^"A\\u0000B" ' <<<"$output")" -eq 4 ]
}

@test "eval: a time outside the years 0 to 9999 is a bad line, as fcvae-window has it" {
	{ head -n 9 "$tmp/a.ndjson"; echo '{"key":"A","ts":1e300,"score":-7,"anomaly":false,"label":1}'; } >"$tmp/far"
	run --separate-stderr fcvae-eval --format json "$tmp/far"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'line 10: "ts" is not a timestamp'* ]]
	[[ "$stderr" == *"1 input line rejected: 1 bad ts"* ]]
	echo "$output" | jq -e '.series[0].records == 9'
	run --separate-stderr fcvae-eval --strict "$tmp/far"
	[ "$status" -eq 3 ]
	[ "$stderr" = "fcvae-eval: $tmp/far line 10: \"ts\" is not a timestamp" ]
}

@test "eval: a later record for the same series and time replaces the earlier" {
	# fcvae-window --revise re-emits hour 5, now flagged: point tp {1,5,7},
	# fp {3}, fn 3 -> F1 6/10; and a replayed copy of hour 9
	{
		cat "$tmp/a.ndjson"
		grep T05:00 "$tmp/a.ndjson" | jq -c '.anomaly = true | .revised = true'
		grep T09:00 "$tmp/a.ndjson"
	} >"$tmp/dup"
	run --separate-stderr fcvae-eval --format json "$tmp/dup"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"2 records replaced by a later one for the same series and time"* ]]
	echo "$output" | jq -e '.series[0] | .records == 12 and .points == 10 and .replaced == 2 and .anomalous_points == 6 and
		.events == 3 and .at_threshold.tp == 3 and (.at_threshold.f1 - 0.6 | fabs) < 1e-12'
	echo "$output" | jq -e '.pooled | .records == 12 and .points == 10 and .replaced == 2'
	# the later one in input order, whatever it says: here the unrevised
	{ grep T05:00 "$tmp/a.ndjson" | jq -c '.anomaly = true'; cat "$tmp/a.ndjson"; } >"$tmp/dup2"
	check '.series[0] | .points == 10 and .replaced == 1 and (.at_threshold.f1 - 4/9 | fabs) < 1e-12' "$tmp/dup2"
	# a --key that no record has: all one series, and the replacements say so
	run --separate-stderr fcvae-eval -k series --format json "$tmp/dup"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'records replaced by a later one for the same time: no record has a "series" member, so all are one series (see --key)'* ]]
}

@test "eval: no labels at all is an error" {
	jq -c 'del(.label)' "$tmp/a.ndjson" >"$tmp/nolabel"
	run fcvae-eval "$tmp/nolabel"
	[ "$status" -eq 1 ]
	[[ "$output" == *'no record has a "label"'* ]]
	# unless the label lives under another name
	jq -c '{key, ts, score, anomaly, is_anomaly: .label}' "$tmp/a.ndjson" >"$tmp/renamed"
	check '(.series[0].pa.f1 - 5/6 | fabs) < 1e-12' --label is_anomaly "$tmp/renamed"
	run fcvae-eval </dev/null
	[ "$status" -eq 1 ]
}

@test "eval: a time gap parts an event; irregular times do not" {
	# two labelled points ten days apart were one event, credited whole
	printf '%s\n' '{"key":"A","ts":0,"score":-1,"anomaly":false,"label":0}' \
		'{"key":"A","ts":3600,"score":-9,"anomaly":true,"label":1}' \
		'{"key":"A","ts":864000,"score":-1,"anomaly":false,"label":1}' \
		'{"key":"A","ts":867600,"score":-1,"anomaly":false,"label":0}' >"$tmp/gap"
	check '.series[0] | .events == 2 and .events_detected == 1' "$tmp/gap"
	# steps of 50 to 70 s (--agg none): one event of three points
	printf '%s\n' '{"key":"A","ts":0,"score":-1,"anomaly":false,"label":0}' \
		'{"key":"A","ts":50,"score":-9,"anomaly":true,"label":1}' \
		'{"key":"A","ts":120,"score":-1,"anomaly":false,"label":1}' \
		'{"key":"A","ts":175,"score":-1,"anomaly":false,"label":1}' \
		'{"key":"A","ts":240,"score":-1,"anomaly":false,"label":0}' >"$tmp/irregular"
	check '.series[0] | .events == 1 and .events_detected == 1 and .pa.f1 == 1' "$tmp/irregular"
}

@test "eval: labels on unscored records only: no scored record, not no label" {
	# fcvae-window's output, labelled but never scored: it asked for --label
	fcvae-gen --hourly --format ndjson --days 2 --combo Star/CMP | fcvae-window >"$tmp/windows"
	run --separate-stderr fcvae-eval "$tmp/windows"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-eval: no scored record (25 records, all unscored): nothing to evaluate; is this fcvae-score's output?" ]
	run --separate-stderr fcvae-eval <<<'{"key":"A","ts":0,"value":null,"score":-1,"label":1}'
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-eval: no scored record (1 record, all unscored): nothing to evaluate; is this fcvae-score's output?" ]
}

@test "eval: all-normal labels give null recall and F1, not zeros" {
	jq -c '.label = 0' "$tmp/a.ndjson" >"$tmp/normal"
	check '.series[0] | .at_threshold.recall == null and .at_threshold.f1 == null and .roc_auc == null and
		.at_threshold.fp == 3 and .events == 0' "$tmp/normal"
}

@test "eval: bad lines are reported with their line numbers, counted and skipped" {
	{
		head -n 3 "$tmp/a.ndjson"
		echo 'not json'
		echo '{"key":"A","ts":"2025-01-01T03:30:00Z","score":"low","label":0}'
		echo '{"key":"A","ts":"2025-01-01T03:40:00Z","score":-1,"label":"maybe"}'
		echo '{"key":"A","ts":"2025-01-01T03:45:00Z","score":-1,"label":2}'
		echo '{"key":"A","ts":"2025-01-01T03:50:00Z","score":-1,"label":0.5}'
		tail -n 7 "$tmp/a.ndjson"
	} >"$tmp/bad"
	run fcvae-eval --format json "$tmp/bad"
	[ "$status" -eq 0 ]
	[[ "$output" == *"line 4: not JSON"* ]]
	[[ "$output" == *'line 5: "score" is not a number'* ]]
	[[ "$output" == *'line 6: "label" is not 0, 1, true or false'* ]]
	# a number other than 0 or 1 is no label either (not "anomalous")
	[[ "$output" == *'line 7: "label" is not 0, 1, true or false'* ]]
	[[ "$output" == *'line 8: "label" is not 0, 1, true or false'* ]]
	[[ "$output" == *"5 input lines rejected"* ]]
	fcvae-eval --format json "$tmp/bad" 2>/dev/null | jq -e '(.series[0].pa.f1 - 5/6 | fabs) < 1e-12'
	# --strict: the first bad line is said, nothing after it is read (not
	# the next file, which is not there), no summary, no report
	run --separate-stderr fcvae-eval --strict "$tmp/bad" "$tmp/none"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "fcvae-eval: $tmp/bad line 4: not JSON: "* ]]
	# the last line too
	{ head -n 3 "$tmp/a.ndjson"; echo '{"key":"A","score":-1,"label":"maybe"}'; } >"$tmp/last"
	run --separate-stderr fcvae-eval --strict "$tmp/last"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-eval: $tmp/last line 4: \"label\" is not 0, 1, true or false" ]
}

@test "eval: labels in strings are read as fcvae-window reads them (\"1.0\", \" +0 \")" {
	jq -c '.label |= if . == 1 then "1.0" else " +0 " end' "$tmp/a.ndjson" >"$tmp/strings"
	run --separate-stderr fcvae-eval --strict --format json "$tmp/strings"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	jq -e '.series[0] | .anomalous_points == 6 and .points == 10 and .unlabelled == 0 and
		(.pa.f1 - 5/6 | fabs) < 1e-12' <<<"$output"
}

@test "eval: the table shows odd keys escaped, aligned by characters, apart from the pooled row" {
	odd=$'A\nfake\e[31m'
	{
		jq -c --arg k "$odd" '.key = $k | .threshold = null | .anomaly = false' "$tmp/a.ndjson"
		for k in pooled Zürich Zurich; do jq -c --arg k "$k" '.key = $k' "$tmp/a.ndjson"; done
	} >"$tmp/odd"
	run --separate-stderr fcvae-eval "$tmp/odd"
	[ "$status" -eq 0 ]
	# a control character is escaped as in JSON: no row split, no escape sent
	[[ "$output" != *$'\e'* && "$stderr" != *$'\e'* ]]
	[ "$(grep -c '^fake' <<<"$output")" -eq 0 ]
	grep -Eq '^"A\\nfake\\u001b\[31m" +10 +6 +3 +- ' <<<"$output"
	grep -Eq '^"A\\nfake\\u001b\[31m" 2025-01-01T00:00:00Z ' <<<"$output"
	[[ "$stderr" == *'"A\nfake\u001b[31m": no threshold'* ]]
	# a series named pooled is quoted; the pooled row is not
	grep -Eq '^"pooled" +10 +6 +3 ' <<<"$output"
	grep -Eq '^pooled +40 +24 +12 ' <<<"$output"
	# Zürich (7 bytes, 6 characters) lines up with Zurich
	[ "$(grep -c '^Zürich ' <<<"$output")" -eq 4 ]
	diff <(grep '^Zürich ' <<<"$output" | sed 's/^Zürich//') <(grep '^Zurich ' <<<"$output" | sed 's/^Zurich//')
	# the JSON has the keys as they are
	fcvae-eval --format json "$tmp/odd" 2>/dev/null |
		jq -e --arg k "$odd" '[.series[].key] == [$k, "pooled", "Zürich", "Zurich"]'
}

# what each example of fcvae-eval(1) shows: the answers worked out in the page
eval_example() {
	case $man_n in
	1) # one series, one event of two points caught, one false positive
		grep -Eq '^A +5 +2 +1 +1 +1 ' <<<"$output"
		# caught on its second point: a delay of 1
		grep -Eq '^A +1970-01-01T01:00:00Z +1970-01-01T02:00:00Z +2 +1970-01-01T02:00:00Z +1$' <<<"$output" ;;
	2) [ "$output" = 0.8 ] ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

@test "eval: the man page examples run" {
	man_examples -c eval_example man/fcvae-eval.1 2
}

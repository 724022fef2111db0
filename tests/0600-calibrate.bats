#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fcvae-calibrate: thresholds from labelled validation records, into model files.

load helpers/man

setup() {
	tmp=$(mktemp -d)
	# The running example of tests/unit/test-metrics.c as scored records
	# (score = -a²): labels 1 1 0 0 0 1 1 1 0 1, a = 5 9 0 6 1 2 3 8 4 7.
	# Positives' a {2,3,5,7,8,9}, negatives' {0,1,4,6}. The threshold lies
	# midway in a = √-score (deviations): between a = 2 and 1 it is -1.5².
	ex() { # key
		local label=(1 1 0 0 0 1 1 1 0 1) a=(5 9 0 6 1 2 3 8 4 7)
		for i in 0 1 2 3 4 5 6 7 8 9; do
			printf '{"key":"%s","ts":"2025-02-20T%02d:00:00Z","score":-%s,"label":%s}\n' "$1" "$i" "$((a[i] * a[i]))" "${label[$i]}"
		done
	}
	ex Accel/CMP >"$tmp/ac.ndjson"
	mkdir "$tmp/models"
	cp tests/data/seed_models/Accel_CMP.safetensors tests/data/seed_models/Accel_nopin.safetensors "$tmp/models/"
}

teardown() {
	rm -rf "$tmp"
}

# The JSON header and the tensor data of a safetensors file.
header() {
	local n
	n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
	tail -c +9 "$1" | head -c "$n"
}
data() {
	local n
	n=$(od -An -t u8 -N 8 "$1" | tr -d ' ')
	tail -c +$((9 + n)) "$1"
}
threshold_of() {
	header "$1" | jq -r '.__metadata__.threshold'
}

@test "calibrate: --help, --version and usage errors" {
	run fcvae-calibrate --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-calibrate --version
	[ "$status" -eq 0 ]
	run --separate-stderr fcvae-calibrate "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	# what is missing, then the usage (the usage alone left it to guess)
	[ "${stderr_lines[0]}" = "fcvae-calibrate: give where the threshold goes: --model FILE, --models DIR or --print" ]
	[[ "${stderr_lines[1]}" == usage:* ]]
	run fcvae-calibrate --model a --models b "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	run fcvae-calibrate --print --metric auc "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	run fcvae-calibrate --print --max-fpr 1.5 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	run sh -c 'fcvae-calibrate --print "$1" >/dev/full' sh "$tmp/ac.ndjson"
	[ "$status" -eq 1 ]
	[[ "$output" == *"write error"* ]]
}

@test "calibrate: thresholds midway between neighbouring scores in deviations, worked by hand" {
	# F1: best 6/7 flagging a >= 2; next lower a 1: a-threshold 1.5, score -2.25
	run fcvae-calibrate --print "$tmp/ac.ndjson"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.calibration | .threshold == -2.25 and (.f1 - 6/7 | fabs) < 1e-12 and .tp == 6 and .fp == 2 and .metric == "f1"'
	# PA-F1: every event's maximum (9, 8, 7) above every negative: F1 1 at a >= 7; next lower 6
	fcvae-calibrate --print --metric pa-f1 "$tmp/ac.ndjson" | jq -e '.calibration | .threshold == -42.25 and .f1 == 1'
	# delay-F1, k = 1: events credited by max(5,9), max(2,3), 7; best 6/7 for
	# a >= 3 and a >= 2 alike: the middle of 3 and 1 is 2, a score, so the
	# middle of 2 and 1 (the threshold is never a score)
	fcvae-calibrate --print --metric delay-f1 --delay 1 "$tmp/ac.ndjson" | jq -e '.calibration | .threshold == -2.25 and .delay == 1'
	# composite F1 (point precision, event recall): a >= 7 flags one point of
	# every event and no negative: F1 1; next lower 6
	fcvae-calibrate --print --metric composite-f1 "$tmp/ac.ndjson" | jq -e '.calibration | .threshold == -42.25 and .f1 == 1 and .events_detected == 3 and .tp == 3'
	# at most 1 of 4 normal points: loosest a >= 5 (a >= 4 adds a second): 4.5
	fcvae-calibrate --print --max-fpr 0.25 "$tmp/ac.ndjson" | jq -e '.calibration | .threshold == -20.25 and .fp == 1 and .metric == "max-fpr"'
	# best F1 under that limit: a >= 5 as well, F1 8/11
	fcvae-calibrate --print --max-fpr 0.25 --metric f1 "$tmp/ac.ndjson" | jq -e '.calibration | .threshold == -20.25 and (.f1 - 8/11 | fabs) < 1e-12'
	# no false positive at all: a >= 7, 6.5
	fcvae-calibrate --print --max-fpr 0 "$tmp/ac.ndjson" | jq -e '.calibration.threshold == -42.25'
}

@test "calibrate: --beyond-normal goes a margin past the most anomalous clean normal point" {
	# normal a 0, 6, 1, 4: the most anomalous 6, margin 1.25 -> 7.5
	# deviations, flagging a 9 and 8: one point in each of two events
	fcvae-calibrate --print --beyond-normal 1.25 "$tmp/ac.ndjson" |
		jq -e '.calibration | .threshold == -56.25 and .metric == "beyond-normal" and .margin == 1.25 and .clean_after == 0 and .fp == 0 and .tp == 2 and .events_detected == 2'
	# margin 1: the threshold is the normal point's own score, which scoring
	# does not flag (score < threshold): counted so, fp 0
	fcvae-calibrate --print --beyond-normal 1 "$tmp/ac.ndjson" | jq -e '.calibration | .threshold == -36 and .fp == 0'
	# clean after 2: 0 and 4 follow a label at once, 6 two points after it;
	# only 1 is clean: margin 2.5 -> 2.5 deviations, flagging 6 and 4 too
	fcvae-calibrate --print --beyond-normal 2.5 --clean-after 2 "$tmp/ac.ndjson" |
		jq -e '.calibration | .threshold == -6.25 and .clean_after == 2 and .tp == 5 and .fp == 2'
	# with --model it writes the threshold as the other rules do
	cp tests/data/seed_models/Accel_CMP.safetensors "$tmp/m.safetensors"
	fcvae-calibrate -m "$tmp/m.safetensors" --beyond-normal 1.25 "$tmp/ac.ndjson" >/dev/null
	[ "$(threshold_of "$tmp/m.safetensors")" = -56.25 ]
	# each series on its own: a second series whose clean normal point is 9
	# deviations out raises the pooled threshold to 11.25 deviations
	{ cat "$tmp/ac.ndjson"; printf '{"key":"B","ts":"2025-02-20T00:00:00Z","score":-81,"label":0}\n'; } |
		fcvae-calibrate --print --beyond-normal 1.25 | jq -e '.calibration.threshold == -126.5625'
	# nothing clean to go beyond: exit 1, saying why; with --metric or --max-fpr: usage
	run fcvae-calibrate --print --beyond-normal 2 --clean-after 20 "$tmp/ac.ndjson"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nothing to go beyond"* ]]
	run fcvae-calibrate --print --beyond-normal 2 --metric f1 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	run fcvae-calibrate --print --beyond-normal 0.5 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	# --clean-after alone would be ignored: a usage error, naming it
	run fcvae-calibrate --print --clean-after 3 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--clean-after only means something with --beyond-normal"* ]]
}

@test "calibrate: --deviations sets the threshold at D deviations for every series, and scores the records against it" {
	# a 9, 8 and 7 lie beyond 6.5 deviations: one point of each event, no normal one
	fcvae-calibrate --print --deviations 6.5 "$tmp/ac.ndjson" |
		jq -e '.calibration | .threshold == -42.25 and .metric == "deviations" and .deviations == 6.5 and .tp == 3 and .fp == 0 and .events_detected == 3'
	# the normal point at 6 deviations scores the threshold itself: not flagged, as scoring has it
	fcvae-calibrate --print --deviations 6 "$tmp/ac.ndjson" | jq -e '.calibration | .threshold == -36 and .fp == 0 and .tp == 3'
	fcvae-calibrate --print --deviations 4.5 "$tmp/ac.ndjson" | jq -e '.calibration | .tp == 4 and .fp == 1'
	# per series the same threshold, whatever each series' scores (Accel/no-pin's are ten times larger)
	jq -c '.key = "Accel/no-pin" | .score *= 10' "$tmp/ac.ndjson" >"$tmp/an.ndjson"
	cat "$tmp/ac.ndjson" "$tmp/an.ndjson" | fcvae-calibrate --models "$tmp/models" --deviations 6.5 >/dev/null
	[ "$(threshold_of "$tmp/models/Accel_CMP.safetensors")" = -42.25 ]
	[ "$(threshold_of "$tmp/models/Accel_nopin.safetensors")" = -42.25 ]
	# it chooses nothing: with a rule that chooses, a usage error; D above 0
	run fcvae-calibrate --print --deviations 3 --beyond-normal 1.4 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--deviations chooses nothing"* ]]
	run fcvae-calibrate --print --deviations 3 --metric pa-f1 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	run fcvae-calibrate --print --deviations 0 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	run fcvae-calibrate --print --deviations x "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
}

@test "calibrate: --model writes the threshold and the calibration, and nothing else" {
	m="$tmp/models/Accel_CMP.safetensors"
	meta='.__metadata__ | del(.threshold, .training) | map_values(fromjson? // .)'
	before=$(header "$m" | jq -c "$meta")
	run fcvae-calibrate --model "$m" "$tmp/ac.ndjson"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e --arg m "$m" '.model == $m and .calibration.threshold == -2.25'
	[ "$(threshold_of "$m")" = -2.25 ]
	header "$m" | jq -e '.__metadata__.training | fromjson | .calibration | .metric == "f1" and .threshold == -2.25 and .points == 10 and .events == 3'
	[ "$(header "$m" | jq -c "$meta")" = "$before" ]
	cmp <(data "$m") <(data tests/data/seed_models/Accel_CMP.safetensors)
	[ "$(header "$m" | jq -c 'del(.__metadata__)')" = "$(header tests/data/seed_models/Accel_CMP.safetensors | jq -c 'del(.__metadata__)')" ]
	# a second calibration replaces the first; no temp files are left
	fcvae-calibrate --model "$m" --metric pa-f1 "$tmp/ac.ndjson" >/dev/null
	[ "$(threshold_of "$m")" = -42.25 ]
	header "$m" | jq -e '.__metadata__.training | fromjson | (keys == ["calibration"]) and .calibration.metric == "pa-f1"'
	[ "$(ls "$tmp/models" | wc -l)" -eq 2 ]
	# and the same input gives the same bytes
	cp "$m" "$tmp/first"
	fcvae-calibrate --model "$m" --metric pa-f1 "$tmp/ac.ndjson" >/dev/null
	cmp "$m" "$tmp/first"
}

@test "calibrate: --print writes nothing" {
	m="$tmp/models/Accel_CMP.safetensors"
	cp "$m" "$tmp/orig"
	fcvae-calibrate --print --model "$m" "$tmp/ac.ndjson" >/dev/null
	cmp "$m" "$tmp/orig"
}

@test "calibrate: --models gives each series its own threshold in its own file" {
	# Accel/no-pin: scores scaled by 10, so its threshold is too; it routes to Accel_nopin
	jq -c '.key = "Accel/no-pin" | .score *= 10' "$tmp/ac.ndjson" >"$tmp/an.ndjson"
	cat "$tmp/ac.ndjson" "$tmp/an.ndjson" >"$tmp/both"
	run fcvae-calibrate --models "$tmp/models" "$tmp/both"
	[ "$status" -eq 0 ]
	[ "$(threshold_of "$tmp/models/Accel_CMP.safetensors")" = -2.25 ]
	[ "$(threshold_of "$tmp/models/Accel_nopin.safetensors")" = -22.5 ]
	echo "$output" | jq -s -e '[.[].key] == ["Accel/CMP", "Accel/no-pin"] and (.[1].model | endswith("/Accel_nopin.safetensors"))'
	# one pooled threshold over both (their events kept apart) for --model
	fcvae-calibrate --print "$tmp/both" | jq -e '.calibration | .points == 20 and .events == 6'
	# a series without a model: an error naming the file looked for; the others are still written
	jq -c '.key = "Star/CMP"' "$tmp/ac.ndjson" >"$tmp/star"
	cp tests/data/seed_models/Accel_CMP.safetensors "$tmp/models/Accel_CMP.safetensors"
	run fcvae-calibrate --models "$tmp/models" "$tmp/star" "$tmp/ac.ndjson"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Star/CMP: no model for this series (no $tmp/models/Star_CMP.safetensors)"* ]]
	[ "$(threshold_of "$tmp/models/Accel_CMP.safetensors")" = -2.25 ]
}

@test "calibrate: a model file that cannot be looked at is said with why, not \"no model\"; a --models DIR that cannot be searched fails at start" {
	ln -s Star_CMP.safetensors "$tmp/models/Star_CMP.safetensors"
	jq -c '.key = "Star/CMP"' "$tmp/ac.ndjson" >"$tmp/star"
	run --separate-stderr fcvae-calibrate --print --models "$tmp/models" "$tmp/star"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-calibrate: Star/CMP: $tmp/models/Star_CMP.safetensors: Too many levels of symbolic links" ]
	run fcvae-calibrate --models "$tmp/none" "$tmp/ac.ndjson"
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-calibrate: $tmp/none: No such file or directory" ]
}

@test "calibrate: a key holding \u0000 is a series of its own, said whole" {
	# cut at the NUL, Accel/CMP\u0000x found Accel/CMP's file: the two
	# were refused as sharing it, as "Accel/CMP", "Accel/CMP"
	{ cat "$tmp/ac.ndjson"; sed 's|"key":"Accel/CMP"|"key":"Accel/CMP\\u0000x"|' "$tmp/ac.ndjson"; } >"$tmp/nul"
	run --separate-stderr fcvae-calibrate --print --models "$tmp/models" "$tmp/nul"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-calibrate: \"Accel/CMP\\u0000x\": no model for this series (no $tmp/models/(a key that cannot name a file).safetensors)" ]
	echo "$output" | jq -s -e '[.[].key] == ["Accel/CMP"] and .[0].calibration.threshold == -2.25'
}

@test "calibrate: --models refuses series that find one model file, before writing any" {
	# Accel/no-pin, Accel/nopin and Accel_nopin all find Accel_nopin: each
	# threshold would replace the one before
	for k in Accel/no-pin Accel/nopin Accel_nopin; do
		jq -c --arg k "$k" '.key = $k' "$tmp/ac.ndjson"
	done >"$tmp/three"
	cat "$tmp/ac.ndjson" >>"$tmp/three"
	cp "$tmp/models/Accel_CMP.safetensors" "$tmp/cmp"
	cp "$tmp/models/Accel_nopin.safetensors" "$tmp/nopin"
	for p in "" --print; do
		run --separate-stderr fcvae-calibrate $p --models "$tmp/models" "$tmp/three"
		[ "$status" -eq 1 ]
		[ -z "$output" ]
		[[ "$stderr" == *"$tmp/models/Accel_nopin.safetensors: the model file of 3 series"*'("Accel/no-pin", "Accel/nopin", "Accel_nopin")'*"nothing written"* ]]
		# nothing written, Accel/CMP's own file neither
		cmp "$tmp/models/Accel_nopin.safetensors" "$tmp/nopin"
		cmp "$tmp/models/Accel_CMP.safetensors" "$tmp/cmp"
	done
	# with Accel_no-pin.safetensors there, Accel/no-pin has a file of its own
	cp "$tmp/nopin" "$tmp/models/Accel_no-pin.safetensors"
	grep -v '"Accel_nopin"' "$tmp/three" >"$tmp/two"
	run fcvae-calibrate --models "$tmp/models" "$tmp/two"
	[ "$status" -eq 0 ]
	echo "$output" | jq -s -e 'map(.model | sub(".*/"; "")) == ["Accel_no-pin.safetensors", "Accel_nopin.safetensors", "Accel_CMP.safetensors"]'
	# files of their own by name, one file by a link: refused too (each
	# was written, the second threshold replacing the first)
	mkdir "$tmp/linked"
	cp "$tmp/nopin" "$tmp/linked/A.safetensors"
	ln -s A.safetensors "$tmp/linked/B.safetensors"
	{ jq -c '.key = "A"' "$tmp/ac.ndjson"; jq -c '.key = "B"' "$tmp/ac.ndjson"; } >"$tmp/ab"
	run --separate-stderr fcvae-calibrate --models "$tmp/linked" "$tmp/ab"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"the model file of 2 series"*'("A", "B")'*"nothing written"* ]]
	cmp "$tmp/linked/A.safetensors" "$tmp/nopin"
}

@test "calibrate: labels missing, or no labelled anomaly, are clear errors" {
	m="$tmp/models/Accel_CMP.safetensors"
	cp "$m" "$tmp/orig"
	jq -c 'del(.label)' "$tmp/ac.ndjson" >"$tmp/nolabel"
	run fcvae-calibrate --model "$m" "$tmp/nolabel"
	[ "$status" -eq 1 ]
	[[ "$output" == *'no record has a "label"'* ]]
	# labelled but never scored: no scored record is what is wrong
	jq -c '.score = null' "$tmp/ac.ndjson" >"$tmp/unscored"
	run --separate-stderr fcvae-calibrate --model "$m" "$tmp/unscored"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fcvae-calibrate: no scored record ("*" records, all unscored): nothing to calibrate on; is this fcvae-score's output?" ]]
	jq -c '.label = 0' "$tmp/ac.ndjson" >"$tmp/normal"
	run fcvae-calibrate --model "$m" "$tmp/normal"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no labelled anomaly among 10 validation points"*"--max-fpr"* ]]
	cmp "$m" "$tmp/orig"
	# --max-fpr needs no anomaly: 10% of 10 negatives = 1: flag a >= 9 only, a-threshold 8.5
	fcvae-calibrate --print --max-fpr 0.1 "$tmp/normal" | jq -e '.calibration | .threshold == -72.25 and .fp == 1 and .f1 == null'
}

@test "calibrate: a bad model file is an error naming it, and stays as it was" {
	printf 'not a model' >"$tmp/bad.safetensors"
	run fcvae-calibrate --model "$tmp/bad.safetensors" "$tmp/ac.ndjson"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$tmp/bad.safetensors"* ]]
	[ "$(cat "$tmp/bad.safetensors")" = "not a model" ]
	run --separate-stderr fcvae-calibrate --model "$tmp/missing.safetensors" "$tmp/ac.ndjson"
	[ "$status" -eq 1 ]
	[ ! -e "$tmp/missing.safetensors" ]
	# nothing on standard output that looks like a result
	[ -z "$output" ]
	# a model written keeps its file mode
	cp tests/data/seed_models/Accel_CMP.safetensors "$tmp/m640.safetensors"
	chmod 640 "$tmp/m640.safetensors"
	fcvae-calibrate --model "$tmp/m640.safetensors" "$tmp/ac.ndjson" >/dev/null
	[ "$(stat -c %a "$tmp/m640.safetensors")" = 640 ]
}

@test "calibrate: bad lines are reported, counted and skipped; --strict stops" {
	{ head -n 2 "$tmp/ac.ndjson"; echo '{"key":"Accel/CMP","score":[1],"label":0}'; tail -n 8 "$tmp/ac.ndjson"; } >"$tmp/bad"
	run fcvae-calibrate --print "$tmp/bad"
	[ "$status" -eq 0 ]
	[[ "$output" == *'line 3: "score" is not a number'* ]]
	[[ "$output" == *"1 input line rejected"* ]]
	# --strict: that line said, nothing more read or written, the model untouched
	cp tests/data/seed_models/Accel_CMP.safetensors "$tmp/m.safetensors"
	run --separate-stderr fcvae-calibrate --model "$tmp/m.safetensors" --strict "$tmp/bad" "$tmp/none"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-calibrate: $tmp/bad line 3: \"score\" is not a number" ]
	cmp "$tmp/m.safetensors" tests/data/seed_models/Accel_CMP.safetensors
}

@test "calibrate: a time outside the years 0 to 9999 is a bad line, as fcvae-window has it" {
	{ cat "$tmp/ac.ndjson"; echo '{"key":"Accel/CMP","ts":-1e300,"score":-1,"label":0}'; } >"$tmp/far"
	run --separate-stderr fcvae-calibrate --print "$tmp/far"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'line 11: "ts" is not a timestamp'* ]]
	[[ "$stderr" == *"1 input line rejected: 1 bad ts"* ]]
}

@test "calibrate: --delay without --metric delay-f1 is a usage error" {
	run fcvae-calibrate --print --delay 3 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--delay only means something with --metric delay-f1"* ]]
	run fcvae-calibrate --print -d 3 --metric pa-f1 "$tmp/ac.ndjson"
	[ "$status" -eq 2 ]
	fcvae-calibrate --print -d 3 --metric delay-f1 "$tmp/ac.ndjson" | jq -e '.calibration.delay == 3'
}

@test "calibrate: events stay apart across records left out and lines rejected" {
	# a = 0, 9 (event), two normal hours unscored, 2 (event), 4: kept
	# apart, PA-F1 is best (0.8) flagging a >= 2: threshold 1 deviation;
	# merged into one event a >= 9 would catch both, F1 1, threshold 6.5
	ev() { # the lines of the two hours between
		echo '{"key":"A","ts":0,"score":0,"label":0}'
		echo '{"key":"A","ts":1,"score":-81,"label":1}'
		cat
		echo '{"key":"A","ts":4,"score":-4,"label":1}'
		echo '{"key":"A","ts":5,"score":-16,"label":0}'
	}
	printf '{"key":"A","ts":%d,"score":null,"label":0}\n' 2 3 | ev >"$tmp/gaps"
	for m in pa-f1 composite-f1; do
		fcvae-calibrate --print --metric $m "$tmp/gaps" |
			jq -e '.calibration | .threshold == -1 and (.f1 - 0.8 | fabs) < 1e-12 and .events == 2 and .points == 4'
	done
	# the unscored ones are counted, as the unlabelled are
	run --separate-stderr fcvae-calibrate --print "$tmp/gaps"
	[ "$stderr" = "fcvae-calibrate: 2 records without a score to judge (score null or none, or value null: a gap) left out" ]
	# a line rejected there: what it held is not known, so also two
	echo '{"key":"A","ts":2,"score":-1,"label":"no"}' | ev >"$tmp/rej"
	run --separate-stderr fcvae-calibrate --print --metric pa-f1 "$tmp/rej"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1 input line rejected: 1 bad label"* ]]
	echo "$output" | jq -e '.calibration | .threshold == -1 and .events == 2'
}

@test "calibrate: a later record for the same series and time replaces the earlier" {
	# an earlier record for hour 1 (a = 9, anomalous) that says normal and
	# far out: replaced, the threshold is the one without it
	{ echo '{"key":"Accel/CMP","ts":"2025-02-20T01:00:00Z","score":-400,"label":0}'; cat "$tmp/ac.ndjson"; } >"$tmp/dup"
	run --separate-stderr fcvae-calibrate --print "$tmp/dup"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"1 record replaced by a later one for the same series and time"* ]]
	[ "$output" = "$(fcvae-calibrate --print "$tmp/ac.ndjson")" ]
}

@test "calibrate: records of the test split are warned of, once, with their count" {
	jq -c '.split = (if .ts < "2025-02-20T04" then "test" else "validation" end)' "$tmp/ac.ndjson" >"$tmp/split"
	run --separate-stderr fcvae-calibrate --print "$tmp/split"
	[ "$status" -eq 0 ]
	[ "$stderr" = 'fcvae-calibrate: 4 records with "split": "test": a threshold chosen on test labels says nothing of data the model has not seen; calibrate on the validation split' ]
	echo "$output" | jq -e '.calibration.threshold == -2.25'
	# a split is its whole name: "test\u0000x" is not the test split
	for s in '"validation"' '"test\u0000x"'; do
		jq -c ".split = $s" "$tmp/ac.ndjson" >"$tmp/valid"
		run --separate-stderr fcvae-calibrate --print "$tmp/valid"
		[ -z "$stderr" ]
	done
}

# what each example of fcvae-calibrate(1) shows: the answers worked out in
# the page
calibrate_example() {
	case $man_n in
	1 | 3) [ "$output" = -4 ] ;;
	2) # at most one normal point in ten flagged, of four: none, the
		# threshold below the lowest score
		echo "$output" | jq -e '.calibration | .metric == "max-fpr" and .fp == 0 and .points == 4 and .threshold < -4' ;;
	4) # 2.8 deviations: a score of -7.84; the anomaly at -30 flagged, no normal point
		echo "$output" | jq -e '(.[0] + 7.84 | fabs) < 1e-9 and .[1] == 1 and .[2] == 0' ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

@test "calibrate: the man page examples run" {
	man_examples -c calibrate_example man/fcvae-calibrate.1 4
}

@test "calibrate: the seed pipeline end to end (gen, window, score, calibrate, eval)" {
	command -v fcvae-window >/dev/null && command -v fcvae-score >/dev/null || skip "no fcvae-window or fcvae-score"
	cp tests/data/seed_models/*.safetensors "$tmp/models/"
	fcvae-gen --hourly --format ndjson | fcvae-window >"$tmp/windows"
	fcvae-score --models "$tmp/models" "$tmp/windows" 2>/dev/null | jq -c 'select(.split == "validation")' >"$tmp/val"
	run fcvae-calibrate --models "$tmp/models" "$tmp/val"
	[ "$status" -eq 0 ]
	echo "$output" >"$tmp/cal"
	# SPEC §6: per combo 8 validation days of 24 hours, 4 labelled events
	# (3 + 1 + 4 + 12 hours)
	jq -s -e 'length == 4 and all(.[].calibration; .points == 192 and .events == 4 and .anomalous_points == 20)' "$tmp/cal"
	# the files hold what was printed
	while read -r file thr; do
		[ "$(threshold_of "$file")" = "$thr" ]
	done < <(jq -r '"\(.model) \(.calibration.threshold)"' "$tmp/cal")
	# scored again, the records carry the new thresholds, and the validation F1
	# fcvae-eval measures is the one fcvae-calibrate chose
	fcvae-score --models "$tmp/models" "$tmp/windows" 2>/dev/null >"$tmp/scored"
	jq -c 'select(.split == "validation")' "$tmp/scored" | fcvae-eval --format json >"$tmp/eval-val"
	jq -n -e --slurpfile c "$tmp/cal" --slurpfile e "$tmp/eval-val" '
		[$c[] | {key, f1: .calibration.f1, tp: .calibration.tp, fp: .calibration.fp}] ==
		[$e[0].series[] | {key, f1: .at_threshold.f1, tp: .at_threshold.tp, fp: .at_threshold.fp}]'
	# test days: 10 days, 3 labelled events of 3 + 1 + 3 hours per combo
	jq -c 'select(.split == "test")' "$tmp/scored" | fcvae-eval --format json --delay 3 >"$tmp/eval-test"
	jq -e '(.series | length) == 4 and all(.series[]; .points == 240 and .events == 3 and .anomalous_points == 7) and
		.pooled.events == 12 and .pooled.points == 960' "$tmp/eval-test"
}

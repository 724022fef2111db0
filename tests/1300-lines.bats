#!/usr/bin/env bats
# --max-line in every program that reads input lines: a longer line is
# reported as "line too long" (not as "not JSON"), counted, and skipped; the
# records around it are kept; --strict stops at it (exit 3).

bats_require_minimum_version 1.5.0

readers="fcvae-window fcvae-score fcvae-alert fcvae-plot fcvae-train fcvae-calibrate fcvae-eval fcvae-protocol"
# a model small enough for a run of a second (fcvae-train, fcvae-protocol)
small="--window 8 --kernel 4 --stride 2 --latent 4 --condition 4 --d-model 8 --d-inner 16 --heads 2
	--hidden 16 --epochs 1 --batch 64"

setup() {
	tmp=$BATS_TEST_TMPDIR
	pad=$(printf '%0200d' 0)
	# seven scored records of hours 0..6, each under 128 bytes; hours 2 and 3
	# anomalous and labelled, and hour 3 (line 4) padded past 128 bytes
	for h in 0 1 2 3 4 5 6; do
		an=false score=-1 label=0 extra=
		case $h in 2 | 3) an=true score=-30 label=1 ;; esac
		[ $h -eq 3 ] && extra=",\"pad\":\"$pad\""
		printf '{"key":"a","ts":"2025-01-01T%02d:00:00Z","value":%d,"score":%s,"threshold":-3,"anomaly":%s,"label":%d%s}\n' \
			$h $h $score $an $label "$extra"
	done >"$tmp/scored"
}

# The report of line 4 of FILE by PROG, and the count in the summary.
reported() {
	[[ "$output" == *"$1: $2 line 4: longer than 128 bytes (see --max-line)"* ]]
	[[ "$output" == *"$1: 1 input line rejected: 1 line too long"* ]]
	[[ "$output" != *"not JSON"* ]]
}

@test "lines: every reader has --max-line, with one help text and one bound" {
	for p in $readers; do
		run "$p" --help
		[ "$status" -eq 0 ]
		echo "$p: $output" | grep -q -- '--max-line N  *longest input line in bytes (default 16777216)$'
		run "$p" --max-line 63 /dev/null
		[ "$status" -eq 2 ]
		[[ "$output" == *"--max-line: '63' is not a whole number from 64 to "* ]]
		grep -q '^\.BI \\-\\-max\\-line' "man/$p.1"
	done
}

@test "lines: fcvae-eval and fcvae-calibrate count the six good records, not the long one" {
	run fcvae-eval -f json --max-line 128 "$tmp/scored"
	[ "$status" -eq 0 ]
	reported fcvae-eval "$tmp/scored"
	# hours 0-2 and 4-6: one labelled anomaly (hour 2), flagged
	echo "${lines[-1]}" | jq -e '.pooled | .records == 6 and .points == 6 and .anomalous_points == 1 and
		.at_threshold.tp == 1 and .at_threshold.tn == 5'
	run fcvae-eval --strict -f json --max-line 128 "$tmp/scored"
	[ "$status" -eq 3 ]
	run fcvae-calibrate -p --max-line 128 "$tmp/scored"
	[ "$status" -eq 0 ]
	reported fcvae-calibrate "$tmp/scored"
	echo "${lines[-1]}" | jq -e '.calibration | .points == 6 and .anomalous_points == 1 and .f1 == 1'
	run fcvae-calibrate -p --strict --max-line 128 "$tmp/scored"
	[ "$status" -eq 3 ]
	# raised, the long line is a record like the others
	run fcvae-eval -f json --max-line 400 "$tmp/scored"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.pooled | .records == 7 and .anomalous_points == 2'
}

@test "lines: fcvae-alert opens and closes the run around the long line" {
	run fcvae-alert -v --max-line 128 "$tmp/scored"
	[ "$status" -eq 0 ]
	reported fcvae-alert "$tmp/scored"
	[[ "$output" == *"7 records: 6 taken, 0 duplicates dropped; 1 runs opened, 1 closed"* ]]
	# the run of hour 2 alone (hour 3 unseen), closed by hour 4
	run --separate-stderr fcvae-alert --max-line 128 "$tmp/scored"
	[ "${#lines[@]}" -eq 2 ]
	echo "${lines[1]}" | jq -e '.alert == "close" and .start == "2025-01-01T02:00:00Z" and
		.ts == "2025-01-01T04:00:00Z" and .points == 1'
	run fcvae-alert --strict --max-line 128 "$tmp/scored"
	[ "$status" -eq 3 ]
}

@test "lines: fcvae-plot draws the six good records" {
	run fcvae-plot -o "$tmp/d" --format svg --max-line 128 "$tmp/scored"
	[ "$status" -eq 0 ]
	reported fcvae-plot "$tmp/scored"
	[ "$(xmllint --html --xpath 'string(//*[@id="received"]/b)' "$tmp/d/index.html")" = 7 ]
	[ "$(xmllint --html --xpath 'string(//*[@id="scored"]/b)' "$tmp/d/index.html")" = 6 ]
	run fcvae-plot -o "$tmp/s" --format svg --strict --max-line 128 "$tmp/scored"
	[ "$status" -eq 3 ]
}

@test "lines: fcvae-train trains on the windows around the long line" {
	# ten windows of 8, the fifth (line 5) padded past 128 bytes
	awk -v pad="$pad" 'BEGIN { for (i = 0; i < 10; i++) {
		w = ""; for (j = 0; j < 8; j++) w = w (j ? "," : "") (i + j) % 5
		printf "{\"key\":\"a\",\"ts\":%d,\"value\":%d,\"window\":[%s],\"missing\":[]%s}\n",
			1700000000 + 3600 * i, (i + 7) % 5, w, i == 4 ? ",\"pad\":\"" pad "\"" : "" } }' >"$tmp/win"
	run fcvae-train $small --max-line 128 -o "$tmp/m" "$tmp/win"
	[ "$status" -eq 0 ]
	[[ "$output" == *"fcvae-train: $tmp/win line 5: longer than 128 bytes (see --max-line)"* ]]
	[[ "$output" == *"training data: 1 input line rejected: 1 line too long"* ]]
	[[ "$output" == *'series "a": 9 training windows'* ]]
	[ -f "$tmp/m" ]
	run fcvae-train $small --strict --max-line 128 -o "$tmp/m2" "$tmp/win"
	[ "$status" -eq 3 ]
	[ ! -e "$tmp/m2" ]
}

@test "lines: fcvae-protocol skips a long data row as if it were not there; a long header skips the file" {
	mkdir "$tmp/d" "$tmp/e"
	awk 'BEGIN { print "timestamp,value,label"
		for (i = 0; i <= 202; i++) printf "%d,%.6f,%d\n", 1700000000 + 60 * i, 10 + sin(i / 3), i == 85 || i == 180
	}' >"$tmp/e/a.csv"
	# row 4 (line 5) made longer than 64 bytes by blanks around its value
	sed "5s/,0\$/$(printf '%100s' ''),0/" "$tmp/e/a.csv" >"$tmp/d/a.csv"
	sed -i 5d "$tmp/e/a.csv"
	run --separate-stderr fcvae-protocol -q $small --random-draws 2 --iterations 1 --samples 2 --max-line 64 \
		--format json "$tmp/d"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"fcvae-protocol: $tmp/d/a.csv line 5: longer than 64 bytes (see --max-line)"* ]]
	[[ "$stderr" == *"fcvae-protocol: 1 input line rejected: 1 line too long"* ]]
	echo "${lines[0]}" | jq -e '.per_file[0].rows == 202'
	echo "${lines[0]}" >"$tmp/j1"
	fcvae-protocol -q $small --random-draws 2 --iterations 1 --samples 2 --format json "$tmp/e" >"$tmp/j2"
	[ "$(jq -cS 'del(.timing, .training.seconds, .data)' "$tmp/j1")" = "$(jq -cS 'del(.timing, .training.seconds, .data)' "$tmp/j2")" ]
	run fcvae-protocol -q $small --strict --max-line 64 "$tmp/d"
	[ "$status" -eq 3 ]
	# a header cut at the limit would name the wrong columns: the file is skipped
	{ echo "timestamp,value,label,$(printf '%080d' 0)"; tail -n +2 "$tmp/e/a.csv" | sed 's/$/,1/'; } >"$tmp/d/b.csv"
	run --separate-stderr fcvae-protocol -q $small --random-draws 2 --iterations 1 --samples 2 --max-line 64 \
		--format json "$tmp/d"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"$tmp/d/b.csv line 1: longer than 64 bytes (see --max-line)"* ]]
	[[ "$stderr" == *"$tmp/d/b.csv: skipped"* ]]
	echo "${lines[0]}" | jq -e '.files == 1 and [.per_file[].file] == ["a.csv"]'
}

@test "lines: fcvae-window stops at a CSV header longer than --max-line, saying so, instead of taking row 1 for the header" {
	{
		printf 'ts,key,value,%s\n' "$pad"
		printf '2025-01-01T00:00:00Z,a,1,x\n'
	} >"$tmp/long-header.csv"
	run fcvae-window --csv --window 1 --max-line 128 "$tmp/long-header.csv"
	[ "$status" -eq 1 ]
	[[ "$output" == *"fcvae-window: $tmp/long-header.csv: cannot read this CSV: its header is longer than 128 bytes (see --max-line)"* ]]
	[[ "$output" != *"column in the CSV header"* ]]
}

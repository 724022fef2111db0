#!/usr/bin/env bats
# fcvae-benchmark and fcvae-protocol: usage, data preparation, baselines
# against hand-worked cases, threads, presets, bad lines, man page.

bats_require_minimum_version 1.5.0
load helpers/man

# A tiny model: every test runs in a second or two.
small="-q --window 8 --kernel 4 --stride 2 --latent 4 --condition 4 --d-model 8 --d-inner 16 --heads 2
	--hidden 16 --epochs 1 --batch 64 --iterations 1 --samples 2 --random-draws 2"

setup() {
	tmp=$(mktemp -d)
	mkdir "$tmp/d"
	# 203 minutes at 60 s without minutes 150..152: 200 rows; a wave with a
	# labelled spike in the validation rows and one in the test rows
	awk 'BEGIN { print "timestamp,value,label"
		for (i = 0; i <= 202; i++) {
			if (i >= 150 && i <= 152) continue
			v = 10 + sin(i / 3); l = 0
			if (i == 85 || i == 180) { v += 20; l = 1 }
			printf "%d,%.6f,%d\n", 1700000000 + 60 * i, v, l
		} }' >"$tmp/d/a.csv"
}

teardown() {
	rm -rf "$tmp"
}

@test "benchmark: --help, --version and usage errors" {
	run fcvae-benchmark --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-protocol --help
	[ "$status" -eq 0 ]
	run fcvae-benchmark --version
	[ "$status" -eq 0 ]
	[ "$output" = "fcvae-benchmark (fcvae) $(fcvae-protocol --version | awk '{print $NF}')" ]
	run fcvae-benchmark
	[ "$status" -eq 2 ]
	run fcvae-benchmark --preset bogus "$tmp/d"
	[ "$status" -eq 2 ]
	[[ "$output" == *"'bogus' is not nab"* ]]
	# an empty name ran without a preset
	run fcvae-benchmark --preset= $small "$tmp/d"
	[ "$status" -eq 2 ]
	[[ "$output" == *"'' is not nab"* ]]
	run fcvae-benchmark --preset '' $small "$tmp/d"
	[ "$status" -eq 2 ]
	run fcvae-benchmark --split 0.5 "$tmp/d"
	[ "$status" -eq 2 ]
	run fcvae-benchmark --kernel 9 "$tmp/d"
	[ "$status" -eq 2 ]
	[[ "$output" == *"kernel 9 must be even"* ]]
	# the engine's messages in the script's name
	run --separate-stderr fcvae-benchmark --bogus "$tmp/d"
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-benchmark: unrecognized option '--bogus'" ]
	run --separate-stderr fcvae-benchmark "$tmp/nonexistent"
	[ "$stderr" = "fcvae-benchmark: $tmp/nonexistent: No such file or directory" ]
	# checked as fcvae-train checks them: no run of these would converge
	run fcvae-protocol --adam-eps 0 "$tmp/d"
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-protocol: --adam-eps: must be above 0 (Adam's first step would divide 0 by it)" ]
	run fcvae-protocol --eta-min 10 "$tmp/d"
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-protocol: --eta-min: 10 is above --lr 0.0005: the rate anneals from --lr down to --eta-min" ]
	# a clip beyond what fcvae-score loads (a million deviations) would make
	# models no reader takes
	run fcvae-benchmark --clip-x 2e6 "$tmp/d"
	[ "$status" -eq 2 ]
	run fcvae-benchmark "$tmp/d" "$tmp/d"
	[ "$status" -eq 2 ]
	run fcvae-benchmark "$tmp/nonexistent"
	[ "$status" -eq 1 ]
	mkdir "$tmp/empty"
	run fcvae-benchmark "$tmp/empty"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no *.csv files"* ]]
}

@test "benchmark: split, completion and windows counted by hand" {
	run fcvae-benchmark $small --format json "$tmp/d"
	[ "$status" -eq 0 ]
	# rows 0..69 train (minutes 0..69: 70 points, 63 windows of 8),
	# 70..99 validation (30 points, 23), 100..199 test: minutes 100..202
	# with 150..152 completed, 103 points, 96 windows
	echo "$output" | jq -e '.per_file[0] | .file == "a.csv" and .interval == 60 and .rows == 200 and
		.windows == [63, 23, 96] and .test_anomalies == 1'
	echo "$output" | jq -e '.pooled.test_windows == 96 and .files == 1 and .standardisation == "paper"'
	echo "$output" | jq -e '.timing.score_windows == 119 and .timing.train_windows == 63'
}

@test "benchmark: |x| finds the one spike; --honest standardisation clips the shifted test part" {
	run fcvae-benchmark $small --format json "$tmp/d"
	[ "$status" -eq 0 ]
	# the spike is the largest |x| of the test part, and of the validation
	# part: every measure is perfect, at test-tuned and validation thresholds
	echo "$output" | jq -e '.pooled.abs | .roc_auc == 1 and .best_f1 == 1 and .best_f1_point == 1 and
		.delay_f1 == 1 and .val_point_f1 == 1 and .val_pa_f1 == 1'
	echo "$output" | jq -e '.pooled.random | .roc_auc > 0 and .roc_auc < 1'
	# test part 1000 higher: with the train part's statistics every test
	# point is clipped to 40 but the 3 completed ones (0): the spike ties
	# with 92 normal points and beats 3, ROC-AUC (3 + 92/2) / 95
	awk -F, 'NR > 1 && NR > 101 { $2 += 1000 } { print }' OFS=, "$tmp/d/a.csv" >"$tmp/b.csv"
	mv "$tmp/b.csv" "$tmp/d/a.csv"
	run fcvae-benchmark $small --format json "$tmp/d"
	echo "$output" | jq -e '.pooled.abs.roc_auc == 1'
	run fcvae-benchmark $small --honest --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.standardisation == "honest" and .pooled.abs.roc_auc == 49 / 95'
}

@test "benchmark: the same figures with any number of threads, run after run" {
	cp "$tmp/d/a.csv" "$tmp/d/b.csv"
	fcvae-benchmark $small --json "$tmp/j1" "$tmp/d" >"$tmp/table"
	fcvae-benchmark $small --json "$tmp/j1b" "$tmp/d" >/dev/null
	fcvae-benchmark $small -j 2 --json "$tmp/j2" "$tmp/d" >/dev/null
	[ "$(jq -c 'del(.timing, .jobs, .training.seconds)' "$tmp/j1")" = "$(jq -c 'del(.timing, .jobs, .training.seconds)' "$tmp/j2")" ]
	[ "$(jq -c 'del(.timing)' "$tmp/j1")" = "$(jq -c 'del(.timing)' "$tmp/j1b")" ]
	# the table: pooled rows then a row per file and score source
	grep -q '^(pooled) *model ' "$tmp/table"
	[ "$(grep -c '^b.csv ' "$tmp/table")" -eq 3 ]
	jq -e '.per_file | length == 2' "$tmp/j1"
}

@test "benchmark: the same scores on any CPU with AVX2, whatever kernels OpenBLAS would pick" {
	grep -qw avx2 /proc/cpuinfo || skip "no AVX2: OpenBLAS's kernels are not fixed"
	# fcvae-protocol itself, not the script: it must not need the caller's
	# OPENBLAS_CORETYPE (OpenBLAS's own pick on an AVX-512 machine rounds
	# the training otherwise)
	env -u OPENBLAS_CORETYPE fcvae-protocol $small --scores "$tmp/a" "$tmp/d" >/dev/null
	OPENBLAS_CORETYPE=Haswell fcvae-protocol $small --scores "$tmp/b" "$tmp/d" >/dev/null
	cmp "$tmp/a" "$tmp/b"
}

@test "benchmark: --scores writes every window; fcvae-eval agrees on its AUCs" {
	cp "$tmp/d/a.csv" "$tmp/d/b.csv"
	run fcvae-benchmark $small --scores "$tmp/s" --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" >"$tmp/j"
	# 23 validation and 96 test windows per file
	[ "$(grep -c '"part":"validation"' "$tmp/s")" -eq 46 ]
	[ "$(grep -c '"part":"test"' "$tmp/s")" -eq 192 ]
	# the spike of a.csv: minute 180 of the test part, standardised by its own part
	jq -s -e 'map(select(.key == "a.csv" and .part == "test" and .label == 1)) | length == 1 and
		(.[0] | .ts == 1700000000 + 60 * 180 and .value > 29 and .x > 5 and .missing == false)' "$tmp/s"
	# completed minutes are marked missing, their value back-filled from minute 153
	jq -s -e 'map(select(.key == "a.csv" and .ts == 1700000000 + 60 * 151)) | length == 1 and
		(.[0] | .missing and .x == 0 and (.value - 10 - (153 / 3 | sin) | fabs) < 1e-6)' "$tmp/s"
	grep '"part":"test"' "$tmp/s" | fcvae-eval -f json -t 0 >"$tmp/e"
	jq -e --slurpfile p "$tmp/j" '[.series[] | .roc_auc] as $e | [$p[0].per_file[] | .model.roc_auc] as $q |
		($e | length) == 2 and ([range(2)] | all(($e[.] - $q[.]) | fabs < 1e-12))' "$tmp/e"
}

@test "benchmark: --per-file trains a model per file, thresholds from the pooled validation" {
	# b.csv has no labelled validation point: no threshold of its own
	awk -F, -v OFS=, 'NR > 1 && $1 == 1700000000 + 60 * 85 { $3 = 0 } 1' "$tmp/d/a.csv" >"$tmp/d/b.csv"
	[ "$(grep -c ',1$' "$tmp/d/b.csv")" -eq 1 ]
	run fcvae-benchmark $small --per-file -j 2 --scores "$tmp/s" --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" >"$tmp/j1"
	jq -e '.models == "per-file" and (.per_file | map(.training.epochs) == [1, 1])' "$tmp/j1"
	jq -e '[.pooled.model, .per_file[].model | .val_pa_f1, .val_delay_f1, .val_point_f1] |
		length == 9 and all(type == "number")' "$tmp/j1"
	# the same thresholds and figures as those scores evaluated as one model's
	run fcvae-benchmark $small --from-scores "$tmp/s" --format json "$tmp/d"
	[ "$status" -eq 0 ]
	[ "$(jq -c '.pooled.model, [.per_file[].model]' "$tmp/j1")" = "$(echo "$output" | jq -c '.pooled.model, [.per_file[].model]')" ]
	# and the man page says so (it said the file's own)
	tr '\n' ' ' <man/fcvae-benchmark.1 | grep -qF 'thresholds are the pooled ones, with .B \-\-per\-file too'
}

@test "benchmark: --preset sets the paper's settings, explicit options win" {
	run fcvae-benchmark --preset nab $small --window 32 --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.config | .window == 32 and .kernel_size == 4 and .condition_emb_dim == 4'
	echo "$output" | jq -e '.delay == 150 and .config.dropout_rate == 0 and .training_options.lr == 0.0005'
	run fcvae-benchmark --preset yahoo $small --format json "$tmp/d"
	echo "$output" | jq -e '.delay == 3 and .config.dropout_rate == 0.05'
}

@test "benchmark: bad lines are reported and skipped; --strict stops" {
	sed -i '5s/.*/1700000240,abc,0,extra/' "$tmp/d/a.csv"
	run fcvae-benchmark $small --format json "$tmp/d"
	[ "$status" -eq 0 ]
	[[ "$output" == *"a.csv line 5"* ]]
	# --strict: that line said, nothing after it, no report; not the next
	# file's bad line either
	cp "$tmp/d/a.csv" "$tmp/d/b.csv"
	run --separate-stderr fcvae-benchmark $small --strict "$tmp/d"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-benchmark: $tmp/d/a.csv line 5: 4 fields, the header has 3" ]
	# a header cut at --max-line is a rejected line too (not a file skipped)
	mkdir "$tmp/h"
	sed -e "1s/\$/,$(printf '%070d' 0)/" -e '2,$s/$/,/' "$tmp/d/a.csv" >"$tmp/h/a.csv"
	run --separate-stderr fcvae-protocol $small --strict --max-line 64 "$tmp/h"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-protocol: $tmp/h/a.csv line 1: longer than 64 bytes (see --max-line)" ]
}

@test "benchmark: a quoted field over lines is read whole; a quote left open costs its row" {
	# a note column: row 10's over two lines, row 20's quote never closed
	# (within --max-line), row 198's open at the end of the file
	mkdir "$tmp/e"
	awk 'NR == 1 { print $0 ",note"; next }
		{ r = NR - 2; n = r == 10 ? "\"two\nlines, \"\"quoted\"\"\"" : r == 20 ? "\"stray" : r == 198 ? "\"open" : "n"
		  print $0 "," n }' "$tmp/d/a.csv" >"$tmp/a.csv"
	awk 'NR - 2 != 20 && NR - 2 != 198' "$tmp/d/a.csv" >"$tmp/e/a.csv"
	mv "$tmp/a.csv" "$tmp/d/a.csv"
	run --separate-stderr fcvae-benchmark $small --max-line 64 --format json "$tmp/d"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"fcvae-benchmark: $tmp/d/a.csv line 23: unterminated quote within 64 bytes (see --max-line)"* ]]
	[[ "$stderr" == *"fcvae-benchmark: $tmp/d/a.csv line 201: unterminated quote"* ]]
	[[ "$stderr" == *"fcvae-benchmark: 2 input lines rejected: 2 bad CSV"* ]]
	echo "$output" | jq -e '.per_file[0].rows == 198'
	echo "$output" >"$tmp/j1"
	fcvae-benchmark $small --format json "$tmp/e" >"$tmp/j2"
	[ "$(jq -cS 'del(.timing, .training.seconds, .data)' "$tmp/j1")" = "$(jq -cS 'del(.timing, .training.seconds, .data)' "$tmp/j2")" ]
}

# the table a run prints: its first line, and the pooled model's row
protocol_table() {
	[[ "${lines[0]}" == "$1: $2 files, "* ]]
	grep -Eq '^\(pooled\) +model +0\.[0-9]{3} ' <<<"$output"
}

# figures between 0 and 1 (jq arrays)
fractions() { echo "$output" | jq -e 'length > 0 and all(.[]; type == "number" and . >= 0 and . <= 1)'; }

# what each example of fcvae-benchmark(1) shows
benchmark_example() {
	case $man_n in
	1) [ -z "$output" ] ;;
	2) [ -z "$output" ]
		[ -s hourly/Accel_CMP.csv ]
		[ -s hourly/Star_CMP.csv ] ;;
	3) man_lines 2
		[ "${lines[0]}" = timestamp,value,label ]
		[[ "${lines[1]}" =~ ^[0-9]+,[0-9]+,[01]$ ]] ;;
	4) protocol_table hourly 2 ;;
	5) protocol_table hourly 2
		grep -qx 'scores from hourly.scores' <<<"$output" ;;
	6) # the span chosen among those offered, and its ROC-AUC
		echo "$output" | jq -e '(.[0] | IN(1, 3, 6, 12)) and (.[1] | type) == "number"' ;;
	7) fractions ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

@test "benchmark: the man page examples run" {
	[ -f man/fcvae-benchmark.1 ]
	cd "$tmp"
	man_examples -c benchmark_example man/fcvae-benchmark.1 7
	jq -e '.files == 2 and (.pooled.model.val_pa_f1 | type) == "number"' report.json
	jq -e '.scores_from == "hourly.scores" and .aggregate == "max" and
		([.pooled.model.span] | inside([1, 3, 6, 12]))' held.json
}

# what each example of fcvae-protocol(1) shows
protocol_example() {
	case $man_n in
	1) [ -z "$output" ]
		[ -s star/Star_CMP.csv ] ;;
	2) protocol_table star 1
		[ -s star.json ]
		[ -s star.scores ] ;;
	3) fractions
		man_lines 1
		echo "$output" | jq -e 'length == 3' ;;
	4) # three labelled test hours, each time, value and score
		man_lines 3
		echo "$output" | jq -se 'all(.[]; length == 3 and all(.[]; type == "number"))' ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

@test "protocol: the man page examples run" {
	[ -f man/fcvae-protocol.1 ]
	cd "$tmp"
	man_examples -c protocol_example man/fcvae-protocol.1 4
	# the scores file holds the test part's labelled hours the report counts
	[ "$(jq -s '[.[] | select(.part == "test" and .label == 1)] | length' star.scores)" -eq "$(jq '.pooled.test_anomalies' star.json)" ]
}

@test "benchmark: --from-scores evaluates an earlier run's scores, and refuses others" {
	cp "$tmp/d/a.csv" "$tmp/d/b.csv"
	fcvae-benchmark $small --scores "$tmp/s" --json "$tmp/j1" "$tmp/d" >/dev/null
	run fcvae-benchmark $small --from-scores "$tmp/s" --json "$tmp/j2" "$tmp/d"
	[ "$status" -eq 0 ]
	[[ "$output" == *"scores from $tmp/s"* ]]
	# no training: the same figures, read back bit for bit
	[ "$(jq -c '.pooled, .per_file' "$tmp/j1")" = "$(jq -c '.pooled, .per_file' "$tmp/j2")" ]
	jq -e --arg s "$tmp/s" '.scores_from == $s and (has("training") | not)' "$tmp/j2"
	# lines of blanks are no records, as every reader has them
	{ sed -n 1p "$tmp/s"; echo; printf ' \t\n'; sed -n '2,$p' "$tmp/s"; echo; } >"$tmp/sb"
	fcvae-benchmark $small --from-scores "$tmp/sb" --json "$tmp/j3" "$tmp/d" >/dev/null
	[ "$(jq -c '.pooled, .per_file' "$tmp/j1")" = "$(jq -c '.pooled, .per_file' "$tmp/j3")" ]
	# another window length: the times no longer match
	run fcvae-benchmark $small --window 10 --from-scores "$tmp/s" "$tmp/d"
	[ "$status" -eq 1 ]
	[[ "$output" == *"line 1: not window 1 of a.csv's validation part"* ]]
	# a file missing from the scores; a key that is no file
	grep -v '"b.csv"' "$tmp/s" >"$tmp/s2"
	run fcvae-benchmark $small --from-scores "$tmp/s2" "$tmp/d"
	[ "$status" -eq 1 ]
	[[ "$output" == *"0 scores of b.csv's validation part, not 23"* ]]
	sed '1s/"a.csv"/"c.csv"/' "$tmp/s" >"$tmp/s3"
	run fcvae-benchmark $small --from-scores "$tmp/s3" "$tmp/d"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"c.csv" is not a file of the data directory'* ]]
	# a key is the file's whole name, NUL and all
	sed '1s/"a.csv"/"a.csv\\u0000x"/' "$tmp/s" >"$tmp/s4"
	run fcvae-benchmark $small --from-scores "$tmp/s4" "$tmp/d"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"a.csv\u0000x" is not a file of the data directory'* ]]
	run fcvae-benchmark $small --from-scores "$tmp/nonexistent" "$tmp/d"
	[ "$status" -eq 1 ]
	# scores of another standardisation: their x differ
	run fcvae-benchmark $small --honest --from-scores "$tmp/s" "$tmp/d"
	[ "$status" -eq 1 ]
	[[ "$output" == *"line 1: x is "*"(scores of another standardisation: --honest, --transform?)"* ]]
	# a file name that is not UTF-8 is written with U+FFFD, and read back so
	mv "$tmp/d/b.csv" "$tmp/d/$(printf 'b\xe9.csv')"
	fcvae-benchmark $small --scores "$tmp/s5" --json "$tmp/j5" "$tmp/d" >/dev/null
	grep -q "\"key\":\"b$(printf '\xef\xbf\xbd').csv\"" "$tmp/s5"
	run fcvae-benchmark $small --from-scores "$tmp/s5" --json "$tmp/j6" "$tmp/d"
	[ "$status" -eq 0 ]
	[ "$(jq -c '.pooled' "$tmp/j5")" = "$(jq -c '.pooled' "$tmp/j6")" ]
}

@test "benchmark: a file without windows in a part does not join its neighbours' labelled segments" {
	# x ends its test part with a labelled spike, z starts its test part
	# with a labelled stretch that looks normal (from its first window,
	# at row 107 with W 8); y between them has 14 rows, too few for a test
	# window. Each file's segments are its own: the same
	# figures with y as without it (y made x's and z's labels alike, one
	# segment, and the spike credited z's stretch)
	mkdir "$tmp/e"
	for f in x z; do
		awk -v f=$f 'BEGIN { print "timestamp,value,label"
			for (i = 0; i < 200; i++) {
				l = (f == "x" && i >= 195) || (f == "z" && i >= 107 && i < 112)
				printf "%d,%.6f,%d\n", 1700000000 + 60 * i, 10 + sin(i / 3) + 20 * (f == "x" && l), l } }' >"$tmp/e/$f.csv"
	done
	run fcvae-protocol $small --format json "$tmp/e"
	[ "$status" -eq 0 ]
	without=$(echo "$output" | jq -c '.pooled.abs')
	head -n 15 "$tmp/e/x.csv" >"$tmp/e/y.csv"
	run --separate-stderr fcvae-protocol $small --format json "$tmp/e"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.pooled.abs')" = "$without" ]
	echo "$output" | jq -e '.per_file | map(.file) == ["x.csv", "y.csv", "z.csv"]'
	# z's stretch is missed: not all points credited
	echo "$without" | jq -e '.best_f1 < 1'
}

@test "benchmark: --honest skips a file whose train part is empty, said" {
	# b.csv: 19 rows; with a train fraction of 0.05 its train part has none
	# (a.csv's 10), while its validation and test parts hold windows: the
	# train part's statistics (none) left them unscaled
	head -n 20 "$tmp/d/a.csv" >"$tmp/d/b.csv"
	run --separate-stderr fcvae-protocol $small --honest --split 0.05,0.5 --format json "$tmp/d"
	[ "$status" -eq 0 ]
	[ "$stderr" = "fcvae-protocol: $tmp/d/b.csv: the train part is empty: --honest has no statistics to standardise the file with; skipped" ]
	echo "$output" | jq -e '.per_file | map(.file) == ["a.csv"]'
	# the paper's standardisation (each part its own) keeps it
	run --separate-stderr fcvae-protocol $small --split 0.05,0.5 --format json "$tmp/d"
	echo "$output" | jq -e '.per_file | map(.file) == ["a.csv", "b.csv"]'
}

@test "benchmark: the model's validation thresholds lie midway in deviations, as fcvae-calibrate's" {
	fcvae-benchmark $small --scores "$tmp/s" "$tmp/d" >/dev/null
	# log-likelihoods: every window -1 but the labelled spikes, -49 in
	# validation (minute 85) and -20 in test (minute 180). The cut between
	# 1 and 49 (negated) lies at ((√1 + √49) / 2)² = 16 in deviations, not at
	# the plain midpoint 25: the test spike's 20 is flagged
	jq -c '.score = if .ts == 1700000000 + 60 * 85 then -49 elif .ts == 1700000000 + 60 * 180 then -20 else -1 end' \
		"$tmp/s" >"$tmp/s2"
	run fcvae-benchmark $small --from-scores "$tmp/s2" --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.pooled.model | .threshold_point == 16 and .threshold_pa == 16 and
		.val_point_f1 == 1 and .val_pa_f1 == 1'
	# fcvae-calibrate places the same threshold on the same validation scores
	jq -c 'select(.part == "validation")' "$tmp/s2" | fcvae-calibrate -p >"$tmp/c"
	jq -e '.calibration.threshold == -16' "$tmp/c"
}

@test "benchmark: --aggregate max holds a score over the next windows; --span chosen on validation" {
	# |x| alone finds the spike (ROC-AUC 1); held over 3 windows, two
	# normal points after it tie with it: ROC-AUC (93 + 2/2) / 95
	run fcvae-benchmark $small --aggregate max --span 3 --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.aggregate == "max" and .span_candidates == [3] and
		.pooled.abs.span == 3 and .pooled.abs.roc_auc == 94 / 95'
	# from 3 and 1, validation (where span 1 separates the spike, 3 does not) picks 1
	run fcvae-benchmark $small --aggregate max --span 3,1 --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.pooled.abs.span == 1 and .pooled.abs.roc_auc == 1 and .per_file[0].abs.span == 1 and
		.span_chosen == "validation ROC-AUC"'
	# no labelled validation point: no ROC-AUC to choose on, the shortest
	# span whatever the order given (it was the first), and said so
	mkdir "$tmp/nl"
	awk -F, -v OFS=, 'NR > 1 && $1 == 1700000000 + 60 * 85 { $3 = 0 } 1' "$tmp/d/a.csv" >"$tmp/nl/a.csv"
	fcvae-benchmark $small --scores "$tmp/nl.scores" "$tmp/nl" >/dev/null
	for spans in 3,1 1,3; do
		run fcvae-benchmark $small --from-scores "$tmp/nl.scores" --aggregate max --span $spans --format json "$tmp/nl"
		[ "$status" -eq 0 ]
		echo "$output" | jq -e '[.pooled | .model.span, .random.span, .abs.span] == [1, 1, 1] and
			.span_chosen == "shortest: validation ROC-AUC undefined"'
	done
	run fcvae-benchmark $small --from-scores "$tmp/nl.scores" --aggregate max --span 3,1 "$tmp/nl"
	[[ "$output" == *"N the shortest given (none chosen: validation ROC-AUC undefined, no labelled point or no normal one): model 1,"* ]]
	# per-file models: the model's span from the pooled validation ROC-AUC
	cp "$tmp/d/a.csv" "$tmp/d/b.csv"
	run fcvae-benchmark $small --per-file --aggregate max --span 3,1 --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.pooled.abs.span == 1 and ([.pooled.model.span] | inside([1, 3])) and
		(.per_file | map(.model.span) | unique | length == 1)'
	rm "$tmp/d/b.csv"
	# the mean over 2: the spike's window and the next share the top
	# (x179 + x180 against x180 + x181), both above every other point
	run fcvae-benchmark $small --aggregate mean --span 2 --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.pooled.abs | .span == 2 and .roc_auc >= 94 / 95 and .roc_auc < 1'
	run fcvae-benchmark $small --aggregate median "$tmp/d"
	[ "$status" -eq 2 ]
	[[ "$output" == *"'median' is not none, max or mean"* ]]
	for bad in 0 5,x 5, ,5; do
		run fcvae-benchmark $small --aggregate max --span "$bad" "$tmp/d"
		[ "$status" -eq 2 ]
	done
}

@test "benchmark: the random rows' mean span prints as it reads, without float noise" {
	# the mean over the draws of whole numbers: with 5 draws at most one
	# decimal, printed as such (not 2.8000000000000007)
	cp "$tmp/d/a.csv" "$tmp/d/b.csv"
	run fcvae-benchmark $small --random-draws 5 --aggregate max --span 1,3,10,30 --format json "$tmp/d"
	[ "$status" -eq 0 ]
	spans=$(echo "$output" | grep -o '"span":[^,}]*' | cut -d: -f2 | sort -u)
	echo "$spans"
	[ -n "$spans" ]
	[ -z "$(echo "$spans" | grep -Ev '^[0-9]+(\.[0-9])?$')" ]
	echo "$output" | jq -e '.pooled.random.span as $s | [1, 3, 10, 30] | min <= $s and $s <= max'
}

@test "benchmark: the scripts, run from a checkout, find its programs without PATH" {
	[ -x build/bin/fcvae-protocol ] || skip "no build/ in this checkout"
	v=$(build/bin/fcvae-protocol --version | awk '{print $NF}')
	for s in fcvae-benchmark fcvae-stream fcvae-batch; do
		run env PATH=/usr/bin:/bin "scripts/$s" --version
		[ "$status" -eq 0 ]
		[ "$output" = "$s (fcvae) $v" ]
	done
	# and with programs on PATH, those are the ones used
	mkdir "$tmp/bin"
	printf '#!/bin/sh\necho "fcvae-protocol (fcvae) mine"\n' >"$tmp/bin/fcvae-protocol"
	chmod +x "$tmp/bin/fcvae-protocol"
	run env PATH="$tmp/bin:/usr/bin:/bin" scripts/fcvae-benchmark --version
	[ "$output" = "fcvae-benchmark (fcvae) mine" ]
}

@test "benchmark: timestamps in epoch milliseconds (or any number) read as ISO ones do" {
	mkdir "$tmp/ms" "$tmp/iso"
	awk -F, 'NR == 1 { print; next } { $1 = $1 "000"; print }' OFS=, "$tmp/d/a.csv" >"$tmp/ms/a.csv"
	jq -R -r 'split(",") | if .[0] == "timestamp" then . else .[0] |= (tonumber | todate) end | join(",")' \
		"$tmp/d/a.csv" >"$tmp/iso/a.csv"
	head -2 "$tmp/ms/a.csv" "$tmp/iso/a.csv"
	run --separate-stderr fcvae-benchmark $small --format json "$tmp/ms"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	echo "$output" | jq -e '.per_file[0] | .interval == 60000 and .rows == 200 and .windows == [63, 23, 96]'
	ms=$(echo "$output" | jq -c '.pooled')
	run --separate-stderr fcvae-benchmark $small --format json "$tmp/iso"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '.pooled')" = "$ms" ]
}

@test "benchmark: a --json or --scores path that cannot be written is said at once, before any work" {
	# not quiet: a file read or an epoch trained would be said first
	run --separate-stderr fcvae-benchmark ${small/-q/} --json "$tmp/no/such/r.json" "$tmp/d"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-benchmark: $tmp/no/such/r.json: No such file or directory" ]
	run --separate-stderr fcvae-benchmark ${small/-q/} --scores "$tmp" "$tmp/d"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-benchmark: $tmp: Is a directory" ]
	# and nothing is left behind
	[ "$(ls "$tmp")" = d ]
}

@test "benchmark: a file without the timestamp column is skipped, said without options fcvae-protocol does not have" {
	mkdir "$BATS_TEST_TMPDIR/nots"
	printf 'time,value,label\n1,2,0\n' >"$BATS_TEST_TMPDIR/nots/a.csv"
	run fcvae-protocol "$BATS_TEST_TMPDIR/nots"
	[[ "$output" == *"fcvae-protocol: $BATS_TEST_TMPDIR/nots/a.csv: no \"timestamp\" column in the CSV header
fcvae-protocol: $BATS_TEST_TMPDIR/nots/a.csv: skipped"* ]]
}

@test "benchmark: a *.csv that is not a regular file is skipped, said; a FIFO does not hang the run" {
	mkfifo "$tmp/d/f.csv"
	mkdir "$tmp/d/g.csv"
	run --separate-stderr timeout 60 fcvae-protocol $small --format json "$tmp/d"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"fcvae-protocol: $tmp/d/f.csv: not a regular file
fcvae-protocol: $tmp/d/f.csv: skipped
fcvae-protocol: $tmp/d/g.csv: not a regular file
fcvae-protocol: $tmp/d/g.csv: skipped"* ]]
	echo "$output" | jq -e '.per_file | map(.file) == ["a.csv"]'
}

@test "benchmark: a file whose train part is constant is skipped, said, with --honest or not" {
	# b.csv: a.csv with its first 70 rows (the train part) all 5. Its std
	# of 0 counted as 1: --honest left validation and test unscaled
	# 0.1 too, whose mean is not quite 0.1 (a std of 1e-16 standardised
	# the part into noise)
	for v in 5 0.1; do
		awk -F, -v OFS=, -v v=$v 'NR > 1 && NR <= 71 { $2 = v } 1' "$tmp/d/a.csv" >"$tmp/d/b.csv"
		for h in --honest ""; do
			run --separate-stderr fcvae-protocol $small $h --format json "$tmp/d"
			[ "$status" -eq 0 ]
			[ "$stderr" = "fcvae-protocol: $tmp/d/b.csv: the train part is constant (every value $v): its standard deviation is 0; skipped" ]
			echo "$output" | jq -e '.per_file | map(.file) == ["a.csv"]'
		done
	done
}

@test "benchmark: a training that diverged is an error naming the model; nothing is evaluated or written" {
	# a learning rate of 1000: no loss is finite (the model left was
	# benchmarked, its scores NaN, exit 0)
	run --separate-stderr fcvae-protocol $small --lr 1e3 --scores "$tmp/s" --json "$tmp/j" "$tmp/d"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-protocol: pooled: training diverged at epoch 1: its validation loss is not finite; nothing evaluated (a lower --lr, or --clip, may help)" ]
	[ -z "$output" ]
	[ "$(ls "$tmp")" = d ]
	# --per-file: the file whose model it was; fcvae-benchmark passes it on
	run --separate-stderr fcvae-benchmark $small --lr 1e3 --per-file "$tmp/d"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-benchmark: a.csv: training diverged at epoch 1: its validation loss is not finite; nothing evaluated (a lower --lr, or --clip, may help)" ]
}

@test "benchmark: --per-file with threads: every file without a training window is said once, in file order" {
	# 0.csv and b.csv, either side of a.csv: 20 rows, 7 in the train part,
	# short of a window of 8. The threads each called exit on their file's
	# error: one message, or two in either order, as the threads ran
	for f in 0 b; do
		awk 'BEGIN { print "timestamp,value,label"
			for (i = 0; i < 20; i++) printf "%d,%d,0\n", 1700000000 + 60 * i, i % 3 }' >"$tmp/d/$f.csv"
	done
	run --separate-stderr fcvae-protocol $small --per-file -j 2 "$tmp/d"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-protocol: 0.csv: no training windows (train parts shorter than the window 8)
fcvae-protocol: b.csv: no training windows (train parts shorter than the window 8)" ]
}

@test "benchmark: scores beyond a float's range are the float's limits: the paper sweep stays defined" {
	# the most anomalous test score -DBL_MAX and the most normal +DBL_MAX:
	# the sweep's span overflowed, every threshold NaN, best F1 0
	run fcvae-protocol $small --scores "$tmp/s" --format json "$tmp/d"
	[ "$status" -eq 0 ]
	jq -c 'if .part == "test" and .label == 1 then .score = -1.7976931348623157e308
		elif .part == "test" and .ts == 1700006420 then .score = 1.7976931348623157e308 else . end' "$tmp/s" >"$tmp/x"
	[ "$(grep -c 'e+308' "$tmp/x")" -eq 2 ]
	run fcvae-protocol $small --from-scores "$tmp/x" --format json "$tmp/d"
	[ "$status" -eq 0 ]
	echo "$output" | jq -e '.pooled.model | .best_f1 == 1 and .delay_f1 == 1 and .best_f1_point == 1 and .roc_auc == 1'
}

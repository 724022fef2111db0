#!/usr/bin/env bats
# Resource limits: a huge line, a great many series, a gap of ten years, a
# bucket far in the future. Memory stays bounded (limits with options to
# raise them), each case gets a clear message, nothing hangs. make stress
# uses a 100 MB line and a million series.

bats_require_minimum_version 1.5.0

setup() {
	export T=$BATS_TEST_TMPDIR
	export -f timed
	if [ -n "${FCVAE_STRESS:-}" ]; then MB=100 NS=1000000; else MB=40 NS=20000; fi
}

# /usr/bin/time's figures of a command: "PEAK_KB SECONDS" in $T/NAME.time
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%M %e' -o "$T/$name.time" "$@"
}
peak() { cut -d ' ' -f 1 "$T/$1.time"; }
# a figure for the log (make stress prints them)
figure() { echo "# $1: peak $(peak "$2") kB, $(cut -d ' ' -f 2 "$T/$2.time") s" >&3; }
# ASan's shadow memory and quarantine: bounds do not apply
asan() { case "$FCVAE_BUILD" in *asan*) return 0 ;; esac; return 1; }

@test "limits: a line longer than --max-line is cut, reported and counted; memory stays bounded" {
	[ -x /usr/bin/time ] || skip "no GNU time"
	{
		echo '{"ts":1740441600,"key":"a","value":1}'
		echo '{"ts":1740445200,"key":"a","value":2}'
		echo '{"ts":1740448800,"key":"a","value":3}'
		printf '{"ts":1740452400,"key":"a","value":4,"junk":"'
		head -c "${MB}M" /dev/zero | tr '\0' x
		echo '"}'
		echo '{"ts":1740456000,"key":"a","value":5}'
	} >"$T/in"
	run --separate-stderr timeout 120 /usr/bin/time -f '%M %e' -o "$T/window.time" fcvae-window --window 1 "$T/in"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	[[ "$stderr" == *"$T/in line 4: longer than 16777216 bytes (see --max-line)"* ]]
	[[ "$stderr" == *"1 input line rejected: 1 line too long"* ]]
	# about twice the limit, whatever the line's length (read whole, the
	# line would take more than twice its own length); ASan adds its own
	figure "fcvae-window, a $MB MB line" window
	case "$FCVAE_BUILD" in *asan*) slack=60 ;; *) slack=0 ;; esac
	[ "$(peak window)" -lt $(((80 + slack) * 1024)) ]
	# through fcvae-window | fcvae-score, the same: the line is reported
	# once, the records around it scored
	run --separate-stderr timeout 120 bash -c "set -o pipefail; timed pipe-window fcvae-window --window 4 $T/in |
		timed pipe-score fcvae-score -m $FCVAE_TOP/tests/fuzz/corpus/model/tiny -n 2 -i 1"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(echo "${lines[0]}" | jq -c '[.ts, .value, .missing]')" = '["2025-02-25T04:00:00Z",5,[2]]' ]
	[[ "$stderr" == *"1 input line rejected: 1 line too long"* ]]
	figure "fcvae-window | fcvae-score, a $MB MB line: fcvae-window" pipe-window
	figure "fcvae-window | fcvae-score, a $MB MB line: fcvae-score" pipe-score
	[ "$(peak pipe-window)" -lt $(((80 + slack) * 1024)) ]
	[ "$(peak pipe-score)" -lt $(((32 + slack) * 1024)) ]
	# raised, the whole line is read (and is a good record)
	run --separate-stderr fcvae-window --window 1 --max-line $((MB * 1048576 + 100)) "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	# fcvae-score has the same guard
	fcvae-window --window 4 --max-line $((MB * 1048576 + 100)) "$T/in" >"$T/win" 2>/dev/null
	[ "$(wc -l <"$T/win")" -eq 2 ]
	run --separate-stderr timed score fcvae-score -m "$FCVAE_TOP/tests/fuzz/corpus/model/tiny" "$T/win"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"$T/win line 1: longer than 16777216 bytes (see --max-line)"* ]]
	figure "fcvae-score, a $MB MB line" score
	[ "$(peak score)" -lt $(((80 + slack) * 1024)) ]
	# and takes it when raised too
	run --separate-stderr fcvae-score -m "$FCVAE_TOP/tests/fuzz/corpus/model/tiny" --max-line $((MB * 1048576 + 500)) "$T/win"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(echo "${lines[0]}" | jq -r '.junk | length')" -eq $((MB * 1048576)) ]
}

@test "limits: series beyond --max-series are refused and counted; many series work" {
	awk -v n="$NS" 'BEGIN { for (i = 0; i < n; i++) printf "{\"ts\":%d,\"key\":\"s%d\",\"value\":%d}\n", 1740441600 + (i % 7) * 3600, i, i % 5 }' >"$T/in"
	run --separate-stderr timeout 300 fcvae-window --window 1 --max-series 1000 "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1000 ]
	[[ "$stderr" == *"line 1001: a new series beyond 1000 (see --max-series)"* ]]
	[[ "$stderr" == *"$((NS - 1000)) input lines rejected: $((NS - 1000)) too many series"* ]]
	[ -x /usr/bin/time ] || skip "no GNU time: many series not measured"
	# the default takes a million; each series' table entry is some 300
	# bytes with the default window (the man page's figure)
	run --separate-stderr timed window timeout 600 fcvae-window --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$NS" ]
	run --separate-stderr timed window24 timeout 600 fcvae-window "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 0 ]
	figure "fcvae-window --window 1, $NS series" window
	figure "fcvae-window --window 24, $NS series" window24
	asan || [ "$(peak window24)" -lt $((NS * 350 / 1024 + 16 * 1024)) ]
}

@test "limits: many series through fcvae-window | fcvae-score: each window scored once, memory per series bounded" {
	[ -x /usr/bin/time ] || skip "no GNU time"
	# four hours of each series: one window of 4 each, the tiny model's
	awk -v n="$NS" 'BEGIN { for (h = 0; h < 4; h++) for (i = 0; i < n; i++)
		printf "{\"ts\":%d,\"key\":\"s%d\",\"value\":%d}\n", 1740441600 + h * 3600, i, (i + h) % 5 }' >"$T/in"
	run --separate-stderr timeout 900 bash -c "set -o pipefail; timed window fcvae-window --window 4 $T/in |
		timed score fcvae-score -m $FCVAE_TOP/tests/fuzz/corpus/model/tiny -n 2 -i 1 >$T/out"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq "$NS" ]
	[ "$(grep -o '"key":"s[0-9]*"' "$T/out" | sort -u | wc -l)" -eq "$NS" ]
	[[ "$stderr" == *"fcvae-score: $NS records scored"* ]]
	figure "fcvae-window --window 4 | fcvae-score, $NS series: fcvae-window" window
	figure "fcvae-window --window 4 | fcvae-score, $NS series: fcvae-score" score
	asan && return
	[ "$(peak window)" -lt $((NS * 250 / 1024 + 16 * 1024)) ]
	[ "$(peak score)" -lt $((32 * 1024)) ]
}

@test "limits: a ten-year gap and a far-future bucket: clear messages, no hang" {
	printf '%s\n' '{"ts":"2015-01-01T00:00:00Z","key":"a","value":1}' '{"ts":"2015-01-01T01:00:00Z","key":"a","value":2}' \
		'{"ts":"2025-01-01T00:00:00Z","key":"a","value":3}' >"$T/gap"
	# agg none: refused past --max-gap too (taken, it made the series'
	# next records late) ...
	run --separate-stderr timeout 20 fcvae-window --window 2 "$T/gap"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"line 3: \"ts\" is 3653 days after the latest record (see --max-gap)"* ]]
	# ... and when raised, the gap is missing buckets, the window says so
	run --separate-stderr timeout 20 fcvae-window --window 4 --max-missing 1 --max-gap 4000d "$T/gap"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[-1]}" | jq -c .missing)" = "[0,1,2]" ]
	# aggregated: refused past --max-gap (366 days) ...
	run --separate-stderr timeout 20 fcvae-window --agg sum --window 4 "$T/gap"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"line 3: \"ts\" is 3653 days after the latest record (see --max-gap)"* ]]
	# ... and taken when raised: every hour in between closes, in bounded time
	run --separate-stderr timeout 120 fcvae-window --agg sum --window 4 --max-gap 4000d "$T/gap"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq $(((1735689600 - 1420070400) / 3600 + 1 - 3)) ]
	# past year 9999: not a time
	echo '{"ts":1e15,"key":"a","value":1}' >"$T/far"
	run --separate-stderr timeout 20 fcvae-window --window 1 "$T/far"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'"ts" is not a timestamp'* ]]
	# the last hour before year 10000, with a bucket of a day, and a series that had earlier data
	printf '%s\n' '{"ts":"2025-01-01T00:00:00Z","key":"a","value":1}' '{"ts":"9999-12-31T23:00:00Z","key":"a","value":2}' >"$T/end"
	run --separate-stderr timeout 20 fcvae-window --window 2 --bucket 1d --max-missing 1 --max-gap 0 "$T/end"
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[-1]}" | jq -r .ts)" = "9999-12-31T00:00:00Z" ]
}

@test "limits: a jump in time writes its windows as it makes them and skips runs of dropped windows" {
	[ -x /usr/bin/time ] || skip "no GNU time"
	t0=1740441600
	# sum, ten series, a 30-day jump in one-minute buckets: each series
	# closes 43201 buckets, 43198 windows of 4 (about 43 MB held at once
	# before, when a record's windows were written only after it)
	awk -v t0=$t0 'BEGIN { for (j = 0; j < 2; j++) for (i = 0; i < 10; i++)
		printf "{\"ts\":%d,\"key\":\"s%d\",\"value\":%d}\n", t0 + j * 30 * 86400, i, j + 1 }' >"$T/sum"
	run --separate-stderr bash -c "timed sum timeout 60 fcvae-window --agg sum --bucket 1m --window 4 $T/sum >$T/out"
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$T/out")" -eq $((10 * (30 * 1440 + 1 - 3))) ]
	[ "$(head -n 1 "$T/out" | jq -c '[.key, .ts, .window]')" = '["s0","2025-02-25T00:03:00Z",[1,0,0,0]]' ]
	[ "$(tail -n 1 "$T/out" | jq -c '[.key, .ts, .window]')" = '["s9","2025-03-27T00:00:00Z",[0,0,0,2]]' ]
	figure "fcvae-window --agg sum, a 30-day jump in 1-minute buckets, 10 series" sum
	asan || [ "$(peak sum)" -lt $((16 * 1024)) ]
	# mean, 2000 series, a 300-day jump: empty buckets are missing, so after
	# the first window of the run every one is dropped; the run is skipped
	# at once (bucket by bucket, 432001 buckets x 2000 series took minutes)
	awk -v t0=$t0 'BEGIN { for (j = 0; j < 2; j++) for (i = 0; i < 2000; i++)
		printf "{\"ts\":%d,\"key\":\"s%d\",\"value\":%d}\n", t0 + j * 300 * 86400, i, j + 1 }' >"$T/mean"
	run --separate-stderr timed mean timeout 20 fcvae-window --agg mean --bucket 1m --window 4 --max-missing 0.75 -v "$T/mean"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4000 ]
	[[ "$stderr" == *"4000 records, 2000 series, 4000 windows, $((2000 * (300 * 1440 + 1 - 3 - 2))) windows dropped"* ]]
	# bucket by bucket across the series: the run's first window for every
	# series, then the last bucket's
	printf '%s\n' "${lines[@]}" | jq -c '[.ts, .window, .missing]' | sort | uniq -c | awk '{ $1 = $1 } 1' >"$T/kinds"
	printf '%s\n' '2000 ["2025-02-25T00:03:00Z",[1,1,1,1],[1,2,3]]' '2000 ["2025-12-22T00:00:00Z",[2,2,2,2],[0,1,2]]' |
		cmp - "$T/kinds"
	printf '%s\n' "${lines[@]:0:2000}" | jq -r .key | cmp - <(seq 0 1999 | sed 's/^/s/')
	figure "fcvae-window --agg mean, a 300-day jump in 1-minute buckets, 2000 series" mean
}

@test "limits: fcvae-score --samples takes memory for the windows scored, not for --batch of them" {
	asan && skip "ASan reserves more address space than any limit"
	# a million samples of one window: 1 GB when the noise was sized for
	# 256 windows (out of memory under a 512 MB limit), a few MB for one
	run --separate-stderr bash -c "ulimit -v $((512 * 1024)) &&
		echo '{\"key\":\"a\",\"ts\":1,\"window\":[1,2,3,4]}' |
		fcvae-score -m $FCVAE_TOP/tests/fuzz/corpus/model/tiny -t -5 -n 1000000"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.score | type' <<<"$output")" = number ]
	# and a batch of windows with many samples each is scored a few at a
	# time (256 of them at 100000 samples wanted 10 GB), as the whole
	fcvae-gen --hourly --days 12 --combo Accel/CMP --format ndjson | fcvae-window | head -n 256 >"$T/w256"
	run --separate-stderr bash -c "ulimit -v $((512 * 1024)) &&
		fcvae-score -m $FCVAE_TOP/models/Accel_CMP.safetensors -1 -n 100000 '$T/w256'"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 256 ]
	fcvae-score -m "$FCVAE_TOP/models/Accel_CMP.safetensors" -1 -n 100000 -b 1 "$T/w256" 2>/dev/null |
		cmp - <(printf '%s\n' "${lines[@]}")
}

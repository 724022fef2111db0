#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fcvae-window: input formats, keys, buckets, aggregation, gaps, pass-through.
# Expected windows are worked out by hand in the comments.

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "window: agg none emits at once, gaps are interpolated and listed" {
	# W 4, hourly values 10 20 _ 40 50 null 70
	cat >"$T/in" <<-'E'
	{"ts":"2025-02-25T00:00:00Z","key":"a","value":10}
	{"ts":"2025-02-25T01:00:00Z","key":"a","value":20}
	{"ts":"2025-02-25T03:00:00Z","key":"a","value":40,"label":1}
	{"ts":"2025-02-25T04:00:00Z","key":"a","value":50,"label":0}
	{"ts":"2025-02-25T05:00:00Z","key":"a","value":null}
	{"ts":"2025-02-25T06:00:00Z","key":"a","value":70}
	E
	run fcvae-window --window 4 "$T/in"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"key":"a","ts":"2025-02-25T03:00:00Z","value":40,"window":[10,20,30,40],"missing":[2],"label":1}' ]
	[ "${lines[1]}" = '{"key":"a","ts":"2025-02-25T04:00:00Z","value":50,"window":[20,30,40,50],"missing":[1],"label":0}' ]
	# a missing last point is carried forward, a leading gap takes the next value
	[ "${lines[2]}" = '{"key":"a","ts":"2025-02-25T05:00:00Z","value":null,"window":[40,40,50,50],"missing":[0,3]}' ]
	[ "${lines[3]}" = '{"key":"a","ts":"2025-02-25T06:00:00Z","value":70,"window":[40,50,60,70],"missing":[2]}' ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "window: --max-missing drops windows with a larger share missing" {
	for h in 0 1 3 4 6; do
		echo "{\"ts\":\"2025-02-25T0$h:00:00Z\",\"key\":\"a\",\"value\":$h}"
	done >"$T/in"
	# W 4: windows end at 03, 04 and 06, each with one of four points missing
	run --separate-stderr fcvae-window --window 4 --max-missing 0 "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# and said, not dropped quietly
	[ "$stderr" = 'fcvae-window: 5 records, 1 series, 0 windows, 3 windows dropped (too many missing)' ]
	run fcvae-window --window 4 --max-missing 0.25 "$T/in"
	[ "${#lines[@]}" -eq 3 ]
	# W 5: the window ending at 04 misses hour 2 (1 of 5), the one ending at 06
	# hours 2 and 5 (2 of 5): hour 2 takes the next value, hour 5 is interpolated
	run --separate-stderr fcvae-window --window 5 --max-missing 0.3 "$T/in"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *", 1 windows dropped (too many missing)" ]]
	[ "${lines[0]}" = '{"key":"a","ts":"2025-02-25T04:00:00Z","value":4,"window":[0,1,2,3,4],"missing":[2]}' ]
	run fcvae-window --window 5 --max-missing 0.4 "$T/in"
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = '{"key":"a","ts":"2025-02-25T06:00:00Z","value":6,"window":[3,3,4,5,6],"missing":[0,3]}' ]
}

@test "window: --max-missing is a share: a window exactly at it is kept (0.58 of 50)" {
	# hours 0-19 and 49: the window ending at 49 misses 29 of 50 points;
	# 0.58 * 50 is 28.999999999999996 in doubles, and dropped it
	for h in $(seq 0 19) 49; do echo "{\"ts\":$((h * 3600)),\"key\":\"a\",\"value\":$h}"; done >"$T/in"
	run --separate-stderr fcvae-window --window 50 --max-missing 0.58 "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -c '.missing | length' <<<"${lines[0]}")" -eq 29 ]
	run --separate-stderr fcvae-window --window 50 --max-missing 0.57 "$T/in"
	[ "${#lines[@]}" -eq 0 ]
	[[ "$stderr" == *", 1 windows dropped (too many missing)" ]]
}

@test "window: a gap between values near the double's limit is interpolated, not null" {
	# (1.7e308 - -1.7e308) overflows: the midpoint is 0
	printf '%s\n' '{"ts":0,"key":"a","value":1.7e308}' '{"ts":7200,"key":"a","value":-1.7e308}' >"$T/in"
	run fcvae-window --window 3 --max-missing 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"a","ts":"1970-01-01T02:00:00Z","value":-1.7e308,"window":[1.7e308,0,-1.7e308],"missing":[1]}' ]
}

@test "window: a jump over missing buckets counts as dropped only windows --min-samples would write" {
	# W 2, agg mean: a has hours 0 and 1, then 100. With --min-samples 50
	# the windows ending at hours 49-99 are due (51), each missing a point
	# too many; those of hours 2-48 were never due
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":1}' '{"ts":360000,"key":"a","value":1}' >"$T/in"
	run --separate-stderr fcvae-window --window 2 --agg mean --min-samples 50 "$T/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = 'fcvae-window: 3 records, 1 series, 1 windows, 51 windows dropped (too many missing)' ]
	# the same hours closed one by one (by b's records, never missing): the same count
	{ head -n 2 "$T/in"; for h in $(seq 2 99); do echo "{\"ts\":$((h * 3600)),\"key\":\"b\",\"value\":1}"; done; tail -n 1 "$T/in"; } >"$T/slow"
	run --separate-stderr fcvae-window --window 2 --agg mean --min-samples 50 "$T/slow"
	[[ "$stderr" == *", 51 windows dropped (too many missing)" ]]
}

@test "window: a series too short for a window, or a --series that matched none, is said" {
	for h in 0 1 2; do echo "{\"ts\":$((h * 3600)),\"key\":\"a\",\"value\":$h}"; done >"$T/in"
	# (silent before: no output, nothing on stderr, exit 0)
	run --separate-stderr fcvae-window --window 4 "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = 'fcvae-window: 3 records, 1 series, 0 windows, 1 series with fewer than 4 buckets: no window of it (see --window)' ]
	run --separate-stderr fcvae-window --window 2 --min-samples 5 "$T/in"
	[ "$stderr" = 'fcvae-window: 3 records, 1 series, 0 windows, 1 series with fewer than 5 buckets: no window of it (see --window, --min-samples)' ]
	# with --state they are kept for the next run: nothing to say
	run --separate-stderr fcvae-window --window 4 --state "$T/st" "$T/in"
	[ -z "$stderr" ]
	run --separate-stderr fcvae-window --window 2 --series b "$T/in"
	[ "$status" -eq 0 ]
	[ "$stderr" = 'fcvae-window: --series "b": no record of this series
fcvae-window: 3 records, 0 series, 0 windows, 3 records of other series skipped (--series)' ]
	# a misspelt key among others that match, too
	run --separate-stderr fcvae-window --window 1 --series a --series typo "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 0 ]
	[ "$stderr" = 'fcvae-window: --series "typo": no record of this series' ]
}

@test "window: unknown fields pass through byte for byte, after the window fields" {
	printf '%s\n' '{"meta":{"a": [1, 2.50]},"ts":1740441600,"s":"\u00e9\n","key":"k","value":1.50,"label":true,"n":-0}' >"$T/in"
	run fcvae-window --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"k","ts":"2025-02-25T00:00:00Z","value":1.5,"window":[1.5],"missing":[],"label":1,"meta":{"a": [1, 2.50]},"s":"\u00e9\n","n":-0}' ]
	echo "$output" | jq -e . >/dev/null
}

@test "window: names pass through byte for byte too, recognised by their decoded text" {
	# escaped quote and solidus, unicode escapes (one decoding to raw UTF-8
	# that also comes raw, one to \0), raw UTF-8; "\u0074s" is ts and
	# "k\u0065y" the key, a second "\u0076alue" is a second "value" and, the
	# last, the one read (as jq reads it), a repeated unknown name comes
	# twice, "window" is dropped
	printf '%s\n' '{"\u0074s":1740441600,"k\u0065y":"k","value":2,"a\"b":1,"a\/b":2,"\u0041bc":3,"caf\u00e9":4,"café":5,"温度":6,"x\u0000y":7,"x":8,"x":9,"\u0076alue":10,"window":11}' >"$T/in"
	run fcvae-window --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"k","ts":"2025-02-25T00:00:00Z","value":10,"window":[10],"missing":[],"a\"b":1,"a\/b":2,"\u0041bc":3,"caf\u00e9":4,"café":5,"温度":6,"x\u0000y":7,"x":8,"x":9}' ]
	# the same inside a kcat payload (one more level of escaping)
	printf '%s\n' '{"topic":"t","partition":0,"offset":5,"ts":null,"key":null,"payload":"{\"\\u0074s\":1740441600,\"key\":\"k\",\"value\":2,\"\\u0041bc\":3,\"a\\/b\":2,\"温度\":6}"}' >"$T/kc"
	run fcvae-window --kcat --window 1 "$T/kc"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"k","ts":"2025-02-25T00:00:00Z","value":2,"window":[2],"missing":[],"\u0041bc":3,"a\/b":2,"温度":6,"topic":"t","partition":0,"offset":5}' ]
}

@test "window: --kcat: the message's topic, partition and offset, not a payload's fields so named" {
	printf '%s\n' '{"topic":"t","partition":2,"offset":0,"ts":null,"key":null,"payload":"{\"ts\":0,\"key\":\"k\",\"value\":1,\"topic\":\"x\",\"offset\":99,\"n\":3}"}' >"$T/kc"
	run fcvae-window --kcat --window 1 "$T/kc"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"k","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[],"n":3,"topic":"t","partition":2,"offset":0}' ]
}

@test "window: several series interleaved, multi-field keys, other field names" {
	cat >"$T/in" <<-'E'
	{"time":"2025-02-25T00:00:00Z","net":"Accel","type":"CMP","n":1,"bad":0}
	{"time":"2025-02-25T00:00:00Z","net":"Star","type":"CMP","n":5,"bad":0}
	{"time":"2025-02-25T01:00:00+01:00","net":"Accel","type":"CMP","n":2,"bad":0}
	{"time":"2025-02-25T01:00:00Z","net":"Star","type":"CMP","n":6,"bad":1}
	E
	run fcvae-window --window 2 --key net,type --ts time --value n --label bad "$T/in"
	[ "$status" -eq 0 ]
	# the third record is 00:00 UTC again: a duplicate of an emitted bucket
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = '{"key":"Star/CMP","ts":"2025-02-25T01:00:00Z","value":6,"window":[5,6],"missing":[],"label":1}' ]
	# and Accel/CMP's one bucket gave no window: said, not lost in silence
	[ "${lines[1]}" = 'fcvae-window: 4 records, 2 series, 1 windows, 1 late records dropped, 1 series with fewer than 2 buckets: no window of it (see --window)' ]
}

@test "window: --series windows the series named, its key whole; the others counted and skipped, their times not looked at" {
	fcvae-gen --days 3 >"$T/tx.csv"
	o=(--csv --agg count --key network_type,transaction_type --ts timestamp --value amount --label is_anomaly)
	fcvae-window "${o[@]}" "$T/tx.csv" >"$T/all"
	# the windows of a run over every series, those of that series only
	run --separate-stderr fcvae-window "${o[@]}" --series Star/CMP -v "$T/tx.csv"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 24 ]
	diff <(jq -c 'select(.key == "Star/CMP")' "$T/all") <(printf '%s\n' "${lines[@]}")
	n=$(($(wc -l <"$T/tx.csv") - 1)) k=$(awk -F, 'NR > 1 && !($2 == "Star" && $3 == "CMP")' "$T/tx.csv" | wc -l)
	[ "$k" -gt 0 ]
	[ "$stderr" = "fcvae-window: $n records, 1 series, ${#lines[@]} windows, $k records of other series skipped (--series)" ]
	# repeated: either; a key's beginning is not the key
	diff <(jq -c 'select(.key == "Star/CMP" or .key == "Accel/no-pin")' "$T/all") \
		<(fcvae-window "${o[@]}" --series Star/CMP --series Accel/no-pin "$T/tx.csv")
	run --separate-stderr fcvae-window "${o[@]}" --series Star -v "$T/tx.csv"
	[ -z "$output" ]
	[ "$stderr" = "fcvae-window: --series \"Star\": no record of this series
fcvae-window: $n records, 0 series, 0 windows, $n records of other series skipped (--series)" ]
	# a key with a quote and a backslash, as JSON writes them; another
	# series far ahead is not refused, nor does it move this one's buckets
	printf '%s\n' '{"ts":0,"key":"q\"\\","value":1}' '{"ts":0,"key":"q","value":5}' \
		'{"ts":9e9,"key":"far","value":5}' '{"ts":3600,"key":"q\"\\","value":2}' >"$T/in"
	run --separate-stderr fcvae-window --window 2 --agg sum --series 'q"\' -v "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"q\"\\","ts":"1970-01-01T01:00:00Z","value":2,"window":[1,2],"missing":[]}' ]
	[ "$stderr" = "fcvae-window: 4 records, 1 series, 1 windows, 2 records of other series skipped (--series)" ]
}

@test "window: CSV with a header row selects columns by name" {
	cat >"$T/in.csv" <<-'E'
	split,timestamp,network_type,transaction_type,amount,is_anomaly,note
	train,2025-01-06T00:00:00Z,Accel,CMP,10.5,0,"a, ""quoted"" note"
	train,2025-01-06T01:00:00Z,Accel,CMP,11,0,plain
	train,2025-01-06T01:00:00Z,Star,no-pin,3,1,
	E
	run --separate-stderr fcvae-window --csv --window 2 --key network_type,transaction_type --ts timestamp --value amount --label is_anomaly "$T/in.csv"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"Accel/CMP","ts":"2025-01-06T01:00:00Z","value":11,"window":[10.5,11],"missing":[],"label":0,"split":"train","note":"plain"}' ]
	[ "$stderr" = 'fcvae-window: 3 records, 2 series, 1 windows, 1 series with fewer than 2 buckets: no window of it (see --window)' ]
	run fcvae-window --csv --window 1 --key network_type,transaction_type --ts timestamp --value amount --label is_anomaly "$T/in.csv"
	[ "${lines[0]}" = '{"key":"Accel/CMP","ts":"2025-01-06T00:00:00Z","value":10.5,"window":[10.5],"missing":[],"label":0,"split":"train","note":"a, \"quoted\" note"}' ]
	[ "${lines[2]}" = '{"key":"Star/no-pin","ts":"2025-01-06T01:00:00Z","value":3,"window":[3],"missing":[],"label":1,"split":"train","note":""}' ]
	# "ts, key, value": blanks around the fields with a role are no part of them
	printf 'value, ts, key, label\n5, 2024-01-01T00:00:00Z, a , 1 \n' >"$T/blank.csv"
	run fcvae-window --csv --window 1 "$T/blank.csv"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"a","ts":"2024-01-01T00:00:00Z","value":5,"window":[5],"missing":[],"label":1}' ]
}

@test "window: a null key is no key: the Kafka message key or --default-key serves" {
	run fcvae-window --window 1 --default-key dflt <<<'{"ts":0,"value":1,"key":null}'
	[ "$status" -eq 0 ]
	[ "$(jq -r .key <<<"$output")" = dflt ]
	run fcvae-window --kcat --kafka-time --window 1 <<<'{"topic":"t","partition":0,"offset":5,"ts":1700000000000,"key":"msgkey","payload":"{\"key\":null,\"value\":3}"}'
	[ "$status" -eq 0 ]
	[ "$(jq -r .key <<<"$output")" = msgkey ]
}

@test "window: CSV without the needed columns is an error naming them" {
	printf 'time,value\n1,2\n' >"$T/in.csv"
	run fcvae-window --csv "$T/in.csv"
	[ "$status" -eq 1 ]
	[[ "$output" == *'line 1: no "ts" column in the CSV header (see --ts)'* ]]
	run fcvae-window --csv --ts time --default-key all --window 1 "$T/in.csv"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"all","ts":"1970-01-01T00:00:00Z","value":2,"window":[2],"missing":[]}' ]
}

# Events of one series: bucket 00: 1, 3, 2 (out of order); 01: 5; 02: a record
# without a value; 03: 4.
events() {
	cat <<-'E'
	{"ts":"2025-02-25T00:10:00Z","key":"a","value":1}
	{"ts":"2025-02-25T00:40:00Z","key":"a","value":2,"label":1}
	{"ts":"2025-02-25T00:20:00Z","key":"a","value":3,"label":0}
	{"ts":"2025-02-25T01:30:00Z","key":"a","value":5}
	{"ts":"2025-02-25T02:10:00Z","key":"a","value":null}
	{"ts":"2025-02-25T03:00:00Z","key":"a","value":4}
	E
}

agg_windows() {
	events | fcvae-window --agg "$1" --window 2 --max-missing 1 | jq -c '[.ts[11:13], .window, .missing]'
}

@test "window: --agg count counts records, with or without a value" {
	run agg_windows count
	[ "$output" = $'["01",[3,1],[]]\n["02",[1,1],[]]\n["03",[1,1],[]]' ]
}

@test "window: --agg sum; a bucket whose records have no value is missing" {
	run agg_windows sum
	[ "$output" = $'["01",[6,5],[]]\n["02",[5,5],[1]]\n["03",[4,4],[0]]' ]
}

@test "window: --agg mean" {
	run agg_windows mean
	[ "$output" = $'["01",[2,5],[]]\n["02",[5,5],[1]]\n["03",[4,4],[0]]' ]
}

@test "window: --agg mean/sum of values near a double's limit: a mean that fits is found, a sum beyond is missing and counted" {
	big() { printf '{"ts":%d,"key":"a","value":%s}\n' 0 1e308 60 1e308 "$@"; }
	run --separate-stderr fcvae-window --agg mean --window 1 < <(big)
	[ "$output" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1e308,"window":[1e308],"missing":[]}' ]
	[ -z "$stderr" ]
	run --separate-stderr fcvae-window --agg mean --window 1 < <(big 120 -1e308 180 -1e308 240 -4e307)
	[ "$output" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":-8e306,"window":[-8e306],"missing":[]}' ]
	# a sum that leaves a double and comes back is the sum
	run --separate-stderr fcvae-window --agg sum --window 1 < <(big 120 -1e308)
	[ "$output" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1e308,"window":[1e308],"missing":[]}' ]
	[ -z "$stderr" ]
	run --separate-stderr fcvae-window --agg sum --window 2 --max-missing 1 < <(big 3600 5)
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":5,"window":[5,5],"missing":[0]}' ]
	[ "$stderr" = 'fcvae-window: 3 records, 1 series, 1 windows, 1 bucket sums beyond a double (missing)' ]
	# --revise: a late record merged the same way
	printf '%s\n' '{"ts":0,"key":"a","value":1e308}' '{"ts":3600,"key":"a","value":1}' '{"ts":60,"key":"a","value":1e308}' >"$T/late"
	run --separate-stderr fcvae-window --agg mean --revise --window 1 "$T/late"
	[ "${lines[1]}" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1e308,"window":[1e308],"missing":[],"revised":true}' ]
	run --separate-stderr fcvae-window --agg sum --revise --window 1 --max-missing 1 "$T/late"
	[ "${lines[1]}" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":null,"window":[0],"missing":[0],"revised":true}' ]
	[ "$stderr" = 'fcvae-window: 3 records, 1 series, 3 windows, 1 bucket sums beyond a double (missing), 1 late records revised' ]
}

@test "window: --agg max" {
	run agg_windows max
	[ "$output" = $'["01",[3,5],[]]\n["02",[5,5],[1]]\n["03",[4,4],[0]]' ]
}

@test "window: --agg last takes the last record to arrive" {
	run agg_windows last
	[ "$output" = $'["01",[3,5],[]]\n["02",[5,5],[1]]\n["03",[4,4],[0]]' ]
}

@test "window: an aggregated bucket's label is the largest, its fields the last record's" {
	events >"$T/in"
	run fcvae-window --agg count --window 1 "$T/in"
	[ "${lines[0]}" = '{"key":"a","ts":"2025-02-25T00:00:00Z","value":3,"window":[3],"missing":[],"label":1}' ]
	printf '%s\n' '{"ts":0,"key":"a","f":1}' '{"ts":1,"key":"a","f":2,"g":3}' | fcvae-window --agg count --window 1 >"$T/out"
	[ "$(cat "$T/out")" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":2,"window":[2],"missing":[],"f":2,"g":3}' ]
}

@test "window: empty buckets are 0 for count, every known series gets one" {
	cat >"$T/in" <<-'E'
	{"ts":"2025-02-25T00:10:00Z","key":"a"}
	{"ts":"2025-02-25T00:20:00Z","key":"b"}
	{"ts":"2025-02-25T00:30:00Z","key":"a"}
	{"ts":"2025-02-25T03:05:00Z","key":"b"}
	E
	run fcvae-window --agg count --window 2 "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"a","ts":"2025-02-25T01:00:00Z","value":0,"window":[2,0],"missing":[]}
{"key":"b","ts":"2025-02-25T01:00:00Z","value":0,"window":[1,0],"missing":[]}
{"key":"a","ts":"2025-02-25T02:00:00Z","value":0,"window":[0,0],"missing":[]}
{"key":"b","ts":"2025-02-25T02:00:00Z","value":0,"window":[0,0],"missing":[]}
{"key":"a","ts":"2025-02-25T03:00:00Z","value":0,"window":[0,0],"missing":[]}
{"key":"b","ts":"2025-02-25T03:00:00Z","value":1,"window":[0,1],"missing":[]}' ]
	# mean of records without values: every bucket missing, every window dropped
	run fcvae-window --agg mean --window 2 -v "$T/in"
	[ "$output" = 'fcvae-window: no record has a "value" field: every value is missing (see --value)
fcvae-window: 4 records, 2 series, 0 windows, 6 windows dropped (too many missing)' ]
}

@test "window: --bucket 5m and 1d, offsets converted to UTC" {
	printf '%s\n' '{"ts":"2025-02-25T00:01:00Z","key":"a","value":1}' '{"ts":"2025-02-25T00:04:59Z","key":"a","value":2}' \
		'{"ts":"2025-02-25T00:05:00Z","key":"a","value":3}' >"$T/in"
	run fcvae-window --agg sum --bucket 5m --window 1 "$T/in"
	[ "$output" = $'{"key":"a","ts":"2025-02-25T00:00:00Z","value":3,"window":[3],"missing":[]}\n{"key":"a","ts":"2025-02-25T00:05:00Z","value":3,"window":[3],"missing":[]}' ]
	printf '%s\n' '{"ts":"2025-02-25T23:59:59Z","key":"a","value":1}' '{"ts":"2025-02-26T01:00:00+02:00","key":"a","value":2}' \
		'{"ts":"2025-02-26T00:00:00Z","key":"a","value":4}' >"$T/in"
	run fcvae-window --agg sum --bucket 1d --window 1 "$T/in"
	[ "$output" = $'{"key":"a","ts":"2025-02-25T00:00:00Z","value":3,"window":[3],"missing":[]}\n{"key":"a","ts":"2025-02-26T00:00:00Z","value":4,"window":[4],"missing":[]}' ]
	# 90 s buckets; the second record (23:00 UTC) is late by then
	run fcvae-window --agg sum --bucket 90 --window 1 "$T/in"
	[ "${lines[0]}" = '{"key":"a","ts":"2025-02-25T23:58:30Z","value":1,"window":[1],"missing":[]}' ]
	[ "${lines[1]}" = '{"key":"a","ts":"2025-02-26T00:00:00Z","value":4,"window":[4],"missing":[]}' ]
	[[ "${lines[2]}" == *'1 late records dropped' ]]
}

@test "window: end of input flushes open buckets unless --no-flush" {
	printf '%s\n' '{"ts":0,"key":"a"}' '{"ts":3600,"key":"a"}' >"$T/in"
	run fcvae-window --agg count --window 1 "$T/in"
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr fcvae-window --agg count --window 1 --no-flush "$T/in"
	[ "$output" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[]}' ]
	# without --state the open bucket's record is written nowhere: said
	[ "$stderr" = 'fcvae-window: 2 records, 1 series, 1 windows, 1 records left in open buckets (--no-flush without --state)' ]
	run --separate-stderr fcvae-window --agg count --window 1 --no-flush --state "$T/st" "$T/in"
	[ "$stderr" = '' ]
}

# two days of two combos' transactions: 185k records, or under valgrind
# every 20th (the hours, partitions and chunks alike, each run 20 times
# shorter); THIN is the factor
backlog_tx() {
	fcvae-gen --days 2 --combo Accel/CMP,Star/CMP --format ndjson | awk -v n="$THIN" '(NR - 1) % n == 0'
}
THIN=$([ -n "${FCVAE_VALGRIND:-}" ] && echo 20 || echo 1)

# kcat_chunks N: NDJSON records on stdin as kcat -J envelopes of a topic of
# 4 partitions (record i to partition i % 4), read the way kcat reads a topic
# from its start: N records of one partition, then N of the next
kcat_chunks() {
	awk -v chunk="$1" '{ p = (NR - 1) % 4; k = n[p]++; line[p, k] = $0 }
	END {
		for (left = 1; left; ) {
			left = 0
			for (p = 0; p < 4; p++)
				for (c = 0; c < chunk && i[p] < n[p]; c++) {
					s = line[p, i[p] + 0]
					gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s)
					printf "{\"topic\":\"t\",\"partition\":%d,\"offset\":%d,\"ts\":null,\"key\":null,\"payload\":\"%s\"}\n", p, i[p] + 0, s
					i[p]++; left = 1
				}
		}
	}'
}

@test "window: a topic's backlog read partition by partition counts as the records in time order" {
	backlog_tx >"$T/tx"
	kcat_chunks $((2000 / THIN)) <"$T/tx" >"$T/kc"
	[ "$(wc -l <"$T/kc")" -eq "$(wc -l <"$T/tx")" ]
	opts=(--ts timestamp --bucket 1h --agg count --key network_type,transaction_type)
	fcvae-window "${opts[@]}" "$T/tx" | jq -c '[.key, .ts, .window]' >"$T/want"
	run --separate-stderr fcvae-window --kcat "${opts[@]}" "$T/kc"
	[ "$status" -eq 0 ]
	# every window, none of the records late (the watermark is the partition
	# furthest behind's, still while the partitions make themselves known)
	[ -z "$stderr" ]
	[ "$(jq -c '[.key, .ts, .window]' <<<"$output")" = "$(cat "$T/want")" ]
	[ "$(wc -l <"$T/want")" -eq $((2 * (48 - 23))) ]
}

@test "window: a backlog read in short runs with --state --no-flush closes what the watermark passed at each end" {
	backlog_tx | kcat_chunks $((3000 / THIN)) >"$T/kc"
	n=$(wc -l <"$T/kc")
	head -n $((n / 2)) "$T/kc" >"$T/kc1"
	tail -n +$((n / 2 + 1)) "$T/kc" >"$T/kc2"
	opts=(--kcat --ts timestamp --bucket 1h --agg count --key network_type,transaction_type --window 4 --state "$T/st" --no-flush)
	fcvae-window "${opts[@]}" "$T/kc1" >"$T/w1"
	fcvae-window "${opts[@]}" "$T/kc2" >"$T/w2"
	# each run wrote windows (the start-up wait ends with the input), and
	# together they are those of one run, less the buckets still open
	[ -s "$T/w1" ]
	[ -s "$T/w2" ]
	fcvae-window --kcat --ts timestamp --bucket 1h --agg count --key network_type,transaction_type --window 4 --no-flush "$T/kc" >"$T/w"
	cat "$T/w1" "$T/w2" | cmp - "$T/w"
}

@test "window: a partition silent for --partition-idle no longer holds the watermark back" {
	rec() { printf '{"topic":"t","partition":%d,"offset":%d,"ts":null,"key":null,"payload":"{\\"ts\\":%d,\\"key\\":\\"k%d\\"}"}\n' "$1" "$2" $(($3 * 3600)) "$1"; }
	# wall-clock seconds matter here, which valgrind stretches
	[ -z "${FCVAE_VALGRIND:-}" ] || skip "timed in wall-clock seconds"
	# partition 0 stops at hour 1, partition 1 goes on to hour 5 after a
	# pause well beyond --partition-idle; the input stays open
	mkfifo "$T/in"
	{ rec 0 0 0; rec 1 0 0; rec 0 1 1; rec 1 1 1; sleep 3; rec 1 2 2; rec 1 3 3; rec 1 4 4; rec 1 5 5; sleep 30; } \
		>"$T/in" 3>&- &
	writer=$!
	fcvae-window --kcat --agg count --window 1 --partition-idle 1 --line-buffered <"$T/in" >"$T/out" 3>&- &
	reader=$!
	# before the end of input: the buckets up to hour 4 closed for both series
	for i in $(seq 200); do
		[ "$(grep -c '"key":"k1"' "$T/out")" -ge 5 ] && break
		sleep 0.1
	done
	# the reader first: at the end of its input it would close the rest
	kill "$reader"
	pkill -P "$writer" 2>/dev/null || true
	kill "$writer" 2>/dev/null || true
	cat "$T/out"
	[ "$(grep -c '"key":"k1"' "$T/out")" -eq 5 ]
	[ "$(grep -c '"key":"k0"' "$T/out")" -eq 5 ]
}

@test "window: late records are counted and dropped" {
	printf '%s\n' '{"ts":"2025-02-25T00:10:00Z","key":"a"}' '{"ts":"2025-02-25T01:10:00Z","key":"a"}' \
		'{"ts":"2025-02-25T00:50:00Z","key":"a"}' >"$T/in"
	run fcvae-window --agg count --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"key":"a","ts":"2025-02-25T00:00:00Z","value":1,"window":[1],"missing":[]}' ]
	[[ "$output" == *'fcvae-window: 3 records, 1 series, 2 windows, 1 late records dropped'* ]]
	# with 15 minutes lateness the record is in time
	run fcvae-window --agg count --window 1 --lateness 15m "$T/in"
	[ "${lines[0]}" = '{"key":"a","ts":"2025-02-25T00:00:00Z","value":2,"window":[2],"missing":[]}' ]
	[[ "$output" != *late* ]]
}

@test "window: a series' record for an earlier bucket that is still open is not late" {
	# lateness 1h: after a's 10:30 the watermark is 09:30, so 09:00 is open
	# for a as for b, whose first record comes after
	printf '%s\n' '{"ts":"2025-01-06T10:30:00Z","key":"a"}' '{"ts":"2025-01-06T09:45:00Z","key":"a"}' \
		'{"ts":"2025-01-06T09:50:00Z","key":"b"}' '{"ts":"2025-01-06T09:20:00Z","key":"b"}' >"$T/in"
	run --separate-stderr fcvae-window --agg count --lateness 1h --window 1 -v "$T/in"
	[ "$output" = '{"key":"a","ts":"2025-01-06T09:00:00Z","value":1,"window":[1],"missing":[]}
{"key":"b","ts":"2025-01-06T09:00:00Z","value":2,"window":[2],"missing":[]}
{"key":"a","ts":"2025-01-06T10:00:00Z","value":1,"window":[1],"missing":[]}
{"key":"b","ts":"2025-01-06T10:00:00Z","value":0,"window":[0],"missing":[]}' ]
	[ "$stderr" = 'fcvae-window: 4 records, 2 series, 4 windows' ]
	# once the series has closed a bucket, an earlier one is late as before
	printf '%s\n' '{"ts":"2025-01-06T11:40:00Z","key":"a"}' '{"ts":"2025-01-06T08:59:00Z","key":"a"}' >>"$T/in"
	run --separate-stderr fcvae-window --agg count --lateness 1h --window 1 "$T/in"
	[ "$stderr" = 'fcvae-window: 6 records, 2 series, 6 windows, 1 late records dropped' ]
}

@test "window: --revise merges late records and emits the window again" {
	# count: 00 has 3, 01 has 1, 02 has 1, 03 has 1; then a late record for 01
	cat >"$T/in" <<-'E'
	{"ts":"2025-02-25T00:10:00Z","key":"a"}
	{"ts":"2025-02-25T00:20:00Z","key":"a"}
	{"ts":"2025-02-25T00:40:00Z","key":"a"}
	{"ts":"2025-02-25T01:30:00Z","key":"a"}
	{"ts":"2025-02-25T02:10:00Z","key":"a"}
	{"ts":"2025-02-25T03:00:00Z","key":"a"}
	{"ts":"2025-02-25T01:45:00Z","key":"a","label":1,"x":"late"}
	E
	run fcvae-window --agg count --window 2 --revise "$T/in"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"a","ts":"2025-02-25T01:00:00Z","value":1,"window":[3,1],"missing":[]}
{"key":"a","ts":"2025-02-25T02:00:00Z","value":1,"window":[1,1],"missing":[]}
{"key":"a","ts":"2025-02-25T01:00:00Z","value":2,"window":[3,2],"missing":[],"label":1,"revised":true,"x":"late"}
{"key":"a","ts":"2025-02-25T03:00:00Z","value":1,"window":[1,1],"missing":[]}' ]
	run fcvae-window --agg count --window 2 -v "$T/in"
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[3]}" == *'1 late records dropped'* ]]
}

@test "window: --revise with agg none replaces the value" {
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":2}' '{"ts":60,"key":"a","value":7}' >"$T/in"
	run fcvae-window --window 2 --revise "$T/in"
	[ "$output" = $'{"key":"a","ts":"1970-01-01T01:00:00Z","value":2,"window":[1,2],"missing":[]}' ]
	# the bucket of 00:00 is not among the last W = 1: too old to revise
	run fcvae-window --window 1 --revise "$T/in"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[2]}" == *'1 late records dropped' ]]
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":2}' '{"ts":7200,"key":"a","value":3}' \
		'{"ts":3700,"key":"a","value":9}' >"$T/in"
	run fcvae-window --window 2 --revise "$T/in"
	[ "${lines[2]}" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":9,"window":[1,9],"missing":[],"revised":true}' ]
	[ "${#lines[@]}" -eq 3 ]
}

@test "window: --revise writes a revised bucket's label as it was given" {
	# labels are kept per bucket for revisions (a label is 0 or 1)
	printf '%s\n' '{"ts":0,"key":"a","value":1,"label":1}' '{"ts":0,"key":"a","value":2}' >"$T/in"
	run --separate-stderr fcvae-window --window 1 --revise "$T/in"
	[ "$output" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[],"label":1}
{"key":"a","ts":"1970-01-01T00:00:00Z","value":2,"window":[2],"missing":[],"label":1,"revised":true}' ]
}

@test "window: duplicates of an open bucket aggregate, of an emitted one are late" {
	printf '%s\n' '{"ts":0,"key":"a","value":2}' '{"ts":0,"key":"a","value":2}' '{"ts":3600,"key":"a","value":1}' >"$T/in"
	run fcvae-window --agg sum --window 1 "$T/in"
	[ "${lines[0]}" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":4,"window":[4],"missing":[]}' ]
	run fcvae-window --window 1 "$T/in"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[2]}" == *'1 late records dropped'* ]]
}

@test "window: fcvae-gen events counted per hour equal its hourly series" {
	fcvae-gen --days 2 --combo Star/CMP >"$T/ev.csv"
	fcvae-gen --days 2 --combo Star/CMP --hourly --format ndjson >"$T/hourly"
	fcvae-window --csv --agg count --window 24 --key network_type,transaction_type --ts timestamp \
		--value amount --label is_anomaly "$T/ev.csv" | jq -c '[.ts, .value]' >"$T/a"
	fcvae-window --window 24 "$T/hourly" | jq -c '[.ts, .value]' >"$T/b"
	[ "$(wc -l <"$T/a")" -eq 25 ]
	cmp "$T/a" "$T/b"
}

@test "window: 100k series" {
	# under valgrind, whose memory is not the program's, 10k series check
	# what is kept and freed per series in a tenth of the time
	n=$([ -n "${FCVAE_VALGRIND:-}" ] && echo 10000 || echo 100000)
	# 3 hourly values per series, W 2: two windows each
	awk -v n="$n" 'BEGIN { for (h = 0; h < 3; h++) for (i = 0; i < n; i++)
		printf "{\"ts\":%d,\"key\":\"series-%d\",\"value\":%d}\n", h * 3600, i, i + h }' >"$T/in"
	if [ -x /usr/bin/time ] && [ -z "${FCVAE_VALGRIND:-}" ]; then
		/usr/bin/time -v fcvae-window --window 2 "$T/in" >"$T/out" 2>"$T/time"
	else
		fcvae-window --window 2 "$T/in" >"$T/out"
	fi
	[ "$(wc -l <"$T/out")" -eq $((2 * n)) ]
	[ "$(sed -n $((2 * n))p "$T/out")" = "{\"key\":\"series-$((n - 1))\",\"ts\":\"1970-01-01T02:00:00Z\",\"value\":$((n + 1)),\"window\":[$n,$((n + 1))],\"missing\":[]}" ]
	# aggregated: every series closes every bucket
	fcvae-window --agg sum --window 2 "$T/in" | wc -l >"$T/n"
	[ "$(cat "$T/n")" -eq $((2 * n)) ]
	# the memory, last: without GNU time (or under valgrind) the test shows as skipped
	[ -s "$T/time" ] || skip "no GNU time or under valgrind: memory not measured"
	kb=$(awk -F': ' '/Maximum resident/ { print $2 }' "$T/time")
	echo "max RSS ${kb} kB"
	# well under 1 KB per series (input buffers and libraries included)
	[ "$kb" -lt 100000 ]
}

@test "window: output is line-flushed for live use" {
	# the first window must come out while the input is still open
	start=$(date +%s%N)
	( echo '{"ts":0,"key":"a","value":1}'; sleep 4; echo '{"ts":3600,"key":"a","value":2}' ) |
		fcvae-window --window 1 | { read -r first; date +%s%N >"$T/t"; echo "$first" >"$T/first"; cat >/dev/null; }
	[ "$(cat "$T/first")" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[]}' ]
	[ $(( ($(cat "$T/t") - start) / 1000000 )) -lt 3000 ]
}

@test "window: --idle closes quiet buckets on wall-clock time" {
	# one event of a past hour; the input then stays open but quiet
	( echo '{"ts":0,"key":"a"}'; sleep 6 ) | timeout 20 fcvae-window --agg count --window 1 --idle 1 --no-flush >"$T/out" &
	pid=$!
	for i in $(seq 40); do [ -s "$T/out" ] && break; sleep 0.1; done
	# it came out before the input ended
	kill -0 $pid
	[ "$(cat "$T/out")" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[]}' ]
	wait $pid
}

@test "window: usage, help and version" {
	run fcvae-window -h
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-window --version
	[ "$status" -eq 0 ]
	[[ "$output" == "fcvae-window (fcvae) "* ]]
	run fcvae-window --agg median
	[ "$status" -eq 2 ]
	[[ "$output" == *"--agg: 'median' is not one of"* ]]
	run fcvae-window --bucket 1.5s
	[ "$status" -eq 2 ]
	run fcvae-window --bucket 1y
	[ "$status" -eq 2 ]
	# the range said, not just the lower end: 2^32 s is whole and above 1
	run fcvae-window --bucket 4294967296
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-window: --bucket: '4294967296' must be a whole number of seconds from 1 to 1000000000 (about 31 years)" ]
	run fcvae-window --window 0
	[ "$status" -eq 2 ]
	run fcvae-window --kafka-time
	[ "$status" -eq 2 ]
	run fcvae-window --nope
	[ "$status" -eq 2 ]
	run fcvae-window /nonexistent
	[ "$status" -eq 1 ]
	[[ "$output" == "fcvae-window: /nonexistent: No such file or directory" ]]
}

@test "window: times in ISO 8601's basic format read as the extended ones; an 8-digit number is epoch seconds" {
	printf '{"key":"k","ts":"%s","value":%d}\n' 20250225T150000Z 1 20250225T1700+0100 2 >"$T/basic"
	run fcvae-window --strict --window 2 "$T/basic"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"k","ts":"2025-02-25T16:00:00Z","value":2,"window":[1,2],"missing":[]}' ]
	printf 'ts,key,value\n20250225T150000Z,k,1\n' >"$T/basic.csv"
	run fcvae-window --strict --csv --window 1 "$T/basic.csv"
	[ "$output" = '{"key":"k","ts":"2025-02-25T15:00:00Z","value":1,"window":[1],"missing":[]}' ]
	printf '{"key":"k","ts":"20250225","value":1}\n' >"$T/date"
	run fcvae-window --window 1 "$T/date"
	[ "$output" = '{"key":"k","ts":"1970-08-23T09:00:00Z","value":1,"window":[1],"missing":[]}' ]
}

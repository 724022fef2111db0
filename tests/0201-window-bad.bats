#!/usr/bin/env bats
# fcvae-window on bad input (SPEC §10): each bad line is reported with the
# program, line and reason, counted, skipped; --strict stops with exit 3.

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
	good0='{"ts":0,"key":"a","value":1}'
	good1='{"ts":3600,"key":"a","value":2}'
}

# The good lines around one bad line give two windows; stderr has the message.
one_bad() {
	printf '%s\n' "$good0" "$1" "$good1" >"$T/in"
	run --separate-stderr fcvae-window --window 1 <"$T/in"
	echo "stderr: $stderr"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-window: input line 2: $2" ]
	[ "${stderr_lines[1]}" = "fcvae-window: 2 records, 1 series, 2 windows; 1 input line rejected: 1 $3" ]
	run --separate-stderr fcvae-window --window 1 --strict <"$T/in"
	[ "$status" -eq 3 ]
	[ "$output" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[]}' ]
	[ "$stderr" = "fcvae-window: input line 2: $2" ]
}

@test "bad: a line that is not JSON" {
	one_bad 'hello' 'not JSON: expected a value, found '"'h'"' at column 1' 'not JSON'
}

@test "bad: truncated JSON" {
	one_bad '{"ts":0,"key":"a","val' 'not JSON: unterminated string at column 19' 'not JSON'
}

@test "bad: trailing garbage" {
	one_bad '{"ts":0,"key":"a"} x' "not JSON: unexpected 'x' after the value at column 20" 'not JSON'
}

@test "bad: JSON that is not an object" {
	one_bad '[1,2]' 'not a JSON object' 'not an object'
}

@test "bad: missing time" {
	one_bad '{"key":"a","value":1}' 'no "ts" field (see --ts)' 'no ts'
}

@test "bad: missing key" {
	one_bad '{"ts":0,"value":1}' 'no "key" field' 'no key'
}

@test "bad: a string where the value belongs" {
	one_bad '{"ts":7200,"key":"a","value":"many"}' '"value" is not a number' 'bad value'
}

@test "a value in a string (\"12\") is the number, as a label in a string is; \"12x\" is a bad value" {
	printf '%s\n' '{"ts":0,"key":"a","value":"12","label":"1"}' '{"ts":3600,"key":"a","value":" +2.5e1","label":"0"}' >"$T/in"
	run --separate-stderr fcvae-window --window 2 "$T/in"
	[ -z "$stderr" ]
	[ "$output" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":25,"window":[12,25],"missing":[],"label":0}' ]
	# in a kcat payload too
	jq -c '{topic: "t", partition: 0, offset: input_line_number, payload: tostring}' "$T/in" >"$T/kcat"
	run --separate-stderr fcvae-window --kcat --window 2 "$T/kcat"
	[ -z "$stderr" ]
	[ "$(jq -c 'del(.topic, .partition, .offset)' <<<"$output")" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":25,"window":[12,25],"missing":[],"label":0}' ]
	one_bad '{"ts":7200,"key":"a","value":"12x"}' '"value" is not a number' 'bad value'
}

@test "bad: an object where the value belongs" {
	one_bad '{"ts":7200,"key":"a","value":{"n":1}}' '"value" is not a number' 'bad value'
}

@test "a number beyond a double is a missing point (SPEC §10), not a bad line, as in fcvae-score" {
	# NDJSON, a kcat payload and CSV alike: the record is kept, its bucket missing
	want='{"key":"a","ts":"1970-01-01T02:00:00Z","value":null,"window":[2,2],"missing":[1]}'
	printf '%s\n' "$good1" '{"ts":7200,"key":"a","value":1e400}' '{"ts":10800,"key":"a","value":-1e999}' >"$T/in"
	run --separate-stderr fcvae-window --window 2 --max-missing 1 "$T/in"
	[ -z "$stderr" ]
	[ "${lines[0]}" = "$want" ]
	[ "${#lines[@]}" -eq 2 ]
	jq -c '{topic: "t", partition: 0, offset: input_line_number, payload: tostring}' <<<"$good1" >"$T/kcat"
	printf '%s\n' '{"topic":"t","partition":0,"offset":2,"payload":"{\"ts\":7200,\"key\":\"a\",\"value\":1e400}"}' >>"$T/kcat"
	run --separate-stderr fcvae-window --kcat --window 2 --max-missing 1 "$T/kcat"
	[ -z "$stderr" ]
	[ "$(jq -c 'del(.topic, .partition, .offset)' <<<"${lines[0]}")" = "$want" ]
	printf 'ts,key,value\n3600,a,2\n7200,a,1e400\n' >"$T/csv"
	run --separate-stderr fcvae-window --csv --window 2 --max-missing 1 "$T/csv"
	[ -z "$stderr" ]
	[ "$output" = "$want" ]
	# fcvae-score and fcvae-train read such a point of a window as missing too
	# (tests/0300-score.bats, tests/0400-train.bats)
}

@test "bad: timestamps" {
	one_bad '{"ts":"2025-13-01T00:00:00Z","key":"a"}' '"ts" is not a timestamp' 'bad ts'
	one_bad '{"ts":"yesterday","key":"a"}' '"ts" is not a timestamp' 'bad ts'
	one_bad '{"ts":1e20,"key":"a"}' '"ts" is not a timestamp' 'bad ts'
	one_bad '{"ts":true,"key":"a"}' '"ts" is not a timestamp' 'bad ts'
	one_bad '{"ts":"2025-02-30","key":"a"}' '"ts" is not a timestamp' 'bad ts'
}

@test "bad: a time of year 0 whose bucket would start before it (a week's, 7 s) is refused; year 0's own buckets are not" {
	for b in 1w 7; do
		printf '%s\n' '{"ts":"0000-01-01T00:00:00Z","key":"a","value":1}' '{"ts":"0000-01-09T00:00:00Z","key":"a","value":2}' >"$T/in"
		run --separate-stderr fcvae-window --window 1 --bucket "$b" <"$T/in"
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -eq 1 ]
		[ "$(echo "$output" | jq .value)" = 2 ]
		[ "${stderr_lines[0]}" = 'fcvae-window: input line 1: "ts" is in a bucket that would start before year 0 (years 0 to 9999)' ]
		[[ "${stderr_lines[1]}" == *"1 input line rejected: 1 bad ts" ]]
	done
	run fcvae-window --window 1 --bucket 1d "$T/in"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .ts | head -n 1)" = 0000-01-01T00:00:00Z ]
}

@test "bad: invalid UTF-8" {
	one_bad $'{"ts":0,"key":"a\xc3\x28"}' 'not JSON: invalid UTF-8 (byte 0xc3) in string at column 17' 'not JSON'
	one_bad $'{"ts":0,"key":"\xed\xa0\x80"}' 'not JSON: invalid UTF-8 (byte 0xed) in string at column 16' 'not JSON'
}

@test "bad: a label that is not a number" {
	one_bad '{"ts":7200,"key":"a","value":1,"label":"spike"}' '"label" is not 0, 1, true or false' 'bad label'
	one_bad '{"ts":7200,"key":"a","value":1,"label":"+-1"}' '"label" is not 0, 1, true or false' 'bad label'
	# fcvae-eval, fcvae-calibrate and fcvae-train take 0 or 1 only
	one_bad '{"ts":7200,"key":"a","value":1,"label":2}' '"label" is not 0, 1, true or false' 'bad label'
	one_bad '{"ts":7200,"key":"a","value":1,"label":"0.5"}' '"label" is not 0, 1, true or false' 'bad label'
}

@test "bad: a missing-marker label (NaN, null, \"NA\") is no label; the record and its value are kept" {
	printf '%s\n' '{"ts":0,"key":"a","value":1,"label":NaN}' '{"ts":3600,"key":"a","value":2,"label":"NaN"}' \
		'{"ts":7200,"key":"a","value":3,"label":"NA"}' '{"ts":10800,"key":"a","value":4,"label":"True"}' >"$T/in"
	run --separate-stderr fcvae-window --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(jq -c '[.value, .label]' <<<"$output")" = '[1,null]
[2,null]
[3,null]
[4,1]' ]
	# CSV as pandas writes it: True/False, NaN for no label
	printf 'ts,key,value,label\n0,a,1,True\n3600,a,2,False\n7200,a,3,NaN\n10800,a,+-4,0\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv --window 1 "$T/in.csv"
	[ "$status" -eq 0 ]
	[ "$(jq -c '[.value, .label]' <<<"$output")" = '[1,1]
[2,0]
[3,null]' ]
	[[ "$stderr" == *"$T/in.csv line 5: \"value\" is not a number"* ]]
}

@test "bad: deep nesting" {
	deep=$(printf '%0.s[' $(seq 300))
	one_bad "{\"ts\":0,\"key\":\"a\",\"x\":$deep}" 'not JSON: nesting deeper than 256 at column 278' 'not JSON'
}

@test "bad: NaN, Infinity, null and absent values are missing points, not errors" {
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":NaN}' '{"ts":7200,"key":"a","value":"inf"}' \
		'{"ts":10800,"key":"a","value":-Infinity}' '{"ts":14400,"key":"a"}' '{"ts":18000,"key":"a","value":6}' >"$T/in"
	run --separate-stderr fcvae-window --window 6 --max-missing 1 "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = '{"key":"a","ts":"1970-01-01T05:00:00Z","value":6,"window":[1,2,3,4,5,6],"missing":[1,2,3,4]}' ]
	# blanks around a marker in a string, as around a number (" 12" is 12)
	printf '%s\n' '{"ts":0,"key":"a","value":" 1"}' '{"ts":3600,"key":"a","value":"NaN "}' '{"ts":7200,"key":"a","value":" NA\t"}' \
		'{"ts":10800,"key":"a","value":" "}' '{"ts":14400,"key":"a","value":"4 "}' >"$T/in"
	run --separate-stderr fcvae-window --window 5 --max-missing 1 "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$output" = '{"key":"a","ts":"1970-01-01T04:00:00Z","value":4,"window":[1,1.75,2.5,3.25,4],"missing":[1,2,3]}' ]
}

@test "bad: CSV rows with the wrong field count, bad numbers, bad UTF-8" {
	printf 'ts,key,value\n0,a,1\n3600,a\n3600,a,x1\n3600,a,\xff\n3600,"a,2\n3600,a,2\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv --window 1 "$T/in.csv"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in.csv line 3: 2 fields, the header has 3" ]
	[ "${stderr_lines[1]}" = "fcvae-window: $T/in.csv line 4: \"value\" is not a number" ]
	[ "${stderr_lines[2]}" = "fcvae-window: $T/in.csv line 5: invalid UTF-8" ]
	[ "${stderr_lines[3]}" = "fcvae-window: $T/in.csv line 6: unterminated quote" ]
	[ "${stderr_lines[4]}" = "fcvae-window: 2 records, 1 series, 2 windows; 4 input lines rejected: 3 bad CSV, 1 bad value" ]
}

@test "bad: every reason is counted in the summary" {
	printf '%s\n' "$good0" 'x' 'y' '{"ts":"no","key":"a"}' '{"key":"a"}' "$good1" >"$T/in"
	run --separate-stderr fcvae-window --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[4]}" = "fcvae-window: 2 records, 1 series, 2 windows; 4 input lines rejected: 2 not JSON, 1 bad ts, 1 no ts" ]
}

@test "bad: empty input and blank lines give nothing, quietly; a CSV without a header is said to be empty" {
	run --separate-stderr fcvae-window </dev/null
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	printf '\n  \n\r\n' >"$T/in"
	run --separate-stderr fcvae-window --agg count "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	printf 'ts,key,value\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv "$T/in.csv"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	# but a CSV without even its header is said to be empty (a file still
	# being copied, a failed export), not taken quietly
	: >"$T/empty.csv"
	run --separate-stderr fcvae-window --csv "$T/empty.csv" - <"$T/empty.csv"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-window: $T/empty.csv: no CSV header: the input is empty
fcvae-window: standard input: no CSV header: the input is empty" ]
}

@test "bad: a 10 MB line passes through whole, a 10 MB bad line is rejected" {
	head -c 10485760 /dev/zero | tr '\0' x >"$T/pad"
	{ printf '{"ts":0,"key":"a","value":1,"pad":"'; cat "$T/pad"; printf '"}\n'; } >"$T/in"
	run --separate-stderr fcvae-window --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "${#output}" -eq $((75 + 7 + 10485760 + 2)) ]
	[ "${output:0:82}" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[],"pad":"' ]
	{ echo "$good0"; cat "$T/pad"; echo; echo "$good1"; } >"$T/in"
	run --separate-stderr fcvae-window --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in line 2: not JSON: expected a value, found 'x' at column 1" ]
}

@test "bad: binary garbage does not crash" {
	head -c 100000 /dev/urandom >"$T/in"
	run fcvae-window --agg count "$T/in"
	[ "$status" -eq 0 ]
	run fcvae-window --csv "$T/in"
	[ "$status" -le 1 ]
	run fcvae-window --kcat "$T/in"
	[ "$status" -eq 0 ]
}

@test "bad: a write error on standard output is reported, exit 1" {
	[ -w /dev/full ] || skip "no /dev/full"
	printf '%s\n' "$good0" "$good1" >"$T/in"
	run sh -c "fcvae-window --window 1 '$T/in' >/dev/full"
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-window: write error on standard output: No space left on device" ]
}

@test "bad: a closed pipe is reported, exit 1" {
	awk 'BEGIN { for (i = 0; i < 200000; i++) printf "{\"ts\":%d,\"key\":\"a\",\"value\":1}\n", i * 3600 }' >"$T/in"
	run bash -c "fcvae-window --window 1 '$T/in' 2>'$T/err' | head -n 1 >/dev/null; echo \${PIPESTATUS[0]}"
	[ "$output" = 1 ]
	[ "$(cat "$T/err")" = "fcvae-window: write error on standard output: Broken pipe" ]
}

@test "bad: a time far after the rest is refused, not a reason to close years of buckets" {
	printf '%s\n' '{"ts":0,"key":"a"}' '{"ts":"9999-01-01T00:00:00Z","key":"a"}' '{"ts":3600,"key":"a"}' >"$T/in"
	run --separate-stderr timeout 20 fcvae-window --agg count --window 1 "$T/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in line 2: \"ts\" is 2932532 days after the latest record (see --max-gap)" ]
	# a gap within --max-gap is real: every bucket of it is closed
	run --separate-stderr fcvae-window --agg count --window 1 --max-gap 2h "$T/in"
	[ "${#lines[@]}" -eq 2 ]
	printf '%s\n' '{"ts":0,"key":"a"}' '{"ts":"1970-01-11T00:00:00Z","key":"a"}' >"$T/in"
	run --separate-stderr fcvae-window --agg count --window 1 "$T/in"
	[ "${#lines[@]}" -eq 241 ]
	[ -z "$stderr" ]
	# a short --max-gap: the gap is said in a unit that fits, not "0 days"
	printf '%s\n' '{"ts":0,"key":"a"}' '{"ts":7200,"key":"a"}' '{"ts":100,"key":"a"}' '{"ts":400,"key":"a"}' >"$T/in"
	run --separate-stderr fcvae-window --agg count --window 1 --max-gap 1h "$T/in"
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in line 2: \"ts\" is 2 hours after the latest record (see --max-gap)" ]
	run --separate-stderr fcvae-window --agg count --window 1 --max-gap 1m "$T/in"
	[ "${stderr_lines[1]}" = "fcvae-window: $T/in line 3: \"ts\" is 100 seconds after the latest record (see --max-gap)" ]
	[ "${stderr_lines[2]}" = "fcvae-window: $T/in line 4: \"ts\" is 7 minutes after the latest record (see --max-gap)" ]
}

@test "bad: --agg none: a time far after the rest is refused, the series goes on" {
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":2}' \
		'{"ts":"2035-01-01T00:00:00Z","key":"a","value":9}' '{"ts":7200,"key":"a","value":3}' >"$T/in"
	run --separate-stderr timeout 20 fcvae-window --window 2 "$T/in"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "${lines[@]}" | jq -c .window)" = "$(printf '%s\n' '[1,2]' '[2,3]')" ]
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in line 3: \"ts\" is 23741 days after the latest record (see --max-gap)" ]
	[[ "${stderr_lines[1]}" == *"1 input line rejected: 1 bad ts"* ]]
	[ "${#stderr_lines[@]}" -eq 2 ]
}

@test "bad: a misnamed --value is said, not taken as every value missing" {
	# CSV: the header has no such column (--agg count needs none)
	printf 'ts,amount\n0,5\n3600,6\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv --window 1 --default-key k --value amout "$T/in.csv"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == *"$T/in.csv line 1: no \"amout\" column in the CSV header (see --value, or --agg count)"* ]]
	run --separate-stderr fcvae-window --csv --window 1 --default-key k --value amout --agg count "$T/in.csv"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	# NDJSON: no record has the field; the dropped windows are counted
	printf '%s\n' '{"ts":0,"amount":5}' '{"ts":3600,"amount":6}' '{"ts":7200,"amount":7}' >"$T/in"
	run --separate-stderr fcvae-window --window 2 --default-key k --value amout --agg mean "$T/in"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = 'fcvae-window: no record has a "amout" field: every value is missing (see --value)
fcvae-window: 3 records, 1 series, 0 windows, 2 windows dropped (too many missing)' ]
}

@test "bad: a mistake that makes every line bad (CSV without --csv) is said 10 times, then counted" {
	fcvae-gen --days 1 2>/dev/null | head -n 1001 >"$T/in.csv"
	run --separate-stderr fcvae-window --agg count --key network_type,transaction_type --ts timestamp "$T/in.csv"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf '%s\n' "${stderr_lines[@]:0:15}"
	[ "${#stderr_lines[@]}" -eq 14 ]
	# each with the hint what the mistake is
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in.csv line 1: not JSON: invalid literal (expected true) at column 1 (CSV? see --csv)" ]
	[ "${stderr_lines[9]}" = "fcvae-window: $T/in.csv line 10: not JSON: unexpected '-' after the value at column 5 (CSV? see --csv)" ]
	[ "${stderr_lines[10]}" = "fcvae-window: $T/in.csv line 11: \"not JSON\" again (11 lines): further ones are counted, not printed (their count comes at 100, 1000, ... lines, hourly, and at exit)" ]
	# and so do the 100th and 1000th, so a long stream still says it now and then
	[ "${stderr_lines[11]}" = "fcvae-window: $T/in.csv line 100: \"not JSON\" again (100 lines): further ones are counted, not printed (their count comes at 100, 1000, ... lines, hourly, and at exit)" ]
	[ "${stderr_lines[12]}" = "fcvae-window: $T/in.csv line 1000: \"not JSON\" again (1000 lines): further ones are counted, not printed (their count comes at 100, 1000, ... lines, hourly, and at exit)" ]
	[ "${stderr_lines[13]}" = "fcvae-window: 0 records, 0 series, 0 windows; 1001 input lines rejected: 1001 not JSON" ]
	# other reasons are said on their own count
	{ head -n 20 "$T/in.csv"; echo '{"ts":true,"key":"a"}'; } >"$T/mixed"
	run --separate-stderr fcvae-window "$T/mixed"
	[ "${#stderr_lines[@]}" -eq 13 ]
	[ "${stderr_lines[11]}" = "fcvae-window: $T/mixed line 21: \"ts\" is not a timestamp" ]
	[ "${stderr_lines[12]}" = "fcvae-window: 0 records, 0 series, 0 windows; 21 input lines rejected: 20 not JSON, 1 bad ts" ]
	# --strict stops at the first
	run --separate-stderr fcvae-window --strict "$T/in.csv"
	[ "$status" -eq 3 ]
	[ "$stderr" = "fcvae-window: $T/in.csv line 1: not JSON: invalid literal (expected true) at column 1 (CSV? see --csv)" ]
}

@test "bad: kcat -J envelopes without --kcat, and times in milliseconds, are said as such" {
	printf '%s\n' '{"topic":"t","partition":0,"offset":3,"ts":1736121600000,"key":"a","payload":"{\"ts\":1}"}' \
		'{"ts":1736121600000,"key":"a","value":1}' '{"ts":1e300,"key":"a","value":1}' >"$T/in"
	run --separate-stderr fcvae-window "$T/in"
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in line 1: \"ts\" is not a timestamp (a kcat -J envelope? see --kcat)" ]
	[ "${stderr_lines[1]}" = "fcvae-window: $T/in line 2: \"ts\" is not a timestamp (milliseconds? epoch seconds are read)" ]
	[ "${stderr_lines[2]}" = "fcvae-window: $T/in line 3: \"ts\" is not a timestamp" ]
}

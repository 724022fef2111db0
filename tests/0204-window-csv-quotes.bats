#!/usr/bin/env bats
# fcvae-window --csv: a quoted field may hold newlines (RFC 4180), as in
# spreadsheet and database exports; a quote left open costs one line, at the
# end of input and at --max-line alike.

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "csv quotes: a field over two lines passes JSON-escaped; a quote open at the end costs its line" {
	printf 'ts,key,value,note\n0,a,1,"first\nsecond, ""quoted"""\n3600,a,2,plain\n7200,a,3,"stray\n10800,a,4,x\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv --window 1 "$T/in.csv"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[],"note":"first\nsecond, \"quoted\""}' ]
	[ "${lines[1]}" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":2,"window":[2],"missing":[],"note":"plain"}' ]
	[ "${lines[2]}" = '{"key":"a","ts":"1970-01-01T03:00:00Z","value":4,"window":[4],"missing":[],"note":"x"}' ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in.csv line 5: unterminated quote" ]
	[ "${stderr_lines[1]}" = "fcvae-window: 3 records, 1 series, 3 windows; 1 input line rejected: 1 bad CSV" ]
	# the output is JSON, the newline inside the string
	echo "${lines[0]}" | jq -e '.note == "first\nsecond, \"quoted\""'
}

@test "csv quotes: a CRLF export with a newline in a header name and in a field" {
	printf '"ts","key","value","no\r\nte"\r\n0,a,1,"x\r\ny"\r\n3600,a,2,"z"\r\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv --window 1 "$T/in.csv"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[],"no\r\nte":"x\r\ny"}' ]
	[ "${lines[1]}" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":2,"window":[2],"missing":[],"no\r\nte":"z"}' ]
}

@test "csv quotes: a bad record over lines is reported with its lines; --strict stops at it" {
	printf 'ts,key,value,note\n0,a,1,x\n3600,a,2,"x\ny",extra\n7200,a,3,y\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv --window 1 <"$T/in.csv"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = '{"key":"a","ts":"1970-01-01T02:00:00Z","value":3,"window":[3],"missing":[],"note":"y"}' ]
	[ "${stderr_lines[0]}" = "fcvae-window: input lines 3-4: 5 fields, the header has 4" ]
	[ "${stderr_lines[1]}" = "fcvae-window: 2 records, 1 series, 2 windows; 1 input line rejected: 1 bad CSV" ]
	run --separate-stderr fcvae-window --csv --window 1 --strict "$T/in.csv"
	[ "$status" -eq 3 ]
	[ "$output" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[],"note":"x"}' ]
	[ "$stderr" = "fcvae-window: $T/in.csv lines 3-4: 5 fields, the header has 4" ]
}

@test "csv quotes: a quote not closed within --max-line costs its first line; the lines it took are read one by one" {
	printf 'ts,key,value,note\n0,a,1,"a long note\nthat runs on over three lines\nand past the limit"\n3600,a,2,ok\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv --window 1 --max-line 64 "$T/in.csv"
	[ "$status" -eq 0 ]
	[ "$output" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":2,"window":[2],"missing":[],"note":"ok"}' ]
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in.csv line 2: unterminated quote within 64 bytes (see --max-line)" ]
	[ "${stderr_lines[1]}" = "fcvae-window: $T/in.csv line 3: 1 field, the header has 4" ]
	[ "${stderr_lines[2]}" = "fcvae-window: $T/in.csv line 4: 1 field, the header has 4" ]
	[ "${stderr_lines[3]}" = "fcvae-window: 1 records, 1 series, 1 windows; 3 input lines rejected: 3 bad CSV" ]
	# within the limit the same record is read whole
	run --separate-stderr fcvae-window --csv --window 1 --max-line 128 "$T/in.csv"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[],"note":"a long note\nthat runs on over three lines\nand past the limit"}' ]
}

@test "csv quotes: a header whose quote stays open stops the run" {
	printf 'ts,key,value,"note\n0,a,1,x\n3600,a,2,y\n7200,a,3,z\n10800,a,4,w\n14400,a,5,v\n' >"$T/in.csv"
	run --separate-stderr fcvae-window --csv --window 1 --max-line 64 "$T/in.csv"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in.csv line 1: unterminated quote within 64 bytes (see --max-line)" ]
	[ "${stderr_lines[1]}" = "fcvae-window: $T/in.csv: cannot read this CSV: its header is longer than 64 bytes (see --max-line)" ]
	run --separate-stderr fcvae-window --csv --window 1 "$T/in.csv"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "fcvae-window: $T/in.csv line 1: unterminated quote in the CSV header" ]
	[ "${stderr_lines[1]}" = "fcvae-window: $T/in.csv: cannot read this CSV" ]
}

@test "csv quotes: a record waiting for its closing line does not hold back the windows before it" {
	start=$(date +%s%N)
	( printf 'ts,key,value,note\n0,a,1,x\n3600,a,2,"open\n'; sleep 4; printf 'closed"\n' ) |
		fcvae-window --csv --window 1 | { read -r first; date +%s%N >"$T/t"; echo "$first" >"$T/first"; cat >"$T/rest"; }
	[ "$(cat "$T/first")" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":1,"window":[1],"missing":[],"note":"x"}' ]
	[ $(( ($(cat "$T/t") - start) / 1000000 )) -lt 3000 ]
	[ "$(cat "$T/rest")" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":2,"window":[2],"missing":[],"note":"open\nclosed"}' ]
}

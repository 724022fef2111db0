#!/usr/bin/env bats
# The fuzz targets' entry points, built without libFuzzer, over every seed
# and every input that once crashed them (tests/fuzz/corpus/NAME/): under
# make check-asan this is the sanitizer regression run.

bats_require_minimum_version 1.5.0

replay() {
	local n=$1
	run "$FCVAE_BUILD/fuzz/replay-$n" "$FCVAE_TOP"/tests/fuzz/corpus/"$n"/*
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[${#lines[@]}-1]}" = "$(ls "$FCVAE_TOP/tests/fuzz/corpus/$n" | wc -l) inputs" ]
}

@test "fuzz replay: NDJSON records" { replay ndjson; }
@test "fuzz replay: CSV records" { replay csv; }
@test "fuzz replay: kcat envelopes" { replay kcat; }
@test "fuzz replay: timestamps and durations" { replay time; }
@test "fuzz replay: model files" { replay model; }
@test "fuzz replay: fcvae-window state files" { replay state; }

@test "NaN and Infinity in pass-through fields are written as null" {
	# found by fuzz-ndjson: the payload reader allows them, JSON does not
	printf '\0{"ts":1,"key":"k","x":NaN}' >"$BATS_TEST_TMPDIR/in"
	run "$FCVAE_BUILD/fuzz/replay-ndjson" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	printf '\0{"ts":1,"key":"k","x":[1,NaN,{"y":-Infinity}]}' >"$BATS_TEST_TMPDIR/in"
	run "$FCVAE_BUILD/fuzz/replay-ndjson" "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	echo '{"ts":1,"key":"k","x":[1,NaN,{"y":-Infinity}],"value":2}' | fcvae-window --window 1 >"$BATS_TEST_TMPDIR/out"
	jq -e '.x == [1,null,{"y":null}] and .value == 2' "$BATS_TEST_TMPDIR/out"
}

@test "a damaged state file is refused with a message, not a hang (found by fuzz-state)" {
	# the watermark 55 years behind the latest record: the next record would
	# close every hour in between for every series
	# (a hang is killed by timeout: status 124)
	# (a copy: a run takes a lock beside its state, not in the checkout)
	cp "$FCVAE_TOP/tests/fuzz/corpus/state/timeout-frontier-55-years-behind" "$BATS_TEST_TMPDIR/behind"
	run timeout 60 fcvae-window --agg sum --window 2 --state "$BATS_TEST_TMPDIR/behind" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *'line 1: damaged state: "maxts" or "frontier" out of range' ]]
	cmp "$BATS_TEST_TMPDIR/behind" "$FCVAE_TOP/tests/fuzz/corpus/state/timeout-frontier-55-years-behind"
	printf '%s\n' '{"fcvae_window_state":1,"agg":"sum","bucket":3600,"window":2,"revise":false,"maxts":1740463200,"frontier":1740463200,"offsets":[]}' \
		'{"key":"a","next":1e300,"seen":6,"ring":[1,2],"open":[]}' >"$BATS_TEST_TMPDIR/state"
	run timeout 60 fcvae-window --agg sum --window 2 --state "$BATS_TEST_TMPDIR/state" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *'line 2: bad series entry' ]]
}

@test "kcat envelopes with a partition or offset out of range are bad envelopes (found by fuzz-kcat)" {
	printf '%s\n' '{"topic":"tx","partition":0,"offset":1e80,"ts":1740441600000,"key":"a","payload":"{\"ts\":1740441600,\"value\":3}"}' \
		'{"topic":"tx","partition":-1,"offset":5,"ts":1740441600000,"key":"a","payload":"{\"ts\":1740441600,\"value\":3}"}' \
		'{"topic":"tx","partition":0,"offset":5.5,"ts":1740441600000,"key":"a","payload":"{\"ts\":1740441600,\"value\":3}"}' \
		'{"topic":"tx","partition":0,"offset":5,"ts":1740441600000,"key":"a","payload":"{\"ts\":1740441600,\"value\":3}"}' >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr fcvae-window --kcat --window 1 "$BATS_TEST_TMPDIR/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$stderr" == *"line 1: kcat partition or offset is not a whole number in range"* ]]
	[[ "$stderr" == *"3 input lines rejected: 3 bad envelope"* ]]
}

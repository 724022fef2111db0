#!/usr/bin/env bats
# The fuzz targets' entry points, built without libFuzzer, over every seed
# and every input that once crashed them (tests/fuzz/corpus/NAME/): under
# make check-asan this is the sanitizer regression run.

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

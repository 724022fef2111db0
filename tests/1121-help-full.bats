#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# -h and --version of every program, C and shell alike, on a full disk:
# a write error on standard output is said, exit 1 (SPEC §10).

programs="fcvae-alert fcvae-calibrate fcvae-eval fcvae-gen fcvae-plot fcvae-protocol fcvae-score fcvae-train
	fcvae-window fcvae-mock-broker fcvae-batch fcvae-benchmark fcvae-stream"

@test "help: -h and --version on a full disk are a write error, exit 1, for every program" {
	[ -w /dev/full ] || skip "no /dev/full"
	for p in $programs; do
		for opt in -h --version; do
			run --separate-stderr "$p" "$opt"
			[ "$status" -eq 0 ]
			[ -n "$output" ]
			run --separate-stderr bash -c "$p $opt >/dev/full"
			echo "$p $opt: $status $stderr"
			[ "$status" -eq 1 ]
			[[ "$stderr" == "$p: "*"write error"* ]]
		done
	done
}

@test "help: fcvae-batch's summary on a full disk is a write error, exit 1" {
	[ -w /dev/full ] || skip "no /dev/full"
	mkdir "$BATS_TEST_TMPDIR/in"
	fcvae-gen --hourly --days 2 --combo Accel/CMP --columns timestamp,value >"$BATS_TEST_TMPDIR/in/a.csv"
	run --separate-stderr bash -c "fcvae-batch --no-plot -m tests/data/seed_models/Accel_CMP.safetensors $BATS_TEST_TMPDIR/in >/dev/full"
	echo "$status $stderr"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-batch: write error on standard output" ]
}

@test "help: fcvae-bench (make bench's) too: -h on a full disk, sections and operands checked, its JSON valid" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr bash -c "fcvae-bench -h >/dev/full"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fcvae-bench: write error"* ]]
	run -2 --separate-stderr fcvae-bench -s scorin
	[ "$stderr" = "fcvae-bench: --sections: 'scorin' is not a list of kernels, scoring and training" ]
	run -2 --separate-stderr fcvae-bench x
	[ "$stderr" = "fcvae-bench: takes no operands ('x')" ]
	# a model path with a quote in it is a JSON string still
	cp tests/data/seed_models/Star_CMP.safetensors "$BATS_TEST_TMPDIR/a\"b.safetensors"
	fcvae-bench -q -r 1 -s kernels -m "$BATS_TEST_TMPDIR/a\"b.safetensors" >"$BATS_TEST_TMPDIR/b.json"
	jq -e --arg m "$BATS_TEST_TMPDIR/a\"b.safetensors" '.model == $m and (.figures | length) > 0' "$BATS_TEST_TMPDIR/b.json"
}

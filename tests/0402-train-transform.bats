#!/usr/bin/env bats
# fcvae-train --transform sqrt: the model keeps it, its scaler is the roots',
# and fcvae-score reads raw values and reports expected and band in them.

load helpers/train

setup() {
	tmp=$(mktemp -d)
	train_windows 6
}

teardown() {
	rm -rf "$tmp"
}

@test "train: --transform sqrt fits the scaler on the roots and keeps the transform" {
	fcvae-train -q --epochs 2 --transform sqrt -o "$tmp/m.safetensors" -V "$tmp/valid" "$tmp/train"
	scaler_fitted "$tmp/m.safetensors" sqrt
	meta "$tmp/m.safetensors" scaler | jq -e '.transform == "sqrt"'
	# none is the default and is not written
	fcvae-train -q --epochs 2 -o "$tmp/a" -V "$tmp/valid" "$tmp/train"
	fcvae-train -q --epochs 2 --transform none -o "$tmp/b" -V "$tmp/valid" "$tmp/train"
	cmp "$tmp/a" "$tmp/b"
	meta "$tmp/a" scaler | jq -e 'has("transform") | not'
	# a constant series is named by its value, not its root
	jq -c '.window |= map(49) | .value = 49' "$tmp/train" >"$tmp/const"
	run fcvae-train -q --transform sqrt -o "$tmp/c" "$tmp/const"
	[ "$status" -eq 1 ]
	[[ "$output" == *"(every value 49)"* ]]
	run fcvae-train -q --transform log -o "$tmp/c" "$tmp/train"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--transform: 'log' is not none or sqrt"* ]]
}

# $tmp/t trained with --transform sqrt, and $tmp/r the same way on the
# roots of the same windows given by hand ($tmp/rtrain, $tmp/rvalid).
sqrt_and_roots() {
	jq -c '.value |= sqrt | .window |= map(sqrt)' "$tmp/train" >"$tmp/rtrain"
	jq -c '.value |= sqrt | .window |= map(sqrt)' "$tmp/valid" >"$tmp/rvalid"
	fcvae-train -q --epochs 3 --transform sqrt -o "$tmp/t" -V "$tmp/valid" "$tmp/train"
	fcvae-train -q --epochs 3 -o "$tmp/r" -V "$tmp/rvalid" "$tmp/rtrain"
}

@test "train: --transform sqrt is the same training as roots given by hand" {
	# the transform is applied to the records' values before anything else
	sqrt_and_roots
	[ "$(meta "$tmp/t" scaler | jq -c 'del(.transform)')" = "$(meta "$tmp/r" scaler)" ]
	# the tensors, everything after the header, are the same bytes
	cmp <(tensors "$tmp/t") <(tensors "$tmp/r")
}

@test "score: a sqrt model reports expected and band in raw units, the band the square of the roots' band" {
	sqrt_and_roots
	# the same scores; expected, lower and upper are the squares of the
	# root model's (as float32 in the records: to 1e-5 relative)
	fcvae-score -m "$tmp/t" "$tmp/valid" 2>/dev/null >"$tmp/st"
	fcvae-score -m "$tmp/r" "$tmp/rvalid" 2>/dev/null >"$tmp/sr"
	[ "$(wc -l <"$tmp/st")" -eq 41 ]
	jq -s -e --slurpfile r "$tmp/sr" '
		def close(a; b): ((a - b) | fabs) <= 1e-5 * ((b | fabs) + 1);
		[range(length) as $i | .[$i] as $t | $r[$i] as $q |
		 $t.score == $q.score and close($t.expected; $q.expected * $q.expected) and
		 close($t.lower; $q.lower * ($q.lower | fabs)) and close($t.upper; $q.upper * $q.upper) and
		 $t.lower <= $t.expected and $t.expected <= $t.upper] | all' "$tmp/st"
	# the band is wider above than below, as a count's noise is
	jq -s -e 'all(.[]; .upper - .expected > .expected - .lower)' "$tmp/st"
}

@test "protocol: --transform sqrt is the same run as on roots given by hand" {
	# a wave of counts with a labelled spike at minute 180 (test part), and
	# the same file with the roots of its values
	mkdir -p "$tmp/raw" "$tmp/roots"
	awk 'BEGIN { print "timestamp,value,label"
		for (i = 0; i <= 202; i++) {
			v = int(100 + 60 * sin(i / 3)); l = 0
			if (i == 180) { v *= 4; l = 1 }
			printf "%d,%d,%d\n", 1700000000 + 60 * i, v, l
		} }' >"$tmp/raw/a.csv"
	awk -F, 'NR == 1 { print; next } { printf "%s,%.17g,%s\n", $1, sqrt($2), $3 }' "$tmp/raw/a.csv" >"$tmp/roots/a.csv"
	small="-q --window 8 --kernel 4 --stride 2 --latent 4 --condition 4 --d-model 8 --d-inner 16 --heads 2
		--hidden 16 --epochs 1 --iterations 1 --samples 2 --random-draws 2"
	for d in raw roots; do
		tf=none
		[ $d = raw ] && tf=sqrt
		fcvae-protocol $small --honest --transform $tf --scores "$tmp/$d.scores" --format json "$tmp/$d" \
			>"$tmp/$d.json"
	done
	jq -e '.transform == "sqrt"' "$tmp/raw.json"
	jq -e '.transform == "none"' "$tmp/roots.json"
	# every window scores the same, and every figure of the report is the same
	[ "$(wc -l <"$tmp/raw.scores")" -gt 100 ]
	cmp <(jq -c '[.ts, .score]' "$tmp/raw.scores") <(jq -c '[.ts, .score]' "$tmp/roots.scores")
	figures='del(.transform, .timing, .data)'
	[ "$(jq -c "$figures" "$tmp/raw.json")" = "$(jq -c "$figures" "$tmp/roots.json")" ]
	# --scores says the raw value, the CSV's count (it said its root) ...
	spike=$(awk -F, '$1 == 1700000000 + 60 * 180 { print $2 }' "$tmp/raw/a.csv")
	jq -s -e --argjson v "$spike" 'all(.[]; .value == (.value | floor)) and
		(map(select(.ts == 1700000000 + 60 * 180)) | length == 1 and .[0].value == $v)' "$tmp/raw.scores"
	# ... and read back gives the same figures
	fcvae-protocol $small --honest --transform sqrt --from-scores "$tmp/raw.scores" --format json "$tmp/raw" \
		>"$tmp/back.json"
	[ "$(jq -c '.pooled, [.per_file[].model]' "$tmp/raw.json")" = "$(jq -c '.pooled, [.per_file[].model]' "$tmp/back.json")" ]
	run fcvae-protocol --transform log "$tmp/raw"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--transform: 'log' is not none or sqrt"* ]]
}

#!/usr/bin/env bats
# fcvae-train --clip-x: the model keeps its clip and fcvae-score clips there.

load helpers/train

setup() {
	tmp=$(mktemp -d)
	train_windows 6
	# a whole-number scaler near the data's, given by hand: the raw value
	# of a standardised one is then exact (M + z·S)
	M=$(jq -s '[.[].value] | add / length | round' "$tmp/hourly")
	S=$(jq -s '[.[].value] | (add / length) as $m | map((. - $m) * (. - $m)) | add / length | sqrt | round' \
		"$tmp/hourly")
}

teardown() {
	rm -rf "$tmp"
}

# The score of the last training window with its last point at M + z·S.
score_at() {
	tail -n 1 "$tmp/train" |
		jq -c --argjson v "$(jq -n --argjson m "$M" --argjson s "$S" --argjson z "$2" '$m + $z * $s')" \
			'.value = $v | .window[23] = $v' |
		fcvae-score -m "$1" 2>/dev/null | jq .score
}

@test "train: --clip-x X is kept in the model, and fcvae-score clips at X" {
	fcvae-train -q --epochs 2 --scaler "$M,$S" --clip-x 2 -o "$tmp/m2.safetensors" "$tmp/train"
	# 50 standard deviations out scores as 2 out, its clipped value, on
	# either side; inside the clip the value still counts
	far=$(score_at "$tmp/m2.safetensors" 50)
	at=$(score_at "$tmp/m2.safetensors" 2)
	in=$(score_at "$tmp/m2.safetensors" 1)
	echo "z 50: $far, z 2: $at, z 1: $in"
	[ -n "$far" ]
	[ "$far" = "$at" ]
	[ "$in" != "$at" ]
	far=$(score_at "$tmp/m2.safetensors" -50)
	at=$(score_at "$tmp/m2.safetensors" -2)
	echo "z -50: $far, z -2: $at"
	[ -n "$far" ]
	[ "$far" = "$at" ]
	meta "$tmp/m2.safetensors" scaler | jq -e --argjson m "$M" --argjson s "$S" \
		'. == {mean: $m, std: $s, clip: 2}'
}

@test "train: at the default clip the scaler has no clip, and scoring clips at 40" {
	fcvae-train -q --epochs 1 --scaler "$M,$S" -o "$tmp/m.safetensors" "$tmp/train"
	fcvae-train -q --epochs 1 --scaler "$M,$S" --clip-x 40 -o "$tmp/m40.safetensors" "$tmp/train"
	cmp "$tmp/m.safetensors" "$tmp/m40.safetensors"
	meta "$tmp/m.safetensors" scaler | jq -e --argjson m "$M" --argjson s "$S" '. == {mean: $m, std: $s}'
	far=$(score_at "$tmp/m.safetensors" 100)
	at=$(score_at "$tmp/m.safetensors" 40)
	near=$(score_at "$tmp/m.safetensors" 39)
	echo "z 100: $far, z 40: $at, z 39: $near"
	[ -n "$far" ]
	[ "$far" = "$at" ]
	[ "$near" != "$at" ]
}

@test "score: a model whose clip is not a finite positive number is refused, naming the file" {
	fcvae-train -q --epochs 1 --scaler "$M,$S" --clip-x 12345 -o "$tmp/m.safetensors" "$tmp/train"
	# the clip written in place of 12345: refused, naming the file, saying why
	refused() {
		perl -0777 -pe "s/12345/$1/" "$tmp/m.safetensors" >"$tmp/bad.safetensors"
		run fcvae-score -m "$tmp/bad.safetensors" "$tmp/train"
		echo "$1: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"$tmp/bad.safetensors: scaler \"clip\" $2"* ]]
	}
	for bad in 0.000 -2.00 1e999 'null '; do
		refused "$bad" "is not a finite positive number"
	done
	# nor one beyond a million standard deviations (fcvae-train's bound)
	for far in 2e+06 1e+30; do
		refused "$far" "$far is beyond 1e+06 standard deviations"
	done
	run fcvae-score -m "$tmp/m.safetensors" "$tmp/train"
	[ "$status" -eq 0 ]
}

@test "train: --clip-x beyond a million standard deviations is a usage error" {
	run fcvae-train -q --epochs 1 --clip-x 1e30 -o "$tmp/m.safetensors" "$tmp/train"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--clip-x: 1e+30 is not from 1e-06 to 1e+06"* ]]
	[ ! -e "$tmp/m.safetensors" ]
	fcvae-train -q --epochs 1 --clip-x 1e6 -o "$tmp/m.safetensors" "$tmp/train"
	[ "$(meta "$tmp/m.safetensors" scaler | jq .clip)" = 1000000 ]
}

@test "protocol: --clip-x X clips in scoring as in training" {
	# a wave with a labelled spike at minute 180 (test part), 20 or 5 up:
	# with the train part's statistics (std 0.7) both are beyond 2
	for up in 20 5; do
		mkdir -p "$tmp/$up"
		awk -v up=$up 'BEGIN { print "timestamp,value,label"
			for (i = 0; i <= 202; i++) {
				v = 10 + sin(i / 3); l = 0
				if (i == 180) { v += up; l = 1 }
				printf "%d,%.6f,%d\n", 1700000000 + 60 * i, v, l
			} }' >"$tmp/$up/a.csv"
		fcvae-protocol -q --window 8 --kernel 4 --stride 2 --latent 4 --condition 4 --d-model 8 \
			--d-inner 16 --heads 2 --hidden 16 --epochs 1 --iterations 1 --samples 2 --random-draws 2 \
			--honest --clip-x 2 --scores "$tmp/$up.scores" "$tmp/$up" >/dev/null
		jq -c '[.ts, .score]' "$tmp/$up.scores" >"$tmp/$up.ts-score"
	done
	# the windows holding the spike score alike: it reaches the model as 2 in both
	[ "$(wc -l <"$tmp/20.ts-score")" -gt 100 ]
	cmp "$tmp/20.ts-score" "$tmp/5.ts-score"
}

#!/usr/bin/env bats
# scripts/seed-quality and scripts/seed-study: the seed's test split scored
# with thresholds from its validation split, and the same on other data sets
# of the seed's kind.

setup() {
	tmp=$(mktemp -d)
	bin=$(dirname "$(command -v fcvae-train)")
}

teardown() {
	rm -rf "$tmp"
}

@test "seed-quality: the shipped models give README.md's totals" {
	[ -d models ] || skip "no models/ (make models)"
	run env FCVAE_BIN="$bin" sh scripts/seed-quality
	[ "$status" -eq 0 ]
	# eight rows (ours and the original's, four combos) and the totals
	[ "$(echo "$output" | grep -cE '^(ours|original) ')" -eq 8 ]
	total=${output##*total: }
	grep -F "In all: $total" README.md
	# ours at make-models' 3 deviations, the original's at best point F1 on validation
	[ "$(echo "$output" | awk '$1 == "ours" { print $3 }' | sort -u)" = -9 ]
	[ "$(echo "$output" | awk '$1 == "original" && $3 != -9' | wc -l)" -eq 4 ]
	run env FCVAE_BIN="$bin" ORIGINAL_CALIBRATE_OPTS="--deviations 2" sh scripts/seed-quality
	[ "$(echo "$output" | awk '$1 == "original" { print $3 }' | sort -u)" = -4 ]
	# ours at the threshold written in each model, not one chosen anew
	mkdir "$tmp/m"
	cp models/*.safetensors "$tmp/m"
	echo '{"score":-1,"label":0}' | fcvae-calibrate -m "$tmp/m/Star_CMP.safetensors" --deviations 2 >/dev/null
	run env FCVAE_BIN="$bin" sh scripts/seed-quality "$tmp/m" none
	[ "$(echo "$output" | awk '$1 == "ours" { print $2, $3 }' | sort | tr '\n' ,)" = "Accel/CMP -9,Accel/no-pin -9,Star/CMP -4,Star/no-pin -9," ]
}

@test "seed-quality: ORIGINAL none, GEN_SEED and CALIBRATE_OPTS" {
	[ -d models ] || skip "no models/ (make models)"
	run env FCVAE_BIN="$bin" GEN_SEED=3 CALIBRATE_OPTS="--beyond-normal 1.4 --clean-after 23" \
		sh scripts/seed-quality models none
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^ours ')" -eq 4 ]
	[ "$(echo "$output" | grep -c '^original ')" -eq 0 ]
	# and no "original 0/0" in the totals
	echo "$output" | tail -n 1 | grep -E '^total: ours [0-9]+/12 events, [0-9]+ false-positive hours$'
	# another data set, another threshold rule: other thresholds than the seed's
	seed=$(env FCVAE_BIN="$bin" sh scripts/seed-quality models none | awk '$1 == "ours" { print $3 }')
	other=$(echo "$output" | awk '$1 == "ours" { print $3 }')
	[ "$seed" != "$other" ]
}

@test "seed-study: one line per rule over the data sets it trained on" {
	run env FCVAE_BIN="$bin" OUT="$tmp/out" TRAIN_OPTS="--epochs 1" sh scripts/seed-study 3
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	echo "$output" | sed -n 1p | grep -E '^best point F1 +[0-4]/4 combos meet the target, [0-9]+/12 events, [0-9]+ false-positive hours$'
	echo "$output" | sed -n 2p | grep -E '^--beyond-normal 1.4 --clean-after 23 +[0-4]/4 combos'
	echo "$output" | sed -n 3p | grep -E '^--deviations 3.0 +[0-4]/4 combos'
	[ "$(ls "$tmp/out/g3" | wc -l)" -eq 4 ]
}

@test "seed-quality: SCORE_OPTS score validation and test alike" {
	[ -d models ] || skip "no models/ (make models)"
	# best point F1, whose thresholds follow the validation scores
	run env FCVAE_BIN="$bin" CALIBRATE_OPTS= SCORE_OPTS="--single-pass --samples 4" sh scripts/seed-quality models none
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^ours ')" -eq 4 ]
	# other scores, so other thresholds than the default scoring's
	seed=$(env FCVAE_BIN="$bin" CALIBRATE_OPTS= sh scripts/seed-quality models none | awk '$1 == "ours" { print $3 }')
	other=$(echo "$output" | awk '$1 == "ours" { print $3 }')
	[ "$seed" != "$other" ]
	# and a bad option is fcvae-score's usage error, not a table
	run env FCVAE_BIN="$bin" SCORE_OPTS="--samples 0" sh scripts/seed-quality models none
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-score: --samples: '0' is not a whole number from 1 to 1000000" ]
}

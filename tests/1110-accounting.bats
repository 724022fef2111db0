#!/usr/bin/env bats
# Nothing lost, nothing doubled: a stream with 1% bad lines (random bytes,
# cut lines, wrong types, duplicates, out-of-order and late records) through
# fcvae-window | fcvae-score. Every good record is in the output once (or,
# for a series' first W-1 buckets, held as warm-up), every bad one counted
# under its reason, and the counts add up to the input. 50k lines here;
# make stress runs 1M (FCVAE_STRESS=1).

bats_require_minimum_version 1.5.0

setup_file() {
	# 5000 under valgrind (make check-valgrind), which is some 50 times slower
	export N=$([ -n "${FCVAE_STRESS:-}" ] && echo 1000000 || { [ -n "${FCVAE_VALGRIND:-}" ] && echo 5000; } || echo 50000)
	export D=$BATS_FILE_TMPDIR
	LC_ALL=C awk -v n="$N" -v s=40 -v w=4 -v bad=0.01 -v seed=11 -v expfile="$D/expected" -v counts="$D/counts" \
		-f "$FCVAE_TOP/tests/helpers/garbage-stream.awk" >"$D/in"
	# a small model of window 4 trained on clean windows
	fcvae-gen --hourly --days 10 --combo Accel/CMP --format ndjson | fcvae-window --window 4 >"$D/train"
	fcvae-train -q -o "$D/m.safetensors" --latent 2 --condition 2 --d-model 4 --d-inner 4 --heads 1 \
		--kernel 2 --stride 2 --hidden 4 --epochs 1 "$D/train"
}

count() { awk -v k="$1" '{ v = $NF; $NF = ""; sub(/ $/, "") } $0 == k { print v; f = 1 } END { if (!f) print 0 }' "$D/counts"; }

# the number before a phrase in a summary line, or 0
num() { grep -o "[0-9]* $1" <<<"$2" | grep -o '^[0-9]*' || echo 0; }

@test "accounting: every input line is in the output once, counted as bad, late, or warm-up" {
	run --separate-stderr bash -c 'set -o pipefail; fcvae-window --window 4 "$D/in" 2>"$D/win.err" |
		fcvae-score -m "$D/m.safetensors" -n 2 -i 1 >"$D/out" 2>"$D/score.err"'
	[ "$status" -eq 0 ]
	[ "$(wc -l <"$D/in")" -eq "$N" ]
	wsum=$(tail -n 1 "$D/win.err")
	ssum=$(tail -n 1 "$D/score.err")
	echo "$wsum"; echo "$ssum"
	# each bad line reported on its own line, the first 10 of a reason (the
	# 11th, 100th, 1000th ... say that the rest are counted only), then the summary
	per_reason=$(sed 's/.*input lines rejected: //' <<<"$wsum" | tr ',' '\n')
	said=$(awk '{ s += $1 > 10 ? 11 : $1; for (p = 100; p <= $1; p *= 10) s++ } END { print s }' <<<"$per_reason")
	over=$(awk '{ s += $1 > 10 } END { print s + 0 }' <<<"$per_reason")
	[ "$over" -gt 0 ]
	[ "$(grep -c "^fcvae-window: $D/in line [0-9]*: " "$D/win.err")" -eq "$said" ]
	[ "$(grep -c "^fcvae-window: $D/in line [0-9]*: \"[a-zA-Z ]*\" again (11 lines): further ones are counted, not printed" "$D/win.err")" -eq "$over" ]
	# every reason with its count
	for r in "not JSON" "bad value" "bad ts" "bad key" "not an object"; do
		[ "$(count "$r")" -gt 0 ]
		[ "$(num "$r" "$wsum")" -eq "$(count "$r")" ]
	done
	[ "$(num 'late records dropped' "$wsum")" -eq "$(count late)" ]
	# records (good + late) and rejects add up to the input
	records=$(num records "$wsum")
	rejected=$(num 'input lines rejected' "$wsum")
	[ $((records + rejected)) -eq "$N" ]
	[ "$records" -eq $(($(count good) + $(count late))) ]
	# windows = good records less the warm-up; all scored
	[ "$(num windows "$wsum")" -eq $(($(count good) - $(count warm-up))) ]
	[ "$(num 'records scored' "$ssum")" -eq "$(wc -l <"$D/expected")" ]
	# and each good record's own line is there once: its seq, sorted, equal
	jq -r .seq "$D/out" | sort -n | cmp - <(sort -n "$D/expected")
	# every output line is a scored record
	[ "$(jq -c 'select(.score and .expected and (.window | not))' "$D/out" | wc -l)" -eq "$(wc -l <"$D/expected")" ]
}

@test "accounting: --strict stops at the first bad line with exit 3, after writing what came before" {
	first=$(LC_ALL=C awk '!/^\{"ts":[0-9]*,"key":"s[0-9]*","value":[0-9]*,("label":[01],)?"seq":[0-9]*\}$/ { print NR; exit }' "$D/in")
	[ "$first" -gt 1 ]
	head -n "$first" "$D/in" >"$D/head"
	run --separate-stderr bash -c 'fcvae-window --strict --window 4 "$D/in" | fcvae-score -m "$D/m.safetensors" -n 2 -i 1 --strict >"$D/out.strict"; echo "${PIPESTATUS[*]}"'
	[ "$output" = "3 0" ]
	[[ "$stderr" == *"fcvae-window: $D/in line $first: "* ]]
	# the same as the windows of the lines before it
	fcvae-window --window 4 --no-flush <(head -n $((first - 1)) "$D/in") | fcvae-score -m "$D/m.safetensors" -n 2 -i 1 |
		cmp - "$D/out.strict"
	# fcvae-score --strict on a bad window record
	{ fcvae-window --window 4 <(head -n 200 "$D/in" | grep '"seq"') 2>/dev/null | head -n 3; echo '{"key":"s1","ts":"x"}'; } >"$D/bad.win"
	run --separate-stderr fcvae-score -m "$D/m.safetensors" -n 2 -i 1 --strict "$D/bad.win"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *"line 4: "* ]]
	run --separate-stderr fcvae-score -m "$D/m.safetensors" -n 2 -i 1 "$D/bad.win"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *"1 input line rejected"* ]]
}

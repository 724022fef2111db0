#!/usr/bin/env bats
# fcvae-train: options, bad input, the scaler, repeatability, progress, man page.

load helpers/man
load helpers/train

setup() {
	tmp=$(mktemp -d)
	train_windows "${DAYS:-6}"
}

teardown() {
	rm -rf "$tmp"
}

@test "train: --help, --version and usage errors" {
	run fcvae-train --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-train --version
	[ "$status" -eq 0 ]
	run fcvae-train "$tmp/train"
	[ "$status" -eq 2 ]
	[[ "$output" == *"give -o MODEL"* ]]
	run fcvae-train --bogus -o "$tmp/m"
	[ "$status" -eq 2 ]
	run fcvae-train -o "$tmp/m" --hidden 64,x "$tmp/train"
	[ "$status" -eq 2 ]
	run fcvae-train -o "$tmp/m" --lr -1 "$tmp/train"
	[ "$status" -eq 2 ]
	# an empty MEAN or STD is no 0
	run fcvae-train -q -o "$tmp/m" --scaler ,1 "$tmp/train"
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-train: --scaler: ',1' is not MEAN,STD" ]
	run fcvae-train -q -o "$tmp/m" --scaler 1, "$tmp/train"
	[ "$status" -eq 2 ]
	# options that make every run diverge, whatever the --lr: said as
	# usage errors, not as a divergence a lower --lr may help
	run fcvae-train -q -o "$tmp/m" --epochs 2 --adam-eps 0 "$tmp/train"
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-train: --adam-eps: must be above 0 (Adam's first step would divide 0 by it)" ]
	run fcvae-train -q -o "$tmp/m" --epochs 2 --eta-min 10 "$tmp/train"
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-train: --eta-min: 10 is above --lr 0.0005: the rate anneals from --lr down to --eta-min" ]
	[ ! -e "$tmp/m" ]
	# a floor equal to the rate: the rate kept
	fcvae-train -q -o "$tmp/fixed" --epochs 1 --lr 1e-3 --eta-min 1e-3 "$tmp/train"
	run fcvae-train -o "$tmp/m" --kernel 9 "$tmp/train"
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-train: bad model configuration: kernel 9 must be even and at least 2" ]
	# a kernel the records' windows are too short for: the option's fault
	# (exit 2), said so, whether the window is given or the records'
	# (the first record's said, the others counted)
	run fcvae-train -q -o "$tmp/m" --kernel 24 "$tmp/train"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "fcvae-train: $tmp/train line 1: \"window\" has 24 points: kernel 24 must be below the window (24 points)" ]
	[ "${lines[1]}" = "fcvae-train: --kernel 24 does not fit the training windows of 24 points: it must be below the window" ]
	[ "${lines[2]}" = "fcvae-train: training data: 80 input lines rejected: 80 window length" ]
	run fcvae-train -q -o "$tmp/m" --kernel 24 --window 24 "$tmp/train"
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-train: bad model configuration: kernel 24 must be below the window (24 points)" ]
	run fcvae-train -o "$tmp/m" --window 23 "$tmp/train"
	[ "$status" -eq 2 ]
	[ ! -e "$tmp/m" ]
}

@test "train: a model with the fitted scaler, config and training summary" {
	run fcvae-train -q --epochs 2 -o "$tmp/m.safetensors" -V "$tmp/valid" "$tmp/train"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	scaler_fitted "$tmp/m.safetensors"
	meta "$tmp/m.safetensors" config | jq -e '.window == 24 and .latent_dim == 8 and .hidden_dims == [64, 64]'
	meta "$tmp/m.safetensors" training | jq -e '.series == "Accel/CMP" and .train_windows == 80 and
		.validation_windows == 41 and .epochs == 2 and (.val_loss | length) == 2 and .seed == 42'
	# a new file's mode is the umask's, as open(2) gives it (it was 0644
	# whatever the umask); one replaced keeps its own
	[ "$(stat -c %a "$tmp/m.safetensors")" = "$(printf '%o' $((0666 & ~$(umask))))" ]
	(umask 077 && fcvae-train -q --epochs 1 -o "$tmp/private.safetensors" "$tmp/train")
	[ "$(stat -c %a "$tmp/private.safetensors")" = 600 ]
	chmod 640 "$tmp/private.safetensors"
	fcvae-train -q --epochs 1 -o "$tmp/private.safetensors" "$tmp/train"
	[ "$(stat -c %a "$tmp/private.safetensors")" = 640 ]
}

@test "train: the same seed gives the same bytes, another seed others" {
	fcvae-train -q --epochs 2 -o "$tmp/a" -V "$tmp/valid" "$tmp/train"
	fcvae-train -q --epochs 2 -o "$tmp/b" -V "$tmp/valid" <"$tmp/train"
	cmp "$tmp/a" "$tmp/b"
	fcvae-train -q --epochs 2 --seed 7 -o "$tmp/c" -V "$tmp/valid" "$tmp/train"
	# the weights, not only the seed the metadata records
	run ! cmp -s <(tensors "$tmp/a") <(tensors "$tmp/c")
}

@test "train: the same bytes on any CPU with AVX2, whatever kernels OpenBLAS would pick" {
	grep -qw avx2 /proc/cpuinfo || skip "no AVX2: OpenBLAS's kernels are not fixed"
	# OpenBLAS's own pick differs from Haswell's on an AVX-512 machine
	# (Cooperlake, SkylakeX): unset must give what Haswell's kernels give
	env -u OPENBLAS_CORETYPE fcvae-train -q --epochs 2 -o "$tmp/a" "$tmp/train"
	OPENBLAS_CORETYPE=Haswell fcvae-train -q --epochs 2 -o "$tmp/b" "$tmp/train"
	cmp "$tmp/a" "$tmp/b"
	# a choice of one's own is kept: Prescott's (SSE3) kernels, which every
	# x86-64 with AVX2 runs, round these products otherwise
	OPENBLAS_CORETYPE=Prescott fcvae-train -q --epochs 2 -o "$tmp/c" "$tmp/train"
	run ! cmp -s <(tensors "$tmp/b") <(tensors "$tmp/c")
}

@test "train: --level-shifts is recorded in the model when used, and changes the training" {
	fcvae-train -q --epochs 2 -o "$tmp/a" "$tmp/train"
	meta "$tmp/a" training | jq -e '.options | has("level_shifts") | not'
	fcvae-train -q --epochs 2 --level-shifts 0.5,0.2 -o "$tmp/b" "$tmp/train"
	meta "$tmp/b" training | jq -e '.options.level_shifts == 0.5 and .options.level_size == 0.2'
	fcvae-train -q --epochs 2 --level-shifts 0.5 -o "$tmp/c" "$tmp/train"
	meta "$tmp/c" training | jq -e '.options.level_size == 0.3'
	# the weights, not only the options the metadata records
	run ! cmp -s <(tensors "$tmp/a") <(tensors "$tmp/c")
	run fcvae-train -q --epochs 2 --level-shifts 0.5,0.95 -o "$tmp/d" "$tmp/train"
	[ "$status" -eq 2 ]
	[[ "$output" == "fcvae-train: --level-shifts"* ]]
	run fcvae-train -q --epochs 2 --level-shifts x -o "$tmp/d" "$tmp/train"
	[ "$status" -eq 2 ]
	[ ! -e "$tmp/d" ]
}

@test "train: --recent-anomalies is recorded in the model when used, and changes the training" {
	fcvae-train -q --epochs 2 -o "$tmp/a" "$tmp/train"
	meta "$tmp/a" training | jq -e '.options | has("recent_anomalies") | not'
	fcvae-train -q --epochs 2 --recent-anomalies 0.2 -o "$tmp/b" "$tmp/train"
	meta "$tmp/b" training | jq -e '.options.recent_anomalies == 0.2'
	run ! cmp -s <(tensors "$tmp/a") <(tensors "$tmp/b")
	run fcvae-train -q --epochs 2 --recent-anomalies -1 -o "$tmp/d" "$tmp/train"
	[ "$status" -eq 2 ]
	[[ "$output" == "fcvae-train: --recent-anomalies"* ]]
	[ ! -e "$tmp/d" ]
}

@test "train: any config of SPEC §2 by options" {
	jq -s -c 'range(31; length) as $i | .[$i] + {window: [.[$i - 31:$i + 1][].value], missing: []}' \
		"$tmp/hourly" >"$tmp/w32"
	fcvae-train -q --epochs 1 -o "$tmp/m" --latent 4 --condition 8 --d-model 32 --d-inner 64 \
		--heads 2 --kernel 12 --stride 4 --hidden 48,40 --dropout 0.1 "$tmp/w32"
	meta "$tmp/m" config | jq -e '.window == 32 and .latent_dim == 4 and .condition_emb_dim == 8 and
		.d_model == 32 and .d_inner == 64 and .n_head == 2 and .kernel_size == 12 and .stride == 4 and
		.hidden_dims == [48, 40]'
}

@test "train: progress on stderr, one line per epoch when not a terminal" {
	run fcvae-train --epochs 3 --patience 0 -o "$tmp/m" -V "$tmp/valid" "$tmp/train"
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(echo "$output" | grep -c '^fcvae-train: epoch [123]/3 loss .* val .* windows/s ETA')" -eq 3 ]
	[[ "$output" == *"wrote $tmp/m"* ]]
}

@test "train: on a terminal, an error after an epoch cut short starts a line of its own" {
	command -v script >/dev/null || skip "no script(1)"
	run script -qec "fcvae-train --epochs 3 --lr 1000 --clip 0 -o '$tmp/m' '$tmp/train'" /dev/null
	[ "$status" -eq 1 ]
	echo "$output" | cat -A
	[[ "$output" == *$'\r\nfcvae-train: training diverged at epoch 1'* ]]
}

@test "train: the last line says which epoch's model was written, and its loss" {
	run fcvae-train --epochs 2 -o "$tmp/m" "$tmp/train"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "fcvae-train: wrote $tmp/m: 2 epochs, the last kept (train loss "[0-9]*"; no validation), "* ]]
	# -V without a usable window is no validation either
	echo '{"ts":"2025-01-06T00:00:00Z","window":[1,2]}' >"$tmp/short"
	run fcvae-train --epochs 1 -o "$tmp/m" -V "$tmp/short" "$tmp/train"
	[ "$status" -eq 0 ]
	[[ "$output" == *"no validation windows; training without early stopping"* ]]
	[[ "$output" == *"
fcvae-train: wrote $tmp/m: 1 epoch, the last kept (train loss "[0-9]*"; no validation), "* ]]
	[[ "$output" != *nan* ]]
	run fcvae-train --epochs 1 -o "$tmp/m" -V "$tmp/valid" "$tmp/train"
	[[ "${lines[-1]}" == "fcvae-train: wrote $tmp/m: 1 epoch, best 1 (val loss "[0-9]*"), "* ]]
	# early stopping off: the last epoch, whatever its loss
	run fcvae-train --epochs 2 --patience 0 -o "$tmp/m" -V "$tmp/valid" "$tmp/train"
	[[ "${lines[-1]}" == "fcvae-train: wrote $tmp/m: 2 epochs, the last kept (val loss "[0-9.-]*"; best "[12]", "[0-9.-]*"), "* ]]
}

@test "train: without early stopping a star still marks a new best only, and the model names the best epoch" {
	# at this rate the validation loss of epoch 7 is above epoch 6's
	run fcvae-train --epochs 7 --lr 0.05 --patience 0 -o "$tmp/m" -V "$tmp/valid" "$tmp/train"
	[ "$status" -eq 0 ]
	echo "$output"
	# each starred loss below every earlier one, and each unstarred not
	echo "$output" | awk '/ val / { for (i = 1; i < NF; i++) if ($i == "val") v = $(i + 1)
		star = sub(/\*$/, "", v); v += 0; best_here = n == 0 || v < best
		if (star != best_here) bad = 1
		if (best_here) best = v; n++ } END { exit bad || n != 7 }'
	meta "$tmp/m" training | jq -e '.epochs == 7 and .best_epoch < 7 and
		.best_epoch == ([.val_loss | to_entries[] | select(.value == (.value | tostring | tonumber))] | min_by(.value).key + 1) and
		.best_val_loss <= .val_loss[-1]'
	[[ "${lines[-1]}" == "fcvae-train: wrote $tmp/m: 7 epochs, the last kept (val loss "[0-9.]*"; best "[1-6]", "[0-9.]*"), "* ]]
}

@test "train: bad lines are reported with their line number and skipped; --strict stops" {
	{ head -n 2 "$tmp/train"; echo 'not json'; echo '{"ts":"2025-01-06T00:00:00Z","value":1}';
	  echo '{"ts":"2025-01-06T00:00:00Z","window":[1,2,3,4]}'; tail -n +3 "$tmp/train"; } >"$tmp/bad"
	run fcvae-train -q --epochs 1 -o "$tmp/m" "$tmp/bad"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$tmp/bad line 3: not JSON"* ]]
	[[ "$output" == *"$tmp/bad line 4: no \"window\" array"* ]]
	[[ "$output" == *"$tmp/bad line 5: \"window\" has 4 points, not 24"* ]]
	[[ "$output" == *"3 input lines rejected: 1 not JSON, 1 no window, 1 window length"* ]]
	meta "$tmp/m" training | jq -e '.train_windows == 80'
	# an empty window is a window of 0 points, said so before the first
	# record sets the length as after
	{ echo '{"ts":"2025-01-06T00:00:00Z","window":[]}'; cat "$tmp/train"; echo '{"ts":"2025-01-06T00:00:00Z","window":[]}'; } >"$tmp/empty"
	run fcvae-train -q --epochs 1 -o "$tmp/m" "$tmp/empty"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$tmp/empty line 1: \"window\" has 0 points"$'\n'* ]]
	[[ "$output" == *"$tmp/empty line 82: \"window\" has 0 points, not 24"* ]]
	[[ "$output" == *"2 input lines rejected: 2 window length"* ]]
	[[ "$output" != *'no "window" array'* ]]
	# --strict: the first bad line said, nothing after it
	run fcvae-train -q --strict --epochs 1 -o "$tmp/m2" "$tmp/bad"
	[ "$status" -eq 3 ]
	[[ "$output" == "fcvae-train: $tmp/bad line 3: not JSON: "* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$tmp/m2" ]
	# so in the validation records
	run fcvae-train -q --strict --epochs 1 -V "$tmp/bad" -o "$tmp/m2" "$tmp/train"
	[ "$status" -eq 3 ]
	[[ "$output" == "fcvae-train: $tmp/bad line 3: not JSON: "* ]]
	[ "${#lines[@]}" -eq 1 ]
	[ ! -e "$tmp/m2" ]
}

@test "train: the scaler counts every point of windows that share no bucket" {
	# a window a day: the smallest step between window times is a day, yet
	# no two windows share an hour (27 of the 96 points were kept, the rest
	# taken for the same buckets)
	awk 'NR % 24 == 1' "$tmp/train" >"$tmp/daily"
	[ "$(wc -l <"$tmp/daily")" -eq 4 ]
	fcvae-train -q --epochs 1 -o "$tmp/m" "$tmp/daily"
	want=$(jq -s '[.[].window[]] | (add / length) as $m | [$m, ((map((. - $m) * (. - $m)) | add / length) | sqrt)]' \
		"$tmp/daily" | jq -c .)
	got=$(meta "$tmp/m" scaler | jq -c '[.mean, .std]')
	echo "scaler: want $want got $got"
	jq -n --argjson w "$want" --argjson g "$got" \
		'(($w[0] - $g[0]) | fabs) < 1e-9 * $w[0] and (($w[1] - $g[1]) | fabs) < 1e-9 * $w[1]' | grep -qx true
}

@test "train: the window length is the first kept record's, not a rejected one's" {
	{ echo '{"ts":"2025-01-06T00:00:00Z","window":[1,2,"x",4]}'; cat "$tmp/train"; } >"$tmp/bad"
	run fcvae-train -q --epochs 1 -o "$tmp/m" "$tmp/bad"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$tmp/bad line 1: window[2] is not a number"* ]]
	[[ "$output" == *"1 input line rejected: 1 bad window"* ]]
	meta "$tmp/m" training | jq -e '.train_windows == 80'
	# an odd length from the data is the data's fault (exit 1), from
	# --window a usage error (exit 2)
	jq -c '.window |= .[1:]' "$tmp/train" >"$tmp/odd"
	run fcvae-train -q --epochs 1 -o "$tmp/m2" "$tmp/odd"
	[ "$status" -eq 1 ]
	[[ "$output" == *"window 23 must be even"* ]]
	run fcvae-train -q --epochs 1 --window 23 -o "$tmp/m2" "$tmp/odd"
	[ "$status" -eq 2 ]
	[ ! -e "$tmp/m2" ]
	# a first line of a length no model of these options takes (odd, or
	# too short for the kernel) is a bad line, not the length of the rest
	# (the first said, the others counted)
	{ echo '{"ts":0,"window":[1,2,3,4]}'; echo '{"ts":0,"window":[1,2,3]}'; cat "$tmp/train"; } >"$tmp/bad"
	run fcvae-train -q --epochs 1 -o "$tmp/m3" "$tmp/bad"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "fcvae-train: $tmp/bad line 1: \"window\" has 4 points: kernel 8 must be below the window (4 points)" ]
	[ "${lines[1]}" = "fcvae-train: training data: 2 input lines rejected: 2 window length" ]
	meta "$tmp/m3" training | jq -e '.train_windows == 80'
	# nor is another series' length, with --key
	{ echo '{"key":"other","ts":0,"window":[1,2,3,4,5,6,7,8,9,10]}'; cat "$tmp/train"; } >"$tmp/two"
	run fcvae-train -q --epochs 1 -k "$(head -n 1 "$tmp/train" | jq -r .key)" -o "$tmp/m4" "$tmp/two"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	meta "$tmp/m4" training | jq -e '.train_windows == 80'
}

@test "train: an output that cannot be written is said before reading the input" {
	# the input would only give "no training windows": the output comes first
	run fcvae-train -q -o "$tmp/nodir/m" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-train: cannot write $tmp/nodir/m: No such file or directory" ]
	run fcvae-train -q -o "$tmp" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-train: cannot write $tmp: Is a directory" ]
	# the path given and what it met, not "cannot write in DIR" of a
	# directory that is there: a link loop, a socket, a dangling link
	ln -s loop "$tmp/loop"
	run fcvae-train -q -o "$tmp/loop" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-train: cannot write $tmp/loop: Too many levels of symbolic links" ]
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$tmp/sock"
	run fcvae-train -q -o "$tmp/sock" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-train: cannot write $tmp/sock: No such device or address" ]
	ln -s "$tmp/gone/m" "$tmp/dangling"
	run fcvae-train -q -o "$tmp/dangling" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-train: cannot write $tmp/dangling: No such file or directory" ]
	# a bare file name is in the working directory
	cd "$tmp"
	fcvae-train -q --epochs 1 -o m train
	[ -s m ]
}

@test "train: diverging training or an overflowing scaler is an error; no model is written, an old one kept" {
	fcvae-train -q --epochs 1 -o "$tmp/m" "$tmp/train"
	cp "$tmp/m" "$tmp/old"
	run fcvae-train -q --epochs 3 --lr 1000 --clip 0 -o "$tmp/m" "$tmp/train"
	[ "$status" -eq 1 ]
	[[ "$output" == *"training diverged at epoch 1: its training loss is not finite; no model written"* ]]
	cmp "$tmp/m" "$tmp/old"
	# with validation windows too (no epoch's loss finite: none is best)
	run fcvae-train -q --epochs 3 --lr 1000 --clip 0 -o "$tmp/m" -V "$tmp/valid" "$tmp/train"
	[ "$status" -eq 1 ]
	[[ "$output" == *"training diverged at epoch "*"no model written"* ]]
	cmp "$tmp/m" "$tmp/old"
	# values whose squares overflow: the std would be infinite
	jq -c '.window |= map(. * 1e200)' "$tmp/train" >"$tmp/big"
	run fcvae-train -q --epochs 1 -o "$tmp/m" "$tmp/big"
	[ "$status" -eq 1 ]
	[[ "$output" == *'series "Accel/CMP": the training values'"'"' standard deviation overflows'*"--scaler"* ]]
	cmp "$tmp/m" "$tmp/old"
	fcvae-train -q --epochs 1 --transform sqrt -o "$tmp/m" "$tmp/big"
	meta "$tmp/m" scaler | jq -e '.std > 1e99 and .std < 1e101'
}

@test "train: no windows, several series, a constant series are clear errors" {
	run fcvae-train -q -o "$tmp/m" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"no training windows"* ]]
	# the count of bad lines promised "at exit" comes on an error's exit too
	for i in $(seq 150); do echo '{"ts":0,"window":"x"}'; done >"$tmp/bad"
	run --separate-stderr fcvae-train -q -o "$tmp/m" "$tmp/bad"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[-2]}" = "fcvae-train: no training windows among the input's lines (fcvae-window emits one per bucket once a series has W buckets)" ]
	[ "${stderr_lines[-1]}" = "fcvae-train: training data: 150 input lines rejected: 150 no window" ]
	# hourly records are not windows: too short a series gives none
	run fcvae-train -q -o "$tmp/m" "$tmp/hourly"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no training windows"* ]]
	jq -c '.key = "other"' "$tmp/train" | cat "$tmp/train" - >"$tmp/two"
	run fcvae-train -q -o "$tmp/m" "$tmp/two"
	[ "$status" -eq 1 ]
	[[ "$output" == *"holds 2 series"*"--key"* ]]
	fcvae-train -q --epochs 1 -k other -o "$tmp/m" "$tmp/two"
	meta "$tmp/m" training | jq -e '.series == "other" and .train_windows == 80'
	jq -c '.window |= map(5)' "$tmp/train" >"$tmp/const"
	run fcvae-train -q -o "$tmp/m3" "$tmp/const"
	[ "$status" -eq 1 ]
	[[ "$output" == *"constant"*"--scaler"* ]]
	[ ! -e "$tmp/m3" ]
	# constant too when the value has no exact binary form (the rounded
	# mean is not quite 0.1), or when values differ only by rounding
	jq -c '.window |= map(0.1)' "$tmp/train" >"$tmp/const"
	run fcvae-train -q -o "$tmp/m3" "$tmp/const"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is constant in the training windows (every value 0.1)"* ]]
	jq -c '.window |= map(0.3) | .window[0] = 0.1 + 0.2' "$tmp/train" >"$tmp/const"
	run fcvae-train -q -o "$tmp/m3" "$tmp/const"
	[ "$status" -eq 1 ]
	[[ "$output" == *"is constant in the training windows"* ]]
	[ ! -e "$tmp/m3" ]
	fcvae-train -q --epochs 1 --scaler 5,1 -o "$tmp/m3" "$tmp/const"
	meta "$tmp/m3" scaler | jq -e '.mean == 5 and .std == 1'
	# tiny values that vary are not constant: their squares underflow, the
	# spread does not
	jq -c '.window |= map(. * 1e-303)' "$tmp/train" >"$tmp/tiny"
	fcvae-train -q --epochs 1 -o "$tmp/m4" "$tmp/tiny"
	fcvae-train -q --epochs 1 -o "$tmp/m5" "$tmp/train"
	jq -n --argjson t "$(meta "$tmp/m4" scaler)" --argjson o "$(meta "$tmp/m5" scaler)" \
		'($t.std / $o.std / 1e-303 - 1 | fabs) < 1e-9'
	# a spread below the normal doubles is too small, said as such
	jq -c '.window |= map(. * 1e-313)' "$tmp/train" >"$tmp/tiny"
	run fcvae-train -q --epochs 1 -o "$tmp/m6" "$tmp/tiny"
	[ "$status" -eq 1 ]
	[[ "$output" == 'fcvae-train: series "Accel/CMP": the training values'"'"' spread is too small to standardise by (std '*', below 2.22507e-308); give --scaler MEAN,STD to train anyway' ]]
	[ ! -e "$tmp/m6" ]
}

@test "train: keys are whole JSON strings: \"A\" and \"A\\u0000B\" are two series" {
	# the key was cut at its NUL: both read as "A", merged into one model
	jq -c '.key = "A"' "$tmp/train" >"$tmp/nul"
	jq -c '.key = "A\u0000B"' "$tmp/train" >>"$tmp/nul"
	run fcvae-train -q -o "$tmp/m" "$tmp/nul"
	[ "$status" -eq 1 ]
	[ "$output" = 'fcvae-train: training data: holds 2 series ("A", "A\u0000B"): a model is for one; choose it with --key' ]
	[ ! -e "$tmp/m" ]
	fcvae-train -q --epochs 1 -k A -o "$tmp/m" "$tmp/nul"
	meta "$tmp/m" training | jq -e '.series == "A" and .train_windows == 80'
	jq -c 'select(.key != "A")' "$tmp/nul" >"$tmp/nulonly"
	run fcvae-train --epochs 1 -o "$tmp/m2" "$tmp/nulonly"
	[ "$status" -eq 0 ]
	[[ "$output" == *'series "A\u0000B": 80 training windows'* ]]
	meta "$tmp/m2" training | jq -e '.series == "A\u0000B"'
}

@test "train: missing points and labels are masked; the loss ignores them" {
	# the same windows with every labelled or missing point pushed far off
	# train to the same model only when those points are masked
	jq -c '.missing = [3] | .window[3] = 1e6' "$tmp/train" >"$tmp/miss"
	jq -c '.missing = [3]' "$tmp/train" >"$tmp/miss0"
	fcvae-train -q --epochs 1 --missing-rate 0 --scaler 1000,500 -o "$tmp/a" "$tmp/miss"
	fcvae-train -q --epochs 1 --missing-rate 0 --scaler 1000,500 -o "$tmp/b" "$tmp/miss0"
	cmp "$tmp/a" "$tmp/b"
	meta "$tmp/a" training | jq -e '.missing_points == 80 and .labelled_points == 0'
	# a number beyond a double is a missing point (SPEC §10), as in fcvae-score
	sed -E 's/("window":\[[^,]*,[^,]*,[^,]*,)[^,]*/\11e999/' "$tmp/train" >"$tmp/inf"
	fcvae-train -q --epochs 1 --missing-rate 0 --scaler 1000,500 -o "$tmp/a" "$tmp/inf"
	cmp "$tmp/a" "$tmp/b"
	# so is NaN as Python writes it, bare (SPEC §10), not a line that is not JSON
	sed -E 's/("window":\[[^,]*,[^,]*,[^,]*,)[^,]*/\1NaN/' "$tmp/train" >"$tmp/nan"
	fcvae-train -q --strict --epochs 1 --missing-rate 0 --scaler 1000,500 -o "$tmp/a" "$tmp/nan"
	cmp "$tmp/a" "$tmp/b"
	# a labelled hour is masked in every window that holds it: 24 of them,
	# the last only partly inside the first 80 (record 70: windows 70..79)
	sed '41s/"label":0/"label":1/' "$tmp/train" >"$tmp/lab"
	fcvae-train -q --epochs 1 -o "$tmp/c" "$tmp/lab"
	meta "$tmp/c" training | jq -e '.labelled_points == 24 and .labels == true'
	sed '71s/"label":0/"label":true/' "$tmp/train" >"$tmp/lab2"
	fcvae-train -q --epochs 1 -o "$tmp/d" "$tmp/lab2"
	meta "$tmp/d" training | jq -e '.labelled_points == 10'
	fcvae-train -q --epochs 1 --no-labels -o "$tmp/e" "$tmp/lab2"
	meta "$tmp/e" training | jq -e '.labelled_points == 0 and .labels == false'
	# labels are read as fcvae-eval reads them: "False" is normal, "no" a
	# bad line (both were anomalies: every point masked, without a word)
	sed 's/"label":0/"label":"False"/' "$tmp/train" >"$tmp/lab3"
	fcvae-train -q --epochs 1 -o "$tmp/f" "$tmp/lab3"
	meta "$tmp/f" training | jq -e '.labelled_points == 0'
	sed '5s/"label":0/"label":"no"/' "$tmp/train" >"$tmp/lab4"
	run --separate-stderr fcvae-train -q --epochs 1 -o "$tmp/g" "$tmp/lab4"
	echo "$stderr"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'line 5: "label" is not 0, 1, true or false'* ]]
	meta "$tmp/g" training | jq -e '.labelled_points == 0'
	# a rejected line's series is none of the data's: one of another key
	# made the input two series ("choose it with --key")
	{ cat "$tmp/train"; sed -n '1s/"label":0/"label":"no"/p' "$tmp/train" | jq -c '.key = "B"'; } >"$tmp/lab5"
	run --separate-stderr fcvae-train -q --epochs 1 -o "$tmp/h" "$tmp/lab5"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'"label" is not 0, 1, true or false'* ]]
	run --separate-stderr fcvae-train -q --epochs 1 -k B -o "$tmp/h" "$tmp/lab5"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[-2]}" = 'fcvae-train: training data: no windows of series "B"' ]
	[ "${stderr_lines[-1]}" = 'fcvae-train: training data: 1 input line rejected: 1 bad label' ]
}

# what each example of fcvae-train(1) shows; -q: training says nothing
train_example() {
	[ -z "$stderr" ]
	case $man_n in
	1 | 2 | 3 | 8 | 9) # windows into files, each some (looked into below)
		[ -z "$output" ]
		[ -s "$(sed 's/.*>//; s/ .*//' <<<"$man_cmd")" ] ;;
	4 | 6 | 10) # models, looked into below
		[ -z "$output" ] ;;
	5) # the training record: the series, and the 3 epochs asked for
		echo "$output" | jq -e '.series == "Star/CMP" and .epochs == 3 and (.best_epoch | type) == "number"' ;;
	7) # the scaler of the square roots
		echo "$output" | jq -e '.transform == "sqrt" and (.mean | type) == "number"' ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

@test "train: the man page examples run" {
	command -v fcvae-window >/dev/null || skip "fcvae-window not built"
	[ -f man/fcvae-train.1 ]
	cd "$tmp"
	man_examples -c train_example man/fcvae-train.1 10
	[ -s train.ndjson ]
	[ -s valid.ndjson ]
	[ -s Star_CMP.safetensors ]
	[ -s roots.safetensors ]
	meta Star_CMP.safetensors training | jq -e '.series == "Star/CMP" and .epochs == 3'
	meta roots.safetensors scaler | jq -e '.transform == "sqrt"'
	# the NAB setting, on windows of its own length
	meta nab.safetensors config | jq -e '.window == 32 and .condition_emb_dim == 8 and .kernel_size == 12'
	meta nab.safetensors training | jq -e '.train_windows > 900 and .validation_windows > 0'
}

@test "train: the shipped models are the seed combos' own, calibrated" {
	[ -d models ] || skip "no models/ (make models)"
	for combo in Accel/CMP Accel/no-pin Star/CMP Star/no-pin; do
		name=$(echo "$combo" | tr / _ | tr -d -)
		m=models/$name.safetensors
		meta "$m" training | jq -e --arg k "$combo" '.series == $k and .train_windows == 985 and .seed == 42'
		meta "$m" config | jq -e '.window == 24 and .latent_dim == 8'
		n=$(head -c 8 "$m" | od -An -tu8)
		tail -c +9 "$m" | head -c "$n" | jq -e '.__metadata__.threshold | tonumber < 0'
		# the last hour tripled is flagged
		fcvae-gen --hourly --format ndjson --combo "$combo" --days 2 |
			jq -s -c '.[23:47] | . as $w | $w[23] + {window: ([$w[].value] | .[23] *= 3), missing: []}' |
			fcvae-score -m "$m" | jq -e '.anomaly == true'
	done
}

@test "train: make-models makes the shipped Accel/CMP model, byte for byte" {
	[ -d models ] || skip "no models/ (make models)"
	grep -qw avx2 /proc/cpuinfo || skip "no AVX2: OpenBLAS's kernels cannot be fixed to the shipped ones"
	# the caller's OPENBLAS_CORETYPE (kernels that round otherwise) must
	# not change the shipped bytes
	run env OPENBLAS_CORETYPE=Prescott COMBOS=Accel/CMP FCVAE_BIN="$(dirname "$(command -v fcvae-train)")" \
		sh scripts/make-models "$tmp/models"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Accel_CMP.safetensors: threshold "* ]]
	[ "$(ls "$tmp/models")" = Accel_CMP.safetensors ]
	cmp "$tmp/models/Accel_CMP.safetensors" models/Accel_CMP.safetensors
}

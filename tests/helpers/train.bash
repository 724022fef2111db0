# train.bash — bats helper for the fcvae-train tests: window records made
# with jq, independent of fcvae-window, and a model file's metadata.

# train_windows DAYS: in $tmp, hourly (the hourly counts of Accel/CMP),
# all (its 24-hour windows, stride one hour), train (the first 80) and
# valid (the rest).
train_windows() {
	fcvae-gen --hourly --format ndjson --days "$1" --combo Accel/CMP >"$tmp/hourly"
	jq -s -c 'range(23; length) as $i | .[$i] + {window: [.[$i - 23:$i + 1][].value], missing: []}' \
		"$tmp/hourly" >"$tmp/all"
	head -n 80 "$tmp/all" >"$tmp/train"
	tail -n +81 "$tmp/all" >"$tmp/valid"
}

# meta FILE NAME: the safetensors header's metadata entry NAME, as JSON.
meta() {
	n=$(head -c 8 "$1" | od -An -tu8)
	tail -c +9 "$1" | head -c "$n" | jq -c ".__metadata__.$2 | fromjson"
}

# tensors FILE: the bytes after the safetensors header, the weights alone
# (two models whose metadata differ, a seed recorded, may hold the same)
tensors() {
	tail -c +$((9 + $(head -c 8 "$1" | od -An -tu8))) "$1"
}

# scaler_fitted MODEL [JQ]: MODEL's scaler is the population mean and std
# of the distinct hours the 80 training windows cover (0 .. 80+23), each
# value put through JQ first (default: as it is), computed here with jq.
scaler_fitted() {
	local want got
	want=$(head -n 103 "$tmp/hourly" | jq -s "[.[].value | ${2:-.}]"' | (add / length) as $m |
		[$m, ((map((. - $m) * (. - $m)) | add / length) | sqrt)]' | jq -c .)
	got=$(meta "$1" scaler | jq -c '[.mean, .std]')
	echo "scaler: want $want got $got"
	jq -n --argjson w "$want" --argjson g "$got" \
		'(($w[0] - $g[0]) | fabs) < 1e-9 * $w[0] and (($w[1] - $g[1]) | fabs) < 1e-9 * $w[1]' | grep -qx true
}

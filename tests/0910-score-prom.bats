#!/usr/bin/env bats
# fcvae-score --prom: a node-exporter textfile of per-series state and counters.

bats_require_minimum_version 1.5.0

setup() {
	tmp=$BATS_TEST_TMPDIR
	fcvae-gen --hourly --days 3 --format ndjson --combo Accel/CMP,Star/CMP | fcvae-window >"$tmp/windows"
	# a key that needs escaping in a label value, and two bad lines
	jq -c 'select(.key == "Star/CMP") | .key = "we\"ird\\key"' "$tmp/windows" | tail -n 2 >>"$tmp/windows"
	jq -c 'select(.key == "Star/CMP") | .key = "nul\u0000a", .key = "nul\u0000b"' "$tmp/windows" | tail -n 2 >>"$tmp/windows"
	printf '%s\n' 'not json' '{"key":"x"}' >>"$tmp/windows"
	fcvae-score -m tests/data/seed_models/Accel_CMP.safetensors -n 4 --prom "$tmp/metrics.prom" \
		"$tmp/windows" >"$tmp/scored" 2>/dev/null
}

@test "prom: every line is a comment or a well-formed sample" {
	[ -s "$tmp/metrics.prom" ]
	bad=$(grep -a -v '^# \(HELP\|TYPE\) fcvae_[a-z_]* ' "$tmp/metrics.prom" |
		grep -a -Ev '^fcvae_[a-z_]+(\{series="([^"\\]|\\["\\n])*"\})? (-?[0-9][0-9.e+-]*|NaN|[+-]Inf)$' || true)
	echo "$bad"
	[ -z "$bad" ]
	# each metric declared once, before its samples, with a known type
	awk '/^# TYPE/ { if ($3 in t) exit 1; t[$3] = $4; if ($4 != "gauge" && $4 != "counter") exit 1; next }
	     /^#/ { next }
	     { n = $1; sub(/\{.*/, "", n); if (!(n in t)) exit 1 }' "$tmp/metrics.prom"
	grep -a -q '^# TYPE fcvae_records_total counter$' "$tmp/metrics.prom"
	grep -a -q '^# TYPE fcvae_score gauge$' "$tmp/metrics.prom"
	[ -z "$(ls "$tmp" | grep -a '\.tmp')" ]
}

@test "prom: the values are those of each series' newest scored record" {
	f=$tmp/metrics.prom
	for k in Accel/CMP Star/CMP; do
		# the series is in both, once in each metric (a series missing from
		# both compared "" with "")
		last=$(jq -c --arg k "$k" 'select(.key == $k)' "$tmp/scored" | tail -n 1)
		[ -n "$last" ]
		for m in score threshold anomaly last_bucket_timestamp_seconds; do
			[ "$(grep -a -c "^fcvae_$m{series=\"$k\"} [^ ]" "$f")" -eq 1 ]
		done
		want_score=$(echo "$last" | jq .score)
		got=$(grep -a "^fcvae_score{series=\"$k\"} " "$f" | cut -d' ' -f2)
		awk -v a="$got" -v b="$want_score" 'BEGIN { exit !(a - b < 1e-6 && b - a < 1e-6) }'
		[ "$(grep -a "^fcvae_threshold{series=\"$k\"} " "$f" | cut -d' ' -f2)" = "$(echo "$last" | jq .threshold)" ]
		[ "$(grep -a "^fcvae_anomaly{series=\"$k\"} " "$f" | cut -d' ' -f2)" = "$(echo "$last" | jq 'if .anomaly then 1 else 0 end')" ]
		[ "$(grep -a "^fcvae_last_bucket_timestamp_seconds{series=\"$k\"} " "$f" | cut -d' ' -f2)" = "$(echo "$last" | jq '.ts | fromdate')" ]
	done
	# the odd key, escaped as the text format says
	grep -a -q '^fcvae_score{series="we\\"ird\\\\key"} ' "$f"
	# keys alike up to a NUL byte are series of their own; the NUL is
	# written raw, as the text format allows (it has no escape for it)
	[ "$(grep -a -c '^fcvae_score{series="nul' "$f")" -eq 2 ]
	[ "$(tr '\0' @ <"$f" | grep -c '^fcvae_score{series="nul@[ab]"} ')" -eq 2 ]
	# counters: lines read, scored, anomalous, rejected
	n=$(wc -l <"$tmp/windows")
	[ "$(grep -a '^fcvae_records_total ' "$f" | cut -d' ' -f2)" = "$n" ]
	[ "$(grep -a '^fcvae_scored_total ' "$f" | cut -d' ' -f2)" = "$(wc -l <"$tmp/scored")" ]
	[ "$(grep -a '^fcvae_anomalies_total ' "$f" | cut -d' ' -f2)" = "$(jq -c 'select(.anomaly)' "$tmp/scored" | wc -l)" ]
	[ "$(grep -a '^fcvae_rejected_total ' "$f" | cut -d' ' -f2)" = 2 ]
}

@test "prom: with --model, --max-series bounds the file's series; every record is still scored" {
	run --separate-stderr fcvae-score -m tests/data/seed_models/Accel_CMP.safetensors -n 4 --max-series 2 \
		--prom "$tmp/two.prom" "$tmp/windows"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq "$(wc -l <"$tmp/scored")" ]
	# the first two keys listed, the rest counted and said once
	[ "$(grep -a -c '^fcvae_score{' "$tmp/two.prom")" -eq 2 ]
	grep -a -q '^fcvae_score{series="Accel/CMP"} ' "$tmp/two.prom"
	grep -a -q '^fcvae_score{series="Star/CMP"} ' "$tmp/two.prom"
	[ "$(grep -a '^fcvae_unlisted_total ' "$tmp/two.prom" | cut -d' ' -f2)" -eq 4 ]
	[ "$(grep -c 'lists 2 series already (see --max-series)' <<<"$stderr")" -eq 1 ]
	# unbounded by default: nothing left out
	[ "$(grep -a '^fcvae_unlisted_total ' "$tmp/metrics.prom" | cut -d' ' -f2)" -eq 0 ]
}

@test "prom: a file that cannot be written is an error at start; a write failing later is said and counted, not fatal" {
	m=tests/data/seed_models/Accel_CMP.safetensors
	run fcvae-score -m "$m" --prom "$tmp/nodir/p.prom" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-score: cannot write $tmp/nodir/p.prom: No such file or directory" ]
	run fcvae-score -m "$m" --prom '' </dev/null
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-score: --prom: the file name is empty" ]
	# the file's directory goes while records stream
	mkdir "$tmp/d"
	run bash -c '{ head -n 1 "$1"
		for i in $(seq 100); do [ -e "$2/p.prom" ] && break; sleep 0.1; done
		rm -r "$2"
		sed -n 2p "$1"; } | fcvae-score -m "$3" -n 4 --prom "$2/p.prom" 2>&1 >/dev/null' _ "$tmp/windows" "$tmp/d" "$m"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "fcvae-score: cannot write $tmp/d/p.prom: No such file or directory" ]]
	[[ "$output" =~ "2 records scored, "[0-9]+" anomalous; "[12]" write"s?" of --prom failed"$ ]]
}

@test "prom: a FIFO or device is written into, not replaced by a regular file" {
	m=tests/data/seed_models/Accel_CMP.safetensors
	mkfifo "$tmp/fifo"
	# held open for reading and writing: each write of the file opens it
	# without waiting, and what they wrote stays in the pipe to be read
	exec 7<>"$tmp/fifo"   # not 3: bats writes there
	head -n 3 "$tmp/windows" | fcvae-score -m "$m" -n 4 --prom "$tmp/fifo" >/dev/null
	[ -p "$tmp/fifo" ]
	timeout 1 cat <&7 >"$tmp/read" || true
	exec 7<&-
	grep -q '^fcvae_scored_total 3$' "$tmp/read"
	# a /dev/null of our own (root only)
	if mknod -m 666 "$tmp/null" c 1 3 2>/dev/null; then
		head -n 3 "$tmp/windows" | fcvae-score -m "$m" -n 4 --prom "$tmp/null" >/dev/null
		[ -c "$tmp/null" ]
	fi
}

@test "prom: rewritten when the input pauses, after a rejected line or a full batch too" {
	# (a rejected line, or a batch flushed within its second, left nothing
	# pending: the read then waited for more, the file stale meanwhile)
	mkfifo "$tmp/in"
	fcvae-score -m tests/data/seed_models/Accel_CMP.safetensors -n 2 -b 4 --prom "$tmp/live.prom" \
		<"$tmp/in" >"$tmp/out" 2>/dev/null 3>&- &
	pid=$!
	exec 4>"$tmp/in"
	total() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/live.prom" 2>/dev/null; }
	until_total() {
		local i=0
		until [ "$(total "$1")" = "$2" ]; do i=$((i + 1)); [ $i -lt 100 ] || { echo "$1: $(total "$1")"; return 1; }; sleep 0.05; done
	}
	head -n 1 "$tmp/windows" >&4
	until_total fcvae_records_total 1
	# five bad lines: counted in the file while the input is quiet
	for i in 1 2 3 4 5; do echo 'not json' >&4; done
	until_total fcvae_rejected_total 5
	until_total fcvae_records_total 6
	# a full batch of 4 at once, flushed within the second of the last write
	sed -n '2,5p' "$tmp/windows" >&4
	until_total fcvae_records_total 10
	exec 4>&-
	wait $pid
}

@test "prom: a trickle of records rewrites the file about once a second, not at each pause" {
	[ -z "${FCVAE_VALGRIND:-}" ] || skip "under valgrind"
	command -v strace >/dev/null && strace -e trace=rename -o /dev/null true 2>/dev/null || skip "no strace"
	# 30 records, one every 0.1 s: a pause between each two (LeakSanitizer
	# cannot run under ptrace: leaks are checked elsewhere)
	t0=$SECONDS
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" run --separate-stderr bash -c 'head -n 30 "$1" | while IFS= read -r l; do printf "%s\n" "$l"; sleep 0.1; done |
		strace -f -e trace=rename -o "$2" fcvae-score -m tests/data/seed_models/Accel_CMP.safetensors -n 2 --prom "$3" >/dev/null' \
		sh "$tmp/windows" "$tmp/trace" "$tmp/trickle.prom"
	[ "$status" -eq 0 ]
	n=$(grep -c 'rename(' "$tmp/trace") s=$((SECONDS - t0))
	echo "$n renames in about $s s"
	[ "$n" -ge 2 ]
	# once a second and at exit (whole seconds: up to one more)
	[ "$n" -le $((s + 2)) ]
	[ "$(awk '$1 == "fcvae_records_total" { print $2 }' "$tmp/trickle.prom")" = 30 ]
}

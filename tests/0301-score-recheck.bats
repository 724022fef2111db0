#!/usr/bin/env bats
# fcvae-score --recheck: a model file put into --models DIR while records
# stream is loaded for a series seen without one, and a model file replaced
# is loaded again; a file that does not load keeps what was there.
#
# No sleep races the program here: each waits for what fcvae-score wrote
# (polled, with a timeout), and the only fixed sleep is one interval longer
# than --recheck after the look it must follow, so the next look is due
# however slow the machine.

bats_require_minimum_version 1.5.0

setup() {
	export T=$BATS_TEST_TMPDIR
	TINY=$FCVAE_TOP/tests/fuzz/corpus/model/tiny
	mkdir "$T/m"
	# tiny has no threshold: two variants with one (same length), to tell models apart
	sed 's/"threshold":"null"/"threshold":"-1.5"/' "$TINY" >"$T/t15"
	sed 's/"threshold":"null"/"threshold":"-2.5"/' "$TINY" >"$T/t25"
	run ! cmp -s "$T/t15" "$TINY"
	run ! cmp -s "$T/t25" "$TINY"
	mkfifo "$T/in"
}

teardown() {
	[ -z "${pid:-}" ] || kill "$pid" 2>/dev/null || true
}

# start ARGS...: fcvae-score reading the FIFO $T/in (written through fd 5)
start() {
	fcvae-score -n 2 -i 1 "$@" <"$T/in" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 5>"$T/in"
}

# stop: end of input; fcvae-score's exit status in $rc
stop() {
	exec 5>&-
	rc=0
	wait "$pid" || rc=$?
	pid=
}

# rec KEY TS: one window record into the FIFO
rec() {
	printf '{"key":"%s","ts":%d,"window":[1,2,3,4]}\n' "$1" "$2" >&5
}

# until_lines FILE N: until FILE has N lines (1 after 30 s)
until_lines() {
	local i
	for i in $(seq 300); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "$1 has $(wc -l <"$1") lines, not $2:"
	cat "$1" "$T/err"
	return 1
}

# install SRC NAME: SRC as $T/m/NAME, atomically (a temp file renamed)
install_model() {
	cp "$1" "$T/m/.tmp"
	mv "$T/m/.tmp" "$T/m/$2"
}

# one interval of --recheck 0.2 and some, past the last look
past_recheck() { sleep 0.3; }

@test "recheck: a model put into DIR later is loaded for a series seen without one, at its next record past --recheck" {
	start --models "$T/m" --recheck 0.2 --threshold -1000
	rec a 1
	until_lines "$T/err" 1
	install_model "$TINY" a.safetensors
	past_recheck
	rec a 2
	until_lines "$T/out" 1
	rec a 3
	stop
	[ "$rc" -eq 0 ]
	[ "$(jq -c '[.ts, .model]' "$T/out" | tr '\n' ' ')" = '[2,"a.safetensors"] [3,"a.safetensors"] ' ]
	cat >"$T/want" <<-EOF
		fcvae-score: input line 1: series "a": no model for this series (no $T/m/a.safetensors)
		fcvae-score: $T/m/a.safetensors: series "a" had no model until now, scored from here on
		fcvae-score: 2 records scored, 0 anomalous; 1 input line rejected: 1 no model
	EOF
	diff -u "$T/want" "$T/err"
}

@test "recheck: not before --recheck seconds, and never with --recheck 0" {
	for r in 60 0; do
		rm -f "$T/m/a.safetensors"
		start --models "$T/m" --recheck $r --threshold -1000
		rec a 1
		until_lines "$T/err" 1
		install_model "$TINY" a.safetensors
		past_recheck
		rec a 2
		stop
		[ "$rc" -eq 0 ]
		[ ! -s "$T/out" ]
		[ "$(tail -n 1 "$T/err")" = "fcvae-score: 0 records scored, 0 anomalous; 2 input lines rejected: 2 no model" ]
	done
	# a series first seen after the file came is scored whatever --recheck
	start --models "$T/m" --recheck 0 --threshold -1000
	rec a 1
	stop
	[ "$(wc -l <"$T/out")" -eq 1 ]
}

@test "recheck: a replaced model is loaded again; one that does not load, or a file gone, keeps the model, said once" {
	install_model "$T/t15" a.safetensors
	start --models "$T/m" --recheck 0.2
	rec a 1
	until_lines "$T/out" 1
	install_model "$T/t25" a.safetensors
	past_recheck
	rec a 2
	until_lines "$T/out" 2
	# a copy caught half way: the loader refuses it
	install_model "$FCVAE_TOP/tests/fuzz/corpus/model/tiny-truncated" a.safetensors
	past_recheck
	rec a 3
	until_lines "$T/out" 3
	past_recheck
	rec a 4
	until_lines "$T/out" 4
	rm "$T/m/a.safetensors"
	past_recheck
	rec a 5
	until_lines "$T/out" 5
	past_recheck
	rec a 6
	until_lines "$T/out" 6
	install_model "$T/t15" a.safetensors
	past_recheck
	rec a 7
	stop
	[ "$rc" -eq 0 ]
	[ "$(jq -c '[.ts, .threshold]' "$T/out" | tr '\n' ' ')" = '[1,-1.5] [2,-2.5] [3,-2.5] [4,-2.5] [5,-2.5] [6,-2.5] [7,-1.5] ' ]
	n=$(jq -s 'map(select(.anomaly)) | length' "$T/out")
	cat >"$T/want" <<-EOF
		fcvae-score: $T/m/a.safetensors: changed, loaded again
		fcvae-score: $T/m/a.safetensors: header length 3624 is beyond the end of the file (1500 bytes): truncated or not a model file; keeping the model loaded before
		fcvae-score: $T/m/a.safetensors: No such file or directory; keeping the model loaded before
		fcvae-score: $T/m/a.safetensors: changed, loaded again
		fcvae-score: 7 records scored, $n anomalous
	EOF
	diff -u "$T/want" "$T/err"
}

@test "recheck: --model FILE is loaded again when replaced" {
	install_model "$T/t15" one.safetensors
	start --model "$T/m/one.safetensors" --recheck 0.2
	rec a 1
	until_lines "$T/out" 1
	install_model "$T/t25" one.safetensors
	past_recheck
	rec b 2
	stop
	[ "$rc" -eq 0 ]
	[ "$(jq -c '[.key, .threshold]' "$T/out" | tr '\n' ' ')" = '["a",-1.5] ["b",-2.5] ' ]
	[ "$(grep -c 'changed, loaded again' "$T/err")" -eq 1 ]
}

@test "recheck: a file that appears invalid is not fatal: its series waits, unscored, for the file to change" {
	start --models "$T/m" --recheck 0.2 --threshold -1000
	rec c 1
	until_lines "$T/err" 1
	printf half >"$T/m/c.safetensors"
	past_recheck
	rec c 2
	until_lines "$T/err" 3
	past_recheck
	rec c 3
	until_lines "$T/err" 4
	install_model "$TINY" c.safetensors
	past_recheck
	rec c 4
	stop
	[ "$rc" -eq 0 ]
	[ "$(jq -c .ts "$T/out")" = 4 ]
	cat >"$T/want" <<-EOF
		fcvae-score: input line 1: series "c": no model for this series (no $T/m/c.safetensors)
		fcvae-score: $T/m/c.safetensors: 4 bytes: too short for a model file; its series are not scored until the file changes
		fcvae-score: input line 2: series "c": $T/m/c.safetensors is not a valid model (see above)
		fcvae-score: input line 3: series "c": $T/m/c.safetensors is not a valid model (see above)
		fcvae-score: $T/m/c.safetensors: a valid model now, loaded
		fcvae-score: 1 record scored, 0 anomalous; 3 input lines rejected: 1 no model, 2 invalid model
	EOF
	diff -u "$T/want" "$T/err"
}

@test "recheck: --max-series still bounds the series: a key refused stays refused when its model comes" {
	start --models "$T/m" --recheck 0.2 --threshold -1000 --max-series 1
	rec a 1
	rec b 2
	until_lines "$T/err" 2
	install_model "$TINY" a.safetensors
	install_model "$TINY" b.safetensors
	past_recheck
	rec a 3
	rec b 4
	stop
	[ "$rc" -eq 0 ]
	[ "$(jq -c .ts "$T/out")" = 3 ]
	[ "$(tail -n 1 "$T/err")" = "fcvae-score: 1 record scored, 0 anomalous; 3 input lines rejected: 1 no model, 2 too many series" ]
}

@test "recheck: records of a series without a model do not look at the disk each" {
	[ -z "${FCVAE_VALGRIND:-}" ] || skip "under valgrind"
	command -v strace >/dev/null && strace -e trace=/stat -o /dev/null true 2>/dev/null || skip "no strace"
	for i in $(seq 1000); do
		printf '{"key":"Visa/no-pin","ts":%d,"window":[1,2,3,4]}\n' "$i"
	done >"$T/many"
	# (LeakSanitizer cannot run under ptrace: leaks are checked elsewhere)
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -e trace=/stat -o "$T/trace" fcvae-score --models "$T/m" "$T/many" 2>"$T/err" || true
	[ "$(tail -n 1 "$T/err")" = "fcvae-score: 0 records scored, 0 anomalous; 1000 input lines rejected: 1000 no model" ]
	# the directory at start, the two names at the series' first record: no more
	# (before: two a record)
	n=$(grep -c "$T/m" "$T/trace")
	echo "looks at $T/m: $n"
	[ "$n" -le 3 ]
}

@test "recheck: usage errors" {
	for bad in -1 x 86401 nan; do
		run fcvae-score --models "$T/m" --recheck "$bad" </dev/null
		[ "$status" -eq 2 ]
		[[ "$output" == *"--recheck"* ]]
	done
	run fcvae-score --help
	[[ "$output" == *"--recheck S"* ]]
}

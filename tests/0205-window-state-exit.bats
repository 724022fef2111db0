#!/usr/bin/env bats
# fcvae-window and fcvae-alert: the state at every way a run ends (SIGINT,
# SIGTERM, --strict), state files that cannot be read or written, Kafka
# messages rejected, --agg none with --lateness, kcat-only options.

bats_require_minimum_version 1.5.0

load helpers/envelopes

setup() {
	T=$BATS_TEST_TMPDIR
	# three series over ten hours, every 7th record 15 minutes late, one
	# series silent for two hours
	jq -nc 'range(300) as $i | ["Accel/CMP", "Star/CMP", "Star/no-pin"][$i % 3] as $k
		| (1740441600 + $i * 120 - (if $i % 7 == 3 then 900 else 0 end)) as $t
		| select($k != "Star/CMP" or $t < 1740456000 or $t >= 1740463200)
		| {ts: $t, key: $k, value: ($i % 11), seq: $i}' >"$T/events"
}

# kcat -J envelopes of a file of records, offsets from 0 in one partition
envelopes() {
	jq -nc '[inputs] | to_entries[] | {topic: "tx", partition: 0, offset: .key, tstype: "create",
		ts: 0, broker: 1, key: null, payload: (.value | tojson)}' "$1"
}

# the first line from $2 on whose record makes a window come out with opts $1
# (so that once the output has the windows of the lines up to it, every one
# of them has been read)
cut_at() {
	local n=$2 before
	before=$(head -n $((n - 1)) "$T/events" | fcvae-window $1 --no-flush | wc -l)
	while [ "$(head -n "$n" "$T/events" | fcvae-window $1 --no-flush | wc -l)" -eq "$before" ]; do
		n=$((n + 1))
	done
	echo "$n"
}

# wait_lines FILE N: until FILE has N lines (at most 30 s)
wait_lines() {
	for i in $(seq 300); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

@test "stop: SIGTERM and SIGINT mid-stream save the state; the next run writes what one run would have" {
	env --default-signal=INT true 2>/dev/null || skip "no env --default-signal"
	mkfifo "$T/fifo"
	for opts in "--agg sum --window 4 --lateness 20m" "--window 3" "--window 3 --lateness 30m"; do
		fcvae-window $opts "$T/events" >"$T/whole"
		for sig in TERM INT; do
			cut=$(cut_at "$opts" 100)
			rm -f "$T/state"
			env --default-signal=INT fcvae-window $opts --state "$T/state" <"$T/fifo" >"$T/a" &
			pid=$!
			exec 7>"$T/fifo"
			head -n "$cut" "$T/events" >&7
			wait_lines "$T/a" "$(head -n "$cut" "$T/events" | fcvae-window $opts --no-flush | wc -l)"
			# nothing saved yet (every 10000 records): the signal saves it
			[ ! -e "$T/state" ]
			kill -"$sig" $pid
			status=0
			wait $pid || status=$?
			exec 7>&-
			[ "$status" -eq $((128 + $(kill -l "$sig"))) ]
			[ -f "$T/state" ]
			tail -n +"$((cut + 1))" "$T/events" | fcvae-window $opts --state "$T/state" >"$T/b"
			cat "$T/a" "$T/b" | cmp - "$T/whole"
		done
	done
}

@test "stop: the lines read before the stop are taken; one not ended is said, not taken" {
	mkfifo "$T/fifo"
	fcvae-window --window 1 --state "$T/state" <"$T/fifo" >"$T/out" 2>"$T/err" &
	pid=$!
	exec 7>"$T/fifo"
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":2}' >&7
	wait_lines "$T/out" 2
	# three lines in one write, the last cut (its rest on its way), once read
	r0=$(awk '$1 == "rchar:" { print $2 }' "/proc/$pid/io")
	printf '%s\n%s\n%s' '{"ts":7200,"key":"a","value":3}' '{"ts":10800,"key":"a","value":4}' '{"ts":14400,"key":"a","va' >&7
	for _ in $(seq 100); do
		[ "$(awk '$1 == "rchar:" { print $2 }' "/proc/$pid/io")" -lt $((r0 + 90)) ] || break
		sleep 0.05
	done
	kill -TERM $pid
	status=0
	wait $pid || status=$?
	exec 7>&-
	cat "$T/err"
	[ "$status" -eq 143 ]
	[ "$(jq -c .window "$T/out" | tr '\n' ' ')" = "[1] [2] [3] [4] " ]
	[ "$(cat "$T/err")" = "fcvae-window: standard input: stopped within line 5: its 25 bytes read so far are not taken" ]
}

@test "stop: a signal ignored at the start stays ignored (the filters of fcvae-stream drain)" {
	mkfifo "$T/fifo"
	( trap '' TERM; exec fcvae-window --window 2 --state "$T/state" <"$T/fifo" >"$T/out" ) &
	pid=$!
	exec 7>"$T/fifo"
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":2}' >&7
	wait_lines "$T/out" 1
	kill -TERM $pid
	sleep 0.3
	kill -0 $pid
	echo '{"ts":7200,"key":"a","value":3}' >&7
	exec 7>&-
	wait $pid
	[ "$(wc -l <"$T/out")" -eq 2 ]
}

@test "stop: SIGTERM while a Kafka consumer's input waits: a restart on the whole topic repeats no window, loses none" {
	envelopes "$T/events" >"$T/env"
	opts="--kcat --window 3"
	fcvae-window $opts "$T/env" >"$T/whole"
	mkfifo "$T/fifo"
	fcvae-window $opts --state "$T/state" --no-flush <"$T/fifo" >"$T/a" &
	pid=$!
	exec 7>"$T/fifo"
	head -n 150 "$T/env" >&7
	wait_lines "$T/a" "$(head -n 150 "$T/env" | fcvae-window $opts | wc -l)"
	kill -TERM $pid
	wait $pid || true
	exec 7>&-
	grep -q '"offsets":\[{"topic":"tx","partition":0,"offset":149,' "$T/state"
	run --separate-stderr fcvae-window $opts --state "$T/state" "$T/env"
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | cat "$T/a" - | cmp - "$T/whole"
	[[ "$stderr" == *", 150 records skipped (Kafka offset already processed)" ]]
}

@test "stop: a signal while --history reads back still takes the record at hand; the next run goes on after it" {
	hourly_envelopes 30 >"$T/all"
	sed -n '21,30p' "$T/all" >"$T/later"
	# the command stops fcvae-window, its parent, midway (the record at
	# hand was read: a consumer stopped so has committed it); the records
	# after it come later (those read before a stop are taken too)
	printf '#!/bin/sh\nhead -n 1 "$1"; sleep 5; tail -n +2 "$1"\n' >"$T/slow"
	chmod +x "$T/slow"
	run --separate-stderr bash -c '"$1/slow" "$1/later" | H="$1" fcvae-window --kcat --window 1 --state "$1/st" --no-flush --history "$2"' \
		sh "$T" 'head -n 12 "$H/all"; kill -TERM $PPID; exec sleep 10'
	[ "$status" -eq 143 ]
	[ "$(jq -r .offset <<<"$output")" = 20 ]
	[[ "$stderr" == *"in [0]: --history cut short by the stop: the windows miss offsets "*" to 19"* ]]
	# the next run, from the offset after it: no read-back, nothing missed
	sed 1d "$T/later" >"$T/rest"
	run --separate-stderr fcvae-window --kcat --window 1 --state "$T/st" --history 'echo asked >&2' "$T/rest"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 9 ]
	[ "$(jq -r .offset <<<"${lines[0]}")" = 21 ]
}

@test "stop: --strict saves what came before the bad line, not the line; the mended input resumes from it" {
	for opts in "--agg sum --window 4 --lateness 20m" "--window 3"; do
		fcvae-window $opts "$T/events" >"$T/whole"
		rm -f "$T/state"
		{ head -n 120 "$T/events"; echo '{"ts":"noon","key":"a"}'; tail -n +121 "$T/events"; } >"$T/bad"
		run --separate-stderr fcvae-window $opts --strict --state "$T/state" "$T/bad"
		[ "$status" -eq 3 ]
		[ "$stderr" = "fcvae-window: $T/bad line 121: \"ts\" is not a timestamp" ]
		printf '%s\n' "$output" >"$T/a"
		[ -f "$T/state" ]
		# the mended line 121 and what follows
		tail -n +121 "$T/events" | fcvae-window $opts --state "$T/state" >"$T/b"
		cat "$T/a" "$T/b" | cmp - "$T/whole"
	done
}

@test "kcat: a rejected message's offset is kept in the state: a restart neither reports nor counts it again" {
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":2}' '{"ts":"x","key":"a"}' \
		'{"ts":7200,"key":"a","value":3}' >"$T/rec"
	envelopes "$T/rec" >"$T/env"
	echo '{"topic":"tx","partition":0,"offset":4,"ts":0,"payload":"nope"}' >>"$T/env"
	run --separate-stderr fcvae-window --kcat --window 1 --state "$T/state" "$T/env"
	[ "${#lines[@]}" -eq 3 ]
	[[ "$stderr" == *"2 input lines rejected: 1 bad ts, 1 not JSON" ]]
	grep -q '"offset":4,' "$T/state"
	run --separate-stderr fcvae-window --kcat --window 1 --state "$T/state" "$T/env"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-window: 5 records, 1 series, 0 windows, 5 records skipped (Kafka offset already processed)" ]
	# under --strict the run stops before the bad message: it is not kept,
	# and a restart stops at it again
	rm "$T/state"
	run --separate-stderr fcvae-window --kcat --window 1 --strict --state "$T/state" "$T/env"
	[ "$status" -eq 3 ]
	[ "${#lines[@]}" -eq 2 ]
	grep -q '"offset":1,' "$T/state"
	run --separate-stderr fcvae-window --kcat --window 1 --strict --state "$T/state" "$T/env"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-window: $T/env line 3: \"ts\" is not a timestamp" ]
}

@test "state: a state file that is there but cannot be read is an error, never overwritten" {
	echo x >"$T/file"
	echo '{"ts":0,"key":"a","value":1}' >"$T/in"
	run --separate-stderr fcvae-window --window 1 --state "$T/file/state" "$T/in"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-window: cannot load state: $T/file/state: Not a directory" ]
	mkdir "$T/dir"
	run --separate-stderr fcvae-window --window 1 --state "$T/dir" "$T/in"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-window: cannot load state: $T/dir: Is a directory" ]
	if [ "$(id -u)" -ne 0 ]; then
		fcvae-window --window 1 --state "$T/st" "$T/in" >/dev/null
		cp "$T/st" "$T/st.orig"
		chmod 000 "$T/st"
		run --separate-stderr fcvae-window --window 1 --state "$T/st" "$T/in"
		[ "$status" -eq 1 ]
		[ "$stderr" = "fcvae-window: cannot load state: $T/st: Permission denied" ]
		chmod 644 "$T/st"
		cmp "$T/st" "$T/st.orig"
	fi
	run --separate-stderr fcvae-alert --state "$T/file/state" </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fcvae-alert: cannot load state: $T/file/state"* ]]
}

@test "state: a --state path that cannot be written is refused before any input is read" {
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":2}' >"$T/in"
	run --separate-stderr fcvae-window --window 1 --state "$T/none/w.state" "$T/in"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-window: cannot save state: $T/none/w.state: No such file or directory" ]
	echo '{"key":"a","ts":"2025-01-01T00:00:00Z","score":-9,"threshold":1,"anomaly":true}' >"$T/scored"
	run --separate-stderr fcvae-alert --state "$T/none/a.state" --log "$T/log" "$T/scored"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ ! -s "$T/log" ]
	[ "$stderr" = "fcvae-alert: cannot save state $T/none/a.state: No such file or directory" ]
}

@test "alert: SIGTERM and --strict save the state; the next run takes the rest, nothing twice" {
	for i in $(seq 0 19); do
		printf '{"key":"a","ts":%d,"score":%d,"threshold":0,"anomaly":%s}\n' $((i * 3600)) $((i % 5 - 2)) \
			"$([ $((i % 5)) -lt 2 ] && echo true || echo false)"
	done >"$T/scored"
	fcvae-alert --log "$T/log.whole" "$T/scored" >"$T/whole"
	{ head -n 12 "$T/scored"; echo '{"key":"a"}'; tail -n +13 "$T/scored"; } >"$T/bad"
	run --separate-stderr fcvae-alert --strict --state "$T/st" --log "$T/log" "$T/bad"
	[ "$status" -eq 3 ]
	[ "$stderr" = "fcvae-alert: $T/bad line 13: \"ts\" is not a timestamp" ]
	printf '%s\n' "$output" >"$T/a"
	fcvae-alert --state "$T/st" --log "$T/log" < <(tail -n +13 "$T/scored") >"$T/b"
	cat "$T/a" "$T/b" | cmp - "$T/whole"
	cmp "$T/log" "$T/log.whole"
	# a SIGTERM while it waits for input
	rm "$T/st" "$T/log"
	mkfifo "$T/fifo"
	fcvae-alert --state "$T/st" --log "$T/log" <"$T/fifo" >"$T/a" &
	pid=$!
	exec 7>"$T/fifo"
	head -n 12 "$T/scored" >&7
	wait_lines "$T/log" 12
	kill -TERM $pid
	status=0
	wait $pid || status=$?
	exec 7>&-
	[ "$status" -eq 143 ]
	tail -n +13 "$T/scored" | fcvae-alert --state "$T/st" --log "$T/log" >"$T/b"
	cat "$T/a" "$T/b" | cmp - "$T/whole"
	cmp "$T/log" "$T/log.whole"
}

@test "window: --agg none with --lateness puts records in order within it; without it an older record is late" {
	{ echo timestamp,value; for i in $(seq 71 -1 0); do echo "$((1740441600 + i * 3600)),$i"; done; } >"$T/rev.csv"
	{ echo timestamp,value; for i in $(seq 0 71); do echo "$((1740441600 + i * 3600)),$i"; done; } >"$T/fwd.csv"
	o="--csv --ts timestamp --default-key k --window 4"
	fcvae-window $o "$T/fwd.csv" >"$T/whole"
	[ "$(wc -l <"$T/whole")" -eq 69 ]
	run --separate-stderr fcvae-window $o --lateness 3d "$T/rev.csv"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	printf '%s\n' "$output" | cmp - "$T/whole"
	# a day of lateness: the 24 newest hours and the one before are held
	run --separate-stderr fcvae-window $o --lateness 1d "$T/rev.csv"
	[ "$stderr" = "fcvae-window: 72 records, 1 series, 22 windows, 47 late records dropped" ]
	run --separate-stderr fcvae-window $o "$T/rev.csv"
	[ "$stderr" = "fcvae-window: 72 records, 1 series, 0 windows, 71 late records dropped, 1 series with fewer than 4 buckets: no window of it (see --window)" ]
	# held, a second record of a bucket replaces the first (at once it is late)
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":60,"key":"a","value":5}' '{"ts":3600,"key":"a","value":2}' >"$T/dup"
	run fcvae-window --window 1 --lateness 30m "$T/dup"
	[ "${lines[0]}" = '{"key":"a","ts":"1970-01-01T00:00:00Z","value":5,"window":[5],"missing":[]}' ]
	# --lateness and --idle close on the watermark, as an aggregation's
	run fcvae-window --window 1 --lateness 30m --idle 1h "$T/dup"
	[ "$status" -eq 0 ]
	# a state with records held is not resumed without --lateness
	fcvae-window --window 1 --lateness 30m --state "$T/st" --no-flush "$T/dup" >/dev/null
	run --separate-stderr fcvae-window --window 1 --state "$T/st" </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"saved with --lateness (records held in open buckets): resume with --lateness" ]]
}

@test "window: --revise says revised only of a window written before" {
	# agg none at once: 01:00 was a gap (no window of its own), 02:00 had one
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":7200,"key":"a","value":3}' '{"ts":3600,"key":"a","value":2}' \
		'{"ts":7200,"key":"a","value":4}' >"$T/in"
	run fcvae-window --window 2 --revise "$T/in"
	[ "$output" = '{"key":"a","ts":"1970-01-01T02:00:00Z","value":3,"window":[3,3],"missing":[0]}
{"key":"a","ts":"1970-01-01T01:00:00Z","value":2,"window":[1,2],"missing":[]}
{"key":"a","ts":"1970-01-01T02:00:00Z","value":4,"window":[2,4],"missing":[],"revised":true}' ]
	# the same through a state between the records
	head -n 2 "$T/in" | fcvae-window --window 2 --revise --state "$T/st" >"$T/a"
	tail -n 2 "$T/in" | fcvae-window --window 2 --revise --state "$T/st" | cat "$T/a" - | cmp - <(printf '%s\n' "$output")
	# an aggregation: 01:00's window was dropped (all missing but one of
	# three), the late record makes it a first
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":10800,"key":"a","value":4}' '{"ts":3600,"key":"a","value":2}' >"$T/in"
	run --separate-stderr fcvae-window --agg last --window 2 --max-missing 0 --revise "$T/in"
	[ "$output" = '{"key":"a","ts":"1970-01-01T01:00:00Z","value":2,"window":[1,2],"missing":[]}' ]
}

@test "window: --idle and --history where they would do nothing are usage errors" {
	for o in "--idle 5m" "--kcat --lateness 1h --history true" "--kcat --agg sum --history true"; do
		run --separate-stderr fcvae-window $o </dev/null
		echo "$o: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
	done
	run --separate-stderr fcvae-window --idle 5m </dev/null
	[ "$stderr" = "fcvae-window: --idle needs an --agg other than none, or --lateness (--agg none writes each window at once)" ]
	run --separate-stderr fcvae-window --agg count --idle 5m </dev/null
	[ "$status" -eq 0 ]
}

@test "window: options of --kcat input without it, and --csv with --kcat, are usage errors" {
	for o in "--history true" "--partition-idle 5s" "--kafka-time" "--csv --kcat" "--kcat --csv"; do
		run --separate-stderr fcvae-window $o </dev/null
		echo "$o: $stderr"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
	done
	run --separate-stderr fcvae-window --history true </dev/null
	[ "$stderr" = "fcvae-window: --history needs --kcat" ]
	run --separate-stderr fcvae-window --kcat --csv </dev/null
	[ "$stderr" = "fcvae-window: --csv and --kcat: one input format" ]
}

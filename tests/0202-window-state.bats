#!/usr/bin/env bats
# fcvae-window: kcat -J envelopes, --state checkpoints, resume after a stop or
# a crash, Kafka offsets.

bats_require_minimum_version 1.5.0

load helpers/envelopes

setup() {
	T=$BATS_TEST_TMPDIR
	# events of three series over ten hours, some out of order within the
	# lateness, some missing hours; the same for every test
	awk 'BEGIN {
		for (i = 0; i < 300; i++) {
			t = 1740441600 + i * 120 + (i % 7 == 3 ? -900 : 0)
			k = i % 3 == 0 ? "Accel/CMP" : i % 3 == 1 ? "Star/CMP" : "Star/no-pin"
			if (k == "Star/CMP" && t >= 1740441600 + 4 * 3600 && t < 1740441600 + 6 * 3600) continue
			printf "{\"ts\":%d,\"key\":\"%s\",\"value\":%d,\"seq\":%d}\n", t, k, i % 11, i
		}
	}' >"$T/events"
	n=$(wc -l <"$T/events")
}

# kcat -J envelopes of the events: the key in the message, not the payload
envelopes() {
	jq -nc '[inputs] | to_entries[] | {topic: "tx", partition: (.key % 2), offset: .key, tstype: "create",
		ts: (.value.ts * 1000), broker: 1, key: .value.key, payload: (.value | del(.key) | tojson)}' "$1"
}

@test "state: stop and resume gives the output of one run" {
	opts="--agg sum --window 4 --lateness 20m"
	fcvae-window $opts "$T/events" >"$T/whole"
	[ "$(wc -l <"$T/whole")" -gt 20 ]
	for cut in 1 57 150 299; do
		rm -f "$T/state"
		head -n "$cut" "$T/events" | fcvae-window $opts --state "$T/state" --no-flush >"$T/a"
		[ -f "$T/state" ]
		tail -n +"$((cut + 1))" "$T/events" | fcvae-window $opts --state "$T/state" >"$T/b"
		cat "$T/a" "$T/b" | cmp - "$T/whole"
	done
	# no temp files left beside the state, only its lock
	[ "$(ls "$T" | grep state)" = "state
state.lock" ]
}

@test "state: one run at a time on a state file: a second is refused while the first runs" {
	# (both loaded it, and the one that saved last lost the other's series)
	{ printf 'ts,key,value\n0,a,1\n3600,a,2\n'; sleep 3; } | fcvae-window --csv --window 3 --state "$T/st" >"$T/a" 3>&- &
	pid=$!
	sleep 1
	run --separate-stderr fcvae-window --csv --window 3 --state "$T/st" <<<$'ts,key,value\n0,b,1'
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-window: $T/st: in use by another run (its lock $T/st.lock is held)" ]
	wait $pid
	# once it is done, the next run takes it
	run --separate-stderr fcvae-window --csv --window 3 --state "$T/st" <<<$'ts,key,value\n7200,a,3'
	[ "$status" -eq 0 ]
	[ "$(jq -c .window <<<"$output")" = "[1,2,3]" ]
}

@test "state: an open bucket whose sum went beyond a double resumes as it was" {
	printf '{"ts":%d,"key":"a","value":%s}\n' 0 1e308 60 1e308 120 -1e308 180 2 3600 1 >"$T/big"
	for agg in sum mean; do
		fcvae-window --agg "$agg" --window 1 "$T/big" >"$T/whole"
		rm -f "$T/state"
		head -n 2 "$T/big" | fcvae-window --agg "$agg" --window 1 --state "$T/state" --no-flush >"$T/a"
		grep -q '"scaled":true' "$T/state"
		tail -n +3 "$T/big" | fcvae-window --agg "$agg" --window 1 --state "$T/state" >"$T/b"
		cat "$T/a" "$T/b" | cmp - "$T/whole"
		head -n 1 "$T/whole" | jq -e '.value > 2e307'
	done
}

@test "state: resume in three parts with checkpoints every few records, --revise, agg none" {
	for opts in "--agg mean --window 3 --lateness 30m --state-every 7" "--agg count --window 2 --revise --state-every 1" \
		"--window 5 --bucket 10m --max-missing 1"; do
		fcvae-window $opts "$T/events" >"$T/whole"
		rm -f "$T/state"
		sed -n 1,100p "$T/events" | fcvae-window $opts --state "$T/state" --no-flush >"$T/a"
		sed -n 101,200p "$T/events" | fcvae-window $opts --state "$T/state" --no-flush >"$T/b"
		sed -n '201,$p' "$T/events" | fcvae-window $opts --state "$T/state" >"$T/c"
		cat "$T/a" "$T/b" "$T/c" | cmp - "$T/whole"
	done
}

@test "state: a state saved without --revise, resumed with it: what it did not keep is missing, not 0" {
	# the state keeps the last W = 2 buckets (02:00 = 7, 03:00 = 8); --revise
	# keeps 2W, and the revision of 02:00 needs 01:00, which it never saw
	printf '{"ts":%d,"key":"a","value":%d}\n' 0 5 3600 6 7200 7 10800 8 | fcvae-window --window 2 --state "$T/st" >/dev/null
	run fcvae-window --window 2 --state "$T/st" --revise <<<'{"ts":7200,"key":"a","value":70}'
	[ "$output" = '{"key":"a","ts":"1970-01-01T02:00:00Z","value":70,"window":[70,70],"missing":[0],"revised":true}' ]
	# the bucket it kept is there: 03:00 revised reads 02:00's 7
	printf '{"ts":%d,"key":"a","value":%d}\n' 0 5 3600 6 7200 7 10800 8 | fcvae-window --window 2 --state "$T/st2" >/dev/null
	run fcvae-window --window 2 --state "$T/st2" --revise <<<'{"ts":10800,"key":"a","value":80}'
	[ "$output" = '{"key":"a","ts":"1970-01-01T03:00:00Z","value":80,"window":[7,80],"missing":[],"revised":true}' ]
}

@test "state: a state file made with other options is refused" {
	fcvae-window --agg sum --state "$T/state" --no-flush <"$T/events" >/dev/null
	run fcvae-window --agg sum --window 12 --state "$T/state" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-window: cannot load state: $T/state line 1: saved with --agg sum --bucket 3600 --window 24, not --agg sum --bucket 3600 --window 12" ]
	echo '{"fcvae_window_state":1' >"$T/bad"
	run fcvae-window --state "$T/bad" </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == "fcvae-window: cannot load state: $T/bad line 1: expected ',' or '}', found end of input at column 24" ]]
	run fcvae-window --state /nonexistent/dir/state </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == "fcvae-window: cannot save state: /nonexistent/dir/state: No such file or directory" ]]
	# cut at a line's end (a series' line whole, the next ones gone): its
	# first line counts the series (it loaded, the others lost in silence)
	[ "$(wc -l <"$T/state")" -eq 4 ]
	head -n 2 "$T/state" >"$T/cut"
	run fcvae-window --agg sum --state "$T/cut" </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-window: cannot load state: $T/cut: damaged state: 1 series, its first line says 3 (cut short?)" ]
	# a state of an older version, without the count, loads as it did
	{ head -n 1 "$T/cut" | jq -c 'del(.series)'; tail -n +2 "$T/cut"; } >"$T/old"
	run fcvae-window --agg sum --state "$T/old" --no-flush </dev/null
	[ "$status" -eq 0 ]
}

@test "kcat: envelopes are unwrapped, key from the message, origin kept" {
	envelopes "$T/events" >"$T/env"
	fcvae-window --agg sum --window 4 --lateness 20m "$T/events" | jq -c 'del(.seq)' >"$T/plain"
	fcvae-window --kcat --agg sum --window 4 --lateness 20m "$T/env" >"$T/k"
	# same windows; the pass-through fields now name their origin
	jq -c 'del(.seq, .topic, .partition, .offset)' "$T/k" | cmp - "$T/plain"
	[ "$(head -n 1 "$T/k" | jq -c '[.topic, .partition, .offset, .seq]')" = "$(head -n 1 "$T/k" | jq -c '[.topic, (.seq % 2), .seq, .seq]')" ]
}

@test "kcat: --kafka-time takes the message timestamp when the payload has none" {
	printf '%s\n' '{"topic":"t","partition":0,"offset":5,"tstype":"create","ts":1740495600500,"broker":1,"key":"m","payload":"{\"value\":3}"}' \
		'{"topic":"t","partition":0,"offset":6,"ts":1740499200000,"key":null,"payload":"{\"value\":4,\"key\":\"m\"}"}' >"$T/env"
	run fcvae-window --kcat --kafka-time --window 1 "$T/env"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"key":"m","ts":"2025-02-25T15:00:00Z","value":3,"window":[3],"missing":[],"topic":"t","partition":0,"offset":5}' ]
	[ "${lines[1]}" = '{"key":"m","ts":"2025-02-25T16:00:00Z","value":4,"window":[4],"missing":[],"topic":"t","partition":0,"offset":6}' ]
	run --separate-stderr fcvae-window --kcat --window 1 "$T/env"
	[ "${stderr_lines[0]}" = "fcvae-window: $T/env line 1: no \"ts\" field (see --ts, or --kafka-time)" ]
}

@test "kcat: offsets already in the state are skipped on replay" {
	envelopes "$T/events" >"$T/env"
	opts="--kcat --agg sum --window 4 --lateness 20m"
	fcvae-window $opts "$T/env" >"$T/whole"
	head -n 120 "$T/env" | fcvae-window $opts --state "$T/state" --no-flush >"$T/a"
	# the consumer restarts from an older committed offset: 100 records again
	run --separate-stderr fcvae-window $opts --state "$T/state" < <(tail -n +21 "$T/env")
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/b"
	cat "$T/a" "$T/b" | cmp - "$T/whole"
	[[ "$stderr" == *", 100 records skipped (Kafka offset already processed)" ]]
}

@test "kcat: --series: the other series' offsets are processed, skipped on replay and no gap for --history" {
	envelopes "$T/events" >"$T/env"
	opts=(--kcat --agg sum --window 4 --lateness 20m --series Star/CMP)
	fcvae-window "${opts[@]}" "$T/env" >"$T/whole"
	[ -s "$T/whole" ]
	head -n 120 "$T/env" | fcvae-window "${opts[@]}" --state "$T/state" --no-flush >"$T/a"
	run --separate-stderr fcvae-window "${opts[@]}" --state "$T/state" < <(tail -n +21 "$T/env")
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$T/b"
	cat "$T/a" "$T/b" | cmp - "$T/whole"
	[[ "$stderr" == *", 100 records skipped (Kafka offset already processed)"* ]]
	# series a and b on one partition; a state that ends with b's record
	# at offset 9: the next run begins at 10, no offset of it read elsewhere
	hourly_envelopes 20 | awk '{ if (NR % 2 == 0) gsub(/\\"a\\"/, "\\\"b\\\""); print }' >"$T/ab"
	grep -q '\\"key\\":\\"b\\"' "$T/ab"
	cmd='echo asked >>"$H/asked"; exec cat "$H/ab"'
	head -n 10 "$T/ab" | fcvae-window --kcat --window 3 --series a --state "$T/st" --no-flush >"$T/a"
	[ "$(wc -l <"$T/a")" -eq 4 ]
	run --separate-stderr env H="$T" fcvae-window --kcat --window 3 --series a --state "$T/st" --history "$cmd" \
		< <(tail -n +11 "$T/ab")
	[ "$status" -eq 0 ]
	[ ! -e "$T/asked" ]
	[ "${#lines[@]}" -eq 5 ]
	[ "$(jq -c .window <<<"${lines[0]}")" = '[108,109,110]' ]
	# without a state, offsets 0 to 13 were read elsewhere: a's seven are read back
	run --separate-stderr env H="$T" fcvae-window --kcat --window 3 --series a --history "$cmd" < <(tail -n +15 "$T/ab")
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"in [0]: offsets beginning to 13 were read elsewhere: 7 records read back for the windows"* ]]
	[ "$(jq -c .window <<<"${lines[0]}")" = '[112,113,114]' ]
}

@test "state: after a crash the replayed stream loses no window" {
	envelopes "$T/events" >"$T/env"
	opts="--kcat --agg sum --window 4 --lateness 20m"
	fcvae-window $opts "$T/env" | sort >"$T/whole"
	mkfifo "$T/fifo"
	fcvae-window $opts --state "$T/state" --state-every 50 <"$T/fifo" >"$T/a" &
	pid=$!
	exec 7>"$T/fifo"
	head -n 180 "$T/env" >&7
	# wait for the checkpoint after record 150, then crash
	for i in $(seq 50); do
		[ -f "$T/state" ] && grep -q '"offset":149' "$T/state" && break
		sleep 0.1
	done
	sleep 0.3
	kill -9 $pid
	wait $pid || true
	exec 7>&-
	# the consumer group resumes from its last commit, say record 100
	tail -n +101 "$T/env" | fcvae-window $opts --state "$T/state" >"$T/b"
	# every window of the whole run is there; windows after the checkpoint
	# may come twice (same bytes), none differ
	sort -u "$T/a" "$T/b" | cmp - "$T/whole"
}

@test "kcat: real kcat -J output through a mock broker" {
	command -v kcat >/dev/null || skip "no kcat"
	command -v fcvae-mock-broker >/dev/null || skip "no mock broker"
	fcvae-mock-broker -t tx -o "$T/addr" >/dev/null &
	mb=$!
	for i in $(seq 50); do [ -s "$T/addr" ] && break; sleep 0.1; done
	addr=$(cat "$T/addr")
	printf '%s\n' 'Accel/CMP:{"ts":0,"value":0}' 'Accel/CMP:{"ts":3600,"value":1}' 'Star/CMP:{"value":5}' \
		'Accel/CMP:{"ts":7200,"value":2}' | timeout 20 kcat -P -b "$addr" -t tx -K:
	timeout 20 kcat -C -J -b "$addr" -t tx -e -q >"$T/env"
	kill $mb
	wait $mb || true
	run --separate-stderr fcvae-window --kcat --window 2 "$T/env"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == '{"key":"Accel/CMP","ts":"1970-01-01T01:00:00Z","value":1,"window":[0,1],"missing":[],"topic":"tx","partition":'*',"offset":1}' ]]
	[[ "$stderr" == *': no "ts" field (see --ts, or --kafka-time)'* ]]
	# with the message timestamp (now) the Star/CMP record is taken
	run --separate-stderr fcvae-window --kcat --kafka-time --window 1 "$T/env"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(printf '%s\n' "$output" | grep -c '"key":"Star/CMP"')" -eq 1 ]
}

@test "state: --state-every with a unit saves on time while the input is quiet" {
	( echo '{"ts":0,"key":"a","value":1}'; sleep 6 ) |
		fcvae-window --window 1 --state "$T/state" --state-every 1s >"$T/out" &
	pid=$!
	for i in $(seq 40); do [ -f "$T/state" ] && break; sleep 0.1; done
	kill -0 $pid
	grep -q '^{"key":"a","next":3600,"seen":1,' "$T/state"
	# the window the state accounts for is out already
	[ -s "$T/out" ]
	wait $pid
}

@test "state: --history reads back the offsets another member read, for the windows, writing none of them" {
	hourly_envelopes 30 >"$T/all"
	sed -n '1,10p' "$T/all" >"$T/mine"
	sed -n '21,30p' "$T/all" >"$T/later"
	cmd='echo "$FCVAE_TOPIC $FCVAE_PARTITION $FCVAE_FROM $FCVAE_UNTIL" >>"$H/asked"; exec cat "$H/all"'
	# without state: from the beginning; the first window is whole at once
	run --separate-stderr env H="$T" fcvae-window --kcat --window 4 --history "$cmd" "$T/later"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 10 ]
	[ "$(jq -c .window <<<"${lines[0]}")" = '[117,118,119,120]' ]
	[ "$(cat "$T/asked")" = 'in 0 beginning 20' ]
	[[ "$stderr" == *"in [0]: offsets beginning to 19 were read elsewhere: 20 records read back for the windows"* ]]
	# --min-samples counts the buckets read back: the series had its 6
	run --separate-stderr env H="$T" fcvae-window --kcat --window 4 --min-samples 6 --history "$cmd" "$T/later"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 10 ]
	# (without them, from its 6th)
	[ "$(fcvae-window --kcat --window 4 --min-samples 6 "$T/later" | jq -r .offset | head -n 1)" = 25 ]
	# with a state that read 0-9: from 10; the summary counts this run's own
	# records; --min-samples the state's buckets and those read back
	[ -z "$(fcvae-window --kcat --window 4 --min-samples 12 --state "$T/st" --no-flush "$T/mine")" ]
	rm "$T/asked"
	run --separate-stderr env H="$T" fcvae-window --kcat --window 4 --min-samples 12 --state "$T/st" --no-flush -v \
		--history "$cmd" "$T/later"
	[ "${#lines[@]}" -eq 10 ]
	[ "$(cat "$T/asked")" = 'in 0 10 20' ]
	[[ "$stderr" == *"offsets 10 to 19 were read elsewhere: 10 records read back"* ]]
	[[ "$stderr" == *"fcvae-window: 10 records, 1 series, 10 windows"* ]]
	# no gap, no command
	rm "$T/asked"
	fcvae-window --kcat --window 4 --history "$cmd" "$T/all" >/dev/null
	[ ! -e "$T/asked" ]
	# a command that fails is said, and the stream goes on
	run --separate-stderr fcvae-window --kcat --window 4 --history 'exit 7' "$T/later"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 7 ]
	[[ "$stderr" == *"in [0]: --history failed (exit status 7)"* ]]
	# the partition's first record a bad line: read back all the same (it
	# was taken as read, and the later records saw no gap)
	sed '1s/\\"value\\":120/\\"value\\":\\"oops\\"/' "$T/later" >"$T/later-bad"
	grep -q oops "$T/later-bad"
	run --separate-stderr env H="$T" fcvae-window --kcat --window 4 --history "$cmd" "$T/later-bad"
	[ "$status" -eq 0 ]
	[ "$(cat "$T/asked")" = 'in 0 beginning 20' ]
	[ "${#lines[@]}" -eq 9 ]
	[ "$(jq -c .window <<<"${lines[0]}")" = '[118,119,120,121]' ]
	# a command that writes nothing of it
	run --separate-stderr fcvae-window --kcat --window 4 --history true "$T/later"
	[[ "$stderr" == *"in [0]: --history wrote no record of it before offset 20: the windows miss them"* ]]
}

@test "state: --history only when a partition comes to the run; its whole process group stopped; a short read-back said" {
	hourly_envelopes 30 2 >"$T/gaps"
	# offsets 0, 2, 4...: a transactional topic's gaps, not another member's
	run --separate-stderr fcvae-window --kcat --window 4 --history "echo x >>$T/asked" "$T/gaps"
	[ "$status" -eq 0 ]
	[ ! -e "$T/asked" ]
	[ "$output" = "$(fcvae-window --kcat --window 4 "$T/gaps")" ]
	# a read-back that ends short of the record before is said
	sed -n '11,30p' "$T/gaps" >"$T/later"
	run --separate-stderr fcvae-window --kcat --window 4 --history "exec head -n 3 $T/gaps" "$T/later"
	[[ "$stderr" == *"in [0]: --history ended at offset 4, before 19: the windows miss what lies between"* ]]
	# a pipeline for a command: nothing of it left running (a sleep of a
	# length all its own, so that no other process matches)
	nap=77.$$$RANDOM
	run --separate-stderr fcvae-window --kcat --window 4 --history "sleep $nap | cat $T/gaps" "$T/later"
	[ "$status" -eq 0 ]
	run pgrep -f "^sleep $nap\$"
	echo "left running: $output"
	[ "$status" -eq 1 ]
	# aggregated buckets close for every series at once: not with --agg
	run fcvae-window --kcat --agg count --history true "$T/later"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--history needs --agg none"* ]]
}

@test "state: an open bucket before its series' next bucket is refused as damaged (it would never close)" {
	printf '%s\n' '{"fcvae_window_state":1,"agg":"sum","bucket":3600,"window":1,"revise":false,"series":1,"maxts":7200,"frontier":7200,"offsets":[]}' \
		'{"key":"a","next":7200,"seen":2,"ring":[1],"open":[{"start":0,"acc":5,"comp":0,"n":1,"nvalid":1,"label":null,"extra":""}]}' >"$T/dmg"
	cp "$T/dmg" "$T/before"
	run --separate-stderr fcvae-window --csv --agg sum --window 1 --state "$T/dmg" <<<$'ts,key,value\n7300,a,1'
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-window: cannot load state: $T/dmg line 2: bad open bucket of \"a\"" ]
	cmp "$T/dmg" "$T/before"
}

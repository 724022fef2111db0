#!/usr/bin/env bats
# fcvae-stream restart safety against the mock broker: kill -9 at random
# points during a stream, restart; every hour scored exactly once, no alert
# repeated, none lost.
bats_require_minimum_version 1.5.0

load helpers/kafka

setup() { broker_start -t in -p 4; }
teardown() {
	for n in st; do stream_kill $n; done
	broker_stop
}

@test "stream: killed with -9 three times mid-stream, every hour is scored exactly once" {
	seed=${FCVAE_TEST_SEED:-$$}
	RANDOM=$seed
	echo "random seed $seed (FCVAE_TEST_SEED)"
	# ten days at 80 ms an hour: about 20 s of stream
	produce --delay 0.08 3>&- &
	producer=$!
	for i in 1 2 3; do
		stream_start st
		# at a random point: once a random number of further hours is
		# scored, and a random fraction of a second later
		n=$((i * 200 + RANDOM % 100))
		wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $n 60
		sleep "0.$((RANDOM % 10))"
		# the first two with the group's offsets ahead of what was scored:
		# scoring held up (once it runs: the lines counted may all be from
		# before the start) while the consumer reads on, then stops,
		# committing what it read; those hours are not read again and
		# must be scored all the same. The last one while all flows.
		if [ $i -le 2 ]; then
			wait_for_file "$BATS_TEST_TMPDIR/st/kcat.pid" 60
			j=0
			until sp=$(pgrep -g "$(stream_run st)" -x fcvae-score); do
				j=$((j + 1)); [ $j -lt 600 ]; sleep 0.05
			done
			kill -STOP $sp
			sleep 0.5
			kp=$(cat "$BATS_TEST_TMPDIR/st/kcat.pid")
			kill -TERM "$kp"
			while kill -0 "$kp" 2>/dev/null; do sleep 0.05; done
		fi
		# the pipeline, or everything (its alert producer too)
		how=(stream_kill stream_kill_all)
		how=${how[RANDOM % 2]}
		echo "kill $i ($how) at $(wc -l <"$BATS_TEST_TMPDIR/st/scored.ndjson") scored"
		$how st
	done
	wait $producer
	stream_start st
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" 868 60
	sleep 1   # anything scored twice would arrive now
	stream_stop st
	cat "$BATS_TEST_TMPDIR/st.err"
	grep -q "did not stop cleanly" "$BATS_TEST_TMPDIR/st.err"

	# every hour once: no gaps, no duplicates by (series, ts)
	diff <(expected_hours --split test) <(scored_hours "$BATS_TEST_TMPDIR/st/scored.ndjson")
	# with the scores of one uninterrupted batch run: the windows were whole
	diff <(fcvae-gen --hourly --split test --format ndjson | fcvae-window |
			fcvae-score -n 4 --models tests/data/seed_models 2>/dev/null |
			jq -r '"\(.key) \(.ts) \(.score)"' | sort) \
		<(jq -r '"\(.key) \(.ts) \(.score)"' "$BATS_TEST_TMPDIR/st/scored.ndjson" | sort)
	# the alerts topic holds each run's open and close once
	alert_ids_of "$BATS_TEST_TMPDIR/st/scored.ndjson" >"$BATS_TEST_TMPDIR/want"
	[ -s "$BATS_TEST_TMPDIR/want" ]
	# none lost, none repeated, none foreign
	diff "$BATS_TEST_TMPDIR/want" <(kcat -C -b "$BROKER" -t in-alerts -e -q -f '%s\n' | jq -r .id | sort)
	# keyed by series
	[ -z "$(kcat -C -b "$BROKER" -t in-alerts -e -q -J | jq -r 'select(.key != (.payload | fromjson | .key)) | .key')" ]
}

@test "stream: alerts on their way to the topic at a kill -9 arrive once, whether the producer lives on or dies" {
	out=$BATS_TEST_TMPDIR/st/alerts.ndjson
	# each alert waits 2 s in the producer: a kill just after one is handed
	# on comes between hand-off and delivery
	linger=(-X queue.buffering.max.ms=2000)
	stream_start st "${linger[@]}"
	wait_assigned 30 4 "$BATS_TEST_TMPDIR/st/kcat.log"
	produce --delay 0.01 3>&- &
	producer=$!
	# the pipeline's process group is killed, not its alert producer: that
	# delivers what it held after the restart has begun. The kill comes once
	# an alert was handed on: fcvae-alert writes it out right after the state
	# has saved the outbox with it (and a kill before the hand-off would only
	# leave it to be resent).
	wait_for_lines "$out" 1 60
	i=0
	until [ "$(jq .alerts_bytes "$BATS_TEST_TMPDIR/st/alert.state" 2>/dev/null || echo 0)" -gt 0 ]; do
		i=$((i + 1)); [ $i -lt 600 ]; sleep 0.05
	done
	sleep 0.3
	stream_kill st
	stream_start st "${linger[@]}"
	# everything is killed, the producer with the alerts it held
	wait_for_lines "$out" $(($(wc -l <"$out") + 1)) 60
	stream_kill_all st
	stream_start st
	wait $producer
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" 868 60
	sleep 1
	stream_stop st
	cat "$BATS_TEST_TMPDIR/st.err"
	# the first restart waited for the producer, the second resent
	grep -q "waiting for the processes of the last run" "$BATS_TEST_TMPDIR/st.err"
	grep -q "alerts\? resent" "$BATS_TEST_TMPDIR/st.err"
	diff <(alert_ids_of "$BATS_TEST_TMPDIR/st/scored.ndjson") \
		<(kcat -C -b "$BROKER" -t in-alerts -e -q -f '%s\n' | jq -r .id | sort)
}

@test "stream: a clean stop resumes from the group's offsets and the window state" {
	produce --delay 0 --combo Star/CMP --split validation
	stream_start st
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((8 * 24 - 23)) 30
	stream_stop st
	[ ! -e "$BATS_TEST_TMPDIR/st/running" ]
	produce --delay 0 --combo Star/CMP --split test
	stream_start st
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((18 * 24 - 23)) 30
	sleep 1
	stream_stop st
	run ! grep -q "did not stop cleanly" "$BATS_TEST_TMPDIR/st.err"
	# nothing read twice: fcvae-window said nothing (it counts records
	# skipped as already processed, or dropped as late)
	[ "$(grep -c fcvae-window "$BATS_TEST_TMPDIR/st.err")" -eq 0 ]
	# the window state carried the last day across: the second run scored
	# every hour of the ten test days, the first ones too
	[[ "$(grep '^fcvae-score: ' "$BATS_TEST_TMPDIR/st.err" | tail -n 1)" == "fcvae-score: $((10 * 24)) records scored,"* ]]
	diff <(expected_hours --combo Star/CMP --days 60 | awk '$2 >= "2025-02-17T23"') \
		<(scored_hours "$BATS_TEST_TMPDIR/st/scored.ndjson")
}

@test "stream: --min-samples counts a series' buckets across a clean restart, not again from it" {
	produce --delay 0 --combo Star/CMP --split validation
	stream_start st --min-samples 30
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((8 * 24 - 29)) 60
	stream_stop st
	produce --delay 0 --combo Star/CMP --split test
	stream_start st --min-samples 30
	# every hour of the test split: the series had its 30 long before
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((18 * 24 - 29)) 60
	sleep 1   # anything scored twice would arrive now
	stream_stop st
	diff <(expected_hours --combo Star/CMP --days 60 | awk '$2 >= "2025-02-18T05"') \
		<(scored_hours "$BATS_TEST_TMPDIR/st/scored.ndjson")
}

@test "stream: a stop while it waits for the last run's lock is a clean stop" {
	mkdir -p "$BATS_TEST_TMPDIR/st"
	# a process of a last run (an alert producer still delivering) holds the lock
	flock "$BATS_TEST_TMPDIR/st/lock" sh -c 'echo held >"$1"; exec sleep 60' sh "$BATS_TEST_TMPDIR/held" 3>&- &
	holder=$!
	wait_for_file "$BATS_TEST_TMPDIR/held" 10
	stream_start st
	wait_for_file "$BATS_TEST_TMPDIR/st.err" 30
	grep -q "waiting for the processes of the last run" "$BATS_TEST_TMPDIR/st.err"
	kill -TERM "$pid_st"
	# (not `run wait`: run's subshell cannot wait for this shell's child)
	rc=0
	wait "$pid_st" || rc=$?
	kill "$holder"
	cat "$BATS_TEST_TMPDIR/st.err"
	[ "$rc" -eq 0 ]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/st.err")" = "fcvae-stream: stopped before it started" ]
	# nothing started: no run marked as running, no pipeline
	[ ! -e "$BATS_TEST_TMPDIR/st/running" ]
	[ ! -e "$BATS_TEST_TMPDIR/st/kcat.pid" ]
}

# star_validation_running: stream st started on Star/CMP's validation days,
# once it has scored them and its consumer runs
star_validation_running() {
	produce --delay 0 --combo Star/CMP --split validation
	stream_start st
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((8 * 24 - 23)) 30
	wait_for_file "$BATS_TEST_TMPDIR/st/kcat.pid" 30
}

@test "stream: a kill -9 of fcvae-stream alone stops its run cleanly" {
	star_validation_running
	# (a supervisor that kills its main process, or its process group)
	run=$(stream_run st)
	kill -9 -- "-$pid_st"
	wait "$pid_st" || true
	for ((i = 0; i < 300; i++)); do kill -0 "$run" 2>/dev/null || break; sleep 0.1; done
	run ! kill -0 "$run" 2>/dev/null
	cat "$BATS_TEST_TMPDIR/st.err"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/st.err")" = "fcvae-stream: stopped cleanly" ]
	[ ! -e "$BATS_TEST_TMPDIR/st/running" ]
}

@test "stream: a kill -9 of its run's shell alone stops the run; the next start goes on from it" {
	star_validation_running
	# the run's shell alone (killed by its pid): its consumer, filters,
	# follower and dashboard must not run on unwatched, holding the lock,
	# so that the next start would wait for ever
	kill -9 "$(stream_run st)"
	wait "$pid_st" || true
	lock=$(realpath "$BATS_TEST_TMPDIR/st/lock")
	for ((i = 0; i < 200; i++)); do
		[ -n "$(find /proc/[0-9]*/fd -lname "$lock" 2>/dev/null)" ] || break
		sleep 0.1
	done
	find /proc/[0-9]*/fd -lname "$lock" 2>/dev/null | cut -d/ -f3 | sort -u | xargs -r ps -o pid=,args= -p
	[ -z "$(find /proc/[0-9]*/fd -lname "$lock" 2>/dev/null)" ]
	grep -q "killed: stopping its run" "$BATS_TEST_TMPDIR/st.err"
	# an unclean stop: the next run reads the topic again, scores nothing twice
	produce --delay 0 --combo Star/CMP --split test
	stream_start st
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((18 * 24 - 23)) 30
	sleep 1
	stream_stop st
	grep -q "did not stop cleanly" "$BATS_TEST_TMPDIR/st.err"
	diff <(expected_hours --combo Star/CMP --days 60 | awk '$2 >= "2025-02-17T23"') \
		<(scored_hours "$BATS_TEST_TMPDIR/st/scored.ndjson")
}

@test "stream: a clean stop before the reading again after an unclean stop ended leaves it to the next start" {
	produce --delay 0 --combo Star/CMP --split train
	stream_start st
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" 100 60
	stream_kill st
	# the next start reads again from the start; held up (scoring stopped,
	# the pipe full) and stopped cleanly before it is through, its group's
	# offsets already at the end of the topic
	stream_start st
	j=0
	until grep -q "did not stop cleanly" "$BATS_TEST_TMPDIR/st.err" && sp=$(pgrep -g "$(stream_run st)" -x fcvae-score); do
		j=$((j + 1)); [ $j -lt 600 ]; sleep 0.05
	done
	kill -STOP $sp
	wait_for_file "$BATS_TEST_TMPDIR/st/kcat.pid" 60
	sleep 1
	kill -TERM "$pid_st"
	sleep 1
	kill -CONT $sp
	wait "$pid_st"
	cat "$BATS_TEST_TMPDIR/st.err"
	grep -q "stopped cleanly, before it had read again what the last run had: the next start reads it again" "$BATS_TEST_TMPDIR/st.err"
	[ -e "$BATS_TEST_TMPDIR/st/running" ]
	# so the next one reads again, and every hour is scored once (they were
	# lost: the group's offsets were at the end)
	stream_start st
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((42 * 24 - 23)) 60
	sleep 1
	stream_stop st
	diff <(expected_hours --combo Star/CMP --days 42) <(scored_hours "$BATS_TEST_TMPDIR/st/scored.ndjson")
}

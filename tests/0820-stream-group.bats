#!/usr/bin/env bats
# fcvae-stream scale-out and bad input against the mock broker: two members
# of one group over a 4-partition topic; bad messages counted and skipped.

load helpers/kafka

setup() { broker_start -t in -p 4; }
teardown() {
	stream_kill a
	stream_kill b
	broker_stop
}

@test "stream: two consumers in one group split the series and score each hour once" {
	stream_start a
	stream_start b
	# both joined and the partitions shared out, before any data
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log" "$BATS_TEST_TMPDIR/b/kcat.log"
	produce --delay 0
	wait_total 868 120 "$BATS_TEST_TMPDIR"/a/scored.ndjson "$BATS_TEST_TMPDIR"/b/scored.ndjson
	sleep 1
	stream_stop a
	stream_stop b
	# together: every hour of every series once
	diff <(expected_hours --split test) <(scored_hours "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson)
	# each member scored some series, and no series on both
	ka=$(jq -r .key "$BATS_TEST_TMPDIR/a/scored.ndjson" | sort -u)
	kb=$(jq -r .key "$BATS_TEST_TMPDIR/b/scored.ndjson" | sort -u)
	echo "a: $ka" && echo "b: $kb"
	[ -n "$ka" ]
	[ -n "$kb" ]
	[ -z "$(comm -12 <(echo "$ka") <(echo "$kb"))" ]
	# the alerts of both, once each
	diff <(alert_ids_of "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson) \
		<(kcat -C -b "$BROKER" -t in-alerts -e -q -f '%s\n' | jq -r .id | sort)
}

@test "stream: the producer's hours and a member's alerts reach their topics as they come, not at the next" {
	# an hour a minute: the first hour's four records are there long before
	# the second comes (a kcat -P for the whole stream sent them with it)
	# (to a topic of its own: the stream below reads "in" from its start)
	setsid fcvae-stream --produce -b "$BROKER" -t hourly --delay 60 --split test 2>/dev/null 3>&- &
	producer=$!
	for ((i = 0; i < 100; i++)); do
		n=$(kcat -C -b "$BROKER" -t hourly -e -q -f '%s\n' | wc -l)
		[ "$n" -ge 4 ] && break
		sleep 0.2
	done
	kill -- "-$producer"
	wait "$producer" || true
	[ "$n" -eq 4 ]
	# a member's last alert, with none after it, is on the topic while it runs
	stream_start a
	produce --delay 0 --split validation
	wait_total $((4 * (192 - 23))) 60 "$BATS_TEST_TMPDIR/a/scored.ndjson"
	alert_ids_of "$BATS_TEST_TMPDIR/a/scored.ndjson" >"$BATS_TEST_TMPDIR/want"
	[ -s "$BATS_TEST_TMPDIR/want" ]
	wait_alert_ids "$BATS_TEST_TMPDIR/want" 20
}

@test "stream: bad messages in the topic are counted and skipped, the stream goes on" {
	{
		echo 'Star/CMP:this is not JSON'
		echo 'Star/CMP:{"key":"Star/CMP","timestamp":"yesterday","value":1}'
		echo 'Star/CMP:{"key":"Star/CMP","timestamp":"2025-02-25T00:30:00Z","value":"many"}'
		echo 'Star/CMP:[1,2,3]'
	} | kcat -b "$BROKER" -P -t in -K:
	stream_start a
	produce --delay 0 --combo Star/CMP
	echo 'Star/CMP:{"key":' | kcat -b "$BROKER" -P -t in -K:
	wait_for_lines "$BATS_TEST_TMPDIR/a/scored.ndjson" 217 60
	stream_stop a
	cat "$BATS_TEST_TMPDIR/a.err"
	diff <(expected_hours --split test --combo Star/CMP) <(scored_hours "$BATS_TEST_TMPDIR/a/scored.ndjson")
	grep -q 'fcvae-window: 240 records, .*5 input lines rejected: 2 not JSON, 1 bad ts, 1 bad value, 1 not an object' "$BATS_TEST_TMPDIR/a.err"
}

@test "stream: --combo scores that series only, its key taken whole (a backslash, a quote)" {
	k='Star\a"CMP'
	fcvae-gen --follow --delay 0 --split test --combo Star/CMP |
		jq -r --arg k "$k" '.key = $k | "\(.key)\u001f\(tojson)"' | kcat -P -b "$BROKER" -t in -K $'\x1f'
	# another series, which the member passes over
	produce --delay 0 --combo Accel/CMP --split test
	stream_start a -m tests/data/seed_models/Star_CMP.safetensors --no-dashboard --combo "$k"
	wait_for_lines "$BATS_TEST_TMPDIR/a/scored.ndjson" $((10 * 24 - 23)) 60
	stream_stop a
	cat "$BATS_TEST_TMPDIR/a.err"
	[ "$(jq -r .key "$BATS_TEST_TMPDIR/a/scored.ndjson" | sort -u)" = "$k" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/a/scored.ndjson")" -eq $((10 * 24 - 23)) ]
}

@test "stream: a member of one combo has a group of its own: it and a member of every series each score all their hours" {
	# by default; in one group they would share the partitions out
	stream_start a --no-dashboard
	stream_start b --no-dashboard --combo Star/CMP
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log"
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/b/kcat.log"
	produce --delay 0
	wait_for_lines "$BATS_TEST_TMPDIR/a/scored.ndjson" 868 60
	wait_for_lines "$BATS_TEST_TMPDIR/b/scored.ndjson" $((240 - 23)) 60
	stream_stop a
	stream_stop b
	diff <(expected_hours --split test) <(scored_hours "$BATS_TEST_TMPDIR/a/scored.ndjson")
	diff <(expected_hours --split test --combo Star/CMP) <(scored_hours "$BATS_TEST_TMPDIR/b/scored.ndjson")
}

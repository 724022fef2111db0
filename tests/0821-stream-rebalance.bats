#!/usr/bin/env bats
# fcvae-stream when the group's partitions move (SPEC §7: "after a crash or
# rebalance the pipeline resumes without losing windows"): a member that
# takes over a partition reads back the offsets another member read, so its
# series are scored from the first hour it gets, not 23 hours later. The
# hours it is handed again (the other's last commit fails in a rebalance
# under traffic) are scored again, but their alerts are not sent twice.

load helpers/kafka

setup() { broker_start -t in -p 4; }

teardown() {
	stream_kill a
	stream_kill b
	stream_kill c
	broker_stop
}

@test "rebalance: a member that leaves hands its series on; the other scores every hour of them, once" {
	# --min-samples counts the hours read back too: no moved series waits again
	stream_start a --min-samples 30
	stream_start b --min-samples 30
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log" "$BATS_TEST_TMPDIR/b/kcat.log"
	produce --delay 0 --split validation
	# validation: 8 days of 4 series, a series' first 29 hours unscored
	wait_total $((4 * (192 - 29))) 60 "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson
	kb=$(jq -r .key "$BATS_TEST_TMPDIR/b/scored.ndjson" | sort -u)
	[ -n "$kb" ]
	stream_stop b
	# a takes every partition, then the test split comes
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log"
	produce --delay 0 --split test
	# every hour of the test split (or, read afresh, all but the first 29 of
	# each moved series): the total, then a second for any beyond it
	wait_total $((4 * (192 - 29) + 4 * 240)) 60 "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson || true
	sleep 1
	# the alerts the two members' hours call for, each once: a run that
	# moved with its series has one open and one close, whoever sent them
	alert_ids_of "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson >"$BATS_TEST_TMPDIR/want"
	[ -s "$BATS_TEST_TMPDIR/want" ]
	wait_alert_ids "$BATS_TEST_TMPDIR/want" 20
	# (started now, to join its group while a stops: see the end), its
	# follower of the alerts topic late: what is on the topic at its start
	# must be known before its first verdict all the same
	slow_follower "$BATS_TEST_TMPDIR/slow" 8
	PATH=$BATS_TEST_TMPDIR/slow:$PATH stream_start c -g again --no-dashboard
	stream_stop a
	cat "$BATS_TEST_TMPDIR/a.err"
	# b's series: their history read back from the topic, said once per partition
	grep -q 'were read elsewhere: [0-9]* records read back for the windows' "$BATS_TEST_TMPDIR/a.err"
	# every hour of both splits once, between the two members
	diff <({ fcvae-gen --hourly --format ndjson --split validation |
		jq -r '"\(.key) \(.ts)"' | awk '{ if (++n[$1] >= 30) print }'; fcvae-gen --hourly --format ndjson --split test |
		jq -r '"\(.key) \(.ts)"'; } | sort) <(scored_hours "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson)
	# b's series in a: from the first hour of the test split
	for k in $kb; do
		first=$(jq -r --arg k "$k" 'select(.key == $k) | .ts' "$BATS_TEST_TMPDIR/a/scored.ndjson" | sort | head -n 1)
		echo "$k: $first"
		[ "$first" = "$(fcvae-gen --hourly --format ndjson --split test --combo "$k" | jq -r .ts | head -n 1)" ]
	done
	# hours another member scored, handed again: here every hour, to a
	# member of another group. It sends none of their alerts again
	wait_total $((4 * (192 - 23) + 4 * 240)) 60 "$BATS_TEST_TMPDIR/c/scored.ndjson"
	stream_stop c
	grep 'is on the alerts topic already' "$BATS_TEST_TMPDIR/c.err" | head -n 3
	kcat -C -b "$BROKER" -t in-alerts -e -q -f '%s\n' >"$BATS_TEST_TMPDIR/alerts"
	[ -s "$BATS_TEST_TMPDIR/alerts" ]
	[ -z "$(jq -r .id "$BATS_TEST_TMPDIR/alerts" | sort | uniq -d)" ]
	grep -q 'alerts sent already' "$BATS_TEST_TMPDIR/c.err"
}

@test "rebalance: a run open when its series moves is taken on there: one open, one close" {
	# the test split's hours, keyed by series, a part of them
	hours() {
		fcvae-gen --follow --delay 0 --split test 2>/dev/null | "$@" | jq -r '"\(.key)\u001f\(tojson)"' |
			kcat -P -b "$BROKER" -t in -K $'\x1f'
	}
	stream_start a
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log"
	# up to 2025-02-26T15:00 (40 hours of four series), where every series
	# is in an anomaly run that goes on
	hours head -n 160
	wait_total $((4 * (40 - 23))) 60 "$BATS_TEST_TMPDIR/a/scored.ndjson"
	[ "$(jq -r 'select(.ts == "2025-02-26T15:00:00Z") | .anomaly' "$BATS_TEST_TMPDIR/a/scored.ndjson" | sort -u)" = true ]
	stream_stop a
	# b has the series from 16:00 on
	stream_start b
	hours tail -n +161
	# (named: a glob would miss b's file while b starts)
	wait_total $((4 * (240 - 23))) 60 "$BATS_TEST_TMPDIR/a/scored.ndjson" "$BATS_TEST_TMPDIR/b/scored.ndjson"
	alert_ids_of "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson >"$BATS_TEST_TMPDIR/want"
	[ "$(grep -c '@2025-02-26T15:00:00Z/close' "$BATS_TEST_TMPDIR/want")" -eq 4 ]
	wait_alert_ids "$BATS_TEST_TMPDIR/want" 20
	stream_stop b
	[ "$(grep -c 'is open on the alerts topic: taken on' "$BATS_TEST_TMPDIR/b.err")" -eq 4 ]
}

@test "rebalance: after an unclean stop, a partition handed over later is read from where its last member left it" {
	# a scores the validation split alone, then is killed outright
	stream_start a
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log"
	produce --delay 0 --split validation
	wait_total $((4 * (192 - 23))) 60 "$BATS_TEST_TMPDIR/a/scored.ndjson"
	sleep 6   # (the consumer's automatic commit, every 5 s)
	stream_kill_all a
	# b has all four partitions, then a is back: it reads those it had
	# from their beginning (hours of its own: none scored again), then on
	# in the group from its offsets
	stream_start b
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/b/kcat.log"
	stream_start a
	wait_said a 'on in the group' 60
	grep -q 'did not stop cleanly' "$BATS_TEST_TMPDIR/a.err"
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log" "$BATS_TEST_TMPDIR/b/kcat.log"
	produce --delay 0 --split test
	wait_total $((4 * (192 - 23) + 4 * 240)) 60 "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson
	sleep 6
	# b leaves: a gets its partitions from b's last commit, not again
	# from their beginning
	stream_stop b
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log"
	sleep 2
	stream_stop a
	# every hour once, between the two
	diff <({ expected_hours --split validation; fcvae-gen --hourly --format ndjson --split test |
		jq -r '"\(.key) \(.ts)"'; } | sort) <(scored_hours "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson)
}

@test "rebalance: after an unclean stop, the partitions another member had are read from where it left them" {
	stream_start a
	stream_start b
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log" "$BATS_TEST_TMPDIR/b/kcat.log"
	produce --delay 0 --split validation
	wait_total $((4 * (192 - 23))) 60 "$BATS_TEST_TMPDIR/a/scored.ndjson" "$BATS_TEST_TMPDIR/b/scored.ndjson"
	sleep 6   # (the consumers' automatic commit, every 5 s)
	# a is killed outright, b stops cleanly; a, back alone, is given all
	# four partitions: it reads its own two from their start, b's two from
	# b's last commit
	stream_kill_all a
	stream_stop b
	stream_start a
	wait_said a 'on in the group' 60
	grep -q 'reading the partitions of in it had ([0-9] [0-9]) from their start' "$BATS_TEST_TMPDIR/a.err"
	wait_assigned 60 4 "$BATS_TEST_TMPDIR/a/kcat.log"
	produce --delay 0 --split test
	wait_total $((4 * (192 - 23) + 4 * 240)) 60 "$BATS_TEST_TMPDIR/a/scored.ndjson" "$BATS_TEST_TMPDIR/b/scored.ndjson"
	sleep 2
	stream_stop a
	[ ! -e "$BATS_TEST_TMPDIR/a/held-partitions" ]
	# every hour once, between the two
	diff <({ expected_hours --split validation; fcvae-gen --hourly --format ndjson --split test |
		jq -r '"\(.key) \(.ts)"'; } | sort) <(scored_hours "$BATS_TEST_TMPDIR"/[ab]/scored.ndjson)
}

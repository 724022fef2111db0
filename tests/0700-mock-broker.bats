#!/usr/bin/env bats
# fcvae-mock-broker: a Kafka-protocol broker kcat can produce to and consume
# from, consumer groups included.

bats_require_minimum_version 1.5.0

load helpers/kafka

teardown() { broker_stop; }

@test "mock-broker: -h prints usage, bad option is a usage error" {
	run fcvae-mock-broker -h
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-mock-broker --bogus
	[ "$status" -eq 2 ]
	run fcvae-mock-broker -p 0
	[ "$status" -eq 2 ]
	# a topic no client could name: refused before any broker starts
	for t in '' 'a b' '..' "$(printf '%0250d' 0)"; do
		run --separate-stderr timeout 5 fcvae-mock-broker -t in -t "$t"
		[ "$status" -eq 2 ]
		[ -z "$output" ]
		[ "$stderr" = "fcvae-mock-broker: --topic: '$t' is not a Kafka topic name (1 to 249 letters, digits, '.', '_', '-')" ]
	done
	# the longest name is one
	fcvae-mock-broker -t "$(printf '%0249d' 0)" -o "$BATS_TEST_TMPDIR/addr" >/dev/null 3>&- &
	pid=$!
	wait_for_file "$BATS_TEST_TMPDIR/addr" 10
	kill -TERM $pid
	wait $pid
}

@test "mock-broker: prints host:port on stdout at once and exits 0 on SIGTERM" {
	fcvae-mock-broker >"$BATS_TEST_TMPDIR/out" 3>&- &
	pid=$!
	wait_for_file "$BATS_TEST_TMPDIR/out" 10
	grep -Eq '^127\.0\.0\.1:[0-9]+$' "$BATS_TEST_TMPDIR/out"
	kill -TERM $pid
	wait $pid
}

@test "mock-broker: kcat produces keyed messages and consumes them back" {
	broker_start -t in -p 4
	for i in $(seq 1 20); do echo "k$((i % 5)):{\"n\":$i}"; done |
		kcat -b "$BROKER" -P -t in -K:
	run sh -c "kcat -b '$BROKER' -C -t in -e -q -J | jq -r '.payload | fromjson | .n' | sort -n | tr '\n' ' '"
	[ "$status" -eq 0 ]
	[ "$output" = "$(seq 1 20 | tr '\n' ' ')" ]
	# a key always lands on one partition: the property scale-out relies on
	run sh -c "kcat -b '$BROKER' -C -t in -e -q -J | jq -r '\"\(.key) \(.partition)\"' | sort -u | cut -d' ' -f1 | uniq -d"
	[ -z "$output" ]
	# four partitions were created, so the five keys spread over several
	run sh -c "kcat -b '$BROKER' -C -t in -e -q -J | jq -r .partition | sort -u | wc -l"
	[ "$output" -gt 1 ]
}

@test "mock-broker: a consumer group resumes from its committed offsets" {
	broker_start -t in -p 2
	seq 1 10 | kcat -b "$BROKER" -P -t in
	kcat -b "$BROKER" -G g1 -q -e $KCAT_GROUP_OPTS in >"$BATS_TEST_TMPDIR/first"
	[ "$(sort -n "$BATS_TEST_TMPDIR/first" | tr '\n' ' ')" = "$(seq 1 10 | tr '\n' ' ')" ]
	seq 11 15 | kcat -b "$BROKER" -P -t in
	# the same group sees only what came after its commit at close
	kcat -b "$BROKER" -G g1 -q -e $KCAT_GROUP_OPTS in >"$BATS_TEST_TMPDIR/second"
	[ "$(sort -n "$BATS_TEST_TMPDIR/second" | tr '\n' ' ')" = "$(seq 11 15 | tr '\n' ' ')" ]
	# another group starts over
	kcat -b "$BROKER" -G g2 -q -e $KCAT_GROUP_OPTS in >"$BATS_TEST_TMPDIR/other"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/other")" -eq 15 ]
}

@test "mock-broker: two members of one group split the partitions" {
	broker_start -t in -p 4
	for m in a b; do
		kcat -b "$BROKER" -G g -u -v -J $KCAT_GROUP_OPTS in \
			>"$BATS_TEST_TMPDIR/$m" 2>"$BATS_TEST_TMPDIR/$m.log" 3>&- &
		eval "pid_$m=\$!"
	done
	wait_assigned 30 4 "$BATS_TEST_TMPDIR/a.log" "$BATS_TEST_TMPDIR/b.log"
	for i in $(seq 1 40); do echo "k$i:$i"; done | kcat -b "$BROKER" -P -t in -K:
	wait_for_lines "$BATS_TEST_TMPDIR/a" 1 10
	wait_for_lines "$BATS_TEST_TMPDIR/b" 1 10
	wait_total 40 30 "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	sleep 0.5   # anything delivered twice would show up now
	kill $pid_a $pid_b; wait $pid_a $pid_b || true
	# together exactly the 40 messages, once each, each member some of them
	run sh -c "cat '$BATS_TEST_TMPDIR/a' '$BATS_TEST_TMPDIR/b' | jq -r .payload | sort -n | tr '\n' ' '"
	[ "$output" = "$(seq 1 40 | tr '\n' ' ')" ]
}

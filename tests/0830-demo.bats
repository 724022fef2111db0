#!/usr/bin/env bats
# scripts/demo (make demo): broker, producer, pipeline, dashboard; Ctrl-C
# stops it all cleanly.
bats_require_minimum_version 1.5.0

load helpers/kafka
load helpers/images

@test "demo: runs the live job, draws the dashboard and stops cleanly on Ctrl-C" {
	d=$BATS_TEST_TMPDIR/demo
	# own process group, as a terminal's foreground job would be, and with
	# INT as a terminal leaves it (a background job of this shell ignores
	# it, and a shell cannot trap what it was started ignoring)
	setsid env --default-signal=INT scripts/demo --loop --delay 0.01 --dir "$d" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	pid=$!
	wait_for_lines "$d/state/scored.ndjson" 300 90
	# the dashboard is there while it runs
	i=0
	until [ -s "$d/dashboard/Star_no-pin.png" ]; do i=$((i + 1)); [ $i -lt 100 ]; sleep 0.1; done
	[ "$(png_size "$d/dashboard/Accel_CMP.png")" = "900 420" ]
	kill -INT -- "-$pid"
	# a stop that does not come fails here, not at CI's time limit
	(sleep 120; kill -9 -- "-$pid") 2>/dev/null 3>&- &
	watchdog=$!
	wait $pid || true
	kill "$watchdog" 2>/dev/null || true
	cat "$BATS_TEST_TMPDIR/out"
	# its last words, on the way out (the start-up banner names the
	# dashboard too): what stays once the broker is gone, and the dashboard
	[ "$(tail -n 2 "$BATS_TEST_TMPDIR/out" | head -n 1)" = "demo: scored hours: $d/state/scored.ndjson, alerts: $d/state/alerts.ndjson" ]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/out")" = "demo: dashboard: $d/dashboard/index.html" ]
	grep -q "stopped cleanly" "$d/stream.log"
	# nothing left running: the broker, the consumer, the producer
	for f in "$d/state/kcat.pid" "$d/state/tail.pid"; do [ ! -e "$f" ]; done
	[ -z "$(ps -eo args | grep -F -- "$d" | grep -v grep)" ]
	# every hour scored once even so
	[ -z "$(jq -r '"\(.key) \(.ts)"' "$d/state/scored.ndjson" | sort | uniq -d)" ]
}

@test "demo: --dir of an earlier demo starts afresh, with a new broker; a directory with other things is refused" {
	d=$BATS_TEST_TMPDIR/demo
	for run in 1 2; do
		setsid scripts/demo --loop --delay 0.01 --dir "$d" >"$BATS_TEST_TMPDIR/out$run" 2>&1 3>&- &
		pid=$!
		# the files of run 1 are still there until run 2 has started
		i=0
		until grep -q "^demo: producing" "$BATS_TEST_TMPDIR/out$run"; do i=$((i + 1)); [ $i -lt 600 ]; sleep 0.05; done
		wait_for_lines "$d/state/scored.ndjson" 50 90
		# (TERM: a background job of this shell ignores INT)
		kill -TERM "$pid"
		wait $pid || true
		cat "$BATS_TEST_TMPDIR/out$run"
		grep -q "stopped cleanly" "$d/stream.log"
	done
	# the second run scored, from its own broker, into a fresh state
	[ "$(grep -o 'broker at [^ ]*' "$BATS_TEST_TMPDIR/out1")" != "$(grep -o 'broker at [^ ]*' "$BATS_TEST_TMPDIR/out2")" ]
	grep -q "fcvae-score: [1-9][0-9]* records scored" "$d/stream.log"
	n=$(wc -l <"$d/state/scored.ndjson")
	grep -q "demo: $n hours scored" "$BATS_TEST_TMPDIR/out2"
	[ -z "$(jq -r '"\(.key) \(.ts)"' "$d/state/scored.ndjson" | sort | uniq -d)" ]

	mkdir "$BATS_TEST_TMPDIR/mine"
	touch "$BATS_TEST_TMPDIR/mine/notes.txt"
	run -2 timeout 60 scripts/demo --delay 0 --dir "$BATS_TEST_TMPDIR/mine"
	[[ "$output" == *"holds notes.txt, which is not an earlier demo's"* ]]
	[ "$(ls "$BATS_TEST_TMPDIR/mine")" = notes.txt ]
}

@test "demo: a bad option is a usage error, before anything starts" {
	d=$BATS_TEST_TMPDIR/demo
	# (--delay abc once ran the demo for 50 s, scoring nothing, and exited 0;
	# --delay with no value was bash's "unbound variable", exit 1)
	while IFS='|' read -r opts msg; do
		eval "opts=($opts)" "msg=\"$msg\""
		run -2 --separate-stderr timeout 30 scripts/demo "${opts[@]}"
		[ "${stderr_lines[0]}" = "$msg" ] || { echo "${opts[*]}: $stderr"; false; }
		[ ! -e "$d" ]
	done <<'END'
--delay abc --dir "$d"|demo: --delay: 'abc' is not a number of seconds from 0 to 86400
--dir "$d" --delay -1|demo: --delay: '-1' is not a number of seconds from 0 to 86400
--dir "$d" --delay|demo: option --delay needs a value
--dir|demo: option --dir needs a value
--dir ''|demo: --dir: no directory
--dir "$d" --models "$d/models"|demo: --models: no models at $d/models
--dir "$d" --models ''|demo: --models: no directory
--dir "$d" --bogus|demo: unknown option '--bogus'
END
}

@test "demo: a producer or a stream that fails is said, with its words and its status" {
	d=$BATS_TEST_TMPDIR/demo
	# a kcat that fails as the producer's, and runs as any other
	mkdir "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh\ncase " $* " in *" -P "*" -t fcvae-hourly "*) echo "kcat: refused" >&2; exit 1 ;; esac\nexec %s "$@"\n' \
		"$(command -v kcat)" >"$BATS_TEST_TMPDIR/bin/kcat"
	chmod +x "$BATS_TEST_TMPDIR/bin/kcat"
	# (both were once hidden: the demo ran its 50 s and exited 0)
	PATH=$BATS_TEST_TMPDIR/bin:$PATH run -1 timeout 40 scripts/demo --delay 0.2 --dir "$d"
	echo "$output"
	[[ "$output" == *"demo: the producer ended (status 1); the end of $d/producer.log:"$'\n'*"kcat: refused"* ]]
	# a model that does not load stops the stream: its log is shown
	echo 'not a model' >"$BATS_TEST_TMPDIR/model"
	run -1 timeout 40 scripts/demo --delay 0.2 --dir "$d" --models "$BATS_TEST_TMPDIR/model"
	echo "$output"
	[[ "$output" == *"demo: the stream ended (status 1); the end of $d/stream.log:"$'\n'*"fcvae-score: $BATS_TEST_TMPDIR/model: "* ]]
}

#!/usr/bin/env bats
# scripts/demo (make demo): broker, producer, pipeline, dashboard; Ctrl-C
# stops it all cleanly.

load helpers/kafka
load helpers/images

@test "demo: runs the live job, draws the dashboard and stops cleanly on Ctrl-C" {
	d=$BATS_TEST_TMPDIR/demo
	# own process group, as a terminal's foreground job would be
	setsid scripts/demo --loop --delay 0.01 --dir "$d" >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	pid=$!
	wait_for_lines "$d/state/scored.ndjson" 300 90
	# the dashboard is there while it runs
	i=0
	until [ -s "$d/dashboard/Star_no-pin.png" ]; do i=$((i + 1)); [ $i -lt 100 ]; sleep 0.1; done
	[ "$(png_size "$d/dashboard/Accel_CMP.png")" = "900 420" ]
	kill -INT -- "-$pid"
	wait $pid || true
	cat "$BATS_TEST_TMPDIR/out"
	grep -q "dashboard: $d/dashboard/index.html" "$BATS_TEST_TMPDIR/out"
	grep -q "stopped cleanly" "$d/stream.log"
	# nothing left running: the broker, the consumer, the producer
	for f in "$d/state/kcat.pid" "$d/state/tail.pid"; do [ ! -e "$f" ]; done
	[ -z "$(ps -eo args | grep -F -- "$d" | grep -v grep)" ]
	# every hour scored once even so
	[ -z "$(jq -r '"\(.key) \(.ts)"' "$d/state/scored.ndjson" | sort | uniq -d)" ]
}

# kafka.bash — bats helpers: a mock Kafka broker per test, and waiting for files.
# Load with `load helpers/kafka`; needs build/tools on PATH (tests/run.sh does it).

# Consumer-group timings for the mock broker: it holds a first join for 3 s
# and a rebalance for the session timeout less 1 s (45 s by default), so a
# short session keeps group tests fast. Below 3000 ms the mock never settles.
KCAT_GROUP_PROPS="session.timeout.ms=3000 heartbeat.interval.ms=200 auto.offset.reset=earliest"
KCAT_GROUP_OPTS="-X ${KCAT_GROUP_PROPS// / -X }"

# broker_start [fcvae-mock-broker options...]: starts a broker for this test,
# sets BROKER (bootstrap address) and BROKER_PID.
broker_start() {
	local addr="$BATS_TEST_TMPDIR/broker.addr"
	# fd 3 closed: bats waits for every holder of it before finishing a test
	fcvae-mock-broker -o "$addr" "$@" >/dev/null 3>&- &
	BROKER_PID=$!
	wait_for_file "$addr" 10
	BROKER=$(cat "$addr")
	export BROKER
}

broker_stop() {
	[ -n "${BROKER_PID:-}" ] || return 0
	kill "$BROKER_PID" 2>/dev/null || true
	wait "$BROKER_PID" 2>/dev/null || true
	BROKER_PID=
}

# wait_for_file FILE SECONDS: until FILE exists and is not empty.
wait_for_file() {
	local i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ $i -le $(($2 * 20)) ] || { echo "timed out waiting for $1" >&2; return 1; }
		sleep 0.05
	done
}

# wait_for_lines FILE N SECONDS: until FILE holds at least N lines.
wait_for_lines() {
	local i=0
	while [ "$(cat "$1" 2>/dev/null | wc -l)" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -le $(($3 * 20)) ] || { echo "timed out waiting for $2 lines in $1 (have $(wc -l <"$1" 2>/dev/null))" >&2; return 1; }
		sleep 0.05
	done
}

# wait_said NAME TEXT SECONDS: until stream NAME's stderr has TEXT (a
# grep pattern), then that stderr (fails if it never came)
wait_said() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -q "$2" "$BATS_TEST_TMPDIR/$1.err" 2>/dev/null && break
		sleep 0.1
	done
	cat "$BATS_TEST_TMPDIR/$1.err"
	grep -q "$2" "$BATS_TEST_TMPDIR/$1.err"
}

# wait_total N SECONDS FILE...: until the files hold N lines together
wait_total() {
	local n=$1 secs=$2 i=0
	shift 2
	until [ "$(cat "$@" 2>/dev/null | wc -l)" -ge "$n" ]; do
		i=$((i + 1))
		[ $i -le $((secs * 10)) ] || { echo "timed out: $(cat "$@" | wc -l) of $n lines" >&2; return 1; }
		sleep 0.1
	done
}

# wait_assigned SECONDS NPARTS LOG...: until the latest kcat -v "assigned:"
# lines of all the consumers' stderr logs together cover NPARTS partitions,
# i.e. the group has settled (kcat logs "revoked:" before each reassignment).
wait_assigned() {
	local secs=$1 want=$2 i=0 have log
	shift 2
	while :; do
		have=0
		for log in "$@"; do
			last=$(grep -E 'rebalanced.*(assigned|revoked):' "$log" 2>/dev/null | tail -n 1)
			case "$last" in
			*assigned:*) have=$((have + $(echo "$last" | sed 's/.*assigned://' | tr ',' '\n' | grep -c '\['))) ;;
			esac
		done
		[ "$have" -eq "$want" ] && return 0
		i=$((i + 1))
		[ $i -le $((secs * 10)) ] || { echo "group did not settle: $have of $want partitions assigned" >&2; return 1; }
		sleep 0.1
	done
}

# stream_start NAME [fcvae-stream options...]: a consumer in its own process
# group (so kill -9 takes all of it), state in $BATS_TEST_TMPDIR/NAME, models
# from tests/data; sets pid_NAME.
stream_start() {
	local name=$1
	shift
	KCAT_CONSUMER_OPTS="$KCAT_GROUP_PROPS" setsid fcvae-stream -b "$BROKER" -t in \
		-m tests/data/seed_models -n 4 -s "$BATS_TEST_TMPDIR/$name" --refresh 0 "$@" \
		>/dev/null 2>>"$BATS_TEST_TMPDIR/$name.err" 3>&- &
	eval "pid_$name=\$!"
}

# run_of PID: the run that fcvae-stream PID started, its child that leads a
# session (and process group) of its own; nothing if none (yet)
run_of() { ps -o pid=,sid= --ppid "$1" | awk '$1 == $2 { print $1 }'; }

# stream_run NAME: the pid of stream NAME's run, waited for
stream_run() {
	local pid i run
	eval "pid=\$pid_$1"
	for ((i = 0; i < 200; i++)); do
		run=$(run_of "$pid")
		[ -z "$run" ] || { echo "$run"; return 0; }
		sleep 0.05
	done
	echo "stream $1 ($pid) has no run" >&2
	return 1
}

# stream_kill NAME: kill -9 the whole pipeline: the run's process group
# first (the death of the shell that started it alone is a stop request)
stream_kill() {
	local pid run
	eval "pid=\$pid_$1"
	run=$(run_of "$pid")
	[ -z "$run" ] || kill -9 -- "-$run" 2>/dev/null
	kill -9 -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$BATS_TEST_TMPDIR/$1/kcat.pid"
}

# stream_kill_all NAME: kill -9 every process of the run, as a service
# manager or a power cut would: the alert producer too, which runs in a
# session of its own (and outlives stream_kill). It goes first, before it can
# see its input end and flush what it holds. The run's processes are those
# holding its lock file.
stream_kill_all() {
	local pid lock others
	eval "pid=\$pid_$1"
	lock=$(realpath "$BATS_TEST_TMPDIR/$1/lock")
	others=$(find /proc/[0-9]*/fd -lname "$lock" 2>/dev/null | cut -d/ -f3 | sort -u |
		while read -r p; do
			[ "$(ps -o pgid= -p "$p" | tr -d ' ')" = "$pid" ] || echo "$p"
		done)
	kill -9 -- $others "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$BATS_TEST_TMPDIR/$1/kcat.pid"
}

# stream_stop NAME: a clean stop (SIGTERM), which must succeed. It waits for
# the pipeline to run (kcat.pid, which the kills above remove). A TERM while
# fcvae-stream was still forking its start-up pipelines once left bash 5.2
# waiting in wait_for() for a child that had no news: the trap ran between
# two forks of the dashboard's pipeline and waited for the first (and a TERM
# could reach the consumer while its shell still ignored it). Both are fixed
# in fcvae-stream; 1400-edges.bats stops it at start-up.
stream_stop() {
	local pid
	eval "pid=\$pid_$1"
	wait_for_file "$BATS_TEST_TMPDIR/$1/kcat.pid" 60
	kill -TERM "$pid"
	wait "$pid"
}

# produce [fcvae-stream --produce options...]: the seed's hourly values
produce() {
	fcvae-stream --produce -b "$BROKER" -t in "$@" 2>/dev/null
}

# expected_hours [fcvae-gen options]: "key ts" of every hour a 24-hour window
# scores (a series' first 23 hours have no full window), sorted
expected_hours() {
	fcvae-gen --hourly --format ndjson "$@" |
		jq -r '"\(.key) \(.ts)"' | awk '{ if (++n[$1] >= 24) print }' | sort
}

# scored_hours FILE...: "key ts" of scored records, sorted, duplicates kept
scored_hours() {
	cat "$@" | jq -r '"\(.key) \(.ts)"' | sort
}

# wait_alert_ids FILE SECONDS: until the ids on the alerts topic (in-alerts),
# sorted, are FILE's lines, at most SECONDS; then their diff, if any (fails)
wait_alert_ids() {
	local got=$BATS_TEST_TMPDIR/alert-ids i
	for ((i = 0; i < $2 * 5; i++)); do
		kcat -C -b "$BROKER" -t in-alerts -e -q -f '%s\n' | jq -r .id | sort >"$got"
		cmp -s "$1" "$got" && return 0
		sleep 0.2
	done
	diff "$1" "$got"
}

# alert_ids_of FILE...: the alerts the anomaly runs in scored records call
# for (worked out here, not by fcvae-alert), sorted
alert_ids_of() {
	cat "$@" | jq -s -r 'group_by(.key)[] | sort_by(.ts) |
		reduce .[] as $r ({open: null, ids: []};
			if ($r.anomaly == true) and (.open == null) then .open = $r.ts | .ids += ["\($r.key)@\($r.ts)/open"]
			elif ($r.anomaly == false) and (.open != null) then .ids += ["\($r.key)@\(.open)/close"] | .open = null
			else . end) | .ids[]' | sort
}

# slow_follower DIR SECS: a kcat in DIR (put it first on PATH) that starts
# fcvae-stream's follower of the alerts topic (kcat -C -u, not in a group,
# not to its end) SECS seconds late, and runs every other kcat at once
slow_follower() {
	mkdir -p "$1"
	cat >"$1/kcat" <<-END
		#!/bin/sh
		case " \$* " in
		*" -G "* | *" -e "* | *" -P "*) ;;
		*" -C "*" -u "*) sleep $2 ;;
		esac
		exec $(command -v kcat) "\$@"
	END
	chmod +x "$1/kcat"
}

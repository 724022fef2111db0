# kafka.bash — bats helpers: a mock Kafka broker per test, and waiting for files.
# Load with `load helpers/kafka`; needs build/tools on PATH (tests/run.sh does it).

# Consumer-group timings for the mock broker: it holds a first join for 3 s
# and a rebalance for the session timeout less 1 s (45 s by default), so a
# short session keeps group tests fast. Below 3000 ms the mock never settles.
KCAT_GROUP_OPTS="-X session.timeout.ms=3000 -X heartbeat.interval.ms=200 -X auto.offset.reset=earliest"

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

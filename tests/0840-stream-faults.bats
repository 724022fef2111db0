#!/usr/bin/env bats
# fcvae-stream when things go wrong around it: options that look like file
# name patterns, a start that fails, a stage or the dashboard that dies.
bats_require_minimum_version 1.5.0

load helpers/kafka

teardown() {
	for n in st; do stream_kill $n; done
	# (a broker left stopped by a test that failed would never end)
	[ -z "${BROKER_PID:-}" ] || kill -CONT "$BROKER_PID" 2>/dev/null || true
	broker_stop
}

@test "stream: KCAT_OPTS values are taken literally, not matched against file names" {
	# a kcat that only says what it was given
	mkdir "$BATS_TEST_TMPDIR/bin" "$BATS_TEST_TMPDIR/cwd"
	printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"$KCAT_ARGS"\ncat >/dev/null\n' >"$BATS_TEST_TMPDIR/bin/kcat"
	chmod +x "$BATS_TEST_TMPDIR/bin/kcat"
	touch "$BATS_TEST_TMPDIR/cwd/sasl.password=abc" "$BATS_TEST_TMPDIR/cwd/b=x"
	(cd "$BATS_TEST_TMPDIR/cwd" &&
		KCAT_ARGS=$BATS_TEST_TMPDIR/args KCAT_OPTS=' sasl.password=a*  b=[x]
 c=?' PATH=$BATS_TEST_TMPDIR/bin:$PATH \
		fcvae-stream --produce -b x -t t --delay 0 --split validation --combo Star/CMP)
	[ "$(grep -A1 -x -- -X "$BATS_TEST_TMPDIR/args" | grep -v -x -e -X -e --)" = 'sasl.password=a*
b=[x]
c=?' ]
}

@test "stream: a usage error says what is wrong, and only that" {
	# (the exit status was once printed into the message too)
	run -2 fcvae-stream -b
	[ "$output" = "fcvae-stream: option -b needs a value" ]
	run -2 fcvae-stream --window 0x
	[ "$output" = "fcvae-stream: --window: '0x' is not a whole number from 1 to 100000" ]
	# an unknown option or an operand is named before the usage
	run -2 --separate-stderr fcvae-stream --bogus
	[ "${stderr_lines[0]}" = "fcvae-stream: unknown option '--bogus'" ]
	[[ "${stderr_lines[1]}" == usage:* ]]
	run -2 --separate-stderr fcvae-stream models
	[ "${stderr_lines[0]}" = "fcvae-stream: takes no operands ('models')" ]
	# a state directory it cannot make: said as its own (mkdir's bare message)
	touch "$BATS_TEST_TMPDIR/file"
	run -1 --separate-stderr fcvae-stream -b 127.0.0.1:1 -s "$BATS_TEST_TMPDIR/file/st" --no-dashboard
	[ "$stderr" = "fcvae-stream: state directory: cannot create directory '$BATS_TEST_TMPDIR/file': Not a directory" ]
}

@test "stream: a program it needs that is missing is said as such; --alerts the topic read is a usage error" {
	# a PATH of everything but kcat
	mkdir "$BATS_TEST_TMPDIR/bin"
	for d in /usr/local/bin /usr/bin /bin; do
		for f in "$d"/*; do
			n=${f##*/}
			[ "$n" = kcat ] || [ -e "$BATS_TEST_TMPDIR/bin/$n" ] || ln -s "$f" "$BATS_TEST_TMPDIR/bin/$n"
		done
	done
	run -1 --separate-stderr env PATH="$FCVAE_BUILD/bin:$FCVAE_TOP/scripts:$BATS_TEST_TMPDIR/bin" \
		fcvae-stream -b 127.0.0.1:1 --no-dashboard -s "$BATS_TEST_TMPDIR/st"
	[ "$stderr" = "fcvae-stream: kcat not found: a run needs kcat, jq, flock and setpriv (Debian packages kcat, jq, util-linux)" ]
	[ ! -e "$BATS_TEST_TMPDIR/st" ]
	# (its alerts were read back as bad input)
	run -2 --separate-stderr fcvae-stream -b 127.0.0.1:1 -t fb -A fb --no-dashboard -s "$BATS_TEST_TMPDIR/st"
	[ "$stderr" = "fcvae-stream: --alerts: 'fb' is the topic read: its alerts would be read back as input" ]
	# kcat's own "% " is not part of the reason
	run -2 --separate-stderr fcvae-stream -b 127.0.0.1:1 -X foo --no-dashboard -s "$BATS_TEST_TMPDIR/st"
	[[ "$stderr" == "fcvae-stream: -X, -C: Expected -X property=value"* ]]
}

@test "stream: a stop while it checks its options is a clean stop, said" {
	# a kcat slow to answer the check of the options
	mkdir "$BATS_TEST_TMPDIR/bin"
	printf '#!/bin/sh
sleep 1
exec "%s" "$@"
' "$(command -v kcat)" >"$BATS_TEST_TMPDIR/bin/kcat"
	chmod +x "$BATS_TEST_TMPDIR/bin/kcat"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" fcvae-stream -b 127.0.0.1:1 -s "$BATS_TEST_TMPDIR/st" --no-dashboard \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	sleep 0.3
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	cat "$BATS_TEST_TMPDIR/err"
	[ "$rc" -eq 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "fcvae-stream: stopped before it started" ]
	[ ! -e "$BATS_TEST_TMPDIR/st/running" ]
}

@test "stream: a start that fails before its pipeline runs leaves no mark of an unclean stop" {
	st=$BATS_TEST_TMPDIR/st
	mkdir "$st"
	# an outbox to check against the alerts topic, and no broker to read it from
	echo '{"id":"a@2025-01-01T00:00:00Z/open","key":"a"}' >"$st/alerts.ndjson"
	echo '{}' >"$st/window.state"
	run -1 fcvae-stream -b 127.0.0.1:1 -t in -m tests/data/seed_models -s "$st" --no-dashboard
	[[ "$output" == *"cannot read the alerts topic"* ]]
	[ ! -e "$st/running" ]
	[ -e "$st/window.state" ]
}

@test "stream: each option is checked before anything starts: a bad one leaves the state as a clean stop left it" {
	st=$BATS_TEST_TMPDIR/st
	mkdir "$st"
	# what a clean stop leaves; no broker is needed to refuse a start
	fcvae-gen --hourly --days 2 --combo Star/CMP --format ndjson | fcvae-window --state "$st/window.state" >/dev/null
	cp "$st/window.state" "$BATS_TEST_TMPDIR/window.state"
	wrong=
	# ENV|OPTIONS|STATUS|the start of the message
	while IFS='|' read -r env opts want msg; do
		eval "opts=($opts)"
		run env $env timeout 10 fcvae-stream -b 127.0.0.1:1 -t in -m tests/data/seed_models -s "$st" --min-samples 30 "${opts[@]}"
		# (a stage that refused its option once failed the run after its
		# "running" mark: the next start threw the window state away; or
		# the dashboard was restarted for ever)
		if [ "$status" -ne "$want" ] || [[ "$output" != "$msg"* ]] || [ -e "$st/running" ] ||
			[ ! -e "$st/window.state" ]; then
			wrong+="$env ${opts[*]}: status $status, running: $([ -e "$st/running" ] && echo yes || echo no): ${output:0:300}"$'\n'
		fi
		rm -f "$st/running"
		cp "$BATS_TEST_TMPDIR/window.state" "$st/window.state"
	done <<'EOF'
|-w 0|2|fcvae-stream: --window: '0' is not a whole number from 1 to 100000
|-w 100001|2|fcvae-stream: --window: '100001' is not a whole number from 1 to 100000
|-n 0|2|fcvae-stream: --samples: '0' is not a whole number from 1 to 1000000
|-n 1x|2|fcvae-stream: --samples: '1x' is not a whole number from 1 to 1000000
|--min-samples 1000000001|2|fcvae-stream: --min-samples: '1000000001' is not a whole number
|-w 31|2|fcvae-stream: --min-samples (30) must be at least --window (31)
|--hours 0|2|fcvae-stream: --hours: '0' is not a whole number from 1 to 1000000
|--refresh 86401|2|fcvae-stream: --refresh: '86401' is not a whole number from 0 to 86400
|--delay abc|2|fcvae-stream: --delay: 'abc' is not a number of seconds from 0 to 86400
|--delay 86400.5|2|fcvae-stream: --delay: '86400.5' is not a number of seconds from 0 to 86400
|--split tests|2|fcvae-gen: --split: 'tests' is not train, validation or test
LOOP_DATA=maybe||2|fcvae-stream: LOOP_DATA: 'maybe' is not true or false
|-b ''|2|fcvae-stream: --brokers: no broker
|-g ''|2|fcvae-stream: --group: no group id
|-t ''|2|fcvae-stream: --topic: '' is not a Kafka topic name
|-t 'in put'|2|fcvae-stream: --topic: 'in put' is not a Kafka topic name
|-A in/alerts|2|fcvae-stream: --alerts: 'in/alerts' is not a Kafka topic name
|-X no.such.property=1|2|fcvae-stream: -X, -C: No such configuration property: "no.such.property"
|-C session.timeout.ms=soon|2|fcvae-stream: -X, -C: Invalid value for configuration property "session.timeout.ms"
|-m /etc/passwd|1|fcvae-score: /etc/passwd: 
|-w 48 --min-samples 48|2|fcvae-stream: --window 48, but tests/data/seed_models/Accel_CMP.safetensors is a model of 24-point windows
|-w 48 --min-samples 48 -c Star/no-pin|2|fcvae-stream: --window 48, but tests/data/seed_models/Star_nopin.safetensors is a model of 24-point windows
|-w 48 --min-samples 48 -m tests/data/seed_models/Star_CMP.safetensors|2|fcvae-stream: --window 48, but tests/data/seed_models/Star_CMP.safetensors is a model of 24-point windows
|--key-field ''|2|fcvae-window: --key: no field name
|-d /proc/fcvae-dashboard|1|mkdir: 
EOF
	printf '%s' "$wrong"
	[ -z "$wrong" ]
}

@test "stream: a series key with ':' in it keys its alerts whole, and a restart finds them on the topic" {
	broker_start -t in -p 4
	fcvae-gen --follow --delay 0 --split test --combo Star/CMP |
		jq -r '.key = "db:cpu" | "\(.key)\u001f\(tojson)"' | kcat -P -b "$BROKER" -t in -K $'\x1f'
	model=tests/data/seed_models/Star_CMP.safetensors
	stream_start st -m "$model" --no-dashboard
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((10 * 24 - 23)) 60
	stream_stop st
	[ -s "$BATS_TEST_TMPDIR/st/alerts.ndjson" ]
	# the restart reads the alerts topic to resend what it lacks
	stream_start st -m "$model" --no-dashboard
	stream_stop st
	cat "$BATS_TEST_TMPDIR/st.err"
	run ! grep -q -e "not alerts" -e resent "$BATS_TEST_TMPDIR/st.err"
	[ "$(kcat -C -b "$BROKER" -t in-alerts -e -q -J | jq -r .key | sort -u)" = "db:cpu" ]
	diff <(jq -r .id "$BATS_TEST_TMPDIR/st/alerts.ndjson") \
		<(kcat -C -b "$BROKER" -t in-alerts -e -q -f '%s\n' | jq -r .id)
}

# score_dies: kill -9 the run's fcvae-score once it runs; the run ends by
# itself (no further message is needed for the consumer to notice), failed
# with that stage's status
# star_validation_scored: a broker, Star/CMP's validation split on it, and
# stream st (no dashboard) once it has scored all of it
star_validation_scored() {
	broker_start -t in -p 4
	produce --delay 0 --combo Star/CMP --split validation
	stream_start st --no-dashboard
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((8 * 24 - 23)) 60
}

# stream_ended: until stream st has ended by itself; its status in rc, its
# stderr shown
stream_ended() {
	local i=0
	while kill -0 "$pid_st" 2>/dev/null; do i=$((i + 1)); [ $i -lt 600 ]; sleep 0.05; done
	rc=0
	wait "$pid_st" || rc=$?
	cat "$BATS_TEST_TMPDIR/st.err"
}

score_dies() {
	local sp i=0
	# (the pipeline's: not the short run that checks the models at start)
	wait_for_file "$BATS_TEST_TMPDIR/st/kcat.pid" 60
	until sp=$(pgrep -g "$(stream_run st)" -x fcvae-score); do i=$((i + 1)); [ $i -lt 600 ]; sleep 0.05; done
	kill -9 "$sp"
	stream_ended
	[ $rc -eq 137 ]
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/st.err")" = "fcvae-stream: pipeline failed (stage fcvae-score, status 137)" ]
}

@test "stream: a stage that dies stops the consumer at once, and the run fails saying which" {
	star_validation_scored
	score_dies
	# an unclean stop: the next start reads the topic again
	[ -e "$BATS_TEST_TMPDIR/st/running" ]
	# and a stage that dies while its first consumer reads the partitions
	# it had starts no second one
	: >"$BATS_TEST_TMPDIR/st.err"
	stream_start st --no-dashboard
	score_dies
	grep -q 'did not stop cleanly' "$BATS_TEST_TMPDIR/st.err"
	[ -z "$(grep 'on in the group' "$BATS_TEST_TMPDIR/st.err")" ]
}

@test "stream: a dashboard that dies is restarted, and the scoring goes on" {
	broker_start -t in -p 4
	stream_start st
	plot=
	i=0
	until plot=$(pgrep -g "$(stream_run st)" -x fcvae-plot); do i=$((i + 1)); [ $i -lt 600 ]; sleep 0.05; done
	kill -9 "$plot"
	i=0
	until grep -q "dashboard died (status 137), restarting" "$BATS_TEST_TMPDIR/st.err"; do
		i=$((i + 1)); [ $i -lt 600 ]; sleep 0.05
	done
	produce --delay 0 --combo Star/CMP --split validation
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((8 * 24 - 23)) 60
	# the new one draws what is scored
	wait_for_file "$BATS_TEST_TMPDIR/st/dashboard/Star_CMP.png" 60
	new=$(pgrep -g "$(stream_run st)" -x fcvae-plot)
	[ "$new" != "$plot" ]
	stream_stop st
	cat "$BATS_TEST_TMPDIR/st.err"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/st.err")" = "fcvae-stream: stopped cleanly" ]
	[ ! -e "$BATS_TEST_TMPDIR/st/tail.pid" ]
}

@test "stream: after an unclean stop, partitions it had that are gone, or of another topic, are passed over" {
	broker_start -t in -p 4
	produce --delay 0 --combo Star/CMP --split validation
	st=$BATS_TEST_TMPDIR/st
	mkdir -p "$st"
	: >"$st/running"
	echo '% Group fcvae rebalanced (memberid 0x1): assigned: in [0], in [9], other [1]' >"$st/kcat.log"
	printf 'in 2\nin 7\n' >"$st/held-partitions"
	stream_start st --no-dashboard
	wait_for_lines "$st/scored.ndjson" $((8 * 24 - 23)) 60
	sleep 1
	stream_stop st
	cat "$BATS_TEST_TMPDIR/st.err"
	grep -q 'reading the partitions of in it had (0 2) from their start' "$BATS_TEST_TMPDIR/st.err"
	[ ! -e "$st/held-partitions" ]
	# read twice (those two, then in the group), scored once
	diff <(expected_hours --combo Star/CMP --split validation) <(scored_hours "$st/scored.ndjson")
}

@test "stream: an alerts topic it cannot read at start, with nothing to resend, is said and left to the follower" {
	broker_start -t in -p 4
	produce --delay 0 --combo Star/CMP --split validation
	# a kcat whose reads of the alerts topic to its end fail
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/kcat" <<-END
		#!/bin/sh
		case " \$* " in
		*" -t in-alerts "*" -e "*) echo "% ERROR: no alerts topic today" >&2; exit 1 ;;
		esac
		exec $(command -v kcat) "\$@"
	END
	chmod +x "$BATS_TEST_TMPDIR/bin/kcat"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH stream_start st --no-dashboard
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((8 * 24 - 23)) 60
	# the follower read it: its alerts, all of them, once they are on it
	for ((i = 0; i < 200; i++)); do
		[ -s "$BATS_TEST_TMPDIR/st/alerts.ndjson" ] &&
			cmp -s <(jq -r .id "$BATS_TEST_TMPDIR/st/alerts.ndjson" | sort) \
				<(jq -r .id "$BATS_TEST_TMPDIR/st/alerts-sent.ndjson" | sort -u) && break
		sleep 0.1
	done
	stream_stop st
	cat "$BATS_TEST_TMPDIR/st.err"
	grep -q 'cannot read the alerts topic in-alerts now (% ERROR: no alerts topic today): its follower will read it once it can' "$BATS_TEST_TMPDIR/st.err"
	grep -q 'stopped cleanly' "$BATS_TEST_TMPDIR/st.err"
	[ -s "$BATS_TEST_TMPDIR/st/alerts-sent.ndjson" ]
	diff <(jq -r .id "$BATS_TEST_TMPDIR/st/alerts.ndjson" | sort) <(jq -r .id "$BATS_TEST_TMPDIR/st/alerts-sent.ndjson" | sort -u)
}

@test "stream: a stop while the brokers cannot be reached ends within its grace, cleanly, and the next start sends the alerts held" {
	# (the consumer waited for the group's coordinator for ever to leave it,
	# and then the alerts producer for the brokers up to librdkafka's message
	# timeout). A kcat that, as the first alerts are sent, stops the broker
	# once the producer has connected, then gives it the alerts: held by a
	# producer that cannot deliver them.
	broker_start -t in -p 4
	produce --delay 0 --combo Star/CMP --split validation
	mkdir "$BATS_TEST_TMPDIR/bin"
	cat >"$BATS_TEST_TMPDIR/bin/kcat" <<-END
		#!/bin/sh
		case " \$* " in
		*" -P "*" -t in-alerts "*)
			if [ ! -e "$BATS_TEST_TMPDIR/broker-stopped" ]; then
				: >"$BATS_TEST_TMPDIR/broker-stopped"
				(sleep 2; kill -STOP $BROKER_PID; echo stopped >"$BATS_TEST_TMPDIR/broker-stopped") &
				{ sleep 3; cat; } | $(command -v kcat) "\$@"
				exit
			fi ;;
		esac
		exec $(command -v kcat) "\$@"
	END
	chmod +x "$BATS_TEST_TMPDIR/bin/kcat"
	PATH=$BATS_TEST_TMPDIR/bin:$PATH stream_start st --no-dashboard
	wait_for_file "$BATS_TEST_TMPDIR/broker-stopped" 60
	sleep 2
	start=$SECONDS
	stream_stop st
	kill -CONT "$BROKER_PID"
	cat "$BATS_TEST_TMPDIR/st.err"
	[ $((SECONDS - start)) -le 30 ]
	# (bash's job notices of the two kills are not passed on)
	! grep -q Killed "$BATS_TEST_TMPDIR/st.err"
	grep -q "the consumer has not left the group in 15s (brokers unreachable?): killed" "$BATS_TEST_TMPDIR/st.err"
	grep -q "the alerts producer has not delivered in 5s (brokers unreachable?): given up; the next start sends what it did not" "$BATS_TEST_TMPDIR/st.err"
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/st.err")" = "fcvae-stream: stopped cleanly" ]
	[ ! -e "$BATS_TEST_TMPDIR/st/running" ]
	[ -s "$BATS_TEST_TMPDIR/st/alerts.ndjson" ]
	# the next start: every alert on the topic, once
	stream_start st --no-dashboard
	wait_for_lines "$BATS_TEST_TMPDIR/st/scored.ndjson" $((8 * 24 - 23)) 60
	sleep 1
	jq -r .id "$BATS_TEST_TMPDIR/st/alerts.ndjson" | sort >"$BATS_TEST_TMPDIR/ids"
	wait_alert_ids "$BATS_TEST_TMPDIR/ids" 30
	stream_stop st
	diff <(expected_hours --combo Star/CMP --split validation) <(scored_hours "$BATS_TEST_TMPDIR/st/scored.ndjson")
}

@test "stream: brokers gone: the run ends at once, saying why, for its supervisor to start it again" {
	star_validation_scored
	broker_stop
	stream_ended
	[ $rc -eq 1 ]
	# kcat's reason on stderr (the consumer's was in kcat.log only)
	grep -q "All broker connections are down" "$BATS_TEST_TMPDIR/st.err"
	last=$(tail -n 1 "$BATS_TEST_TMPDIR/st.err")
	[[ "$last" == "fcvae-stream: pipeline failed (stage kcat -"[CP]", status 1)"* ]]
	[[ "$last" != *"stage kcat -C"* ]] || [[ "$last" == *"): Local: All broker connections are down"* ]]
}

@test "stream: Ctrl-C (INT to the whole group) stops it cleanly, the dashboard not taken for dead and restarted" {
	broker_start -t in -p 4
	# as from a terminal: INT not ignored, as a shell's background job has it
	KCAT_CONSUMER_OPTS="$KCAT_GROUP_PROPS" setsid env --default-signal=INT fcvae-stream -b "$BROKER" -t in \
		-m tests/data/seed_models -n 4 -s "$BATS_TEST_TMPDIR/st" --refresh 0 \
		>/dev/null 2>>"$BATS_TEST_TMPDIR/st.err" 3>&- &
	pid_st=$!
	i=0
	until pgrep -g "$(stream_run st)" -x fcvae-plot >/dev/null; do i=$((i + 1)); [ $i -lt 600 ]; sleep 0.05; done
	wait_for_file "$BATS_TEST_TMPDIR/st/kcat.pid" 60
	# once it consumes (1400-edges stops it at every moment of its start)
	wait_assigned 30 4 "$BATS_TEST_TMPDIR/st/kcat.log"
	kill -INT -- "-$pid_st"
	stream_ended
	[ "$(tail -n 1 "$BATS_TEST_TMPDIR/st.err")" = "fcvae-stream: stopped cleanly" ]
	run ! grep -q "dashboard died" "$BATS_TEST_TMPDIR/st.err"
}

@test "stream: --produce stopped by TERM ends all of its pipeline, exit 0" {
	# (the generator, jq and the batches' kcat were left publishing)
	broker_start -t in -p 4
	fcvae-stream --produce -b "$BROKER" -t in --delay 0.1 --loop 2>/dev/null 3>&- &
	p=$!
	sleep 2
	kill -TERM "$p"
	rc=0
	wait "$p" || rc=$?
	[ $rc -eq 0 ]
	sleep 0.5
	n=$(kcat -C -b "$BROKER" -t in -e -q | wc -l)
	[ "$n" -gt 0 ]
	sleep 1
	[ "$(kcat -C -b "$BROKER" -t in -e -q | wc -l)" -eq "$n" ]
	run ! pgrep -f "^fcvae-gen --follow --delay 0.1 .*--loop" >/dev/null
	# a producer that fails still fails (no broker there)
	run -1 fcvae-stream --produce -b 127.0.0.1:1 -t in --delay 0 -c Star/CMP
}

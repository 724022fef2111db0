#!/usr/bin/env bats
# Faults: SIGKILL in the middle of writing a state file, a model file or a
# dashboard image (at random points of the write, and at least half the
# kills seen to land in it) leaves on disk the old or the new complete file,
# and the next start works; writes to a full disk, a closed
# pipe or a directory that takes no files fail with a message and exit 1,
# leaving nothing half-written in place. make stress kills 200 times each.

bats_require_minimum_version 1.5.0

setup_file() {
	export D=$BATS_FILE_TMPDIR
	export K=$([ -n "${FCVAE_STRESS:-}" ] && echo 200 || echo 12)
	# events of 5000 series: a state of about 1 MB, saved every 200 records
	awk 'BEGIN { for (i = 0; i < 60000; i++) printf "{\"ts\":%d,\"key\":\"series-%d\"}\n", 1740441600 + i * 3, i % 5000 }' >"$D/events"
	fcvae-gen --hourly --days 10 --combo Accel/CMP --format ndjson | fcvae-window --window 4 >"$D/windows"
	# more than a pipe holds, so a closed pipe is met while writing
	fcvae-gen --hourly --days 60 --format ndjson | fcvae-window --window 4 >"$D/windows.big"
	head -n 1 "$D/windows" >"$D/one"
	# a model and its scores, for the plot, full disk and closed pipe tests
	fcvae-train -q -o "$D/p.safetensors" --latent 2 --condition 2 --d-model 4 --d-inner 4 --heads 1 --kernel 2 \
		--stride 2 --hidden 4 --epochs 1 "$D/windows"
	fcvae-score -m "$D/p.safetensors" -n 2 -i 1 "$D/windows" >"$D/scored" 2>/dev/null
	touch -d @1 "$D/epoch1"
}

# kill_in_write TARGET WAIT SLOW CMD...: start CMD in a process group of its
# own; after a random 0 to WAIT ms, watch for a write of TARGET under way (a
# temp file TARGET.tmp.* with something in it, or TARGET itself changed, as
# an in-place writer changes it) and kill -9 the whole group in it. SLOW: 0,
# or CMD runs under strace with each write and sync held SLOW ms, a write
# window wider than a busy machine's scheduling delays, and the kill comes a
# random 0 to SLOW ms into it. Succeeds if the kill landed in the write:
# a temp file was left.
kill_in_write() {
	local target=$1 wait=$2 slow=$3 pid tmp st deadline pause
	shift 3
	# older than $D/epoch1: any write from now on makes it newer
	[ ! -e "$target" ] || touch -d @0 "$target"
	pause=$(awk -v s="$RANDOM" -v w="$wait" -v d="$slow" 'BEGIN { srand(s); printf "%.3f %.3f", rand() * w / 1000, rand() * d / 1000 }')
	if [ "$slow" -gt 0 ]; then
		# (LeakSanitizer cannot run under ptrace)
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" setsid strace -f --seccomp-bpf -qq -o /dev/null \
			-e trace="$slow_calls" -e inject="$slow_calls":delay_enter=$((slow * 1000)) "$@" >/dev/null 2>&1 &
	else
		setsid "$@" >/dev/null 2>&1 &
	fi
	pid=$!
	sleep "${pause% *}"
	# a busy loop of builtins only, to see the write as soon as it starts
	deadline=$((${EPOCHREALTIME/./} + 60000000))
	while [ "${EPOCHREALTIME/./}" -lt "$deadline" ]; do
		for tmp in "$target".tmp.*; do [ -s "$tmp" ] && break 2; done
		[ "$target" -nt "$D/epoch1" ] && break
		read -r _ _ st _ <"/proc/$pid/stat" && [ "$st" != Z ] || break
	done
	[ "$slow" -eq 0 ] || sleep "${pause#* }"
	kill -9 -- "-$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for tmp in "$target".tmp.*; do [ -e "$tmp" ] && return 0; done
	return 1
}

# the calls that write a file's bytes, or wait for them to reach the disk
slow_calls=write,pwrite64,writev,pwritev,pwritev2,sendfile,copy_file_range,splice,fsync,fdatasync

need_strace() {
	command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null || skip "no strace"
}

@test "faults: SIGKILL while saving fcvae-window state leaves a state that loads" {
	opts="--agg count --window 2 --state-every 200"
	torn=0
	for i in $(seq "$K"); do
		# a state of 1 MB takes long enough to write without strace
		kill_in_write "$D/state" 400 0 fcvae-window $opts --state "$D/state" "$D/events" && torn=$((torn + 1))
		[ -f "$D/state" ] || continue
		# whatever is there is a complete state: it loads, and ends with a newline
		[ "$(tail -c 1 "$D/state" | od -An -c | tr -d ' ')" = '\n' ]
		run fcvae-window $opts --state "$D/state" --no-flush </dev/null
		[ "$status" -eq 0 ] || { echo "kill $i: $output"; false; }
		# and that start removed the temp files the killed ones left
		[ -z "$(ls -d "$D"/state.tmp.* 2>/dev/null)" ]
	done
	echo "# $torn of $K kills landed while a temp state was being written" >&3
	[ "$torn" -ge $((K / 2)) ]
	# and a run to the end from the last state works
	fcvae-window $opts --state "$D/state" "$D/events" >/dev/null
}

@test "faults: SIGKILL while fcvae-train writes a model leaves the old or the new file, byte for byte" {
	need_strace
	tiny="--latent 2 --condition 2 --d-model 4 --d-inner 4 --heads 1 --kernel 2 --stride 2 --hidden 4 --epochs 2"
	fcvae-train -q -o "$D/old.safetensors" $tiny --seed 1 "$D/windows"
	fcvae-train -q -o "$D/new.safetensors" $tiny --seed 2 "$D/windows"
	run ! cmp -s "$D/old.safetensors" "$D/new.safetensors"
	torn=0
	for i in $(seq "$K"); do
		cp "$D/old.safetensors" "$D/m.safetensors"
		kill_in_write "$D/m.safetensors" 0 300 fcvae-train -q -o "$D/m.safetensors" $tiny --seed 2 "$D/windows" &&
			torn=$((torn + 1))
		cmp -s "$D/m.safetensors" "$D/old.safetensors" || cmp "$D/m.safetensors" "$D/new.safetensors"
	done
	echo "# $torn of $K kills landed while the model was being written" >&3
	[ "$torn" -ge $((K / 2)) ]
	run fcvae-score -m "$D/m.safetensors" "$D/one"
	[ "$status" -eq 0 ]
	# the next write of the model removes the temp files of killed ones
	fcvae-train -q -o "$D/m.safetensors" $tiny --seed 2 "$D/windows"
	cmp "$D/m.safetensors" "$D/new.safetensors"
	[ -z "$(ls -d "$D"/m.safetensors.tmp.* 2>/dev/null)" ]
}

@test "faults: a start removes the stale temp files of its own target only, never one a live writer holds" {
	mkdir "$D/sweep"
	cd "$D/sweep"
	touch state.tmp.Stale1 state.tmp.Stale2 other.tmp.Other1 state.tmp.Longer1 xstate.tmp.Xstat1 state.tmp.
	# a writer still at work holds its temp file's lock (fd 3 closed and
	# its sleep killed with it: bats waits at the file's end for fd 3)
	flock state.tmp.Live01 sleep 60 3>&- &
	holder=$!
	for i in $(seq 50); do [ -e state.tmp.Live01 ] && break; sleep 0.1; done
	fcvae-window --agg count --window 2 --state state "$D/events" >/dev/null
	pkill -P "$holder" sleep
	wait "$holder" || true
	ls | sort | tr '\n' ' ' >"$D/left"
	echo "left: $(cat "$D/left")"
	# (and the state's lock, which stays)
	[ "$(cat "$D/left")" = "other.tmp.Other1 state state.lock state.tmp. state.tmp.Live01 state.tmp.Longer1 xstate.tmp.Xstat1 " ]
	# two writers of different targets in one directory, saving often, at once
	fcvae-window --agg count --window 2 --state-every 50 --state a "$D/events" >a.out &
	p=$!
	fcvae-window --agg count --window 2 --state-every 50 --state b "$D/events" >b.out
	wait "$p"
	cmp a.out b.out
	cmp a b
}

@test "faults: SIGKILL while fcvae-plot draws leaves the old or the new image" {
	command -v gnuplot >/dev/null || skip "no gnuplot"
	need_strace
	head -n 100 "$D/scored" >"$D/scored.old"
	fcvae-plot -o "$D/old" -F png "$D/scored.old"
	fcvae-plot -o "$D/new" -F png "$D/scored"
	img=Accel_CMP.png
	[ -s "$D/new/$img" ]
	run ! cmp -s "$D/old/$img" "$D/new/$img"
	n=$((K / 2 + 1))
	torn=0
	for i in $(seq "$n"); do
		# the last kill's gnuplot dies with fcvae-plot, but asynchronously:
		# a file it was still writing can reappear while rm runs
		for t in 1 2 3 4 5 6 7 8 9 10; do rm -rf "$D/out" 2>/dev/null && break; sleep 0.2; done
		[ ! -e "$D/out" ]
		cp -r "$D/old" "$D/out"
		kill_in_write "$D/out/$img" 0 30 fcvae-plot -o "$D/out" -F png "$D/scored" && torn=$((torn + 1))
		cmp -s "$D/out/$img" "$D/old/$img" || cmp "$D/out/$img" "$D/new/$img"
		ls -A "$D/out" | grep -q tmp || continue
		# the next start draws it anew, and removes what the killed one
		# left, once gnuplot (killed with it) has let go of it
		for f in $(ls -d "$D"/out/*.tmp.* 2>/dev/null); do flock -w 5 "$f" true; done
		fcvae-plot -o "$D/out" -F png "$D/scored"
		cmp "$D/out/$img" "$D/new/$img"
		[ -z "$(ls -A "$D/out" | grep tmp)" ]
	done
	echo "# $torn of $n kills landed while the image was being drawn" >&3
	[ "$torn" -ge $((n / 2)) ]
}

@test "faults: a full disk on standard output is reported, exit 1" {
	[ -w /dev/full ] || skip "no /dev/full"
	for cmd in "fcvae-window --agg count --window 2 $D/events" "fcvae-score -m $D/p.safetensors -n 2 -i 1 $D/windows" \
		"fcvae-gen --days 2" "fcvae-eval $D/scored"; do
		run --separate-stderr $cmd
		[ "$status" -eq 0 ]
		run --separate-stderr bash -c "$cmd >/dev/full"
		echo "$cmd: $status $stderr"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"write error"* ]]
	done
}

@test "faults: a closed pipe on standard output is reported, exit 1" {
	for cmd in "fcvae-window --agg count --window 2 $D/events" "fcvae-score -m $D/p.safetensors -n 2 -i 1 $D/windows.big" \
		"fcvae-gen --days 20"; do
		run --separate-stderr bash -c "$cmd | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}"
		echo "$cmd: $output $stderr"
		[ "$output" = 1 ]
		[[ "$stderr" == *"write error"* ]]
	done
}

# Run a command with its standard output (1) or error (2) a pipe whose
# reader is gone, so that its first write there meets a closed pipe
# whatever the timing.
closed_pipe() {
	perl -e 'my $fd = shift; pipe(my $r, my $w) or die; close $r;
		open($fd == 2 ? *STDERR : *STDOUT, ">&", $w) or die; close $w; exec @ARGV or die' "$@"
}

@test "faults: a closed pipe is reported, exit 1, by every program that writes to one" {
	for i in 0 1 2 3 4 5; do
		printf '{"key":"a","ts":"2025-01-01T%02d:00:00Z","value":1,"score":%s,"threshold":-5,"anomaly":%s,"label":%s}\n' \
			$i $([ $i -eq 3 ] && echo "-9 true 1" || echo "-1 false 0")
	done >"$D/labelled"
	for cmd in "fcvae-alert $D/labelled" "fcvae-calibrate --print $D/labelled" "fcvae-eval $D/labelled" \
		"fcvae-train --help" "fcvae-plot --help" "fcvae-protocol --help" "fcvae-gen --days 2" "fcvae-gen --hourly"; do
		run --separate-stderr closed_pipe 1 $cmd
		echo "$cmd: $status $stderr"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"write error on standard output: Broken pipe"* ]]
	done
	# fcvae-plot's gnuplot gone before it read the script: a failed drawing
	awk 'BEGIN { for (i = 0; i < 300; i++) for (h = 0; h < 24; h++)
		printf "{\"key\":\"s%d\",\"ts\":%d,\"value\":%d,\"score\":-1,\"threshold\":-5,\"anomaly\":false}\n", i, 1740441600 + h * 3600, h }' >"$D/many"
	run --separate-stderr fcvae-plot -o "$D/gone" -F png --gnuplot true "$D/many"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"true failed; images not updated"* ]]
	[ "$(ls -A "$D/gone")" = index.html ]
	# fcvae-train's progress on a closed pipe: the model is made all the same
	tiny="--latent 2 --condition 2 --d-model 4 --d-inner 4 --heads 1 --kernel 2 --stride 2 --hidden 4 --epochs 2 --seed 3"
	fcvae-train -q -o "$D/quiet.safetensors" $tiny "$D/windows"
	run --separate-stderr closed_pipe 2 fcvae-train -o "$D/progress.safetensors" $tiny "$D/windows"
	[ "$status" -eq 0 ]
	cmp "$D/quiet.safetensors" "$D/progress.safetensors"
}

@test "faults: standard input or output closed at start is an error said, exit 1, not a file opened later read or written" {
	# (with stdin closed, fcvae-score read its own signal pipe: for ever)
	for cmd in "fcvae-score -m $D/p.safetensors" "fcvae-window" "fcvae-alert" "fcvae-eval" "fcvae-train -q -o $D/c.safetensors"; do
		# (closed inside: run's own output pipe would take the number)
		run --separate-stderr bash -c "exec <&-; exec timeout 20 $cmd"
		echo "$cmd <&-: $status $stderr"
		[ "$status" -eq 1 ]
		[[ "$stderr" == *"Bad file descriptor"* ]]
	done
	# with stdout closed too, the scores went into that pipe, exit 0
	run --separate-stderr bash -c "exec <&- >&-; exec timeout 20 fcvae-score -m '$D/p.safetensors' '$D/one'"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"write error on standard output: Bad file descriptor"* ]]
	run --separate-stderr bash -c "exec >&-; exec fcvae-gen --days 1"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"write error on standard output: Bad file descriptor"* ]]
}

# A directory where no file can be made: read-only for a normal user; root
# writes anywhere, so then a sysfs directory that takes no new files.
nowrite_dir() {
	if [ "$(id -u)" -ne 0 ]; then
		mkdir -p "$D/ro"
		chmod 555 "$D/ro"
		echo "$D/ro"
	elif [ -d /sys/kernel ] && ! touch /sys/kernel/fcvae-probe 2>/dev/null; then
		echo /sys/kernel
	fi
}

@test "faults: a directory that takes no files: clear message, exit 1, nothing left" {
	dir=$(nowrite_dir)
	[ -n "$dir" ] || skip "no directory refuses files here"
	run fcvae-window --agg count --window 2 --state "$dir/state" "$D/events"
	echo "$output" | tail -n 2
	[ "$status" -eq 1 ]
	[[ "${lines[${#lines[@]}-1]}" == "fcvae-window: cannot save state: $dir/state"* ]]
	run fcvae-train -q -o "$dir/m.safetensors" --latent 2 --condition 2 --d-model 4 --d-inner 4 --heads 1 \
		--kernel 2 --stride 2 --hidden 4 --epochs 1 "$D/windows"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$dir/m.safetensors"* ]]
	run fcvae-plot -o "$dir/dash" -F png "$D/scored"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$dir/dash"* ]]
	[ -z "$(ls -A "$dir" 2>/dev/null | grep -E 'state|safetensors|dash')" ]
}

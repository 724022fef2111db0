#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fcvae-batch: cron scoring of a directory of CSV files.

setup() {
	tmp=$BATS_TEST_TMPDIR
	mkdir -p "$tmp/in"
	fcvae-gen --hourly --days 3 --combo Accel/CMP --columns timestamp,value,label >"$tmp/in/accel.csv"
	fcvae-gen --hourly --days 2 --combo Star/CMP --columns timestamp,value >"$tmp/in/star.csv"
	model=tests/data/seed_models/Accel_CMP.safetensors
}

@test "batch: usage; a missing model or directory is an error" {
	run fcvae-batch -h
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-batch --version
	[ "$status" -eq 0 ]
	[ "$output" = "fcvae-batch (fcvae) $(fcvae-score --version | awk '{print $NF}')" ]
	run --separate-stderr fcvae-batch "$tmp/in"
	[ "$status" -eq 2 ]
	[ "$stderr" = "fcvae-batch: no model (-m MODEL)" ]
	run fcvae-batch -m "$model" "$tmp/nowhere"
	[ "$status" -eq 1 ]
	# an unknown option is named, then the usage
	run --separate-stderr fcvae-batch --bogus -m "$model" "$tmp/in"
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-batch: unknown option '--bogus'" ]
	[[ "${stderr_lines[1]}" == usage:* ]]
	run --separate-stderr fcvae-batch -w 0 -m "$model" "$tmp/in"
	[ "$status" -eq 2 ]
	[[ "$stderr" == "fcvae-batch: --window: '0' "* ]]
	# options after DIR are options (they were a bare usage message)
	run --separate-stderr fcvae-batch "$tmp/in" -m "$model" -n 2 --no-plot
	[ "$status" -eq 0 ]
	[[ "$output" == *": 2 scored ("* ]]
	# two operands, or none, said before the usage
	run --separate-stderr fcvae-batch -m "$model" "$tmp/in" "$tmp/other"
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-batch: one DIR, not 2: $tmp/in $tmp/other" ]
	run --separate-stderr fcvae-batch -m "$model"
	[ "$status" -eq 2 ]
	[ "${stderr_lines[0]}" = "fcvae-batch: no DIR" ]
	# after --, an operand that looks like an option
	run --separate-stderr fcvae-batch -m "$model" -- -n
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-batch: -n: not a directory" ]
}

@test "batch: a bad option is one usage error, a bad model one failure, before any file" {
	# (each was once found file by file: every file failed, exit 1, with
	# fcvae-window's "write error ... Broken pipe" besides)
	while IFS='|' read -r opts msg; do
		eval "opts=($opts)"
		run -2 --separate-stderr fcvae-batch -m "$model" "${opts[@]}" "$tmp/in"
		[ "$stderr" = "$msg" ] || { echo "${opts[*]}: $stderr"; false; }
		[ -z "$output" ]
		[ ! -e "$tmp/in/scored" ]
	done <<'EOF'
-n abc|fcvae-batch: --samples: 'abc' is not a whole number from 1 to 1000000
-n 0|fcvae-batch: --samples: '0' is not a whole number from 1 to 1000000
-w 100001|fcvae-batch: --window: '100001' is not a whole number from 1 to 100000
-b 1x|fcvae-window: --bucket: '1x' is not a duration (like 90, 30s, 5m, 1h, 1d)
-b 0.5s|fcvae-window: --bucket: '0.5s' must be a whole number of seconds from 1 to 1000000000 (about 31 years)
--ts ''|fcvae-batch: --ts: no column name
--value ''|fcvae-batch: --value: no column name
EOF
	# a model that does not load is a runtime failure (SPEC §10: 1), found
	# before any file too
	while IFS='|' read -r m msg; do
		run -1 --separate-stderr fcvae-batch -m "$m" "$tmp/in"
		[ "$stderr" = "$msg" ]
		[ -z "$output" ]
		[ ! -e "$tmp/in/scored" ]
	done <<'EOF'
/etc/passwd|fcvae-score: /etc/passwd: header length 3475222254926655346 is beyond the end of the file (1221 bytes): truncated or not a model file
/nonexistent|fcvae-batch: /nonexistent: cannot read the model
EOF
}

@test "batch: a model of another window length is refused before any file; -w fits it" {
	fcvae-gen --hourly --days 4 --combo Star/CMP --format ndjson | fcvae-window --window 32 >"$tmp/w32"
	fcvae-train -q --epochs 1 --d-model 16 --d-inner 32 --heads 2 --kernel 8 --stride 4 -o "$tmp/m32" "$tmp/w32"
	run --separate-stderr fcvae-batch -n 2 --no-plot -m "$tmp/m32" "$tmp/in"
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "fcvae-batch: --window 24, but $tmp/m32 is a model of 32-point windows" ]
	[ ! -e "$tmp/in/scored/accel.ndjson" ]
	# a model's path that begins with '-' is a path to it too
	cp "$tmp/m32" "$tmp/-m32"
	cd "$tmp"
	run -2 --separate-stderr fcvae-batch -n 2 --no-plot -m -m32 in
	[ "$stderr" = "fcvae-batch: --window 24, but -m32 is a model of 32-point windows" ]
	cd - >/dev/null
	run --separate-stderr fcvae-batch -n 2 --no-plot -w 32 -m "$tmp/m32" "$tmp/in"
	[ "$status" -eq 0 ]
	[ "$output" = "fcvae-batch: 2 files in $tmp/in: 2 scored ($((72 - 31 + 48 - 31)) records, 0 anomalous), 0 unchanged, 0 failed" ]
	[ -s "$tmp/in/scored/.accel.sum" ]
	run --separate-stderr fcvae-batch -n 2 --no-plot -w 32 -m "$tmp/m32" "$tmp/in"
	[ "$output" = "fcvae-batch: 2 files in $tmp/in: 0 scored (0 records, 0 anomalous), 2 unchanged, 0 failed" ]
}

@test "batch: a model replaced by one of another window length during the run fails every file, stamps none" {
	fcvae-gen --hourly --days 4 --combo Star/CMP --format ndjson | fcvae-window --window 32 >"$tmp/w32"
	fcvae-train -q --epochs 1 --d-model 16 --d-inner 32 --heads 2 --kernel 8 --stride 4 -o "$tmp/m32" "$tmp/w32"
	cp "$model" "$tmp/model"
	# fcvae-score, first on PATH, swaps the model before it scores a file
	# (after the start's checks, which give no --samples)
	mkdir "$tmp/wrap"
	printf '#!/bin/sh\ncase "$*" in *--samples*) cp "%s" "%s" ;; esac\nexec "%s" "$@"\n' \
		"$tmp/m32" "$tmp/model" "$(command -v fcvae-score)" >"$tmp/wrap/fcvae-score"
	chmod +x "$tmp/wrap/fcvae-score"
	for i in 1 2; do # and again: a failed file is not "unchanged" the next time
		cp "$model" "$tmp/model"
		PATH=$tmp/wrap:$PATH run --separate-stderr fcvae-batch -n 2 --no-plot -m "$tmp/model" "$tmp/in"
		echo "$output"; echo "$stderr"
		[ "$status" -eq 1 ]
		[ "$output" = "fcvae-batch: 2 files in $tmp/in: 0 scored (0 records, 0 anomalous), 0 unchanged, 2 failed" ]
		[[ "$stderr" == *"$tmp/in/accel.csv: fcvae-score: input line 1: \"window\" has 24 points, model needs 32"* ]]
		[[ "$stderr" == *"$tmp/in/star.csv: fcvae-score: 0 records scored, 0 anomalous; 25 input lines rejected: 25 wrong window length"* ]]
		[ ! -e "$tmp/in/scored/.accel.sum" ]
		[ ! -e "$tmp/in/scored/accel.ndjson" ]
	done
}

@test "batch: every file scored, with CSV, NDJSON, a plot and one summary line" {
	run fcvae-batch -n 4 -m "$model" "$tmp/in"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	a=$(grep -c '"anomaly":true' "$tmp/in/scored/accel.ndjson" "$tmp/in/scored/star.ndjson" | awk -F: '{ s += $2 } END { print s }')
	[ "$output" = "fcvae-batch: 2 files in $tmp/in: 2 scored ($((72 - 23 + 48 - 23)) records, $a anomalous), 0 unchanged, 0 failed" ]
	# one record per hour from the 24th on, in the file's own series
	[ "$(wc -l <"$tmp/in/scored/accel.ndjson")" -eq $((72 - 23)) ]
	[ "$(jq -r .key "$tmp/in/scored/star.ndjson" | sort -u)" = star ]
	[ "$(head -n 1 "$tmp/in/scored/accel.scored.csv")" = timestamp,value,label,score,threshold,anomaly,expected,lower,upper ]
	[ "$(sed -n 2p "$tmp/in/scored/accel.scored.csv" | cut -d, -f1,2)" = "$(sed -n 25p "$tmp/in/accel.csv" | sed 's/^\([^,]*\),/"\1",/' | cut -d, -f1,2)" ]
	[ "$(wc -l <"$tmp/in/scored/accel.scored.csv")" -eq $((72 - 23 + 1)) ]
	[ -s "$tmp/in/scored/accel/accel.png" ]
	[ -s "$tmp/in/scored/accel/index.html" ]
}

@test "batch: file names are data: quotes, bars, backquotes" {
	mkdir "$tmp/odd"
	model=$FCVAE_TOP/$model
	cd "$tmp" # where a command run by mistake would touch PWNED
	for n in "it's" 'a|b' 'x`touch PWNED`' 'a&b\c'; do cp "$tmp/in/star.csv" "$tmp/odd/$n.csv"; done
	run fcvae-batch -n 2 -m "$model" "$tmp/odd"
	[ "$status" -eq 0 ]
	[[ "$output" == *": 4 scored ("*", 0 unchanged, 0 failed" ]]
	[ ! -e "$tmp/PWNED" ]
	[ -s "$tmp/odd/scored/it's/it_s.png" ]
	[ -s "$tmp/odd/scored/a|b/a_b.png" ]
	# a bad line: said with the file's name as it is, the file still scored
	printf 'not,a,row\n' >>"$tmp/odd/a|b.csv"
	run --separate-stderr fcvae-batch -n 2 -m "$model" "$tmp/odd"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"$tmp/odd/a|b.csv line "*": 3 fields, the header has 2"* ]]
	# a control character, which gnuplot takes in no path: the dashboard's
	# directory has _ for it (the file failed on every run, never stamped)
	mkdir "$tmp/ctl"
	cp "$tmp/in/star.csv" "$tmp/ctl/x$(printf '\t')y.csv"
	run fcvae-batch -n 2 -m "$model" "$tmp/ctl"
	[ "$status" -eq 0 ]
	[[ "$output" == *": 1 scored ("*", 0 unchanged, 0 failed" ]]
	[ -s "$tmp/ctl/scored/x$(printf '\t')y.ndjson" ]
	[ -s "$tmp/ctl/scored/x_y/index.html" ]
	run fcvae-batch -n 2 -m "$model" "$tmp/ctl"
	[[ "$output" == *": 0 scored ("*", 1 unchanged, 0 failed" ]]
}

@test "batch: -o DIR DIR does not read its results back; one run per output directory" {
	for i in 1 2; do
		run fcvae-batch -n 2 -m "$model" -o "$tmp/in" "$tmp/in"
		[ "$status" -eq 0 ]
	done
	[[ "$output" == *": 2 files in $tmp/in: 0 scored (0 records, 0 anomalous), 2 unchanged, 0 failed" ]]
	[ ! -e "$tmp/in/accel.scored.scored.csv" ]
	# another run holding the output directory: this one stops, saying so
	mkdir -p "$tmp/in/scored"
	flock "$tmp/in/scored/.lock" -c 'sleep 3' &
	holder=$!
	sleep 0.5
	flock -n "$tmp/in/scored/.lock" true && skip "could not hold the lock"
	run fcvae-batch -n 2 -m "$model" "$tmp/in"
	[ "$status" -eq 1 ]
	[[ "$output" == *"another fcvae-batch run is writing there"* ]]
	# that job only: a bare wait also waits for bats' own timeout watchdog
	wait "$holder"
}

@test "batch: a re-run skips unchanged inputs and redoes changed ones" {
	fcvae-batch -n 4 -m "$model" "$tmp/in" >/dev/null
	cp "$tmp/in/scored/accel.ndjson" "$tmp/before"
	run fcvae-batch -n 4 -m "$model" "$tmp/in"
	[ "$status" -eq 0 ]
	[[ "$output" == *": 0 scored (0 records, 0 anomalous), 2 unchanged, 0 failed" ]]
	# a new hour in one file
	echo "2025-01-08T00:00:00Z,1500" >>"$tmp/in/star.csv"
	run fcvae-batch -n 4 -m "$model" "$tmp/in"
	[[ "$output" == *": 1 scored ($((49 - 23)) records, "*"), 1 unchanged, 0 failed" ]]
	cmp "$tmp/before" "$tmp/in/scored/accel.ndjson"
	# --force: everything again
	run fcvae-batch -n 4 -m "$model" --force "$tmp/in"
	[[ "$output" == *": 2 scored "* ]]
}

@test "batch: a bad file fails alone, with exit status 1 and a message" {
	printf 'when,what\n1,2\n' >"$tmp/in/broken.csv"
	run fcvae-batch -n 4 -m "$model" "$tmp/in"
	[ "$status" -eq 1 ]
	[[ "$output" == *"broken.csv: "* ]]
	[[ "$output" == *"3 files in $tmp/in: 2 scored "*", 0 unchanged, 1 failed" ]]
	[ ! -e "$tmp/in/scored/broken.ndjson" ]
	# nothing of a failed file is left behind (its .broken.err was)
	[ -z "$(cd "$tmp/in/scored" && ls -A | grep broken)" ]
	# too short for a window: fails the same way, leaves nothing
	mkdir "$tmp/short"
	printf 'timestamp,val\n2025-01-01T00:00:00Z,3\n' >"$tmp/short/bad.csv"
	run fcvae-batch -n 2 -m "$model" "$tmp/short"
	[ "$status" -eq 1 ]
	[ "$(ls -A "$tmp/short/scored")" = .lock ]
}

@test "batch: a file of one window: one record, and nothing said on standard error" {
	mkdir "$tmp/one"
	fcvae-gen --hourly --days 1 --combo Accel/CMP --columns timestamp,value,label >"$tmp/one/day.csv"
	run --separate-stderr fcvae-batch -n 2 --no-plot -m "$model" "$tmp/one"
	[ "$status" -eq 0 ]
	[ "$output" = "fcvae-batch: 1 file in $tmp/one: 1 scored (1 record, $(grep -c '"anomaly":true' "$tmp/one/scored/day.ndjson") anomalous), 0 unchanged, 0 failed" ]
	[ -z "$stderr" ]
}

@test "batch: lines rejected and nothing scored is a failure, said with the file's name, tried again" {
	mkdir "$tmp/bad"
	{ echo timestamp,value; for h in 10 11 12; do echo "2025-03-01T$h:00:00Z,${h}ms"; done; } >"$tmp/bad/lat.csv"
	run --separate-stderr fcvae-batch -n 2 -m "$model" "$tmp/bad"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$tmp/bad/lat.csv: fcvae-window: $tmp/bad/lat.csv line 2: \"value\" is not a number"* ]]
	[[ "$stderr" == *"$tmp/bad/lat.csv: fcvae-window: 0 records, 0 series, 0 windows; 3 input lines rejected"* ]]
	[[ "$stderr" == *"$tmp/bad/lat.csv: lines rejected and nothing scored"* ]]
	[[ "$output" == *": 0 scored (0 records, 0 anomalous), 0 unchanged, 1 failed" ]]
	[ "$(ls -A "$tmp/bad/scored")" = .lock ]
	# not stamped: the next run tries it again
	run fcvae-batch -n 2 -m "$model" "$tmp/bad"
	[ "$status" -eq 1 ]
	[[ "$output" == *", 0 unchanged, 1 failed" ]]
}

@test "batch: a stage killed is said with the file's name and the signal" {
	mkdir "$tmp/bin"
	# killed once it reads a file's windows (the checks before any file
	# run it on no input)
	printf '#!/bin/sh\n[ "$(readlink /proc/$$/fd/0)" != /dev/null ] || exec "%s" "$@"\nkill -9 $$\n' \
		"$(command -v fcvae-score)" >"$tmp/bin/fcvae-score"
	chmod +x "$tmp/bin/fcvae-score"
	run --separate-stderr env PATH="$tmp/bin:$PATH" fcvae-batch --no-plot -n 2 -m "$model" "$tmp/in"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"$tmp/in/accel.csv: fcvae-score killed by signal 9"* ]]
	[[ "$stderr" != *"Killed"* ]]
}

@test "batch: a file that now scores nothing gets an empty board; one gone since the listing is said and passed over" {
	mkdir "$tmp/st"
	cp "$tmp/in/accel.csv" "$tmp/st/g.csv"
	fcvae-batch -n 2 -m "$model" "$tmp/st"
	grep -q 'g.png' "$tmp/st/scored/g/index.html"
	head -n 1 "$tmp/in/accel.csv" >"$tmp/st/g.csv"
	run fcvae-batch -n 2 -m "$model" "$tmp/st"
	[ "$status" -eq 0 ]
	[ ! -s "$tmp/st/scored/g.ndjson" ]
	run ! grep -q 'g.png' "$tmp/st/scored/g/index.html"
	grep -q 'none yet' "$tmp/st/scored/g/index.html"
	# a dangling link cannot be read: a failure; a file gone is not
	ln -s "$tmp/nowhere" "$tmp/st/dangling.csv"
	run --separate-stderr fcvae-batch -n 2 -m "$model" "$tmp/st"
	[ "$status" -eq 1 ]
	[ "${stderr_lines[0]}" = "$tmp/st/dangling.csv: cannot read it" ]
	rm "$tmp/st/dangling.csv"
	# a file removed after the listing, before its turn: the first file, a
	# FIFO, holds the run until the second is gone (its reader opened it:
	# the listing is made), then gets its lines, once for its checksum
	# and, once fcvae-window runs (the checksum's reader is gone: a writer
	# would not wait for the next), once for fcvae-window
	mkfifo "$tmp/st/a.csv"
	cp "$tmp/in/accel.csv" "$tmp/st/h.csv"
	fcvae-batch -n 2 -m "$model" "$tmp/st" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	exec {w}>"$tmp/st/a.csv"
	rm "$tmp/st/h.csv"
	cat "$tmp/in/accel.csv" >&$w
	exec {w}>&-
	i=0
	until pgrep -f -- "fcvae-window --csv --default-key a " >/dev/null; do i=$((i + 1)); [ $i -lt 600 ]; sleep 0.05; done
	cat "$tmp/in/accel.csv" >"$tmp/st/a.csv"
	wait $pid
	cat "$tmp/err"
	[ "$(cat "$tmp/err")" = "$tmp/st/h.csv: gone before its turn" ]
	# passed over: not a file of the run, not a failure
	[ "$(cat "$tmp/out")" = "fcvae-batch: 2 files in $tmp/st: 1 scored (49 records, 6 anomalous), 1 unchanged, 0 failed" ]
}

@test "batch: DIR and OUT beginning with '-', and a run through a link to the script" {
	mkdir "$tmp/-d" "$tmp/bin"
	cp "$tmp/in/star.csv" "$tmp/-d/x.csv"
	cd "$tmp"
	run fcvae-batch -n 2 --no-plot -m "$FCVAE_TOP/$model" -o -out -- -d
	[ "$status" -eq 0 ]
	[[ "$output" == *": 1 scored ("* ]]
	[ -s "$tmp/-out/x.ndjson" ]
	ln -s "$FCVAE_TOP/scripts/fcvae-batch" "$tmp/bin/fcvae-batch"
	run "$tmp/bin/fcvae-batch" -n 2 --no-plot -f -m "$FCVAE_TOP/$model" -o -out -- -d
	[ "$status" -eq 0 ]
	[[ "$output" == *": 1 scored ("* ]]
}

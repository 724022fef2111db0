#!/usr/bin/env bats
# fcvae-window and fcvae-alert: state files that cannot be read or written.

bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
}

@test "state: a state file that is there but cannot be read is an error, never overwritten" {
	echo x >"$T/file"
	echo '{"ts":0,"key":"a","value":1}' >"$T/in"
	run --separate-stderr fcvae-window --window 1 --state "$T/file/state" "$T/in"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-window: cannot load state: $T/file/state: Not a directory" ]
	mkdir "$T/dir"
	run --separate-stderr fcvae-window --window 1 --state "$T/dir" "$T/in"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-window: cannot load state: $T/dir: Is a directory" ]
	if [ "$(id -u)" -ne 0 ]; then
		fcvae-window --window 1 --state "$T/st" "$T/in" >/dev/null
		cp "$T/st" "$T/st.orig"
		chmod 000 "$T/st"
		run --separate-stderr fcvae-window --window 1 --state "$T/st" "$T/in"
		[ "$status" -eq 1 ]
		[ "$stderr" = "fcvae-window: cannot load state: $T/st: Permission denied" ]
		chmod 644 "$T/st"
		cmp "$T/st" "$T/st.orig"
	fi
	run --separate-stderr fcvae-alert --state "$T/file/state" </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == "fcvae-alert: cannot load state: $T/file/state"* ]]
}

@test "state: a --state path that cannot be written is refused before any input is read" {
	printf '%s\n' '{"ts":0,"key":"a","value":1}' '{"ts":3600,"key":"a","value":2}' >"$T/in"
	run --separate-stderr fcvae-window --window 1 --state "$T/none/w.state" "$T/in"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-window: cannot save state: $T/none/w.state: No such file or directory" ]
	echo '{"key":"a","ts":"2025-01-01T00:00:00Z","score":-9,"threshold":1,"anomaly":true}' >"$T/scored"
	run --separate-stderr fcvae-alert --state "$T/none/a.state" --log "$T/log" "$T/scored"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ ! -s "$T/log" ]
	[ "$stderr" = "fcvae-alert: cannot save state $T/none/a.state: No such file or directory" ]
}

#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# Every C program: getopt's own messages name the program as every
# other message does.

@test "options: getopt's messages name the program, not the path it was run by" {
	# every C program, the tools too
	for p in $(cd "$FCVAE_TOP/src" && ls fcvae-*.c tools/*.c | sed -E 's|.*/||; s/\.c$//'); do
		run --separate-stderr "$(command -v "$p")" --bogus
		[ "$status" -eq 2 ]
		[[ "$stderr" == "$p: unrecognized option '--bogus'"* ]] || { echo "$p: $stderr"; false; }
	done
	run --separate-stderr "$(command -v fcvae-plot)" -o
	[[ "$stderr" == "fcvae-plot: option requires an argument -- 'o'"* ]]
}

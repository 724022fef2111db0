#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# Every installed program: its options, its -h and its man page agree, and
# getopt's own messages name the program as every other message does.

# accepted PROG: the options PROG's parser takes, one a line (--name, -c):
# a C program's getopt table (macros expanded) and short option string, a
# script's case arms
accepted() {
	local src
	for src in "$FCVAE_TOP/src/$1.c" "$FCVAE_TOP/src/tools/$1.c"; do
		[ -f "$src" ] || continue
		${CC:-cc} -E -P -I"$FCVAE_TOP/src/lib" -D_GNU_SOURCE -DFCVAE_VERSION='""' "$src" | tr '\n' ' ' >"$BATS_TEST_TMPDIR/cpp"
		grep -oE 'struct option [a-z_]+\[\] = \{[^;]*;' "$BATS_TEST_TMPDIR/cpp" | grep -oE '\{ *"[a-z0-9-]+"' |
			sed -E 's/\{ *"(.*)"/--\1/'
		grep -oE 'getopt_long\([^"]*"[^"]*"' "$BATS_TEST_TMPDIR/cpp" | sed 's/.*"\(.*\)"/\1/' | tr -d ':' |
			fold -w1 | sed 's/^/-/'
		return
	done
	grep -oE '^\s*(-[A-Za-z0-9]|--[a-z0-9-]+)(\|(-[A-Za-z0-9]|--[a-z0-9-]+))*\)' "$FCVAE_TOP/scripts/$1" |
		tr -d ' \t)' | tr '|' '\n'
}

# the option-like words of standard input
option_words() { grep -oE -- '(^|[^A-Za-z0-9-])--?[A-Za-z0-9][a-z0-9-]*' | sed -E 's/^[^-]+//'; }

# help_defs PROG: the options that start the entries of PROG -h (indented
# lines that start with an option); help_all: every option it names
help_defs() { "$1" -h | awk '/^[ \t]+-/ { for (i = 1; i <= NF && $i ~ /^--?[A-Za-z0-9]/; i++) { sub(/,$/, "", $i); print $i } }'; }
help_all() { "$1" -h | option_words; }

# man_defs PROG: the options of the entries (.TP tags) of the OPTIONS
# section of PROG's man page; man_all: every option that section names
man_options() {
	awk -v defs="$2" '/^\.SH/ { s = $2 == "OPTIONS" } s && (!defs || tp) { print } { tp = $0 == ".TP" }' \
		"$FCVAE_TOP/man/$1.1" | sed -E 's/\\-/-/g; s/\\f[A-Z]//g' | option_words
}
man_defs() { man_options "$1" 1; }
man_all() { man_options "$1" ""; }

# the installed programs: every C program, the scripts, the mock broker
programs() {
	(cd "$FCVAE_TOP" && ls src/fcvae-*.c scripts/fcvae-* src/tools/fcvae-mock-broker.c) | sed -E 's|.*/||; s/\.c$//'
}

# option_gaps PROG: what one of accepted, -h and the man page has that
# another lacks, as "PROG: -h lacks --x" lines
option_gaps() {
	local p=$1 own ok
	own=$(accepted "$p" | sort -u)
	ok=$own
	# fcvae-benchmark passes every option it does not know on to fcvae-protocol
	[ "$p" != fcvae-benchmark ] || ok=$(printf '%s\n' "$own" $(accepted fcvae-protocol) | sort -u)
	comm -23 <(echo "$own") <(help_all "$p" | sort -u) | sed "s/^/$p: -h lacks /"
	comm -23 <(echo "$own") <(man_all "$p" | sort -u) | sed "s/^/$p: the man page lacks /"
	comm -13 <(echo "$ok") <(help_defs "$p" | sort -u) | sed "s/^/$p: -h lists what it does not take: /"
	comm -13 <(echo "$ok") <(man_defs "$p" | sort -u) | sed "s/^/$p: the man page lists what it does not take: /"
}

@test "options: each option a program takes is in its -h and its man page, and each they list it takes" {
	for p in $(programs); do
		option_gaps "$p"
	done >"$BATS_TEST_TMPDIR/gaps"
	cat "$BATS_TEST_TMPDIR/gaps"
	[ ! -s "$BATS_TEST_TMPDIR/gaps" ]
	# the lists are read at all: an option of each kind is found
	accepted fcvae-protocol | grep -qx -- --kernel
	accepted fcvae-stream | grep -qx -- -P
	help_defs fcvae-window | grep -qx -- --csv
	man_defs fcvae-train | grep -qx -- --beta2
}

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

#!/usr/bin/env bats
# The build tree and make install/uninstall: what lands where.
bats_require_minimum_version 1.5.0

setup() {
	build=${BUILD:-build}
}

@test "build: the program directories hold programs only; a header change remakes who includes it" {
	# build/bin may be on a user's PATH: no dependency files there
	run find "$build/bin" "$build/tools" "$build/tests" -name '*.d'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -s "$build/dep/bin/fcvae-gen.d" ]
	[ -s "$build/dep/lib/seeddata.o.d" ]
	# seeddata.h as if just changed, the library as if up to date: the
	# programs that include it are made again, the others not
	run make -n -W src/lib/seeddata.h -o "$build/libfcvae.a" BUILD="$build" \
		"$build/bin/fcvae-gen" "$build/bin/fcvae-alert"
	[ "$status" -eq 0 ]
	[[ "$output" == *"-o $build/bin/fcvae-gen "* ]]
	[[ "$output" != *"-o $build/bin/fcvae-alert "* ]]
}

@test "build: make install puts the shipped models in share/fcvae/models; uninstall removes all it put" {
	p=$BATS_TEST_TMPDIR/prefix
	run make -s install BUILD="$build" PREFIX="$p"
	echo "$output"
	[ "$status" -eq 0 ]
	for m in models/*.safetensors; do
		cmp "$m" "$p/share/fcvae/models/$(basename "$m")"
	done
	[ -x "$p/bin/fcvae-score" ]
	[ -x "$p/bin/fcvae-batch" ]
	[ -x "$p/bin/fcvae-mock-broker" ]
	# the installed scripts find what they source beside them, and the
	# programs too, run by their full path with cron's PATH
	for s in fcvae-batch fcvae-benchmark fcvae-stream; do
		run env PATH=/usr/bin:/bin "$p/bin/$s" --version
		[ "$status" -eq 0 ]
		[ "$output" = "$s (fcvae) $("$p/bin/fcvae-score" --version | awk '{print $NF}')" ]
	done
	mkdir "$BATS_TEST_TMPDIR/csv"
	"$p/bin/fcvae-gen" --hourly --days 2 --combo Accel/CMP --columns timestamp,value,label >"$BATS_TEST_TMPDIR/csv/a.csv"
	run env PATH=/usr/bin:/bin "$p/bin/fcvae-batch" -n 2 --no-plot -m "$p/share/fcvae/models/Accel_CMP.safetensors" \
		"$BATS_TEST_TMPDIR/csv"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *": 1 scored (25 records, "* ]]
	# each installed header compiles on its own
	for h in "$p"/include/fcvae/*.h; do
		echo "#include <fcvae/$(basename "$h")>" | cc -std=c11 -fsyntax-only -I"$p/include" -x c - ||
			{ echo "$h"; false; }
	done
	# and all of them together (no name declared twice)
	for h in "$p"/include/fcvae/*.h; do echo "#include <fcvae/$(basename "$h")>"; done |
		cc -std=c11 -fsyntax-only -I"$p/include" -x c -
	# a program of one's own, built with what pkg-config says, loads an
	# installed model
	cat >"$BATS_TEST_TMPDIR/mine.c" <<'EOF'
#include <stdio.h>
#include <fcvae/safetensors.h>
int main(int argc, char **argv)
{
	char err[256];
	fcvae_model *m = fcvae_model_load(argv[argc - 1], err, sizeof err);
	if (!m) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	printf("window %d, threshold %g\n", m->cfg.window, m->threshold);
	fcvae_model_free(m);
	return 0;
}
EOF
	# shellcheck disable=SC2046 # pkg-config's flags are words
	cc -std=c11 -o "$BATS_TEST_TMPDIR/mine" "$BATS_TEST_TMPDIR/mine.c" \
		$(PKG_CONFIG_PATH=$p/lib/pkgconfig pkg-config --cflags --libs fcvae)
	run "$BATS_TEST_TMPDIR/mine" "$p/share/fcvae/models/Star_CMP.safetensors"
	[ "$output" = "window 24, threshold -9" ]
	[ -f "$p/share/man/man1/fcvae-score.1" ]
	[ -f "$p/share/man/man1/fcvae-mock-broker.1" ]
	[ -f "$p/share/man/man7/fcvae.7" ]
	[ -f "$p/lib/libfcvae.a" ]
	[ -f "$p/include/fcvae/model.h" ]
	# the installed models score, found by --models
	"$p/bin/fcvae-gen" --hourly --format ndjson --days 2 --combo Star/CMP | "$p/bin/fcvae-window" |
		"$p/bin/fcvae-score" -n 2 --models "$p/share/fcvae/models" >"$BATS_TEST_TMPDIR/scored"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/scored")" -eq $((48 - 23)) ]
	# fcvae-stream, run where there is no models directory, takes the
	# installed ones (it then waits for its broker, here none)
	mkdir "$BATS_TEST_TMPDIR/empty"
	run bash -c 'cd "$1" && timeout 3 "$2/bin/fcvae-stream" -b 127.0.0.1:1 --no-dashboard -s st' sh \
		"$BATS_TEST_TMPDIR/empty" "$p"
	echo "$output"
	[[ "$output" != *"no models at"* ]]
	# fcvae-score ran on them, to the end of its input: the stop is the
	# broker's
	[[ "$output" == *"fcvae-score: 0 records scored, 0 anomalous"* ]]
	# a file of one's own in the prefix stays, and so does its directory
	touch "$p/bin/mine" "$p/share/fcvae/models/Mine.safetensors"
	run make -s uninstall BUILD="$build" PREFIX="$p"
	[ "$status" -eq 0 ]
	[ "$(cd "$p" && find . -type f | sort)" = "$(printf './bin/mine\n./share/fcvae/models/Mine.safetensors')" ]
	rm "$p/bin/mine" "$p/share/fcvae/models/Mine.safetensors"
	run make -s uninstall BUILD="$build" PREFIX="$p"
	[ "$status" -eq 0 ]
	[ -z "$(find "$p" -type f)" ]
	[ -z "$(find "$p" -name '*fcvae*')" ]
}

@test "build: the top-level layout is SPEC §11's; data sets put in data/ stay out of git" {
	for d in Makefile README.md src man models scripts data tests; do
		[ -e "$d" ] || { echo "no $d"; false; }
	done
	[ -s data/README.md ]
	grep -q '`data/`' README.md
	git rev-parse --is-inside-work-tree >/dev/null 2>&1 || skip "not a git checkout"
	git check-ignore -q data/NAB/Twitter_volume_AAPL.csv
	run ! git check-ignore -q data/README.md
}

#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fcvae-plot: per-series PNG and SVG through gnuplot, index.html with the
# counters and recent anomalies, --follow.

load helpers/images
load helpers/kafka

# a scored record of key $1 at epoch seconds $2 (default 2025-03-06 23:00)
rec() {
	jq -cn --arg k "$1" --argjson t "${2:-1741302000}" '{key: $k, ts: $t, value: 1, score: 1, threshold: 0.5}'
}

setup() {
	tmp=$BATS_TEST_TMPDIR
	# 30 hours of two series; b anomalous at hours 20-21 (labelled 19-21,
	# so 19 is credited by point adjustment); a's hour 29 anomalous
	for h in $(seq 0 29); do
		ts=$(date -u -d "2025-01-01 00:00 UTC + $h hour" +%Y-%m-%dT%H:%M:%SZ)
		an=false; lab=0
		[ $h -eq 29 ] && an=true
		printf '{"key":"a","ts":"%s","value":%d,"expected":%d,"lower":%d,"upper":%d,"score":%s,"threshold":-3,"anomaly":%s}\n' \
			"$ts" $((100 + h)) $((100 + h)) $((90 + h)) $((110 + h)) "$([ $an = true ] && echo -8 || echo -1)" $an
		an=false
		case $h in 19|20|21) lab=1 ;; esac
		case $h in 20|21) an=true ;; esac
		printf '{"key":"b/x y","ts":"%s","value":%d,"expected":50,"lower":40,"upper":60,"score":%s,"threshold":-3,"anomaly":%s,"label":%d}\n' \
			"$ts" $([ $an = true ] && echo 200 || echo 50) "$([ $an = true ] && echo -9 || echo -1)" $an $lab
	done >"$tmp/scored"
}

@test "plot: -h prints usage; a missing -o or a bad option is a usage error" {
	run fcvae-plot -h
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-plot </dev/null
	[ "$status" -eq 2 ]
	run fcvae-plot -o "$tmp/d" --size 10 </dev/null
	[ "$status" -eq 2 ]
	run fcvae-plot -o "$tmp/d" --format gif </dev/null
	[ "$status" -eq 2 ]
	# a misspelt part is refused, not left out (pn,svg drew svg alone)
	for f in pn,svg sv,png png, pngsvg; do
		run --separate-stderr fcvae-plot -o "$tmp/d" --format "$f" </dev/null
		[ "$status" -eq 2 ]
		[ "$stderr" = "fcvae-plot: --format: '$f' is not png, svg or png,svg" ]
	done
	run fcvae-plot -o "$tmp/d" --format svg,png </dev/null
	[ "$status" -eq 0 ]
}

@test "plot: --hours is a number of hours up to 1000000" {
	# inf went to gnuplot as "undefined variable: inf"; 1e9 put the start
	# of the time axis out of gnuplot's range ("time value out of range")
	for h in inf -inf nan 1e9 1000001 0 -1; do
		run --separate-stderr fcvae-plot -o "$tmp/d" --hours "$h" </dev/null
		[ "$status" -eq 2 ]
		[[ "$stderr" == "fcvae-plot: --hours: '$h' is not a number"* ]]
	done
	[ "$stderr" = "fcvae-plot: --hours: '-1' is not a number of hours above 0 and at most 1000000" ]
	# the most hours, at the first and the last time a record may have
	{
		for t in 0000-01-01T00:00:00Z 0000-01-01T01:00:00Z; do rec first "\"$t\""; done
		for t in 9999-12-31T22:00:00Z 9999-12-31T23:00:00Z; do rec last "\"$t\""; done
	} >"$tmp/ends"
	run --separate-stderr fcvae-plot -o "$tmp/d" -F png --hours 1000000 "$tmp/ends"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ -s "$tmp/d/first.png" ] && [ -s "$tmp/d/last.png" ]
}

@test "plot: a bad --size says the sizes taken" {
	for s in 20000x20000 199x150 10x10 900x 900x420px; do
		run --separate-stderr fcvae-plot -o "$tmp/d" --size "$s" </dev/null
		[ "$status" -eq 2 ]
		[ "$stderr" = "fcvae-plot: --size: '$s' is not WxH from 200x150 to 10000x10000" ]
	done
}

@test "plot: --interval is at most a day" {
	# 1e10 s overflowed the int of milliseconds that a wait is
	for s in 1e10 inf -1; do
		run --separate-stderr fcvae-plot -o "$tmp/d" --follow --interval "$s" </dev/null
		[ "$status" -eq 2 ]
		[ "$stderr" = "fcvae-plot: --interval: '$s' is not a number of seconds from 0 to 86400" ]
	done
}

@test "plot: a valid PNG and SVG of the requested size per series" {
	fcvae-plot -o "$tmp/d" --size 640x300 "$tmp/scored"
	[ "$(png_size "$tmp/d/a.png")" = "640 300" ]
	[ "$(png_size "$tmp/d/b_x_y.png")" = "640 300" ]
	[ "$(svg_size "$tmp/d/a.svg")" = "640 300" ]
	[ "$(svg_size "$tmp/d/b_x_y.svg")" = "640 300" ]
	# nothing half-written left behind
	[ -z "$(find "$tmp/d" -name '*.tmp*')" ]
	# png only
	fcvae-plot -o "$tmp/p" --format png "$tmp/scored"
	[ -f "$tmp/p/a.png" ]
	[ ! -e "$tmp/p/a.svg" ]
	run png_size "$tmp/d/a.svg"
	[ "$status" -ne 0 ]
}

@test "plot: series keys and the directory name are text to gnuplot, never commands" {
	# backquotes run a command inside gnuplot's double quotes; a quote, a
	# newline and enhanced-text marks must not break the script either
	{
		rec 'evil`touch '"$tmp"'/PWNED`'
		rec "it's"
		rec $'bad\nline'
		rec 'a_b^c{d}@e'
	} >"$tmp/keys"
	run fcvae-plot -o "$tmp/d'q" "$tmp/keys"
	[ "$status" -eq 0 ]
	[ ! -e "$tmp/PWNED" ]
	[ "$(ls "$tmp/d'q"/*.png | wc -l)" -eq 4 ]
	run fcvae-plot -o "$tmp/d"$'\n'"x" "$tmp/keys"
	[ "$status" -eq 2 ]
	[[ "$output" == *"control characters"* ]]
}

@test "plot: every series gets its own image: keys alike as file names, long keys, nothing to draw" {
	{
		for t in 0 3600; do rec x_-3 $t; rec x_ $t; rec x/ $t; rec "$(printf 'b%.0s' $(seq 300))" $t; done
		# a series without a score, one without a value: each panel of
		# nothing once stopped gnuplot, and the images of all the others
		for t in 0 3600; do jq -cn --argjson t $t '{key: "noscore", ts: $t, value: 5, score: null}, {key: "novalue", ts: $t, score: 1}'; done
	} >"$tmp/alike"
	run fcvae-plot -o "$tmp/d" "$tmp/alike"
	[ "$status" -eq 0 ]
	[ "$(ls "$tmp/d"/*.png | wc -l)" -eq 6 ]
	[ "$(grep -o 'src="[^"]*\.png' "$tmp/d/index.html" | sort -u | wc -l)" -eq 6 ]
}

@test "plot: keys holding NUL are series of their own, each with its own image" {
	# JSON's \u0000 in a key: compared by C string, "a\u0000b" and
	# "a\u0000c" were the series "a", all drawn into a.svg
	for t in 0 3600; do
		for k in a 'a\u0000b' 'a\u0000c'; do
			printf '{"key":"%s","ts":%d,"value":1,"score":-1,"threshold":-5,"anomaly":true}\n' "$k" $t
		done
	done >"$tmp/nul"
	run --separate-stderr fcvae-plot -o "$tmp/d" -F svg "$tmp/nul"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(cd "$tmp/d" && ls *.svg | tr '\n' ' ')" = "a.svg a_b.svg a_c.svg " ]
	# two points in each image, its key written on it with '?' for the NUL
	for f in a a_b a_c; do [ "$(red_dots "$tmp/d/$f.svg" 50 | wc -l)" -eq 2 ]; done
	grep -q '>a?b<' "$tmp/d/a_b.svg"
	grep -q '>a?c<' "$tmp/d/a_c.svg"
	# and the page: each key whole, U+FFFD for the NUL
	f=$tmp/d/index.html
	[ "$(xmllint --html --xpath 'count(//img)' "$f")" = 3 ]
	[ "$(xmllint --html --xpath 'string((//img)[2]/@alt)' "$f")" = $'a\xef\xbf\xbdb' ]
	[ "$(xmllint --html --xpath 'string(//table[@id="recent"]/tr[2]/td[1])' "$f")" = $'a\xef\xbf\xbdc' ]
}

@test "plot: twenty thousand series, each its own file name" {
	# gnuplot stands in by false: what is tested is the series table and
	# the file names (index.html lists every series), not the drawing
	awk 'BEGIN { for (t = 0; t <= 3600; t += 3600) for (i = 0; i < 10000; i++)
		printf "{\"key\":\"k/%d\",\"ts\":%d,\"score\":-1}\n{\"key\":\"k_%d\",\"ts\":%d,\"score\":-1}\n", i, t, i, t }' >"$tmp/many"
	run fcvae-plot -o "$tmp/d" -F png --gnuplot false "$tmp/many"
	[ "$status" -eq 1 ]
	f=$tmp/d/index.html
	[ "$(grep -o 'src="[^"?]*' "$f" | sort -u | wc -l)" -eq 20000 ]
	# k/7 came first: k_7 is k_7-N
	grep -q 'src="k_7\.png' "$f"
	[ "$(grep -c 'src="k_7-[0-9]*\.png' "$f")" -eq 1 ]
	[ "$(xmllint --html --xpath 'string(//*[@id="scored"]/b)' "$f")" = 40000 ]
}

@test "plot: index.html has the counters, the images and recent anomalies" {
	{ cat "$tmp/scored"; echo 'not json'; } | fcvae-plot -o "$tmp/d" --refresh 7 2>"$tmp/err"
	grep -q 'input line 61' "$tmp/err"
	grep -q '1 input line rejected' "$tmp/err"
	f=$tmp/d/index.html
	xmllint --html --noout "$f"
	[ "$(xmllint --html --xpath 'string(//*[@id="received"]/b)' "$f")" = 61 ]
	[ "$(xmllint --html --xpath 'string(//*[@id="scored"]/b)' "$f")" = 60 ]
	# the newest hour (29) has one anomaly (a); b's were hours 20-21
	[ "$(xmllint --html --xpath 'string(//*[@id="last-hour"]/b)' "$f")" = 1 ]
	[ "$(xmllint --html --xpath 'count(//img)' "$f")" = 2 ]
	xmllint --html --xpath '//img/@src' "$f" | grep -q 'a.png?g='
	xmllint --html --xpath '//img/@src' "$f" | grep -q 'b_x_y.png?g='
	# recent anomalies, newest first
	[ "$(xmllint --html --xpath 'count(//table[@id="recent"]/tr)' "$f")" = 4 ]
	[ "$(xmllint --html --xpath 'string(//table[@id="recent"]/tr[2]/td[1])' "$f")" = a ]
	[ "$(xmllint --html --xpath 'string(//table[@id="recent"]/tr[3]/td[2])' "$f")" = 2025-01-01T21:00:00Z ]
	grep -q '<meta http-equiv="refresh" content="7">' "$f"
	fcvae-plot -o "$tmp/n" --refresh 0 "$tmp/scored"
	run ! grep -q 'http-equiv="refresh"' "$tmp/n/index.html"
	# each image's key whole as its tooltip (cut off in a long key's image);
	# scaled down to a narrow window, an image keeps its proportions (its
	# height stayed at the attribute's)
	[ "$(xmllint --html --xpath 'string(//img[@alt="b/x y"]/@title)' "$f")" = "b/x y" ]
	grep -q '\.plots img{[^}]*max-width:100%;height:auto}' "$f"
}

@test "plot: anomalies in the last hour are counted with fewer hours drawn (--hours 0.5)" {
	# ten-minute buckets, anomalous 40 and 10 minutes before the newest
	for m in 0 10 20 30 40 50 60; do
		an=false
		case $m in 20|50) an=true ;; esac
		jq -cn --argjson t $((1741302000 + 60 * m)) --argjson an $an \
			'{key: "a", ts: $t, value: 1, score: 1, threshold: 0.5, anomaly: $an}'
	done >"$tmp/minutes"
	fcvae-plot -o "$tmp/d" --hours 0.5 "$tmp/minutes"
	[ "$(xmllint --html --xpath 'string(//*[@id="last-hour"]/b)' "$tmp/d/index.html")" = 2 ]
	fcvae-plot -o "$tmp/e" --hours 0.1 "$tmp/minutes"
	[ "$(xmllint --html --xpath 'string(//*[@id="last-hour"]/b)' "$tmp/e/index.html")" = 2 ]
}

@test "plot: a replay counts each bucket once; recent anomalies by bucket time" {
	# a's hour 2 anomalous: it has left the 24 hours shown when the replay
	# brings it again (it was counted again and listed as the newest)
	jq -c 'if .key == "a" and .ts == "2025-01-01T02:00:00Z" then .anomaly = true else . end' "$tmp/scored" >"$tmp/s2"
	cat "$tmp/s2" "$tmp/s2" | fcvae-plot -o "$tmp/d" -F png
	f=$tmp/d/index.html
	[ "$(xmllint --html --xpath 'string(//*[@id="received"]/b)' "$f")" = 120 ]
	[ "$(xmllint --html --xpath 'string(//*[@id="scored"]/b)' "$f")" = 60 ]
	[ "$(xmllint --html --xpath 'count(//table[@id="recent"]/tr)' "$f")" = 5 ]
	times=$(for i in 2 3 4 5; do xmllint --html --xpath "string(//table[@id=\"recent\"]/tr[$i]/td[2])" "$f"; done)
	[ "$times" = "$(printf '%s\n' 2025-01-02T05:00:00Z 2025-01-01T21:00:00Z 2025-01-01T20:00:00Z 2025-01-01T02:00:00Z)" ]
}

# x pixel of time t in an image W wide showing [t1 - hours, t1 + 30 min]:
# the plot area spans screen 0.09..0.97 (fixed margins in fcvae-plot)
# (the air right of the newest: half an hour, a 48th of a shorter span)
x_of() { awk -v t="$1" -v t1="$2" -v h="$3" -v w="$4" 'BEGIN { t0 = t1 - h * 3600; air = h * 75 < 1800 ? h * 75 : 1800
	printf "%.0f\n", w * (0.09 + 0.88 * (t - t0) / (t1 + air - t0)) }'; }

# dots COLOUR SVG TOP: x pixels of the markers of colour COLOUR (as gnuplot
# writes it, "rgb(255,   0,   0)") below pixel row TOP of an SVG, where the
# data area starts (the key's sample marker sits above it)
dots() {
	grep "color='$1'" "$2" | grep -o "translate([0-9.]*,[0-9.]*)" |
		tr '(,)' '   ' | awk -v top="$3" '$3 > top { printf "%.0f\n", $2 }' | sort -n | uniq
}
red_dots() { dots 'rgb(255,   0,   0)' "$@"; }

@test "plot: red dots where anomaly is true, orange on credited labelled points" {
	fcvae-plot -o "$tmp/d" --hours 24 "$tmp/scored"
	t1=$(date -u -d '2025-01-02 05:00 UTC' +%s)
	want=$(for h in 20 21; do x_of $(date -u -d "2025-01-01 00:00 UTC + $h hour" +%s) $t1 24 900; done)
	[ "$(red_dots "$tmp/d/b_x_y.svg" 50)" = "$want" ]
	# orange: the whole labelled segment 19-21
	orange=$(dots 'rgb(255, 140,   0)' "$tmp/d/b_x_y.svg" 50)
	[ "$orange" = "$(for h in 19 20 21; do x_of $(date -u -d "2025-01-01 00:00 UTC + $h hour" +%s) $t1 24 900; done)" ]
	[ "$(red_dots "$tmp/d/a.svg" 50)" = "$(x_of $t1 $t1 24 900)" ]
	# the last 24 hours only: hour 5 is the first shown
	[ "$(grep -c "<title>value</title>" "$tmp/d/a.svg")" -eq 1 ]
	# a gap parts a segment, as fcvae-eval's events: hour 18 labelled, 19
	# missing, 20-21 flagged; 18 is not credited (it was, adjacent in memory)
	jq -c 'select(.key != "b/x y" or .ts != "2025-01-01T19:00:00Z") |
		if .key == "b/x y" and .ts == "2025-01-01T18:00:00Z" then .label = 1 else . end' "$tmp/scored" >"$tmp/gap"
	fcvae-plot -o "$tmp/g" --hours 24 -F svg "$tmp/gap"
	orange=$(dots 'rgb(255, 140,   0)' "$tmp/g/b_x_y.svg" 50)
	[ "$orange" = "$(for h in 20 21; do x_of $(date -u -d "2025-01-01 00:00 UTC + $h hour" +%s) $t1 24 900; done)" ]
}

@test "plot: a lone point is drawn as a dot: a new series' first hour, --hours 1" {
	t=1741302000
	rec a $t >"$tmp/one"
	fcvae-plot -o "$tmp/d" -F svg --size 900x420 "$tmp/one"
	x=$(x_of $t $t 24 900)
	# value (dark grey) and score (purple): lines of one point drew nothing
	# (the score panel's key sits inside it, left of the data)
	[ "$(dots 'rgb( 32,  32,  32)' "$tmp/d/a.svg" 50)" = "$x" ]
	dots 'rgb(106,  61, 154)' "$tmp/d/a.svg" 50 | grep -qx "$x"
	# --hours 1 keeps one point of a longer series
	fcvae-plot -o "$tmp/h" -F svg --size 900x420 --hours 1 "$tmp/scored"
	t1=$(date -u -d '2025-01-02 05:00 UTC' +%s)
	[ "$(dots 'rgb( 32,  32,  32)' "$tmp/h/a.svg" 50)" = "$(x_of $t1 $t1 1 900)" ]
	# two points are a line, without dots
	rec a $((t + 3600)) >>"$tmp/one"
	fcvae-plot -o "$tmp/d2" -F svg --size 900x420 "$tmp/one"
	[ -z "$(dots 'rgb( 32,  32,  32)' "$tmp/d2/a.svg" 50)" ]
}

@test "plot: the series name is in both images, PNG and SVG drawn together" {
	fcvae-plot -o "$tmp/d" "$tmp/scored"
	[ "$(xmllint --xpath 'count(//*[local-name()="text"][normalize-space(.)="b/x y"])' "$tmp/d/b_x_y.svg")" -eq 1 ]
	fcvae-plot -o "$tmp/s" -F svg "$tmp/scored"
	cmp "$tmp/d/b_x_y.svg" "$tmp/s/b_x_y.svg"
}

@test "plot: a value too large for gnuplot is a point not drawn; the other series are drawn" {
	# gnuplot takes numbers beyond about 9e307 for undefined: one such
	# series failed its whole batch of 64 images, and every batch after it
	{
		jq -cn '{key: "huge", ts: 0, value: 1e308, score: -1e301}, {key: "huge", ts: 3600, value: 1.5e308, score: 1}'
		for i in $(seq 70); do rec "s$i" 0; rec "s$i" 3600; done
	} >"$tmp/huge"
	run --separate-stderr fcvae-plot -o "$tmp/d" "$tmp/huge"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(ls "$tmp/d"/*.png | wc -l)" -eq 71 ]
	[ "$(ls "$tmp/d"/*.svg | wc -l)" -eq 71 ]
	# the huge series: its score 1 drawn, the values and -1e301 not
	dots 'rgb(106,  61, 154)' "$tmp/d/huge.svg" 50 | grep -qx "$(x_of 3600 3600 24 900)"
	[ "$(dots 'rgb(106,  61, 154)' "$tmp/d/huge.svg" 50 | wc -l)" -eq 2 ]  # and the key's
}

@test "plot: fields of the wrong type are reported, counted and skipped; --strict stops" {
	r='"key":"a","ts":"2025-01-01T01:00:00Z"'
	{
		echo "{$r,\"value\":\"abc\",\"score\":1}"
		echo "{$r,\"value\":1,\"score\":\"1\"}"
		echo "{$r,\"value\":1,\"score\":1,\"threshold\":[]}"
		echo "{$r,\"value\":1,\"score\":1,\"anomaly\":\"yes\"}"
		echo "{$r,\"value\":1,\"score\":1,\"label\":\"x\"}"
		echo "{$r,\"value\":1}"
		echo "{$r,\"value\":1,\"score\":1,\"anomaly\":false}"
	} >"$tmp/typed"
	run --separate-stderr fcvae-plot -o "$tmp/d" "$tmp/typed"
	[ "$status" -eq 0 ]
	[[ "$stderr" == *'typed line 1: "value" is not a number'* ]]
	[[ "$stderr" == *'typed line 2: "score" is not a number'* ]]
	[[ "$stderr" == *'typed line 3: "threshold" is not a number'* ]]
	[[ "$stderr" == *'typed line 4: "anomaly" is not true or false'* ]]
	[[ "$stderr" == *'typed line 5: "label" is not 0, 1, true or false'* ]]
	[[ "$stderr" == *'typed line 6: no "score" or "expected" (is this fcvae-score output?)'* ]]
	[[ "$stderr" == *"6 input lines rejected: 1 bad value, 1 bad score, 1 bad threshold, 1 bad anomaly, 1 bad label, 1 not scored"* ]]
	[ "$(xmllint --html --xpath 'string(//*[@id="scored"]/b)' "$tmp/d/index.html")" = 1 ]
	# --strict: the first bad line said, nothing after it (no summary)
	run --separate-stderr fcvae-plot -o "$tmp/s" --strict "$tmp/typed"
	[ "$status" -eq 3 ]
	[ -z "$output" ]
	[ "$stderr" = "fcvae-plot: $tmp/typed line 1: \"value\" is not a number" ]
}

@test "plot: NaN is a point not drawn; input with little to draw draws without gnuplot's warnings" {
	# Python writes NaN bare: a missing point (SPEC §10), not a bad line
	r='"key":"a","ts":"2025-01-01T01:00:00Z"'
	echo "{$r,\"value\":NaN,\"score\":Infinity,\"label\":NaN}" >"$tmp/nan"
	run --separate-stderr fcvae-plot -o "$tmp/d" --strict "$tmp/nan"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ -s "$tmp/d/a.png" ]
	# one point, columns with no point, a constant score: gnuplot warned
	# of each on stderr ("line 8: warning: Skipping data file with no
	# valid points", "Warning: empty y range"), its script's lines read
	# as input lines
	{
		echo "{$r,\"value\":1,\"score\":-1,\"threshold\":-1}"
		echo '{"key":"b","ts":"2025-01-01T01:00:00Z","value":1,"score":-1}'
		echo '{"key":"b","ts":"2025-01-01T02:00:00Z","value":2,"score":-1}'
		echo '{"key":"c","ts":"2025-01-01T01:00:00Z","value":null,"expected":3,"score":null}'
		# values one as gnuplot is given them (9 digits), not as doubles
		echo '{"key":"d","ts":"2025-01-01T01:00:00Z","value":0.3,"score":1}'
		echo '{"key":"d","ts":"2025-01-01T02:00:00Z","value":0.30000000000000004,"score":1.0000000000000002}'
	} >"$tmp/thin"
	run --separate-stderr fcvae-plot -o "$tmp/t" "$tmp/thin"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "$(ls "$tmp/t"/*.png | wc -l)" -eq 4 ]
}

@test "plot: what gnuplot says reaches stderr named \"fcvae-plot: gnuplot:\", a failure's messages too" {
	mkdir "$tmp/bin"
	# gnuplot itself, failing after the script: its message, indented
	# under the line it quotes, then a blank line, went out bare
	printf '#!/bin/sh\n{ cat; echo "plot undefined_var"; } | "%s"\n' "$(command -v gnuplot)" >"$tmp/bin/gnuplot"
	chmod +x "$tmp/bin/gnuplot"
	run --separate-stderr env PATH="$tmp/bin:$PATH" fcvae-plot -o "$tmp/d" "$tmp/scored"
	echo "$stderr"
	[ "$status" -eq 1 ]
	[[ "${stderr_lines[0]}" == "fcvae-plot: gnuplot: "*"undefined variable: undefined_var" ]]
	[ "${stderr_lines[-1]}" = "fcvae-plot: gnuplot failed; images not updated" ]
	[ "$(grep -c -v '^fcvae-plot: ' <<<"$stderr")" -eq 0 ]
	[ ! -e "$tmp/d/a.png" ]
	# its stdout and stderr, in order, each line; a drawing that succeeds
	# keeps what it said too
	# (one that succeeds draws with gnuplot: images left empty are not
	# put in place)
	printf '#!/bin/sh\necho "on stdout"\necho "  line 8: on stderr" >&2\necho\n[ "$RC" != 0 ] || exec "%s"\ncat >/dev/null\nexit $RC\n' \
		"$(command -v gnuplot)" >"$tmp/bin/gnuplot"
	run --separate-stderr env PATH="$tmp/bin:$PATH" RC=1 fcvae-plot -o "$tmp/d" -F png "$tmp/scored"
	[ "$status" -eq 1 ]
	[ "$stderr" = "fcvae-plot: gnuplot: on stdout
fcvae-plot: gnuplot:   line 8: on stderr
fcvae-plot: gnuplot failed; images not updated" ]
	run --separate-stderr env PATH="$tmp/bin:$PATH" RC=0 fcvae-plot -o "$tmp/d" -F png "$tmp/scored"
	[ "$status" -eq 0 ]
	[ "$stderr" = "fcvae-plot: gnuplot: on stdout
fcvae-plot: gnuplot:   line 8: on stderr" ]
}

@test "plot: a scored test-split stream draws red dots at the labelled hours" {
	command -v fcvae-score >/dev/null || skip "fcvae-score not built"
	fcvae-gen --hourly --split test --format ndjson | fcvae-window |
		fcvae-score --models tests/data/seed_models >"$tmp/test.scored"
	fcvae-plot -o "$tmp/d" --hours 240 --format svg "$tmp/test.scored"
	for k in Accel/CMP Accel/no-pin Star/CMP Star/no-pin; do
		f=$tmp/d/$(echo "$k" | tr / _).svg
		t1=$(jq -r --arg k "$k" 'select(.key == $k) | .ts | fromdate' "$tmp/test.scored" | tail -n 1)
		dots=$(red_dots "$f" 50)
		# exactly the anomalous records, at their hours
		want=$(jq -r --arg k "$k" 'select(.key == $k and .anomaly) | .ts | fromdate' "$tmp/test.scored" |
			while read -r t; do x_of "$t" "$t1" 240 900; done | sort -n | uniq)
		[ "$dots" = "$want" ]
		# and every labelled anomaly (day 51 15-17, day 55, day 59 9-11) has
		# a red dot at one of its hours
		for day in 2025-02-26 2025-03-02 2025-03-06; do
			lab=$(jq -r --arg k "$k" --arg d "$day" 'select(.key == $k and .label == 1 and (.ts | startswith($d))) | .ts | fromdate' "$tmp/test.scored" |
				while read -r t; do x_of "$t" "$t1" 240 900; done)
			[ -n "$lab" ]
			hit=0
			for x in $lab; do echo "$dots" | grep -qx "$x" && hit=1; done
			echo "$k $day: labelled at x = $lab" >&2
			[ $hit -eq 1 ]
		done
	done
}

@test "plot: --follow redraws while records arrive, rate-limited" {
	mkfifo "$tmp/in"
	fcvae-plot -o "$tmp/d" --follow --interval 0.2 <"$tmp/in" 3>&- &
	pid=$!
	exec 4>"$tmp/in"
	head -n 10 "$tmp/scored" >&4
	i=0
	until [ "$(xmllint --html --xpath 'string(//*[@id="received"]/b)' "$tmp/d/index.html" 2>/dev/null)" = 10 ]; do
		i=$((i + 1)); [ $i -lt 100 ] || false; sleep 0.05
	done
	[ "$(png_size "$tmp/d/a.png")" = "900 420" ]
	tail -n +11 "$tmp/scored" >&4
	exec 4>&-
	wait $pid
	[ "$(xmllint --html --xpath 'string(//*[@id="received"]/b)' "$tmp/d/index.html")" = 60 ]
	[ -z "$(find "$tmp/d" -name '*.tmp*')" ]
}

@test "plot: fonts scale with the image: legible when small, not a few pixels when large" {
	fcvae-plot -o "$tmp/d" -F svg "$tmp/scored"
	fcvae-plot -o "$tmp/s" -F svg --size 480x240 "$tmp/scored"
	fcvae-plot -o "$tmp/l" -F svg --size 1800x840 "$tmp/scored"
	sizes() { grep -o 'font-size="[0-9.]*"' "$1" | sort -u | tr -dc '0-9.\n' | sort -n | tr '\n' ' '; }
	[ "$(sizes "$tmp/d/a.svg")" = "8.00 10.00 12.00 " ]
	# 480x240: 0.57 of the default, held at 0.6
	[ "$(sizes "$tmp/s/a.svg")" = "4.80 6.00 7.20 " ]
	[ "$(sizes "$tmp/l/a.svg")" = "16.00 20.00 24.00 " ]
}

@test "plot: a stop signal ends it at once, even while it waits for input, drawing what came, as stopped by it" {
	# (waiting for input it read on until its end; stopped, it exited 0)
	for follow in "" --follow; do
		rm -rf "$tmp/d" "$tmp/in"
		mkfifo "$tmp/in"
		fcvae-plot -o "$tmp/d" $follow --interval 0.2 <"$tmp/in" 3>&- &
		pid=$!
		exec 4>"$tmp/in"
		head -n 10 "$tmp/scored" >&4
		# the records read (the dashboard counts them with --follow; without,
		# its first, empty, index.html is written before reading)
		i=0
		until [ -s "$tmp/d/index.html" ] && { [ -z "$follow" ] ||
			[ "$(xmllint --html --xpath 'string(//*[@id="received"]/b)' "$tmp/d/index.html" 2>/dev/null)" = 10 ]; }; do
			i=$((i + 1)); [ $i -lt 100 ] || false; sleep 0.05
		done
		sleep 0.2
		kill -TERM $pid
		i=0
		while kill -0 $pid 2>/dev/null; do i=$((i + 1)); [ $i -lt 100 ] || { exec 4>&-; false; }; sleep 0.05; done
		run wait $pid
		exec 4>&-
		[ "$status" -eq 143 ]
		[ "$(png_size "$tmp/d/a.png")" = "900 420" ]
		[ "$(xmllint --html --xpath 'string(//*[@id="received"]/b)' "$tmp/d/index.html")" = 10 ]
	done
}

@test "plot: a file path beyond the buffer is an error, not a file of the path cut short" {
	# an -o of 4090 bytes: DIR/index.html is 4101, cut at 4095 it was
	# DIR/index.ht, written
	p=$BATS_TEST_TMPDIR/l
	while [ ${#p} -lt 3830 ]; do p=$p/$(printf 'y%.0s' $(seq 200)); done
	mkdir -p "$p"
	q=$p/$(printf 'z%.0s' $(seq $((4090 - ${#p} - 1))))
	run -1 --separate-stderr fcvae-plot -o "$q" <<<'{"key":"a","ts":"2025-01-01T00:00:00Z","value":1,"score":1,"threshold":-9,"anomaly":false}'
	[ "$stderr" = "fcvae-plot: $q/index.html: File name too long" ]
	[ -z "$(ls "$q")" ]
}

@test "plot: an image gnuplot could write only in part (a full disk) is not put in place, and said, exit 1" {
	# gnuplot says nothing of a failed write and exits 0; with SIGXFSZ
	# ignored (by fcvae-plot, and so by gnuplot) a file size limit fails
	# writes as a full disk does
	mkdir "$tmp/d"
	run bash -c "ulimit -f 8; fcvae-plot -o '$tmp/d' '$tmp/scored'"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$tmp/d/a.png: gnuplot wrote it only in part (a full disk?); not updated"* ]]
	[ -z "$(find "$tmp/d" -name '*.png' -o -name '*.svg')" ]
	# the images of an earlier drawing stay whole
	fcvae-plot -o "$tmp/d" "$tmp/scored"
	cksum "$tmp/d"/*.png "$tmp/d"/*.svg >"$tmp/before"
	run bash -c "ulimit -f 8; fcvae-plot -o '$tmp/d' '$tmp/scored'"
	[ "$status" -eq 1 ]
	cksum "$tmp/d"/*.png "$tmp/d"/*.svg | cmp - "$tmp/before"
	[ -z "$(find "$tmp/d" -name '.*')" ]
}

@test "plot: a stop signal to the whole process group (Ctrl-C, a service's stop) while gnuplot draws: drawn, as stopped" {
	mkdir "$tmp/bin"
	# a gnuplot that says when it has started, then draws slowly
	printf '#!/bin/sh\ntouch "%s"\nsleep 1\nexec "%s"\n' "$tmp/started" "$(command -v gnuplot)" >"$tmp/bin/gnuplot"
	chmod +x "$tmp/bin/gnuplot"
	# (setsid execs fcvae-plot itself, the leader of a group of its own)
	PATH="$tmp/bin:$PATH" setsid fcvae-plot -o "$tmp/d" "$tmp/scored" 2>"$tmp/err" 3>&- &
	pid=$!
	i=0
	until [ -e "$tmp/started" ]; do i=$((i + 1)); [ $i -lt 200 ] || false; sleep 0.05; done
	[ "$(ps -o pgid= -p $pid | tr -d ' ')" = $pid ]
	kill -TERM -- -$pid
	status=0
	wait $pid || status=$?
	cat "$tmp/err"
	[ "$status" -eq 143 ]
	[ ! -s "$tmp/err" ]
	[ "$(png_size "$tmp/d/a.png")" = "900 420" ]
}

@test "plot: a bucket's record replaced (a replay, --revise) replaces it in the table and the counter too" {
	{ echo '{"key":"a","ts":"2025-03-01T00:00:00Z","value":5,"score":1,"threshold":-9,"anomaly":false}'
	  echo '{"key":"a","ts":"2025-03-01T01:00:00Z","value":900,"score":-30,"threshold":-9,"anomaly":true}'
	  echo '{"key":"a","ts":"2025-03-01T02:00:00Z","value":null,"score":null,"expected":5}'
	  echo '{"key":"a","ts":"2025-03-01T00:00:00Z","value":90,"score":-20,"threshold":-9,"anomaly":true,"revised":true}'
	  echo '{"key":"a","ts":"2025-03-01T01:00:00Z","value":3600,"score":1.4,"threshold":-9,"anomaly":false,"revised":true}'
	  echo '{"key":"a","ts":"2025-03-01T02:00:00Z","value":12345678,"score":-12.3456789,"threshold":-9,"anomaly":true}'
	} | fcvae-plot -o "$tmp/d"
	x() { xmllint --html --xpath "$1" "$tmp/d/index.html"; }
	[ "$(x 'string(//*[@id="scored"]/b)')" = 3 ]
	[ "$(x 'count(//table[@id="recent"]/tr[td])')" = 2 ]
	# newest first, every number as it came
	[ "$(x 'string(//table[@id="recent"]/tr[2])')" = "a2025-03-01T02:00:00Z12345678–-12.3456789-9" ]
	[ "$(x 'string(//table[@id="recent"]/tr[3])')" = "a2025-03-01T00:00:00Z90–-20-9" ]
}

@test "plot: an image that cannot be opened is said; the other series are drawn, no temp file left" {
	mkdir "$tmp/d"
	ln -s "$tmp/nowhere/x.png" "$tmp/d/a.png"
	run fcvae-plot -o "$tmp/d" "$tmp/scored"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$tmp/d/a.png: No such file or directory"* ]]
	[ "$(png_size "$tmp/d/b_x_y.png")" = "900 420" ]
	[ -z "$(find "$tmp/d" -name '.*')" ]
}

#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# fcvae-gen: the seed data set of SPEC §6.

bats_require_minimum_version 1.5.0
load helpers/man

setup() {
	tmp=$(mktemp -d)
}

teardown() {
	rm -rf "$tmp"
}

@test "gen: --help, --version and usage errors" {
	run fcvae-gen --help
	[ "$status" -eq 0 ]
	[[ "$output" == usage:* ]]
	run fcvae-gen --version
	[ "$status" -eq 0 ]
	run fcvae-gen --bogus
	[ "$status" -eq 2 ]
	run fcvae-gen --combo Visa/CMP
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown combo 'Visa/CMP'"* ]]
	# an empty list or name is no combo, not every combo
	for list in '' , Accel/CMP, Accel/CMP,,Star/CMP; do
		run fcvae-gen --hourly --days 1 --combo "$list"
		[ "$status" -eq 2 ]
		[ "$output" = "fcvae-gen: --combo: an empty name in '$list'" ]
	done
	run fcvae-gen --hourly --columns ts,,value
	[ "$status" -eq 2 ]
	# --columns is for --hourly's rows, which --follow does not write:
	# said as such, not as a missing --hourly
	run fcvae-gen --follow --hourly --columns value
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-gen: --columns does not apply with --follow (its records have fixed fields)" ]
	run fcvae-gen --columns value
	[ "$status" -eq 2 ]
	[ "$output" = "fcvae-gen: --columns needs --hourly" ]
	run fcvae-gen --days 0
	[ "$status" -eq 2 ]
	run fcvae-gen --split holdout
	[ "$status" -eq 2 ]
	# a split all beyond --days: said, not a header alone with exit 0
	run --separate-stderr fcvae-gen --days 40 --split validation --hourly
	[ "$status" -eq 2 ]
	[ "$stderr" = "fcvae-gen: --split validation holds days 42-49 (counted from 0): --days 40 leaves none" ]
	[ -z "$output" ]
	run --separate-stderr fcvae-gen --days 50 --split test --follow
	[ "$status" -eq 2 ]
	[ "$stderr" = "fcvae-gen: --split test holds days 50 and later (counted from 0): --days 50 leaves none" ]
	[ "$(fcvae-gen --days 43 --split validation --hourly --combo Star/CMP | wc -l)" -eq 25 ]
	run fcvae-gen --start yesterday
	[ "$status" -eq 2 ]
	run fcvae-gen --loop
	[ "$status" -eq 2 ]
	run fcvae-gen --follow --format csv
	[ "$status" -eq 2 ]
	run fcvae-gen extra
	[ "$status" -eq 2 ]
	# a write error is reported, exit 1, without generating on into the void
	run sh -c 'fcvae-gen >/dev/full'
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-gen: write error on standard output: No space left on device" ]
	run sh -c 'fcvae-gen --hourly >/dev/full'
	[ "$status" -eq 1 ]
	[ "$output" = "fcvae-gen: write error on standard output: No space left on device" ]
}

@test "gen: same seed gives the same bytes, another seed other bytes" {
	fcvae-gen --days 3 >"$tmp/a"
	fcvae-gen --days 3 >"$tmp/b"
	cmp "$tmp/a" "$tmp/b"
	fcvae-gen --days 3 --seed 7 >"$tmp/c"
	run ! cmp -s "$tmp/a" "$tmp/c"
	fcvae-gen --hourly --format ndjson >"$tmp/h1"
	fcvae-gen --hourly --format ndjson >"$tmp/h2"
	cmp "$tmp/h1" "$tmp/h2"
}

@test "gen: subsets of combos, days and splits are rows of the full set" {
	fcvae-gen --days 3 >"$tmp/all"
	fcvae-gen --days 3 --combo Star/no-pin,Accel_CMP | tail -n +2 >"$tmp/sub"
	grep -E ',(Star,no-pin|Accel,CMP),' "$tmp/all" >"$tmp/want"
	cmp "$tmp/sub" "$tmp/want"
	fcvae-gen --days 2 --combo Star/CMP --combo Accel/no-pin | tail -n +2 >"$tmp/sub2"
	grep -E '^2025-01-0[67]T.*,(Star,CMP|Accel,no-pin),' "$tmp/all" >"$tmp/want2"
	cmp "$tmp/sub2" "$tmp/want2"
	fcvae-gen --hourly >"$tmp/h"
	fcvae-gen --hourly --split validation | tail -n +2 >"$tmp/hv"
	grep ',validation$' "$tmp/h" >"$tmp/hvwant"
	cmp "$tmp/hv" "$tmp/hvwant"
	[ "$(wc -l <"$tmp/hv")" -eq $((8 * 24 * 4)) ]
}

@test "gen: transactions counted per hour are the --hourly counts" {
	fcvae-gen --days 2 --epoch |
		awk -F, 'NR > 1 { h = $1 - $1 % 3600; n[h "," $2 "/" $3]++; a[h "," $2 "/" $3] += $5 }
		         END { for (k in n) print k "," n[k] "," (a[k] ? 1 : 0) }' | sort >"$tmp/counted"
	fcvae-gen --days 2 --epoch --hourly | awk -F, 'NR > 1 && $3 > 0 { print $1 "," $2 "," $3 "," $4 }' | sort >"$tmp/hourly"
	[ -s "$tmp/counted" ]
	cmp "$tmp/counted" "$tmp/hourly"
}

@test "gen: rows are in time order with well-formed fields" {
	fcvae-gen --days 1 --epoch | awk -F, '
		NR == 1 { if ($0 != "timestamp,network_type,transaction_type,amount,is_anomaly,split") bad = "header" ; next }
		$1 < last { bad = "order at " NR } { last = $1 }
		$2 !~ /^(Accel|Star)$/ || $3 !~ /^(CMP|no-pin)$/ { bad = "combo at " NR }
		$4 !~ /^[0-9]+\.[0-9][0-9]$/ || $4 <= 0 { bad = "amount at " NR }
		$5 != 0 || $6 != "train" { bad = "label/split at " NR }
		{ n++; l = log($4); s += l; q += l * l }
		END { m = s / n; sd = sqrt(q / n - m * m)
		      if (m < 3.15 || m > 3.25 || sd < 0.87 || sd > 0.93) bad = "lognormal " m " " sd
		      if (bad) { print bad; exit 1 } }'
	fcvae-gen --days 1 --format ndjson --combo Star/CMP | jq -e -s 'length > 1000 and all(.[]; .network_type == "Star" and .transaction_type == "CMP" and (.amount | type) == "number" and .is_anomaly == 0 and .split == "train" and (.timestamp | test("^2025-01-06T[0-9:]{8}Z$")))'
}

@test "gen: --start moves the calendar, the dates and the day-of-week levels" {
	run fcvae-gen --hourly --days 1 --combo Accel/CMP --start 2025-03-01T00:00:00Z
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == 2025-03-01T00:00:00Z,Accel/CMP,* ]]
	[[ "${lines[24]}" == 2025-03-01T23:00:00Z,Accel/CMP,* ]]
	# a Saturday (dow 0.60) has far fewer events than the Monday (1.00) it replaces
	sat=$(fcvae-gen --hourly --days 1 --combo Accel/CMP --start 2025-01-11 | awk -F, 'NR > 1 { s += $3 } END { print s }')
	mon=$(fcvae-gen --hourly --days 1 --combo Accel/CMP | awk -F, 'NR > 1 { s += $3 } END { print s }')
	[ "$sat" -lt $((mon * 3 / 4)) ]
}

@test "gen: dates as the other programs write them, for any day of the years 0 to 9999" {
	# the hour before the epoch (hour -1 was the cache's "none") has its date
	run fcvae-gen --hourly --days 1 --combo Accel/CMP --start 1969-12-31T23:00:00Z
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" == 1969-12-31T23:00:00Z,* ]]
	[[ "${lines[2]}" == 1970-01-01T00:00:00Z,* ]]
	run fcvae-gen --days 1 --combo Accel/CMP --start 1969-12-31T23:00:00Z
	[[ "${lines[1]}" == 1969-12-31T23:* ]]
	# four-digit years, as RFC 3339 has them
	run fcvae-gen --hourly --days 1 --combo Accel/CMP --start 0001-01-01T00:00:00Z
	[[ "${lines[1]}" == 0001-01-01T00:00:00Z,* ]]
	fcvae-gen --hourly --days 1 --combo Accel/CMP --start 0000-01-01 --format ndjson | fcvae-window --window 4 >"$tmp/w"
	[ "$(head -n 1 "$tmp/w" | jq -r .ts)" = 0000-01-01T03:00:00Z ]
	run fcvae-gen --hourly --days 1 --combo Accel/CMP --start 9999-12-31
	[[ "${lines[24]}" == 9999-12-31T23:00:00Z,* ]]
	# beyond them a usage error, as no other program reads such times
	for start in 9999-12-31 -62167219201; do
		run fcvae-gen --hourly --days 2 --combo Accel/CMP --start "$start"
		[ "$status" -eq 2 ]
		[ "$output" = "fcvae-gen: --start, --days: the days run beyond the years 0 to 9999" ]
	done
	# --loop stops before a pass that would run beyond them
	run --separate-stderr fcvae-gen --follow --loop --delay 0 --start 9999-12-30 --days 1 --combo Accel/CMP
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 48 ]
	[ "$(echo "${lines[47]}" | jq -r .timestamp)" = 9999-12-31T23:00:00Z ]
	[ "$stderr" = "fcvae-gen: --loop: the next pass would run beyond the year 9999: stopped" ]
}

@test "gen: --seed is digits only: a sign or a blank before one is a usage error" {
	for s in -1 ' -1' +7 ' 42' '' 1x 18446744073709551616; do
		run fcvae-gen --seed "$s" --days 1
		[ "$status" -eq 2 ]
		[ "$output" = "fcvae-gen: --seed: '$s' is not a whole number" ]
	done
	fcvae-gen --seed 18446744073709551615 --days 1 --hourly >/dev/null
}

@test "gen: train hourly mean and std per combo within 5% of SPEC §6" {
	fcvae-gen --hourly --split train | awk -F, '
		BEGIN { m["Accel/CMP"] = 1632.8; s["Accel/CMP"] = 980.5
		        m["Accel/no-pin"] = 1309.2; s["Accel/no-pin"] = 706.8
		        m["Star/CMP"] = 1845.5; s["Star/CMP"] = 1106.2
		        m["Star/no-pin"] = 1173.0; s["Star/no-pin"] = 636.9 }
		NR > 1 { n[$2]++; t[$2] += $3; q[$2] += $3 * $3 }
		END { for (k in m) {
			if (n[k] != 42 * 24) { print k, "hours", n[k]; bad = 1 }
			mean = t[k] / n[k]; sd = sqrt(q[k] / n[k] - mean * mean)
			printf "%s %.1f/%.1f (SPEC %.1f/%.1f)\n", k, mean, sd, m[k], s[k]
			if (mean < 0.95 * m[k] || mean > 1.05 * m[k] || sd < 0.95 * s[k] || sd > 1.05 * s[k]) bad = 1 }
		      exit bad }'
}

@test "gen: labelled hours are exactly those of SPEC §6" {
	# day hour combo, written from SPEC §6 by hand
	{
		for k in Accel/CMP Accel/no-pin Star/CMP Star/no-pin; do
			for h in 10 11 12; do echo "42 $h $k"; done
			echo "44 14 $k"
			for h in 8 9 10 11; do echo "46 $h $k"; done
			for h in 6 7 8 9 10 11 12 13 14 15 16 17; do echo "49 $h $k"; done
			for h in 15 16 17; do echo "51 $h $k"; done
			for h in 9 10 11; do echo "59 $h $k"; done
		done
		echo "55 11 Accel/CMP"
		echo "55 11 Accel/no-pin"
		echo "55 18 Star/CMP"
		echo "55 8 Star/no-pin"
	} | sort >"$tmp/want"
	fcvae-gen --hourly --epoch | awk -F, 'NR > 1 && $4 == 1 { t = $1 - 1736121600; print int(t / 86400), int(t % 86400 / 3600), $2 }' | sort >"$tmp/got"
	diff "$tmp/want" "$tmp/got"
	# transactions carry the label of their hour
	fcvae-gen --days 45 --split validation --combo Star/CMP --epoch |
		awk -F, 'NR > 1 { t = $1 - 1736121600; d = int(t / 86400); h = int(t % 86400 / 3600)
		         want = (d == 42 && h >= 10 && h <= 12) || (d == 44 && h == 14)
		         if ($5 != want) { print "line " NR ": " $0; exit 1 } }'
}

@test "gen: labelled spikes and dips change the counts the way SPEC §6 says" {
	# (to files, so that fcvae-gen's exit status counts)
	fcvae-gen --hourly --epoch --combo Star/CMP --days 43 >"$tmp/spike"
	fcvae-gen --hourly --epoch --split test >"$tmp/dip"
	# Star/CMP, day 42 hours 10-12 (x3, phase-aware) against the Monday before
	awk -F, '
		NR > 1 { t = $1 - 1736121600; d = int(t / 86400); h = int(t % 86400 / 3600); v[d, h] = $3 }
		END { for (h = 10; h <= 12; h++) if (v[42, h] < 2 * v[35, h] + 1000) { print "spike hour", h, v[42, h], v[35, h]; exit 1 } }' "$tmp/spike"
	# the dip of day 55 (x0.1) at the combo's own hour; an hour missing from
	# either day fails too
	awk -F, '
		NR > 1 { t = $1 - 1736121600; d = int(t / 86400); h = int(t % 86400 / 3600); v[d, h, $2] = $3 }
		END { split("Accel/CMP 11 Accel/no-pin 11 Star/CMP 18 Star/no-pin 8", a, " ")
		      for (i = 1; i < 8; i += 2) {
		          c = a[i]; h = a[i + 1]
		          if (!((55, h, c) in v) || !((54, h, c) in v) || v[54, h, c] <= 0 || v[55, h, c] > 0.3 * v[54, h, c]) {
		              print "dip", c, v[55, h, c], v[54, h, c]; exit 1 } } }' "$tmp/dip"
}

@test "gen: day 49's phase shift acts on its labelled hours 6-17 only (SPEC §6)" {
	# correlation of day 49 with the Monday two weeks before (day 35, train),
	# over the unlabelled hours (the normal phase: close) and over the
	# labelled ones, where Star/no-pin's 8-hour cycle is 3/8 out of step
	fcvae-gen --hourly --epoch --days 50 | awk -F, '
		NR > 1 { t = $1 - 1736121600; d = int(t / 86400); h = int(t % 86400 / 3600); v[d, h, $2] = $3; k[$2] = 1 }
		function r(c, lab,   h, n, sx, sy, sxx, syy, sxy, x, y) {
			for (h = 0; h < 24; h++) {
				if ((h >= 6 && h <= 17) != lab) continue
				x = v[49, h, c]; y = v[35, h, c]; n++
				sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y }
			return (n * sxy - sx * sy) / sqrt((n * sxx - sx * sx) * (n * syy - sy * sy)) }
		END { for (c in k) { printf "%s unlabelled r %.2f, labelled r %.2f\n", c, r(c, 0), r(c, 1)
		                     if (r(c, 0) < 0.85) bad = 1 }
		      if (r("Star/no-pin", 1) > 0.5) bad = 1
		      exit bad }'
}

@test "gen: --follow emits one flushed record per hour and combo, in order" {
	run sh -c 'fcvae-gen --follow --delay 0 --days 2 --combo Accel/CMP,Star/CMP'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 96 ]
	printf '%s\n' "${lines[@]}" | jq -e -s '
		[.[].sequence_id] == [range(96)] and
		.[0].timestamp == "2025-01-06T00:00:00Z" and .[0].key == "Accel/CMP" and .[1].key == "Star/CMP" and
		.[95].timestamp == "2025-01-07T23:00:00Z" and
		all(.[]; (.value | type) == "number" and .is_anomaly == 0 and (.produced_at | test("^20..-..-..T..:..:..\\.[0-9]{3}Z$")))'
	# the values are the --hourly counts
	fcvae-gen --hourly --days 2 --combo Accel/CMP,Star/CMP --format ndjson | jq -c '[.ts, .key, .value]' >"$tmp/h"
	printf '%s\n' "${lines[@]}" | jq -c '[.timestamp, .key, .value]' >"$tmp/f"
	cmp "$tmp/h" "$tmp/f"
	# --loop starts over, --split test carries the labels, and a reader can stop it
	fcvae-gen --follow --delay 0 --loop --split test --combo Star/no-pin | head -n 500 >"$tmp/loop"
	# a pass goes on in time where the last ended (the same times again would
	# be late records to fcvae-window): ten days on, with the same values
	jq -e -s 'length == 500 and .[240].timestamp == "2025-03-07T00:00:00Z" and .[239].timestamp == "2025-03-06T23:00:00Z" and
		.[240].value == .[0].value and .[240].is_anomaly == .[0].is_anomaly and .[240].sequence_id == 240 and
		([.[] | select(.is_anomaly == 1)] | length) > 0' "$tmp/loop"
	fcvae-window --ts timestamp <"$tmp/loop" 2>"$tmp/loop.err" | [ "$(wc -l)" -eq $((500 - 23)) ]
	[ ! -s "$tmp/loop.err" ]
}

@test "gen: --follow flushes each record as it is produced" {
	# the first hour's 4 records are out at once, though the next hour is 10 s away
	run sh -c 'timeout 2 fcvae-gen --follow --delay 10 --days 1 >"$1"' sh "$tmp/f"
	[ "$status" -eq 124 ]
	[ "$(wc -l <"$tmp/f")" -eq 4 ]
	jq -e -s '[.[].sequence_id] == [0, 1, 2, 3]' "$tmp/f"
}

@test "gen: --delay paces the hours" {
	start=$(date +%s%N)
	fcvae-gen --follow --delay 0.2 --days 1 --combo Accel/CMP | head -n 4 >/dev/null
	ms=$((($(date +%s%N) - start) / 1000000))
	[ "$ms" -ge 600 ]
}

@test "gen: --columns makes the FCVAE data sets' CSV layout" {
	run fcvae-gen --hourly --epoch --combo Accel_CMP --columns timestamp,value,label
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = timestamp,value,label ]
	[ "${#lines[@]}" -eq $((60 * 24 + 1)) ]
	[[ "${lines[1]}" =~ ^1736121600,[0-9]+,0$ ]]
	# the same values as the full hourly output
	fcvae-gen --hourly --epoch --combo Accel/CMP | awk -F, 'NR > 1 { print $1 "," $3 "," $4 }' >"$tmp/want"
	printf '%s\n' "${lines[@]:1}" | cmp - "$tmp/want"
	fcvae-gen --hourly --format ndjson --days 1 --columns key,ts,value | head -n 1 | jq -e 'keys_unsorted == ["key", "ts", "value"]'
	run fcvae-gen --hourly --columns timestamp,colour
	[ "$status" -eq 2 ]
	run fcvae-gen --hourly --columns value,value
	[ "$status" -eq 2 ]
	run fcvae-gen --columns value
	[ "$status" -eq 2 ]
}

@test "gen: hourly records and transactions feed fcvae-window directly" {
	command -v fcvae-window >/dev/null || skip "no fcvae-window"
	# 48 hours make 48 - 23 windows of 24; the first holds hours 0..23
	fcvae-gen --hourly --format ndjson --days 2 --combo Star/CMP | fcvae-window >"$tmp/w"
	[ "$(wc -l <"$tmp/w")" -eq 25 ]
	fcvae-gen --hourly --format ndjson --days 1 --combo Star/CMP | jq -s -c '[.[].value]' >"$tmp/day0"
	head -n 1 "$tmp/w" | jq -c '.window' | cmp - "$tmp/day0"
	head -n 1 "$tmp/w" | jq -e '.key == "Star/CMP" and .ts == "2025-01-06T23:00:00Z" and .label == 0 and .split == "train"'
	# CSV hourly, naming the time column
	fcvae-gen --hourly --days 2 --combo Star/CMP | fcvae-window --csv --ts timestamp | jq -c '.window' >"$tmp/wc"
	jq -c '.window' "$tmp/w" | cmp - "$tmp/wc"
	# transactions counted per hour by fcvae-window are the same windows
	fcvae-gen --days 2 --combo Star/CMP | fcvae-window --csv --ts timestamp --key network_type,transaction_type \
		--agg count --label is_anomaly | jq -c '.window' >"$tmp/we"
	cmp "$tmp/we" "$tmp/wc"
}

# what each example of fcvae-gen(1) shows
gen_example() {
	case $man_n in
	1) # the first hours of Star/CMP's test days, with the header
		man_lines 4
		[ "${lines[0]}" = timestamp,key,value,label,split ]
		for l in "${lines[@]:1}"; do [[ "$l" == *,Star/CMP,*,test ]]; done ;;
	2) # mean and standard deviation of each of the four combos
		man_lines 4
		for l in "${lines[@]}"; do [[ "$l" =~ ^(Accel|Star)/(CMP|no-pin)\ [0-9.]+\ [0-9.]+$ ]]; done ;;
	3) # labelled validation hours: head's ten
		man_lines 10
		echo "$output" | jq -se 'all(.[]; length == 2 and (.[1] | test("/")))' ;;
	4) # transactions per hour, as --hourly counts them
		man_lines 3
		[ "${lines[0]}" = "2025-01-06T00 $(fcvae-gen --hourly --days 1 --combo Accel/CMP | sed -n 2p | cut -d, -f3)" ] ;;
	5 | 6) # a 24-hour window record
		man_lines 1
		echo "$output" | jq -e '(.window | length) == 24 and (.key | type) == "string"' ;;
	7) # the data sets' layout: epoch seconds
		man_lines 3
		[ "${lines[0]}" = timestamp,value,label ]
		[[ "${lines[1]}" =~ ^[0-9]+,[0-9]+,[01]$ ]] ;;
	*) echo "no check for example $man_n"; false ;;
	esac
}

@test "gen: the man page examples run" {
	[ -f man/fcvae-gen.1 ]
	man_examples -c gen_example man/fcvae-gen.1 7
}

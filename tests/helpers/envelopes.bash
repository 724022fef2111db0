# hourly_envelopes N [STEP]: kcat -J envelopes of N records of series "a"
# on partition 0 of topic "in", offsets 0, STEP, 2 STEP... (STEP 1 unless
# given: 2 leaves gaps as a transactional topic does), each at offset hours
# with value 100 + offset
hourly_envelopes() {
	local i
	for i in $(seq 0 "${2:-1}" $((($1 - 1) * ${2:-1}))); do
		printf '{"topic":"in","partition":0,"offset":%d,"ts":null,"key":"a","payload":"{\\"key\\":\\"a\\",\\"ts\\":%d,\\"value\\":%d}"}\n' \
			"$i" $((i * 3600)) $((100 + i))
	done
}

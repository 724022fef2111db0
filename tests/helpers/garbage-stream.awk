# garbage-stream.awk — an hourly stream of S series (agg none) with a share
# of bad lines, and what fcvae-window | fcvae-score must make of it.
# Variables: n (lines), s (series), w (window), bad (share, e.g. 0.01),
# seed, expfile (file: seq of every record that must be in the output, one a
# line), counts (file: "kind count" lines).
# Kinds of bad line: random bytes, cut lines, wrong types (value, ts, key,
# not an object), and good-looking records for buckets already emitted
# (duplicates, out of order, late): the first are rejected with a reason,
# the last counted as late and dropped.
BEGIN {
	srand(seed)
	t0 = 1740441600
	for (i = 0; i < n; i++) {
		r = rand()
		if (r >= bad || i < s) {
			k = i % s
			line = sprintf("{\"ts\":%d,\"key\":\"s%d\",\"value\":%d,\"label\":%d,\"seq\":%d}",
			               t0 + h[k] * 3600, k, 100 + int(rand() * 50), rand() < 0.01, i)
			print line
			if (h[k] >= w - 1)
				print i >expfile
			else
				c["warm-up"]++
			h[k]++
			c["good"]++
			continue
		}
		kind = int(rand() * 8)
		k = int(rand() * s)
		if (kind == 0) {          # random bytes, none a newline, starting outside ASCII
			line = sprintf("%c", 128 + int(rand() * 128))
			m = 1 + int(rand() * 60)
			for (j = 0; j < m; j++) {
				b = 1 + int(rand() * 255)
				line = line sprintf("%c", b == 10 ? 11 : b)
			}
			c["not JSON"]++
		} else if (kind == 1) {   # a record cut short
			line = sprintf("{\"ts\":%d,\"key\":\"s%d\",\"value\":%d,\"seq\":%d}", t0 + h[k] * 3600, k, 7, i)
			line = substr(line, 1, 1 + int(rand() * (length(line) - 2)))
			c["not JSON"]++
		} else if (kind == 2) {
			line = sprintf("{\"ts\":%d,\"key\":\"s%d\",\"value\":\"lots\",\"seq\":%d}", t0 + h[k] * 3600, k, i)
			c["bad value"]++
		} else if (kind == 3) {
			line = sprintf("{\"ts\":true,\"key\":\"s%d\",\"value\":1,\"seq\":%d}", k, i)
			c["bad ts"]++
		} else if (kind == 4) {
			line = sprintf("{\"ts\":%d,\"key\":{\"s\":%d},\"value\":1,\"seq\":%d}", t0 + h[k] * 3600, k, i)
			c["bad key"]++
		} else if (kind == 5) {
			line = sprintf("[%d,\"s%d\",1]", t0, k)
			c["not an object"]++
		} else {                  # duplicate, out of order or late: a bucket already emitted
			if (!h[k])
				k = 0
			back = kind == 6 ? 1 : 1 + int(rand() * h[k])
			line = sprintf("{\"ts\":%d,\"key\":\"s%d\",\"value\":5,\"seq\":%d}", t0 + (h[k] - back) * 3600, k, i)
			c["late"]++
		}
		print line
	}
	for (x in c)
		print x, c[x] >counts
}

# images.bash — bats helpers to check images without extra tools.

# png_size FILE: "WIDTH HEIGHT" from the IHDR chunk, after checking the
# signature; fails on anything that is not a PNG.
png_size() {
	[ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = 89504e470d0a1a0a ] || return 1
	[ "$(od -An -c -j12 -N4 "$1" | tr -d ' \n')" = IHDR ] || return 1
	echo "$(od -An -tu1 -j16 -N4 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4}') $(od -An -tu1 -j20 -N4 "$1" | awk '{print $1*16777216+$2*65536+$3*256+$4}')"
}

# svg_size FILE: "WIDTH HEIGHT" of the root element; fails unless the file
# is well-formed XML with an svg root.
svg_size() {
	xmllint --noout "$1" 2>/dev/null || return 1
	local w h
	w=$(xmllint --xpath 'string(/*[local-name()="svg"]/@width)' "$1") || return 1
	h=$(xmllint --xpath 'string(/*[local-name()="svg"]/@height)' "$1") || return 1
	echo "$w $h"
}

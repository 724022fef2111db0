#!/bin/sh
# man-examples.sh PAGE — print the commands of a man page's EXAMPLES section
# that the tests run: lines inside .EX/.EE starting with "$ ", one per line,
# with the roff escapes undone (\- is -, \e is \).
sed -n '/^\.SH EXAMPLES/,/^\.SH /{
/^\.EX/,/^\.EE/{
/^\$ /{
s/^\$ //
s/\\-/-/g
s/\\e/\\/g
p
}
}
}' "$1"

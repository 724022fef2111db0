# fcvae.sh — what the fcvae scripts share, sourced by each from its own
# directory (make install puts it beside them in PREFIX/bin, as gettext.sh
# is): the programs of a checkout, the error exits and --version. POSIX sh;
# the script sets prog first.
# shellcheck shell=sh disable=SC2154 # prog is the sourcing script's

# Run from a checkout, not installed: the programs are in its build/, which
# is searched after PATH (so that an installed or test build comes first).
checkout=$(cd "$(dirname "$0")/.." && pwd)
if [ -d "$checkout/build/bin" ]; then
	PATH="$PATH:$checkout/build/bin:$checkout/build/tools"
fi

# die MESSAGE [STATUS]: "prog: MESSAGE" on stderr, exit STATUS (default 1)
die() { echo "$prog: $1" >&2; exit "${2:-1}"; }
# need OPTION "$@": a usage error (2) unless OPTION has a value after it
need() { [ $# -ge 2 ] || die "option $1 needs a value" 2; }
# help: the script's usage() on standard output, exit 0; a write error
# there (a full disk) is said, exit 1 (SPEC §10), as for version
help() { usage 2>/dev/null || die "write error on standard output"; exit 0; }
# version PROGRAM: "prog (fcvae) VERSION", the version being PROGRAM's; exit 0
version() {
	v=$("$1" --version) || exit 1
	{ echo "$prog (fcvae) ${v##* }"; } 2>/dev/null || die "write error on standard output"
	exit 0
}

# fcvae.sh — what the fcvae scripts share, sourced by each from its own
# directory (make install puts it beside them in PREFIX/bin, as gettext.sh
# is): the programs of a checkout, the error exits, the checks of options
# and --version. POSIX sh; the script sets prog first.
# shellcheck shell=sh disable=SC2154 # prog is the sourcing script's

# Run from a checkout, not installed: the programs are in its build/, which
# is searched after PATH (so that an installed or test build comes first).
# Installed, they are beside the script, which cron runs by its full path
# with a PATH of /usr/bin:/bin: searched after PATH too.
# (The script's own directory, through any link to it: a ~/bin link to the
# installed script runs as the script does.)
here=$(dirname "$(readlink -f -- "$0")")
checkout=$(cd "$here/.." && pwd)
if [ -d "$checkout/build/bin" ]; then
	PATH="$PATH:$checkout/build/bin:$checkout/build/tools"
fi
if [ -x "$here/fcvae-score" ]; then
	PATH="$PATH:$here"
fi

# die MESSAGE [STATUS]: "prog: MESSAGE" on stderr, exit STATUS (default 1)
die() { echo "$prog: $1" >&2; exit "${2:-1}"; }
# need OPTION "$@": a usage error (2) unless OPTION has a value after it
need() { [ $# -ge 2 ] || die "option $1 needs a value" 2; }
# whole VAR OPTION MIN MAX: a usage error (2) unless VAR holds a whole
# number from MIN to MAX, said as the programs say it; VAR is left without
# leading zeros (shell arithmetic would read 010 as octal). Checked before
# anything starts, so that a stage run later never refuses it.
whole() {
	eval "_v=\$$1"
	_n=${_v#"${_v%%[!0]*}"}
	case $_v in
	''|*[!0-9]*) ;;
	# more digits than MAX's: out of range, perhaps beyond the shell's integers
	*) if [ ${#_n} -le ${#4} ] && [ "${_n:-0}" -ge "$3" ] && [ "${_n:-0}" -le "$4" ]; then
		eval "$1=\${_n:-0}"
		return
	fi ;;
	esac
	die "$2: '$_v' is not a whole number from $3 to $4" 2
}
# seconds OPTION VALUE MAX: a usage error (2) unless VALUE is a number of
# seconds from 0 to MAX (a whole number), a fraction allowed
seconds() {
	_i=${2%%.*} _f=
	[ "$_i" = "$2" ] || _f=${2#*.}
	_n=${_i#"${_i%%[!0]*}"} _max=$3
	# with a fraction above 0, the whole seconds must be below MAX
	case $_f in *[1-9]*) _max=$(($3 - 1)) ;; esac
	case $_i$_f in
	''|*[!0-9]*) ;; # (a second '.' is in _f)
	*) [ ${#_n} -gt ${#3} ] || [ "${_n:-0}" -gt "$_max" ] || return ;;
	esac
	die "$1: '$2' is not a number of seconds from 0 to $3" 2
}
# takes COMMAND...: COMMAND, a stage with the options the script will give
# it, run on no input; when it refuses them, what it says is shown and the
# script exits with its status (2 for an option, 1 for a model that does
# not load: SPEC §10), before anything starts
takes() {
	_err=$("$@" </dev/null 2>&1 >/dev/null) && return
	_rc=$?
	printf '%s\n' "$_err" >&2
	exit $_rc
}
# model_windows FILE...: the points per window in each model file's config
# (its JSON header, SPEC §9), a line each, in order; "?" for one whose
# header cannot be read (not a model file: fcvae-score says why). One jq
# for them all: a directory of a thousand models is read in a second.
model_windows() {
	for _f; do
		_len=$(od -An -tu8 -N8 -- "$_f" 2>/dev/null)
		_len=${_len#"${_len%%[! ]*}"}
		case $_len in ''|*[!0-9]*) _len=0 ;; esac
		[ ${#_len} -le 9 ] || _len=0
		# a header on one line (JSON's own line breaks are blanks)
		[ "$_len" -eq 0 ] || head -c $((8 + _len)) -- "$_f" | tail -c +9 | tr '\n' ' '
		echo
	done | jq -R -r '(fromjson? | .__metadata__.config | fromjson? | .window | numbers) // "?"'
}
# fits_window WINDOW FILE...: a usage error (2) unless each model FILE
# takes windows of WINDOW points: a model of another length would refuse
# every window it was given, one message at a time
fits_window() {
	_want=$1
	shift
	_other=$(model_windows "$@" | grep -v -x -e "$_want" -e '?' | head -n 1)
	[ -n "$_other" ] || return 0
	# which file: the first of that length (read again, once)
	for _f; do
		[ "$(model_windows "$_f")" != "$_other" ] ||
			die "--window $_want, but $_f is a model of $_other-point windows" 2
	done
}
# help: the script's usage() on standard output, exit 0; a write error
# there (a full disk) is said, exit 1 (SPEC §10), as for version
help() { usage 2>/dev/null || die "write error on standard output"; exit 0; }
# version PROGRAM: "prog (fcvae) VERSION", the version being PROGRAM's; exit 0
version() {
	v=$("$1" --version) || exit 1
	{ echo "$prog (fcvae) ${v##* }"; } 2>/dev/null || die "write error on standard output"
	exit 0
}

# Shared by the integration scripts: strict mode, a scratch directory removed on exit,
# and assertions that say what was expected.
set -euo pipefail
: "${DQ_BIN:?run under ctest (DQ_BIN is not set)}"
: "${DQ_FIXTURES:?run under ctest (DQ_FIXTURES is not set)}"
TRUTHOUND="$DQ_FIXTURES/truthound"
PY=/usr/bin/python3
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/dqit-XXXXXX")"
trap '[ -n "${DQ_KEEP:-}" ] || rm -rf "$WORK"' EXIT
passed=0
failed=0

ok() {
    passed=$((passed + 1))
    echo "ok - $*"
}

not_ok() {
    failed=$((failed + 1))
    echo "not ok - $*"
}

# check NAME COMMAND...: runs the command, counts it.
check() {
    local name="$1"
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# expect_status N NAME COMMAND...: the command exits with status N.
expect_status() {
    local want="$1" name="$2"
    shift 2
    local got=0
    "$@" || got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else not_ok "$name (exit $got, expected $want)"; fi
}

# contains FILE TEXT: FILE holds TEXT.
contains() {
    grep -qF -- "$2" "$1"
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}

#!/usr/bin/env bash
# bench/gen_store: the same seed gives the same bytes, another seed another store, every
# file is what truthound's Python writers would produce (bench/check_store.py) and
# dqbatch ls reads it, bad settings are refused by name, and the committed store/ is what
# make_store.sh makes.
set -euo pipefail

: "${DQ_GEN_STORE:?DQ_GEN_STORE must name the gen_store binary}"
: "${DQ_SOURCE_DIR:?}" "${DQ_FIXTURES:?}"
# Debian's python3 has PyYAML; a pyenv python3 earlier on PATH may not.
python=/usr/bin/python3
[ -x "$python" ] || python=python3

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Same seed, same bytes: every layout, some gzip, some YAML.
"$DQ_GEN_STORE" -o "$work/a" -n 150 --seed 42 --yaml-ratio 0.1 2>/dev/null
"$DQ_GEN_STORE" -o "$work/b" -n 150 --seed 42 --yaml-ratio 0.1 2>/dev/null
diff -r "$work/a" "$work/b" >/dev/null || fail "seed 42 gave two different stores"
[ "$(find "$work/a" -type f | wc -l)" -eq 150 ] || fail "expected 150 files"
for layout in by_date by_checkpoint by_status flat; do
    [ -d "$work/a/$layout" ] || fail "mixed layout has no $layout/"
done
[ -n "$(find "$work/a" -name '*.json.gz' | head -1)" ] || fail "no gzipped result"
[ -n "$(find "$work/a" -name '*.yaml*' | head -1)" ] || fail "no YAML result"

# Another seed, other results.
"$DQ_GEN_STORE" -o "$work/c" -n 150 --seed 43 --yaml-ratio 0.1 2>/dev/null
if diff -r "$work/a" "$work/c" >/dev/null; then
    fail "seeds 42 and 43 gave the same store"
fi

# A single layout puts every file in its partition directly under the output.
"$DQ_GEN_STORE" -o "$work/d" -n 40 --seed 5 --layout status 2>/dev/null
for dir in "$work/d"/*; do
    case ${dir##*/} in
    success | warning | failure | error) ;;
    *) fail "status layout wrote ${dir##*/}/" ;;
    esac
done

# Byte-exact Python JSON / PyYAML, gzip headers, paths, key order, statistics, statuses.
"$python" "$DQ_SOURCE_DIR/bench/check_store.py" "$work/a" "$DQ_FIXTURES/truthound/store" ||
    fail "check_store.py found problems in the generated store"

# dqbatch itself reads every generated result, with nothing counted bad.
"$DQ_BIN" ls --json "$work/a" >"$work/ls.json" 2>"$work/ls.err" ||
    fail "dqbatch ls failed on the generated store: $(head -3 "$work/ls.err")"
[ "$(wc -l <"$work/ls.json")" -eq 150 ] || fail "dqbatch ls listed $(wc -l <"$work/ls.json") of 150"

# Bad settings: exit status 2 and a message naming the setting.
expect_refusal() {
    local setting=$1
    shift
    local status=0
    "$DQ_GEN_STORE" "$@" 2>"$work/err" >/dev/null || status=$?
    [ "$status" -eq 2 ] || fail "$* exited $status, expected 2"
    grep -q -- "$setting" "$work/err" || fail "$*: message does not name $setting"
}
expect_refusal --gzip-ratio -o "$work/e" -n 3 --seed 1 --gzip-ratio 1.5
expect_refusal --layout -o "$work/e" -n 3 --seed 1 --layout weekly
expect_refusal -n -o "$work/e" -n zero --seed 1
expect_refusal "$work/a" -o "$work/a" -n 3 --seed 1 # not empty: never mixes two stores
expect_refusal --seed -o "$work/e" -n 3

# The committed sample store is exactly what make_store.sh generates.
bash "$DQ_SOURCE_DIR/bench/make_store.sh" "$DQ_GEN_STORE" "$work/store" >/dev/null 2>&1
diff -r "$work/store" "$DQ_SOURCE_DIR/store" >/dev/null ||
    fail "store/ differs from what bench/make_store.sh generates"

echo "gen_store: deterministic, truthound-shaped, store/ reproducible"

#!/usr/bin/env bash
# dqbatch docs killed with SIGKILL midway, in a full and in an incremental build: every
# page left is whole (the site stays readable), and the next run completes the site into
# exactly what a full build gives.
source "$(dirname "$0")/lib/common.sh"
: "${DQ_GEN_STORE:?run under ctest (DQ_GEN_STORE is not set)}"

"$DQ_GEN_STORE" -o "$WORK/store" -n 800 --seed 11 --checkpoints 6 2>/dev/null
start=$(date +%s%N)
"$DQ_BIN" docs "$WORK/store" -o "$WORK/full" -q --jobs 2
full_ms=$((($(date +%s%N) - start) / 1000000))
echo "# a full build takes $full_ms ms"

# whole SITE: every page a reader can open is complete.
whole() {
    $PY - "$1" <<'PY'
import json, os, sys
site = sys.argv[1]
for root, dirs, files in os.walk(site):
    dirs[:] = [d for d in dirs if d != ".dqbatch"]
    for f in files:
        if ".tmp-" in f:
            continue  # an atomic write's temporary name: never opened by readers
        path = os.path.join(root, f)
        data = open(path, "rb").read()
        if f.endswith(".html"):
            assert data.endswith(b"</html>\n"), path
        elif f.endswith(".json"):
            json.loads(data)
PY
}

# kill_at SITE MS: starts a build of the store into SITE and kills it after MS ms.
kill_at() {
    "$DQ_BIN" docs "$WORK/store" -o "$1" -q --jobs 2 &
    local pid=$!
    sleep "$(awk "BEGIN{print $2/1000}")"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# hidden_or_placed SITE: a first build writes its pages into a hidden folder and renames
# it into place whole, so a killed one never shows both, nor a checkpoints folder before
# the rename.
hidden_or_placed() {
    ! [ -d "$1/.dqbatch/checkpoints" ] || ! [ -e "$1/checkpoints" ]
}

for percent in 15 40 70 95; do
    site="$WORK/killed$percent"
    kill_at "$site" $((full_ms * percent / 100))
    check "killed at $percent% of a full build: the pages there are whole" whole "$site"
    check "killed at $percent% of a first build: its pages hidden or all in place" \
        hidden_or_placed "$site"
    "$DQ_BIN" docs "$WORK/store" -o "$site" -q --jobs 2
    check "killed at $percent%: the next run completes it into the full build" diff -r "$site" "$WORK/full"
done

# Exactly what a first build killed before its rename leaves: the marker, and hidden
# pages, one half written and one of a result since removed. The next run starts over.
site="$WORK/hidden"
mkdir -p "$site/.dqbatch/checkpoints/gone/runs"
printf '<!DOCTYPE html><html><body>half' >"$site/.dqbatch/checkpoints/gone/runs/stray.html"
echo building >"$site/.dqbatch/building"
"$DQ_BIN" docs "$WORK/store" -o "$site" -q --jobs 2
check "the hidden pages of a killed first build are replaced by a whole build" \
    diff -r "$site" "$WORK/full"

# A site whose checkpoints folder a user removed: the manifest vouches for pages no
# longer there, so the build draws them all again.
cp -a "$WORK/full" "$WORK/no-pages"
rm -rf "$WORK/no-pages/checkpoints"
"$DQ_BIN" docs "$WORK/store" -o "$WORK/no-pages" -q --jobs 2
check "a site without its checkpoints folder is rebuilt whole" diff -r "$WORK/no-pages" "$WORK/full"

# An incremental build killed midway: 200 new results and 60 removed.
for site in inc1 inc2; do cp -a "$WORK/full" "$WORK/$site"; done
"$DQ_GEN_STORE" -o "$WORK/store/more" -n 200 --seed 12 --checkpoints 6 --start 2030-01-01T00:00:00 2>/dev/null
find "$WORK/store" -name '*.json' -not -path '*/more/*' | sort | sed -n '1,60p' | xargs rm -f
start=$(date +%s%N)
"$DQ_BIN" docs "$WORK/store" -o "$WORK/inc1" -q --jobs 2
inc_ms=$((($(date +%s%N) - start) / 1000000))
"$DQ_BIN" docs "$WORK/store" -o "$WORK/fresh" -q --jobs 2
check "the incremental build equals a full build" diff -r "$WORK/inc1" "$WORK/fresh"
kill_at "$WORK/inc2" $((inc_ms / 2))
check "killed midway through an incremental build: the pages there are whole" whole "$WORK/inc2"
"$DQ_BIN" docs "$WORK/store" -o "$WORK/inc2" -q --jobs 2
check "the next run completes it into the full build" diff -r "$WORK/inc2" "$WORK/fresh"
finish

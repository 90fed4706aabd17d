#!/usr/bin/env bash
# dqbatch docs across shards: the fixture store built as one site, and as 1 and 4 shards
# into one folder plus `dqbatch docs merge`, gives the same files (diff -r) in every
# format; the shard can come from a Kubernetes Indexed Job's environment; a merge with
# a shard missing is a usage error; a build that fails first thing leaves no folder.
source "$(dirname "$0")/lib/common.sh"
cd "$TRUTHOUND"
AT=2024-04-01T00:00:00

# shards DIR N FORMAT: every shard of N into DIR, then the merge.
shards() {
    local dir="$1" n="$2" format="$3" i
    for ((i = 0; i < n; i++)); do
        "$DQ_BIN" docs store -o "$dir" --format "$format" --generated-at "$AT" --shard "$i/$n" \
            --jobs 2 --quiet 2>>"$WORK/err" || return 1
    done
    "$DQ_BIN" docs merge "$dir" -o "$dir" --quiet 2>>"$WORK/err"
}

same_site() {
    diff -r --exclude=parts "$1" "$2" >"$WORK/diff" 2>&1
}

for format in html markdown json; do
    "$DQ_BIN" docs store -o "$WORK/one-$format" --format "$format" --generated-at "$AT" \
        --jobs 2 --quiet 2>>"$WORK/err"
    check "$format: one shard plus merge equals one build" shards "$WORK/single-$format" 1 "$format"
    check "$format: the same site (diff -r)" same_site "$WORK/one-$format" "$WORK/single-$format"
    check "$format: four shards plus merge" shards "$WORK/four-$format" 4 "$format"
    check "$format: the same site from four shards (diff -r)" same_site "$WORK/one-$format" \
        "$WORK/four-$format"
done
check "each shard wrote its partial manifest" test "$(ls "$WORK/four-html/.dqbatch/parts" | wc -l)" -eq 4

# A shard from a Kubernetes Indexed Job's environment, into a fresh folder.
for i in 0 1 2; do
    JOB_COMPLETION_INDEX=$i JOB_COMPLETIONS=3 "$DQ_BIN" docs store -o "$WORK/k8s" \
        --generated-at "$AT" --jobs 2 --quiet 2>>"$WORK/err"
done
check "shards from JOB_COMPLETION_INDEX write their parts" \
    test -f "$WORK/k8s/.dqbatch/parts/shard-2-of-3.jsonl"
"$DQ_BIN" docs merge "$WORK/k8s/.dqbatch/parts/"*.jsonl -o "$WORK/k8s" 2>>"$WORK/err"
check "merged from part files, the same site" same_site "$WORK/one-html" "$WORK/k8s"

rm "$WORK/k8s/.dqbatch/parts/shard-1-of-3.jsonl"
expect_status 2 "a merge with a shard missing is a usage error" \
    "$DQ_BIN" docs merge "$WORK/k8s" -o "$WORK/k8s" 2>"$WORK/merge-err"
check "it names the missing shard" contains "$WORK/merge-err" "shard 1 of 3 is missing"
expect_status 2 "a merge without -o is a usage error" "$DQ_BIN" docs merge "$WORK/k8s" 2>/dev/null

expect_status 1 "a build over a missing store fails" \
    "$DQ_BIN" docs no-such-store -o "$WORK/never" 2>"$WORK/missing-err"
check "it names the store" contains "$WORK/missing-err" "no-such-store"
check "and leaves no folder" test ! -e "$WORK/never"

finish

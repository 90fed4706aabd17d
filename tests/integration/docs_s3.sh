#!/usr/bin/env bash
# An incremental docs build over a bucket downloads only new or changed objects: s3rver
# logs one line per request, and a second build over 80 unchanged objects makes only
# the listing's few (a fetch of each would make 80 more); an object uploaded again (a
# new ETag) is read.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/s3.sh"

BUCKET=dq-docs
s3rver_start "$BUCKET" # not --silent: the test counts the requests in its log

# s3rver checks no signature: a plain PUT uploads.
put() {
    curl -sf -X PUT --data-binary "@$2" "$AWS_ENDPOINT_URL/$BUCKET/$1" -o /dev/null
}
cd "$TRUTHOUND/store"
find . -type f | sed 's|^\./||' | sort | while read -r f; do put "results/$f" "$f"; done

"$DQ_BIN" docs "s3://$BUCKET/results" -o "$WORK/site" --jobs 2 2>"$WORK/first.err"
check "a first build over the bucket" test -f "$WORK/site/index.html"
check "the manifest keeps each object's ETag" \
    test "$(grep -c '"etag": ' "$WORK/site/.dqbatch/manifest.jsonl")" -eq 80
cp -a "$WORK/site" "$WORK/before"

# requests LABEL COMMAND...: runs the command and counts the lines s3rver logged meanwhile.
requests() {
    local before after
    before="$(wc -l <"$WORK/s3rver.log")"
    "$@" || return 1
    sleep 0.2
    after="$(wc -l <"$WORK/s3rver.log")"
    echo $((after - before))
}
n="$(requests "$DQ_BIN" docs "s3://$BUCKET/results" -o "$WORK/site" --jobs 2 2>"$WORK/second.err")"
check "a second build succeeds" test -n "$n"
check "it fetches no object (s3rver logged $n lines)" test "${n:-99}" -lt 20
check "every result came from the manifest" contains "$WORK/second.err" "80 results unchanged"
check "the site is as it was" diff -r "$WORK/before" "$WORK/site"

# One object uploaded again with other bytes: a new ETag, so it is read.
one="$(cd "$TRUTHOUND/store" && find . -name '*.json' -type f | sed 's|^\./||' | sort | head -n 1)"
sed 's/"status": "[a-z]*"/"status": "error"/' "$TRUTHOUND/store/$one" >"$WORK/changed.json"
put "results/$one" "$WORK/changed.json"
expect_status 0 "a changed object is read" \
    "$DQ_BIN" docs "s3://$BUCKET/results" -o "$WORK/site" --jobs 2 2>"$WORK/third.err"
check "only that one" contains "$WORK/third.err" "79 results unchanged"
check "and its page is written again" contains "$WORK/third.err" "1 run pages written"

finish

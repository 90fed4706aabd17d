#!/usr/bin/env bash
# dqbatch ls over truthound's own fixtures, as a directory and as archives: exactly the
# values of the manifest, in a fixed order whatever the number of threads, with filters,
# shards and the summary.
source "$(dirname "$0")/lib/common.sh"
MANIFEST="$TRUTHOUND/manifest.json"

cd "$TRUTHOUND"
"$DQ_BIN" ls --json store >"$WORK/dir.jsonl" 2>"$WORK/dir.err"
check "directory store matches the manifest" $PY "$HERE/lib/check_ls.py" "$MANIFEST" "$WORK/dir.jsonl" "store/"
"$DQ_BIN" ls --json archives/store.tar.gz >"$WORK/tgz.jsonl" 2>"$WORK/tgz.err"
check "tar.gz store matches the manifest" $PY "$HERE/lib/check_ls.py" "$MANIFEST" "$WORK/tgz.jsonl" "archives/store.tar.gz:store/"
"$DQ_BIN" ls --json archives/store.zip >"$WORK/zip.jsonl" 2>"$WORK/zip.err"
check "zip store matches the manifest" $PY "$HERE/lib/check_ls.py" "$MANIFEST" "$WORK/zip.jsonl" "archives/store.zip:store/"

# The same store packed as tar.zst and placed inside a directory tree.
mkdir -p "$WORK/tree/nested"
tar -C "$TRUTHOUND" --zstd -cf "$WORK/tree/nested/store.tar.zst" store
"$DQ_BIN" ls --json "$WORK/tree" >"$WORK/zst.jsonl" 2>"$WORK/zst.err"
check "tar.zst inside a directory matches the manifest" $PY "$HERE/lib/check_ls.py" "$MANIFEST" "$WORK/zst.jsonl" "$WORK/tree/nested/store.tar.zst:store/"

for jobs in 1 2 7; do
    "$DQ_BIN" ls --json --jobs $jobs store >"$WORK/jobs$jobs.jsonl" 2>/dev/null
    check "--jobs $jobs gives the same bytes" cmp -s "$WORK/dir.jsonl" "$WORK/jobs$jobs.jsonl"
done
"$DQ_BIN" ls --jobs 1 store >"$WORK/text1" 2>/dev/null
"$DQ_BIN" ls --jobs 3 store >"$WORK/text3" 2>/dev/null
check "text output is stable across --jobs" cmp -s "$WORK/text1" "$WORK/text3"
check "text output has one line per result" test "$(wc -l <"$WORK/text1")" -eq 80
check "text line shows issues by severity and pass rate" \
    grep -qE '^2024-03-07T18:47:07.868231 +customer_accounts_daily +warning +3 \(c0 h1 m2 l0\) +50.0% +store/by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json$' "$WORK/text1"

# Filters, each checked against the manifest.
count_manifest() {
    $PY -c "import json,sys; m=json.load(open('$MANIFEST')); print(sum(1 for e in m['entries'] if $1))"
}
lines() { "$DQ_BIN" ls --json "$@" store 2>/dev/null | wc -l; }
check "--checkpoint glob" test "$(lines --checkpoint 'card_*')" -eq "$(count_manifest "e['checkpoint_name'].startswith('card_')")"
check "--checkpoint repeated" test "$(lines --checkpoint 'card_*' --checkpoint shipments_hourly)" -eq "$(count_manifest "e['checkpoint_name'] in ('card_transactions_critical','shipments_hourly')")"
check "--status list" test "$(lines --status failure,error)" -eq "$(count_manifest "e['status'] in ('failure','error')")"
check "--asset glob" test "$(lines --asset 's3://*')" -eq "$(count_manifest "e['data_asset'].startswith('s3://')")"
check "--since and --until" test "$(lines --since 2024-03-10 --until 2024-03-20T12:00:00)" -eq "$(count_manifest "'2024-03-10' <= e['run_time'] < '2024-03-20T12:00:00'")"
check "--since as an age takes nothing from 2024" test "$(lines --since 7d)" -eq 0

# Shards: disjoint, complete, and a checkpoint's history in one shard.
for i in 0 1 2; do "$DQ_BIN" ls --json --shard $i/3 store 2>/dev/null >"$WORK/shard$i.jsonl"; done
cat "$WORK"/shard*.jsonl | $PY -c "
import json,sys
rows=[json.loads(l) for l in sys.stdin]
assert len(rows)==80, len(rows)
assert len({r['run_id'] for r in rows})==80
" && ok "shards cover the store once" || not_ok "shards cover the store once"
check "each checkpoint lives in one shard" $PY -c "
import json
owners={}
for i in range(3):
    for l in open('$WORK/shard%d.jsonl'%i):
        owners.setdefault(json.loads(l)['checkpoint_name'],set()).add(i)
assert all(len(s)==1 for s in owners.values()), owners
"

"$DQ_BIN" ls --summary store >"$WORK/summary" 2>/dev/null
check "summary counts runs per checkpoint and status" grep -qE '^customer_accounts_daily +19 ' "$WORK/summary"
check "summary has a total line" grep -qE '^\(all\) +80 +36 +26 +14 +4 ' "$WORK/summary"

expect_status 2 "unknown option is a usage error" "$DQ_BIN" ls --bogus store
expect_status 2 "a bad --status is a usage error" "$DQ_BIN" ls --status nope store
expect_status 2 "no input is a usage error" "$DQ_BIN" ls
finish

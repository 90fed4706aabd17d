# Stores in a bucket, end to end, against s3rver (an S3-compatible server from the npm
# registry, installed by scripts/install-s3rver.sh) on a free loopback port: ls of a
# bucket equals ls of the same files on disk, paging past 1,000 keys, gzip objects, odd
# keys, truthound's doubled keys, restore into a bucket and back, and a missing bucket.
# s3rver does not check signatures: s3_signing.sh does.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/s3.sh"
s3_need_boto3

BUCKET=dq-store
s3rver_start "$BUCKET" --silent
STORE="$TRUTHOUND/store"

# put.py BUCKET KEY=FILE... or BUCKET PREFIX/=DIR: uploads with boto3, independent of
# dqbatch's own client (a directory: every file below it, keyed PREFIX/relative path).
cat >"$WORK/put.py" <<'EOF'
import os, sys
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1")
bucket = sys.argv[1]
def put(key, path):
    with open(path, "rb") as f:
        s3.put_object(Bucket=bucket, Key=key, Body=f.read())
for arg in sys.argv[2:]:
    key, _, path = arg.rpartition("=")
    if not os.path.isdir(path):
        put(key, path)
        continue
    for root, _, files in os.walk(path):
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), path)
            put(key + rel, os.path.join(root, name))
EOF
put() { $PY "$WORK/put.py" "$BUCKET" "$@"; }

# The fixture store under "results/", uploaded by boto3.
put "results/=$STORE"

# ls of the bucket equals ls of the directory, but for where each result is.
"$DQ_BIN" ls "$STORE" >"$WORK/ls_disk.txt" 2>/dev/null
"$DQ_BIN" ls "s3://$BUCKET/results" >"$WORK/ls_s3.txt" 2>"$WORK/ls_s3.err"
check "ls of a bucket lists every result" test "$(wc -l <"$WORK/ls_s3.txt")" -eq 80
sed "s|s3://$BUCKET/results/|$STORE/|" "$WORK/ls_s3.txt" >"$WORK/ls_s3_as_disk.txt"
check "ls s3://... equals ls of the same files on disk" cmp -s "$WORK/ls_disk.txt" "$WORK/ls_s3_as_disk.txt"
"$DQ_BIN" ls --json "s3://$BUCKET/results/" >"$WORK/ls_s3.json" 2>/dev/null
check "every field as truthound reads it (gzip objects too)" \
    $PY "$HERE/lib/check_ls.py" "$TRUTHOUND/manifest.json" "$WORK/ls_s3.json" "s3://$BUCKET/results/"

# Paging: 1,205 distinct results under one prefix (s3rver pages by 1,000).
$PY - "$STORE/flat" "$WORK/many" <<'EOF'
import json, os, sys
src = [f for f in sorted(os.listdir(sys.argv[1])) if f.endswith(".json")][0]
doc = json.load(open(os.path.join(sys.argv[1], src), encoding="utf-8"))
os.makedirs(sys.argv[2])
for i in range(1205):
    doc["run_id"] = f"paging_run_{i:05d}"
    with open(os.path.join(sys.argv[2], f"paging_run_{i:05d}.json"), "w") as f:
        json.dump(doc, f)
EOF
put "many/=$WORK/many"
"$DQ_BIN" ls --json "s3://$BUCKET/many" >"$WORK/many.json" 2>"$WORK/many.err"
check "paging past 1,000 keys: all 1,205 results" test "$(wc -l <"$WORK/many.json")" -eq 1205
check "paging: no bad inputs" contains "$WORK/many.err" "0 bad"

# Odd keys and truthound's doubled keys.
one="$STORE/flat/$(cd "$STORE/flat" && ls | grep '\.json$' | head -1)"
gz="$STORE/$(cd "$STORE" && find by_date -name '*.json.gz' | sort | head -1)"
put "odd/a b.json=$one" "odd/p+q=r.json=$gz" "odd/données é€.json=$one" \
    "bug/s3:/$BUCKET/bug/2024/03/09/doubled.json=$one"
"$DQ_BIN" ls --json "s3://$BUCKET/odd" >"$WORK/odd.json" 2>"$WORK/odd.err"
# "a b.json" and "données é€.json" hold the same result: listed once, counted as duplicate.
check "odd keys: two results" test "$(wc -l <"$WORK/odd.json")" -eq 2
check "odd keys: none bad" contains "$WORK/odd.err" "0 bad"
check "odd keys: the duplicate is counted" contains "$WORK/odd.err" "1 duplicates"
check "odd keys: a name with + and =" contains "$WORK/odd.json" "s3://$BUCKET/odd/p+q=r.json"
"$DQ_BIN" ls "s3://$BUCKET/bug" >"$WORK/bug.txt" 2>"$WORK/bug.err"
check "truthound's doubled key is read" contains "$WORK/bug.txt" "s3://$BUCKET/bug/s3:/$BUCKET/bug/2024/03/09/doubled.json"

# Restore into the bucket, again (nothing changes), and back out.
"$DQ_BIN" restore "$STORE" -o "s3://$BUCKET/restored" --partition-by checkpoint 2>"$WORK/r1.err"
check "restore into a bucket writes all 80" contains "$WORK/r1.err" "80 written, 0 already there, 0 failed"
expect_status 0 "restore into the bucket again" \
    "$DQ_BIN" restore "$STORE" -o "s3://$BUCKET/restored" --partition-by checkpoint \
    2>"$WORK/r2.err"
check "a second restore finds every object already there" contains "$WORK/r2.err" "0 written, 80 already there"
"$DQ_BIN" restore "s3://$BUCKET/restored" -o "$WORK/back" --partition-by checkpoint 2>/dev/null
"$DQ_BIN" restore "$STORE" -o "$WORK/direct" --partition-by checkpoint 2>/dev/null
check "restore out of the bucket gives the same files as from disk" diff -r "$WORK/back" "$WORK/direct"
# A different object where restore would write: an error naming it, not an overwrite.
put "conflict/$(basename "$one")=$gz"
"$DQ_BIN" restore "$one" -o "s3://$BUCKET/conflict" --partition-by none 2>"$WORK/conflict.err" &&
    not_ok "restore over a different object succeeded" || ok "restore over a different object fails"
check "the conflict names the object" contains "$WORK/conflict.err" \
    "s3://$BUCKET/conflict/$(basename "$one"): a different object is already there"

# A bucket that does not exist: one message naming it, no secret.
expect_status 1 "a missing bucket fails" "$DQ_BIN" ls "s3://no-such-bucket/x" 2>"$WORK/nobucket.err"
check "the message names the bucket" contains "$WORK/nobucket.err" "s3://no-such-bucket: not found: HTTP 404 NoSuchBucket"
check "no credential in the message" bash -c "! grep -q S3RVER '$WORK/nobucket.err'"
"$DQ_BIN" ls "s3://Bad!/x" >/dev/null 2>"$WORK/badname.err" && not_ok "a bad bucket name is accepted" ||
    ok "a bad bucket name fails"
check "the message says what is wrong" contains "$WORK/badname.err" "s3://Bad!/x: 'Bad!' is not a bucket name"

finish

#!/usr/bin/env bash
# Every kind of bad input gets one line on stderr naming the path and the reason, is
# counted, makes the exit status 1, and stops nothing else: the good results around it
# are all listed.
source "$(dirname "$0")/lib/common.sh"
S="$WORK/store"
mkdir -p "$S/good" "$S/bad" "$S/empty_dir"
cp "$TRUTHOUND"/store/flat/*.json "$S/good/"
good=$(ls "$S/good" | wc -l)

$PY - "$S" "$TRUTHOUND/store/by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json" <<'PY'
import gzip, io, json, os, sys, tarfile
root, sample = sys.argv[1], sys.argv[2]
text = open(sample, encoding="ascii").read()
doc = json.loads(text)
bad = os.path.join(root, "bad")

def put(name, data):
    with open(os.path.join(bad, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())

def variant(name, **changes):
    d = dict(doc); d.update(changes); d["run_id"] = name
    put(name + ".json", json.dumps(d, indent=2))

put("empty.json", b"")
put("truncated.json", text[: len(text) // 2])
whole = gzip.compress(text.encode())
put("truncated_gzip.json.gz", whole[: len(whole) - 20])
put("trailing_garbage.json.gz", whole + b"this is not gzip")
put("deep.json", "[" * 5000 + "]" * 5000)
put("latin1.json", text.replace('"data/customer_accounts.csv"', '"donn\xe9es.csv"').encode("latin-1"))
variant("status_number", status=3)
variant("issues_object", validation_run=dict(doc["validation_run"], issues={"a": 1}))
variant("run_time_text", run_time="last tuesday")
put("big.json.gz", gzip.compress(b'{"run_id": "big", "pad": "' + b"x" * (3 << 20) + b'"}'))
# A result with NaN and huge integers is good, not bad.
nan = json.loads(text); nan["run_id"] = "nan_and_big"
nan["validation_run"]["row_count"] = 2**60
put("../good/nan_and_big.json", json.dumps(nan).replace('"duration_ms": ', '"duration_ms": NaN, "x": '))
# Another JSON file that is not a stored result: a note, not an error.
put("../good/settings.json", json.dumps({"theme": "dark"}))
# Archives with unsafe member paths.
def archive(name, member):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        info = tarfile.TarInfo(member); data = text.encode(); info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    put(name, buf.getvalue())
archive("absolute.tar", "/etc/evil.json")
archive("dotdot.tar", "../../evil.json")
PY
mkdir -p "$S/good/zz_conflict"
$PY -c "
import json,sys
d=json.load(open('$TRUTHOUND/store/by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json'))
d['duration_ms']=1.5
open('$S/good/zz_conflict/customer_accounts_daily_20240307_184707_18bd0120.json','w').write(json.dumps(d))"
cp "$TRUTHOUND/store/by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json" "$S/good/"
cp "$TRUTHOUND/store/by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json" "$S/good/same_copy.json"
ln -s "$S/bad/loop_a.json" "$S/bad/loop_b.json"
ln -s "$S/bad/loop_b.json" "$S/bad/loop_a.json"
mkdir -p "$WORK/outside"
cp "$TRUTHOUND/store/flat/shipments_hourly_20240311_092052_4da1abf7.json" "$WORK/outside/secret.json"
ln -s "$WORK/outside/secret.json" "$S/bad/escape.json"
ln -s "$WORK/outside" "$S/bad/escape_dir"

status=0
"$DQ_BIN" ls --json --max-result-bytes 2000000 "$S" >"$WORK/out" 2>"$WORK/err" || status=$?
check "exit status is 1" test "$status" -eq 1
expect_line() {
    local name="$1" path="$2" reason="$3"
    if grep -F -- "$path" "$WORK/err" | grep -qiE -- "$reason"; then ok "$name"; else not_ok "$name: no line naming $path with /$reason/"; fi
}
expect_line "empty file" "bad/empty.json" "empty"
expect_line "truncated JSON" "bad/truncated.json" "json|truncat|parse"
expect_line "truncated gzip" "bad/truncated_gzip.json.gz" "gzip|truncat"
expect_line "gzip with trailing garbage" "bad/trailing_garbage.json.gz" "trailing|garbage"
expect_line "gzip past the cap" "bad/big.json.gz" "2000000|cap|larger"
expect_line "nesting too deep" "bad/deep.json" "nest|deep"
expect_line "invalid UTF-8" "bad/latin1.json" "utf-8"
expect_line "status a number" "bad/status_number.json" "status"
expect_line "issues not an array" "bad/issues_object.json" "issues"
expect_line "run_time not a time" "bad/run_time_text.json" "run_time"
expect_line "symlink loop" "bad/loop_" "loop|too many|symbolic"
expect_line "symlink out of the tree" "bad/escape.json" "outside|leaves|out of"
expect_line "directory symlink out of the tree" "bad/escape_dir" "outside|leaves|out of"
expect_line "archive member with an absolute path" "absolute.tar" "absolute|unsafe"
expect_line "archive member with .." "dotdot.tar" "\.\.|unsafe"
check "the conflicting run_id is warned with both paths" \
    grep -qE "customer_accounts_daily_20240307_184707_18bd0120.*(good/customer_accounts_daily_20240307_184707_18bd0120.json.*zz_conflict|zz_conflict.*good/customer_accounts)" "$WORK/err"
check "the first path is the one used" grep -q "using $S/good/customer_accounts_daily_20240307_184707_18bd0120.json" "$WORK/err"
check "a non-result JSON file is a note, not an error" grep -qE "^dqbatch: note: .*settings.json" "$WORK/err"
check "the file outside the tree was not read" test "$(grep -c 'shipments_hourly_20240311_092052_4da1abf7' "$WORK/out")" -eq 1
check "NaN and 2^60 are read" grep -q '"run_id":"nan_and_big"' "$WORK/out"
check "every good result is listed once" test "$(wc -l <"$WORK/out")" -eq $((good + 2))
check "the summary counts the bad inputs" grep -qE "[0-9]+ bad" "$WORK/err"
check "no sanitizer or crash report" bash -c "! grep -qE 'AddressSanitizer|runtime error|Segmentation' '$WORK/err'"
# A path on the command line that does not exist is a mistake said before any work.
status=0
"$DQ_BIN" ls "$S" "$WORK/does-not-exist" 2>"$WORK/missing.err" >"$WORK/missing.out" || status=$?
check "a missing input fails" test "$status" -eq 1
check "the missing input is named" grep -q "does-not-exist: No such file" "$WORK/missing.err"
check "nothing is listed before the mistake is fixed" test ! -s "$WORK/missing.out"
finish

#!/usr/bin/env bash
# dqbatch restore: every file lands where truthound's StoreValidationResult would put it,
# byte for byte; round trips through directories and archives list the same records;
# nothing is overwritten.
source "$(dirname "$0")/lib/common.sh"
MANIFEST="$TRUTHOUND/manifest.json"
cd "$TRUTHOUND"

strip_paths() { $PY -c "
import json,sys
for l in sys.stdin:
    r=json.loads(l); r.pop('path'); print(json.dumps(r,sort_keys=True))"; }
"$DQ_BIN" ls --json store 2>/dev/null | strip_paths >"$WORK/want"

for layout in date checkpoint status none; do
    out="$WORK/by_$layout"
    "$DQ_BIN" restore store -o "$out" --partition-by $layout 2>"$WORK/err_$layout"
    check "restore --partition-by $layout places every file as truthound would" $PY -c "
import hashlib,json,os,sys
m=json.load(open('$MANIFEST'))
layout='$layout'
problems=[]
for e in m['entries']:
    part={'date': e['run_time'][:10].replace('-','/'), 'checkpoint': e['checkpoint_name'],
          'status': e['status'], 'none': ''}[layout]
    name=e['run_id']+'.'+e['format']+('.gz' if e['path'].endswith('.gz') else '')
    path=os.path.join('$out', part, name)
    if not os.path.exists(path):
        problems.append('missing '+path); continue
    if hashlib.sha256(open(path,'rb').read()).hexdigest()!=e['sha256']:
        problems.append('changed '+path)
files=sum(len(f) for _,_,f in os.walk('$out'))
if files!=len(m['entries']): problems.append('%d files written'%files)
print('\n'.join(problems[:10])); sys.exit(1 if problems else 0)"
    "$DQ_BIN" ls --json "$out" 2>/dev/null | strip_paths >"$WORK/got_$layout"
    check "ls of the $layout restore gives the same records" cmp -s "$WORK/want" "$WORK/got_$layout"
done

"$DQ_BIN" restore store -o "$WORK/by_checkpoint" --partition-by checkpoint 2>"$WORK/again.err"
check "restoring again is a no-op that succeeds" contains "$WORK/again.err" "0 written, 80 already there, 0 failed"

victim="$WORK/by_status/warning/customer_accounts_daily_20240307_184707_18bd0120.json"
echo '{"tampered": true}' >"$victim"
expect_status 1 "a different file at a target path is an error" \
    "$DQ_BIN" restore store -o "$WORK/by_status" --partition-by status 2>"$WORK/conflict.err"
check "the conflict names the path" contains "$WORK/conflict.err" "$victim: a different file is already there"
check "the different file is not overwritten" contains "$victim" "tampered"

"$DQ_BIN" restore store -o "$WORK/gz" --partition-by none --compress 2>/dev/null
check "--compress gzips every JSON result" test "$(find "$WORK/gz" -name '*.json.gz' | wc -l)" -eq "$(find "$WORK/gz" -name '*.json*' | wc -l)"
check "--compress writes gzip bytes" $PY -c "
import glob,sys
files=glob.glob('$WORK/gz/*.json.gz')
sys.exit(0 if files and all(open(f,'rb').read(2)==b'\x1f\x8b' for f in files) else 1)"
"$DQ_BIN" ls --json "$WORK/gz" 2>/dev/null | strip_paths >"$WORK/got_gz"
check "ls of the compressed restore gives the same records" cmp -s "$WORK/want" "$WORK/got_gz"

for archive in out.tar out.tar.gz out.zip; do
    "$DQ_BIN" restore store -o "$WORK/$archive" --partition-by checkpoint 2>/dev/null
    "$DQ_BIN" ls --json "$WORK/$archive" 2>/dev/null | strip_paths >"$WORK/got_$archive"
    check "restore into $archive round-trips" cmp -s "$WORK/want" "$WORK/got_$archive"
done
expect_status 1 "an existing archive is not overwritten" "$DQ_BIN" restore store -o "$WORK/out.zip" 2>/dev/null

"$DQ_BIN" restore store -o "$WORK/some" --checkpoint 'shipments_*' --status failure 2>/dev/null
check "restore writes only the selected results" test "$(find "$WORK/some" -type f | wc -l)" -eq \
    "$($PY -c "import json; print(sum(1 for e in json.load(open('$MANIFEST'))['entries'] if e['checkpoint_name']=='shipments_hourly' and e['status']=='failure'))")"

# A checkpoint name that would climb out of the output is refused, never written.
mkdir -p "$WORK/evil"
$PY - "$WORK/evil" <<'PY'
import json,sys
doc={"run_id":"escape_1","checkpoint_name":"../../escaped","run_time":"2024-03-01T00:00:00",
     "status":"success","validation_run":None,"action_results":[],"data_asset":"x",
     "duration_ms":1.0,"error":None,"metadata":{}}
open(sys.argv[1]+"/escape_1.json","w").write(json.dumps(doc))
PY
expect_status 1 "a checkpoint name with .. is refused in checkpoint layout" \
    "$DQ_BIN" restore "$WORK/evil" -o "$WORK/evil_out" --partition-by checkpoint 2>"$WORK/evil.err"
check "the refusal names the file" contains "$WORK/evil.err" "escape_1.json"
check "nothing escaped" test ! -e "$(dirname "$WORK")/escaped"
expect_status 2 "a bad --partition-by is a usage error" "$DQ_BIN" restore store -o "$WORK/x" --partition-by weekly
expect_status 2 "restore needs -o" "$DQ_BIN" restore store
finish

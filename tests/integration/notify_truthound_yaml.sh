#!/bin/bash
# dqbatch notify with truthound's own checkpoint YAML: each result gets the actions of its
# checkpoint, results of checkpoints the file does not name are reported and skipped,
# teams/opsgenie entries (which truthound's loader drops) are run, class defaults of
# notify_on apply, ${VAR:-default} is expanded, and store_result writes files that read
# back as the same documents.
set -euo pipefail
: "${DQ_BIN:?}" "${DQ_SERVERS:?}" "${DQ_FIXTURES:?}"
PY=/usr/bin/python3
source "$(dirname "$0")/lib/servers.sh"
work=$(mktemp -d)
servers_trap "$work"

start_http_receiver "$work"
export DQ_IT_BASE="http://127.0.0.1:$(wait_port "$work/http.port")"
unset DQ_IT_UNSET || true

cat > "$work/truthound.yaml" <<'YAML'
checkpoints:
- name: shipments_hourly
  data_source: warehouse/shipments.parquet
  validators: ['null', unique, range]
  actions:
  - {type: store_result, store_path: '${DQ_IT_STORE}', partition_by: checkpoint, compress: true}
  - type: teams
    webhook_url: ${DQ_IT_BASE}/teams/hook
    notify_on: always
    rate_limit: {per_second: 1000}
  - type: webhook
    url: ${DQ_IT_BASE}/webhook/${DQ_IT_UNSET:-shipments}
    include_full_result: false
    rate_limit: {per_second: 1000}
- name: customer_accounts_daily
  actions:
  - type: opsgenie
    api_key: k
    api_base_url: ${DQ_IT_BASE}/opsgenie
    rate_limit: {per_second: 1000}
YAML
export DQ_IT_STORE="$work/restored"

set +e
"$DQ_BIN" notify "$DQ_FIXTURES/truthound/store" -c "$work/truthound.yaml" --quiet 2> "$work/err"
rc=$?
set -e
[ "$rc" = 0 ] || { cat "$work/err"; exit 1; }
# Results of checkpoints the file does not name are reported, each with its count.
grep -q 'checkpoint "app_reviews_quality" is not in .*truthound.yaml: [0-9]* results skipped' "$work/err"
grep -q 'checkpoint "card_transactions_critical" is not in' "$work/err"
! grep -q 'checkpoint "shipments_hourly" is not in' "$work/err"

$PY - "$work" "$DQ_FIXTURES/truthound" <<'PY'
import collections, glob, gzip, json, os, sys
import yaml  # python3-yaml: some fixture results are stored as YAML
work, fixtures = sys.argv[1], sys.argv[2]
got = collections.defaultdict(list)
for line in open(f"{work}/http.log"):
    r = json.loads(line)
    got[r["path"]].append(json.loads(r["body"]))
hooks = got["/webhook/shipments"]
assert hooks and all(b["checkpoint"] == "shipments_hourly" for b in hooks), hooks
assert len(got["/teams/hook"]) == len(hooks)  # notify_on: always, one card per result
# OpsGenie keeps its class default notify_on (failure_or_error): warning runs send nothing.
manifest = json.load(open(f"{fixtures}/manifest.json"))
runs = {e["run_id"]: e for e in manifest["entries"]}
ca = [e for e in runs.values() if e["checkpoint_name"] == "customer_accounts_daily"]
want = sum(1 for e in ca if e["status"] in ("failure", "error"))
assert len(got["/opsgenie/v2/alerts"]) == want, (len(got["/opsgenie/v2/alerts"]), want)
# store_result wrote each shipments result, gzipped, readable as the same document.
stored = glob.glob(f"{work}/restored/shipments_hourly/*.json.gz")
assert len(stored) == len(hooks), (len(stored), len(hooks))
for path in stored:
    run_id = os.path.basename(path)[:-len(".json.gz")]
    doc = json.load(gzip.open(path))
    src = f"{fixtures}/store/{runs[run_id]['path']}"
    raw = open(src, "rb").read()
    text = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    orig = yaml.safe_load(text) if ".yaml" in src or ".yml" in src else json.loads(text)
    assert doc == orig, run_id
print(f"{len(hooks)} shipments results, {want} opsgenie alerts, {len(stored)} stored")
PY
echo "notify truthound yaml: ok"

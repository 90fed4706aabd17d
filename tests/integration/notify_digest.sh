#!/bin/bash
# dqbatch notify --digest (outage mode) over the whole fixture store: one Slack message per
# checkpoint summing up its runs, one PagerDuty event per dedup key carrying the latest
# state, and the webhook (not digested) once per result. A re-run with the journal sends
# nothing again.
set -euo pipefail
: "${DQ_BIN:?}" "${DQ_SERVERS:?}" "${DQ_FIXTURES:?}"
PY=/usr/bin/python3
source "$(dirname "$0")/lib/servers.sh"
work=$(mktemp -d)
servers_trap "$work"

start_http_receiver "$work"
port=$(wait_port "$work/http.port")
base="http://127.0.0.1:$port"

cat > "$work/dq.yaml" <<YAML
actions:
  - type: slack
    webhook_url: $base/slack/services/T0/B0/XYZ123
    notify_on: always
    rate_limit: {per_second: 1000, burst: 100}
  - type: pagerduty
    routing_key: R0UT1NGKEY
    api_endpoint: $base/pagerduty/v2/enqueue
    notify_on: always
    rate_limit: {per_second: 1000, burst: 100}
  - type: webhook
    url: $base/webhook
    include_full_result: false
    rate_limit: {per_second: 1000, burst: 100}
YAML

"$DQ_BIN" notify "$DQ_FIXTURES/truthound/store" -c "$work/dq.yaml" --digest \
    --journal "$work/journal" --quiet 2> "$work/err" || { cat "$work/err"; exit 1; }

$PY - "$work/http.log" <<'PY'
import collections, json, re, sys
got = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    got[r["path"].split("/")[1]].append(json.loads(r["body"]))
runs = got["webhook"]  # one per result: the truth the digests must sum up
assert len(runs) > 20, len(runs)
assert len({r["run_id"] for r in runs}) == len(runs)
by_cp = collections.defaultdict(list)
for r in runs:
    by_cp[r["checkpoint"]].append(r)
latest = lambda rs: max(rs, key=lambda r: (r["run_time"], r["run_id"]))

slack = got["slack"]
assert len(slack) == len(by_cp), (len(slack), sorted(by_cp))
for msg in slack:
    text = msg["attachments"][0]["blocks"][0]["text"]["text"]
    m = re.match(r"Digest of (\d+) runs? of '(.+)' from .* to .*: (.*)\. Latest: (\w+) \((.+)\)$", text)
    assert m, text
    n, cp, counts, status, run_id = m.groups()
    rs = by_cp[cp]
    assert int(n) == len(rs), (cp, n, len(rs))
    want = collections.Counter(r["status"] for r in rs)
    have = {s: int(c) for c, s in (x.split(" ") for x in counts.split(", "))}
    assert have == dict(want), (cp, have, want)
    assert run_id == latest(rs)["run_id"] and status == latest(rs)["status"].upper(), text

by_key = collections.defaultdict(list)
for r in runs:
    by_key[f"{r['checkpoint']}_{r['data_asset']}"].append(r)
pd = got["pagerduty"]
assert len(pd) == len(by_key), (len(pd), len(by_key))
for ev in pd:
    last = latest(by_key[ev["dedup_key"]])
    want = "resolve" if last["status"] == "success" else "trigger"
    assert ev["event_action"] == want, (ev["dedup_key"], ev["event_action"], last["status"])
    if want == "trigger":
        assert ev["payload"]["custom_details"]["run_id"] == last["run_id"]
print(f"{len(runs)} results: {len(slack)} slack digests, {len(pd)} pagerduty events")
PY

lines=$(wc -l < "$work/http.log")
"$DQ_BIN" notify "$DQ_FIXTURES/truthound/store" -c "$work/dq.yaml" --digest \
    --journal "$work/journal" --quiet 2> "$work/err2" || { cat "$work/err2"; exit 1; }
[ "$(wc -l < "$work/http.log")" = "$lines" ] || { echo "digest re-run sent again" >&2; exit 1; }
echo "notify digest: ok"

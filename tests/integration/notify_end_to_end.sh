#!/bin/bash
# dqbatch notify end to end: every action type from truthound's recorded constructor
# arguments, sent to loopback servers (an HTTP receiver standing in for each provider, an
# SMTP server with STARTTLS and AUTH, a recording shell command), and each delivery
# compared with what truthound sent for the same stored result. Then: a re-run with the
# journal sends nothing, --dry-run sends nothing and shows no secret, a result full of
# shell metacharacters runs nothing but the command, and a bad config sends nothing.
set -euo pipefail
: "${DQ_BIN:?}" "${DQ_SERVERS:?}" "${DQ_FIXTURES:?}" "${DQ_SOURCE_DIR:?}"
PY=/usr/bin/python3
source "$(dirname "$0")/lib/servers.sh"
work=$(mktemp -d)
servers_trap "$work"

# Servers.
start_http_receiver "$work"
make_cert "$work"
serve $PY "$DQ_SOURCE_DIR/tests/servers/smtp_server.py" --port-file "$work/smtp.port" \
    --log "$work/smtp.log" --cert "$work/cert.pem" --key "$work/key.pem" \
    --user dq-alerts@example.com --password fixture-password
http_port=$(wait_port "$work/http.port")
smtp_port=$(wait_port "$work/smtp.port")

# A store of three results: failure, error, success.
store="$work/store"
mkdir -p "$store"
cp "$DQ_FIXTURES/truthound/store/by_checkpoint/shipments_hourly/shipments_hourly_20240322_183709_abddf923.json.gz" \
   "$DQ_FIXTURES/truthound/store/by_status/error/app_reviews_quality_20240319_060045_79296ca4.json" \
   "$DQ_FIXTURES/truthound/store/by_status/success/card_transactions_critical_20240313_002521_1220b238.json" \
   "$store/"

# The recording command of the custom action: stdin and TRUTHOUND_* per run.
cat > "$work/record.sh" <<'SH'
#!/bin/sh
out="$RECORD_DIR/$TRUTHOUND_RUN_ID"
cat > "$out.stdin"
env | grep -E '^(TRUTHOUND_|DQ_ENV=)' | sort > "$out.env"
SH
chmod +x "$work/record.sh"
mkdir -p "$work/records"
export RECORD_DIR="$work/records"

# The config: truthound's recorded keyword arguments, pointed at the loopback servers.
$PY - "$DQ_FIXTURES/truthound/payloads" "$http_port" "$smtp_port" "$work" > "$work/dq.json" <<'PY'
import json, sys
payloads, http, smtp, work = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
base = f"http://127.0.0.1:{http}"
def kw(name):
    return json.load(open(f"{payloads}/{name}"))["constructor_kwargs"]
actions = []
def add(type_, args, **over):
    a = dict(args); a.update(over); a["type"] = type_
    a["rate_limit"] = {"per_second": 1000, "burst": 100}
    actions.append(a)
add("slack", kw("slack__failure.json"),
    webhook_url=f"{base}/slack/services/T0FIXTURE/B0FIXTURE/abcdefFIXTURE")
add("teams", kw("teams__failure.json"), webhook_url=f"{base}/teams/webhookb2/fixture")
add("discord", kw("discord__failure.json"), webhook_url=f"{base}/discord/api/webhooks/1/t")
add("telegram", kw("telegram__failure.json"), api_base_url=f"{base}/telegram")
add("pagerduty", kw("pagerduty_trigger__failure.json"), api_endpoint=f"{base}/pagerduty/v2/enqueue")
add("opsgenie", kw("opsgenie_create__failure.json"), api_base_url=f"{base}/opsgenie")
add("webhook", kw("webhook_default__failure.json"), url=f"{base}/webhook/dq/events")
add("github", kw("github__failure.json"), api_url=f"{base}/github")
add("custom", kw("custom_shell__failure.json"), shell_command=f"{work}/record.sh")
add("email", kw("email_smtp__failure.json"), smtp_port=int(smtp), use_tls=True,
    ca_file=f"{work}/cert.pem", smtp_host="127.0.0.1")
json.dump({"actions": actions}, sys.stdout, indent=1)
PY

export GITHUB_OUTPUT="$work/gh_output.txt" GITHUB_STEP_SUMMARY="$work/gh_summary.md"
export GITHUB_TOKEN=ghs_fixtureTokenFixtureToken GITHUB_REPOSITORY=acme/dq-pipelines
export GITHUB_SHA=89abcdef0123456789abcdef0123456789abcdef

"$DQ_BIN" check-config "$work/dq.json" > "$work/check.out"
grep -q "10 actions (dqbatch form)" "$work/check.out"

"$DQ_BIN" notify "$store" -c "$work/dq.json" --journal "$work/journal" --report "$work/report.json" \
    --quiet 2> "$work/notify.err" || { cat "$work/notify.err"; exit 1; }

# Every delivery against truthound's payload for the same result.
$PY - "$DQ_FIXTURES/truthound/payloads" "$work" <<'PY'
import collections, email, json, os, sys
from email import policy
payloads, work = sys.argv[1], sys.argv[2]
got = collections.defaultdict(list)
for line in open(f"{work}/http.log"):
    r = json.loads(line)
    got[r["path"].split("/")[1]].append(r)

def strip_lines(s):
    return "\n".join(l.lstrip(" ") for l in s.split("\n"))

def adjust(prefix, body):
    if prefix == "discord":  # send time, and truthound's stray spaces (README: Differences from truthound)
        e = body["embeds"][0]; e.pop("timestamp", None); e["title"] = e["title"].lstrip(" ")
        for f in e.get("fields", []): f["value"] = strip_lines(f["value"])
    return body

def expect(prefix, names, header=None):
    want = [adjust(prefix, json.load(open(f"{payloads}/{n}"))["requests"][0]["body_json"]) for n in names]
    have = [adjust(prefix, json.loads(r["body"])) for r in got[prefix]]
    key = lambda b: json.dumps(b, sort_keys=True)
    assert sorted(map(key, want)) == sorted(map(key, have)), (prefix, have, want)
    for r in got[prefix]:
        h = {k.lower(): v for k, v in r["headers"].items()}
        assert h.get("content-type") == "application/json", (prefix, h)
        if header:
            assert h.get(header[0].lower()) == header[1], (prefix, h)

for prefix in ("slack", "teams", "discord", "telegram"):
    expect(prefix, [f"{prefix}__failure.json", f"{prefix}__error.json", f"{prefix}__success.json"])
expect("pagerduty", ["pagerduty_trigger__failure.json", "pagerduty_trigger__error.json",
                     "pagerduty_resolve__success.json"])
expect("opsgenie", ["opsgenie_create__failure.json", "opsgenie_create__error.json",
                    "opsgenie_close__success.json"],
       ("Authorization", "GenieKey 00000000-f1x7-0000-0000-000000000000"))
# The server shows the path decoded; the unit test checks the alias is percent-encoded.
paths = sorted(r["path"] for r in got["opsgenie"])
assert paths == ["/opsgenie/v2/alerts"] * 2 + [
    "/opsgenie/v2/alerts/truthound_card_transactions_critical_"
    "s3://fin-lake/transactions/2024/card_tx.parquet/close"], paths
expect("webhook", ["webhook_default__failure.json", "webhook_default__error.json",
                   "webhook_default__success.json"], ("Authorization", "Bearer fixture-token"))
assert all(r["headers"].get("X-Source") == "dq-fixture" for r in got["webhook"])
gh = [json.loads(r["body"]) for r in got["github"]]
assert len(gh) == 6, len(gh)  # a check run and a PR comment per result
want = [json.load(open(f"{payloads}/github__{s}.json")) for s in ("failure", "error", "success")]
for w in want:
    for req in w["requests"]:
        assert req["body_json"] in gh, req["body_json"]
outputs = open(f"{work}/gh_output.txt").read()
for w in want:
    assert w["GITHUB_OUTPUT_written"] in outputs
    assert w["GITHUB_STEP_SUMMARY_written"] in open(f"{work}/gh_summary.md").read()

# custom: environment and standard input
for s in ("failure", "error", "success"):
    w = json.load(open(f"{payloads}/custom_shell__{s}.json"))
    run_id = w["input"]["run_id"]
    env = dict(l.rstrip("\n").split("=", 1) for l in open(f"{work}/records/{run_id}.env"))
    for k, v in w["shell"]["environment_added_by_truthound"].items():
        assert env.get(k) == v, (k, env.get(k), v)
    assert env["DQ_ENV"] == "fixture"
    assert json.load(open(f"{work}/records/{run_id}.stdin")) == json.loads(w["shell"]["stdin"])

# email: STARTTLS and AUTH, envelope, headers, both parts
mails = [json.loads(l) for l in open(f"{work}/smtp.log")]
assert len(mails) == 3, len(mails)
w = json.load(open(f"{payloads}/email_smtp__failure.json"))["smtp_transactions"][0]["data"]
want = email.message_from_string(w, policy=policy.default)
for m in mails:
    assert m["tls"] and m["auth_user"] == "dq-alerts@example.com", m
    assert m["rcpt_tos"] == ["data-team@example.com", "oncall@example.com", "audit@example.com"]
    msg = email.message_from_string(m["data"], policy=policy.default)
    assert msg["Date"] and msg["Message-ID"], msg.keys()
    if "shipments_hourly" in msg["Subject"]:
        for h in ("Subject", "From", "To", "Cc"):
            assert str(msg[h]) == str(want[h]), (h, msg[h], want[h])
        parts = [p.get_content() for p in msg.iter_parts()]
        wparts = [p.get_content() for p in want.iter_parts()]
        assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
        assert [p.rstrip("\n") for p in parts] == [p.rstrip("\n") for p in wparts]
report = json.load(open(f"{work}/report.json"))
print("compared", sum(len(v) for v in got.values()), "HTTP requests and", len(mails), "emails")
PY

# A re-run with the journal sends nothing twice.
lines=$(wc -l < "$work/http.log")
mails=$(wc -l < "$work/smtp.log")
"$DQ_BIN" notify "$store" -c "$work/dq.json" --journal "$work/journal" --quiet 2> "$work/rerun.err"
[ "$(wc -l < "$work/http.log")" = "$lines" ] || { echo "re-run sent again" >&2; exit 1; }
[ "$(wc -l < "$work/smtp.log")" = "$mails" ] || { echo "re-run mailed again" >&2; exit 1; }

# --dry-run prints the requests without secrets and sends nothing.
"$DQ_BIN" notify "$store" -c "$work/dq.json" --dry-run --quiet > "$work/dry.out" 2> "$work/dry.err"
[ "$(wc -l < "$work/http.log")" = "$lines" ] || { echo "dry run sent" >&2; exit 1; }
grep -q "hooks\|slack" "$work/dry.out"
for secret in abcdefFIXTURE AAFixtureTokenFixtureToken R0UT1NGKEYF1XTURE 00000000-f1x7 \
              fixture-token ghs_fixtureToken fixture-password; do
    if grep -q -- "$secret" "$work/dry.out" "$work/dry.err"; then
        echo "dry run shows secret $secret" >&2; exit 1
    fi
done

# A result whose strings hold shell metacharacters runs nothing but the command.
evil="$work/evil"
mkdir -p "$evil"
$PY - "$store/app_reviews_quality_20240319_060045_79296ca4.json" "$work" > "$evil/evil.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); w = sys.argv[2]
d["run_id"] = f"evil_$(touch {w}/PWNED1)_`touch {w}/PWNED2`;touch {w}/PWNED3"
d["checkpoint_name"] = f"cp;touch {w}/PWNED4"
d["data_asset"] = f"$(touch {w}/PWNED5)"
json.dump(d, sys.stdout)
PY
cat > "$work/evil.yaml" <<YAML
actions:
  - type: custom
    shell_command: 'printf %s "\$TRUTHOUND_RUN_ID" > $work/evil_run_id; cat > $work/evil_stdin'
YAML
"$DQ_BIN" notify "$evil" -c "$work/evil.yaml" --quiet 2> "$work/evil.err" || { cat "$work/evil.err"; exit 1; }
ls "$work"/PWNED* 2>/dev/null && { echo "a result string was run" >&2; exit 1; }
grep -qF '$(touch' "$work/evil_run_id"
grep -qF '`touch' "$work/evil_stdin"

# A bad config is reported with file, line and key, and nothing is sent.
cat > "$work/bad.yaml" <<YAML
actions:
  - type: slack
    webhook_url: http://hooks.slack.com/services/x
    chanel: '#x'
YAML
set +e
"$DQ_BIN" notify "$store" -c "$work/bad.yaml" 2> "$work/bad.err"
rc=$?
"$DQ_BIN" check-config "$work/bad.yaml" > /dev/null 2> "$work/bad_check.err"
rc_check=$?
set -e
[ "$rc" = 2 ] && [ "$rc_check" = 2 ] || { echo "bad config: exit $rc / $rc_check" >&2; exit 1; }
grep -q "bad.yaml:3: webhook_url: must start with https://hooks.slack.com/" "$work/bad.err"
grep -q "bad.yaml:4: chanel: unknown key for a slack action" "$work/bad.err"
grep -q "bad.yaml:4: chanel" "$work/bad_check.err"
[ "$(wc -l < "$work/http.log")" = "$lines" ]
echo "notify end to end: ok"

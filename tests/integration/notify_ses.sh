#!/bin/bash
# Email through Amazon SES's v2 HTTP API: the body SES expects, and a SigV4 signature
# (made by libcurl) that checks out when recomputed here from the request as received.
set -euo pipefail
: "${DQ_BIN:?}" "${DQ_SERVERS:?}" "${DQ_FIXTURES:?}"
PY=/usr/bin/python3
source "$(dirname "$0")/lib/servers.sh"
work=$(mktemp -d)
servers_trap "$work"

start_http_receiver "$work"
port=$(wait_port "$work/http.port")

cat > "$work/ses.yaml" <<YAML
actions:
  - type: email
    provider: ses
    aws_region: eu-west-1
    api_endpoint: http://127.0.0.1:$port/v2/email/outbound-emails
    from_address: dq-alerts@example.com
    to_addresses: [data-team@example.com]
    cc_addresses: [audit@example.com]
    notify_on: always
YAML
export AWS_ACCESS_KEY_ID=AKIDEXAMPLEFIXTURE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+fixture
unset AWS_SESSION_TOKEN || true
"$DQ_BIN" notify "$DQ_FIXTURES/truthound/store/by_checkpoint/shipments_hourly/shipments_hourly_20240322_183709_abddf923.json.gz" \
    -c "$work/ses.yaml" --quiet 2> "$work/err" || { cat "$work/err"; exit 1; }

$PY - "$work/http.log" "$AWS_SECRET_ACCESS_KEY" <<'PY'
import hashlib, hmac, json, sys
reqs = [json.loads(l) for l in open(sys.argv[1])]
assert len(reqs) == 1, len(reqs)
r = reqs[0]
secret = sys.argv[2]
body = json.loads(r["body"])
assert body["FromEmailAddress"] == "dq-alerts@example.com"
assert body["Destination"] == {"ToAddresses": ["data-team@example.com"],
                               "CcAddresses": ["audit@example.com"]}
simple = body["Content"]["Simple"]
assert simple["Subject"] == {"Data": "[Truthound] FAILURE - shipments_hourly", "Charset": "UTF-8"}
assert simple["Body"]["Text"]["Data"].startswith("Checkpoint: shipments_hourly\nStatus: FAILURE\n")
assert "<!DOCTYPE html>" in simple["Body"]["Html"]["Data"]
h = {k.lower(): v for k, v in r["headers"].items()}
auth = h["authorization"]
assert auth.startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLEFIXTURE/"), auth
fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
akid, date, region, service, term = fields["Credential"].split("/")
assert (region, service, term) == ("eu-west-1", "ses", "aws4_request"), fields
signed = fields["SignedHeaders"].split(";")
canonical = "\n".join([
    r["method"], r["path"], "",
    "".join(f"{n}:{' '.join(h[n].split())}\n" for n in signed),
    ";".join(signed),
    hashlib.sha256(r["body"].encode()).hexdigest()])
amz_date = h["x-amz-date"]
to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, f"{date}/{region}/{service}/{term}",
                     hashlib.sha256(canonical.encode()).hexdigest()])
k = ("AWS4" + secret).encode()
for part in (date, region, service, term):
    k = hmac.new(k, part.encode(), hashlib.sha256).digest()
want = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
assert fields["Signature"] == want, (fields["Signature"], want, canonical)
print("SES request signed correctly:", fields["SignedHeaders"])
PY
echo "notify ses: ok"

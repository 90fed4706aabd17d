#!/bin/bash
# Email over SMTPS (TLS from the first byte) with AUTH, checked on the server; then a
# wrong password, which must fail, be named on stderr with the server's reply, and make
# the exit status 1.
set -euo pipefail
: "${DQ_BIN:?}" "${DQ_FIXTURES:?}" "${DQ_SOURCE_DIR:?}"
PY=/usr/bin/python3
work=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
$PY "$DQ_SOURCE_DIR/tests/servers/smtp_server.py" --port-file "$work/smtp.port" \
    --log "$work/smtp.log" --cert "$work/cert.pem" --key "$work/key.pem" --smtps \
    --user alerts@example.com --password right-password &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/smtp.port" ] && break; sleep 0.1; done
port=$(cat "$work/smtp.port")
result="$DQ_FIXTURES/truthound/store/flat/contrôle_fournisseurs_20240328_132822_49c0ab75.json"

write_config() {
    cat > "$work/email.yaml" <<YAML
actions:
  - type: email
    smtp_host: 127.0.0.1
    smtp_port: $port
    use_ssl: true
    ca_file: $work/cert.pem
    smtp_user: alerts@example.com
    smtp_password: $1
    from_address: alerts@example.com
    to_addresses: [team@example.com]
    subject_template: '{status}: {checkpoint} ({run_id})'
    retry_count: 0
YAML
}

write_config right-password
"$DQ_BIN" notify "$result" -c "$work/email.yaml" --quiet 2> "$work/err" || { cat "$work/err"; exit 1; }
$PY - "$work/smtp.log" <<'PY'
import email, json, sys
from email import policy
mails = [json.loads(l) for l in open(sys.argv[1])]
assert len(mails) == 1, mails
m = mails[0]
assert m["tls"] and m["auth_user"] == "alerts@example.com", m
msg = email.message_from_string(m["data"], policy=policy.default)
assert str(msg["Subject"]) == "FAILURE: contrôle_fournisseurs (contrôle_fournisseurs_20240328_132822_49c0ab75)", msg["Subject"]
text, html = [p.get_content() for p in msg.iter_parts()]
assert "Checkpoint: contrôle_fournisseurs\n" in text and "Rows: 41,335" in text, text
assert "contrôle_fournisseurs" in html
print("SMTPS with AUTH: ok")
PY

write_config wrong-password
set +e
"$DQ_BIN" notify "$result" -c "$work/email.yaml" --quiet 2> "$work/err2"
rc=$?
set -e
[ "$rc" = 1 ] || { echo "wrong password: exit $rc" >&2; cat "$work/err2"; exit 1; }
grep -q "535" "$work/err2" || { cat "$work/err2"; exit 1; }
! grep -q "wrong-password" "$work/err2"
[ "$(wc -l < "$work/smtp.log")" = 1 ]
echo "notify email tls: ok"

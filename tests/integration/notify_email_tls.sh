#!/bin/bash
# Email over SMTPS (TLS from the first byte) with AUTH, checked on the server; then a
# wrong password, which must fail, be named on stderr with the server's reply, and make
# the exit status 1.
set -euo pipefail
: "${DQ_BIN:?}" "${DQ_FIXTURES:?}" "${DQ_SOURCE_DIR:?}"
PY=/usr/bin/python3
source "$(dirname "$0")/lib/servers.sh"
work=$(mktemp -d)
servers_trap "$work"

make_cert "$work"
serve $PY "$DQ_SOURCE_DIR/tests/servers/smtp_server.py" --port-file "$work/smtp.port" \
    --log "$work/smtp.log" --cert "$work/cert.pem" --key "$work/key.pem" --smtps \
    --user alerts@example.com --password right-password
port=$(wait_port "$work/smtp.port")
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

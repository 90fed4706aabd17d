# The requests dqbatch sends to object storage are signed right: every one is checked by
# tests/servers/sigv4_check.py with botocore's signer as the reference (s3rver checks
# nothing). Listing, reading, writing, a session token, gs://, and a wrong secret, which
# stops with one message naming the bucket and no retries.
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/s3.sh"
s3_need_boto3

BUCKET=dq-signed
KEY=AKIDSIGNINGTEST01
SECRET='sig/Secret+Key=abcdefghij0123456789'
STORE="$TRUTHOUND/store"
SERVER_PID=

# start_server EXTRA...: a fresh server seeded with the fixture store under "results/".
start_server() {
    stop_server
    rm -f "$WORK/port" "$WORK/requests.log"
    $PY "$DQ_SOURCE_DIR/tests/servers/sigv4_check.py" --port-file "$WORK/port" --bucket "$BUCKET" \
        --access-key "$KEY" --secret "$SECRET" --log "$WORK/requests.log" \
        --seed "$STORE" --seed-prefix results "$@" &
    SERVER_PID=$!
    for _ in $(seq 200); do [ -s "$WORK/port" ] && break; sleep 0.05; done
    export AWS_ENDPOINT_URL="http://127.0.0.1:$(cat "$WORK/port")"
}
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}
trap 'stop_server; rm -rf "$WORK"' EXIT

requests() { wc -l <"$WORK/requests.log"; }
unverified() { grep -c '"verified": false' "$WORK/requests.log" || true; }

export AWS_ACCESS_KEY_ID="$KEY" AWS_SECRET_ACCESS_KEY="$SECRET" AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_S3_ADDRESSING_STYLE AWS_DEFAULT_REGION

start_server
"$DQ_BIN" ls --json "s3://$BUCKET/results" >"$WORK/ls.json" 2>"$WORK/ls.err"
check "ls through the verifying server: all 80" test "$(wc -l <"$WORK/ls.json")" -eq 80
check "every list and get request verified" test "$(unverified)" -eq 0 -a "$(requests)" -ge 81
"$DQ_BIN" restore "s3://$BUCKET/results/by_status" -o "s3://$BUCKET/written" --partition-by status \
    2>"$WORK/restore.err"
check "restore into the bucket: 20 written" contains "$WORK/restore.err" "20 written"
check "every put verified too" test "$(unverified)" -eq 0
"$DQ_BIN" ls "gs://$BUCKET/written" >"$WORK/gs.txt" 2>/dev/null
check "gs:// signs the same way" test "$(wc -l <"$WORK/gs.txt")" -eq 20 -a "$(unverified)" -eq 0

# A wrong secret: one request, one message naming the bucket, no secret in it.
AWS_SECRET_ACCESS_KEY='wrong/Secret+Key=zzzzzzzzzzzzzzzzzz' "$DQ_BIN" ls "s3://$BUCKET/results" \
    >"$WORK/denied.out" 2>"$WORK/denied.err" && not_ok "a wrong secret is accepted" ||
    ok "a wrong secret fails"
check "the server saw it fail verification" test "$(unverified)" -eq 1
check "the message names the bucket and the reason" \
    contains "$WORK/denied.err" "s3://$BUCKET: access denied"
check "the message says SignatureDoesNotMatch" contains "$WORK/denied.err" "SignatureDoesNotMatch"
check "one error line, no retry storm" test "$(grep -c 'error:' "$WORK/denied.err")" -eq 1
check "neither secret nor key id in the output" \
    bash -c "! grep -q -e 'wrong/Secret' -e '$SECRET' -e '$KEY' '$WORK/denied.err' '$WORK/denied.out'"

# A session token is sent and signed.
start_server --token 'IQoJb3JpZ2luX2VjE//token+odd=chars'
expect_status 1 "without the session token: denied" "$DQ_BIN" ls "s3://$BUCKET/results/flat" 2>/dev/null
AWS_SESSION_TOKEN='IQoJb3JpZ2luX2VjE//token+odd=chars' "$DQ_BIN" ls "s3://$BUCKET/results/flat" \
    >"$WORK/token.txt" 2>/dev/null
check "with the session token: all 20 of flat/" test "$(wc -l <"$WORK/token.txt")" -eq 20

# 503 SlowDown is retried with backoff.
start_server --fail-first 4
"$DQ_BIN" ls "s3://$BUCKET/results/flat" >"$WORK/slow.txt" 2>"$WORK/slow.err"
check "after four 503 SlowDown answers: all 20" test "$(wc -l <"$WORK/slow.txt")" -eq 20
check "the 503s were answered" test "$(grep -c '"status": 503' "$WORK/requests.log")" -eq 4

finish

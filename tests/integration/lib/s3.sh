# Shared by the scripts that use object storage (sourced after common.sh).
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

# Debian's python3-boto3: the reference signer and an independent client. Installed when
# missing (as root); when that is impossible the script fails loudly, never skips.
s3_need_boto3() {
    if ! $PY -c 'import botocore' 2>/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-boto3 >/dev/null 2>&1 || true
    fi
    $PY -c 'import boto3' || {
        echo "not ok - python3-boto3 is needed and could not be installed"
        exit 1
    }
}

# A free TCP port on loopback.
s3_free_port() {
    $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# s3rver_start BUCKET [OPTION...]: s3rver (installed by scripts/install-s3rver.sh) on a
# free loopback port with BUCKET made, its files in $WORK/s3 and its output in
# $WORK/s3rver.log, stopped on exit; AWS_* point at it with its fixed credentials.
s3rver_start() {
    local s3rver bucket="$1" port
    shift
    s3rver="$("$DQ_SOURCE_DIR/scripts/install-s3rver.sh")" || {
        echo "not ok - s3rver could not be installed (npm registry unreachable?)"
        exit 1
    }
    port="$(s3_free_port)"
    mkdir -p "$WORK/s3"
    servers_trap "$WORK"
    # s3rver's continuation tokens use DES, which Node 20's OpenSSL 3 only has as legacy.
    NODE_OPTIONS=--openssl-legacy-provider serve "$s3rver" -d "$WORK/s3" -a 127.0.0.1 \
        -p "$port" --configure-bucket "$bucket" "$@" >"$WORK/s3rver.log" 2>&1
    for _ in $(seq 100); do
        $PY -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null && break
        sleep 0.1
    done
    export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=S3RVER \
        AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
    unset AWS_SESSION_TOKEN AWS_S3_ADDRESSING_STYLE AWS_DEFAULT_REGION
}

# Shared by the s3_*.sh scripts (sourced after common.sh).

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

#!/usr/bin/env bash
# bench/s3: `dqbatch ls --json` over N synthetic results (default 20,000) kept as objects
# in s3rver on loopback, against the same command over the same files on disk. Objects
# per second for both. The bucket is filled once (with boto3, 16 uploads at a time) and
# kept in the cache directory for later runs.
#
#   bench/s3.sh [N]          (JOBS, DQ_BUILD, DQ_BENCH_CACHE: see bench/lib.sh)
#
# s3rver is one Node process that reads every object from its own disk store, so the
# bucket figure measures dqbatch and s3rver together: it is the rate a fast S3-compatible
# server on the same machine would at least give.
#
# Prints the figures, then one result line.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

n=${1:-20000}
bench_need "$DQ_BIN" "$DQ_GEN_STORE"
store=$(bench_store "$n")
s3rver=$("$bench_root/scripts/install-s3rver.sh") || bench_die "s3rver could not be installed"
/usr/bin/python3 -c 'import boto3' 2>/dev/null ||
    bench_die "python3-boto3 is needed to fill the bucket (scripts/install-deps.sh)"
data="$cache/dqbench-s3-$n"
work=$(mktemp -d)
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# s3rver's continuation tokens use DES, which Node 20's OpenSSL 3 only has as legacy.
NODE_OPTIONS=--openssl-legacy-provider "$s3rver" -d "$data" -a 127.0.0.1 -p "$port" \
    --configure-bucket bench --silent >"$work/s3rver.log" 2>&1 &
s3rver_pid=$!
trap 'kill "$s3rver_pid" 2>/dev/null; wait "$s3rver_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do
    /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" \
        2>/dev/null && break
    sleep 0.1
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=S3RVER \
    AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1
unset AWS_SESSION_TOKEN AWS_S3_ADDRESSING_STYLE

if [ "$(cat "$data/.filled" 2>/dev/null)" != "$store" ]; then
    echo "uploading $n results to the bucket (once; later runs reuse it)" >&2
    /usr/bin/python3 - "$store" <<'EOF' || bench_die "filling the bucket failed"
import os, sys
from concurrent.futures import ThreadPoolExecutor
import boto3, botocore.config
store = sys.argv[1]
s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"],
                  config=botocore.config.Config(max_pool_connections=16))
def put(path):
    with open(path, "rb") as f:
        s3.put_object(Bucket="bench", Key="store/" + os.path.relpath(path, store), Body=f.read())
paths = [os.path.join(r, f) for r, _, files in os.walk(store) for f in files]
with ThreadPoolExecutor(16) as pool:
    list(pool.map(put, paths))
EOF
    echo "$store" >"$data/.filled"
fi

# best_of_two NAME COMMAND...: sets seconds to the better of two runs.
best_of_two() {
    local name=$1 run run_seconds rss status
    shift
    seconds=""
    for run in 1 2; do
        bench_time "$work/$name$run" "$@"
        read -r run_seconds rss status <"$work/$name$run"
        [ "$status" -eq 0 ] || bench_die "$name exited $status: $(head -3 "$work/$name$run.err")"
        if [ -z "$seconds" ] || [ "$(echo "$run_seconds < $seconds" | bc -l)" = 1 ]; then
            seconds=$run_seconds
        fi
    done
}

# CPU seconds s3rver has used so far: it shows whether the server was the limit.
server_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$s3rver_pid/stat"
}

cpu_before=$(server_cpu)
best_of_two s3 "$DQ_BIN" ls --json --jobs "$JOBS" "s3://bench/store"
s3_seconds=$seconds
server_share=$(bench_calc "($(server_cpu) - $cpu_before) / 2 / $s3_seconds")
best_of_two disk "$DQ_BIN" ls --json --jobs "$JOBS" "$store"
disk_seconds=$seconds
s3_rate=$(bench_calc "$n / $s3_seconds")
disk_rate=$(bench_calc "$n / $disk_seconds")
echo "dqbatch ls s3://:  $n objects in $(bench_calc "$s3_seconds") s, $s3_rate objects/s" \
    "(s3rver busy $(bench_calc "$server_share * 100")% of the time on one core)"
echo "dqbatch ls (disk): $n files in $(bench_calc "$disk_seconds") s, $disk_rate files/s"
echo "s3 n=$n jobs=$JOBS s3_rate=$s3_rate disk_rate=$disk_rate" \
    "ratio=$(bench_calc "$s3_rate / $disk_rate") server_busy=$server_share"

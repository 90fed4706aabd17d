#!/bin/bash
# Four notify shards of one job, run at the same time against one loopback receiver:
# notifications shard by destination, so every notification arrives exactly once, each
# destination is served by exactly one shard, and no destination ever sees more than its
# rate limit in any one-second window (the receiver records each arrival time).
source "$(dirname "$0")/lib/common.sh"
source "$(dirname "$0")/lib/servers.sh"
: "${DQ_SERVERS:?}"
servers_trap "$WORK"

start_http_receiver "$WORK"
port=$(wait_port "$WORK/http.port")

# One request in flight per destination, as the dispatch pacing test does: the loaded
# machine's scheduling then cannot bunch paced requests into one window of arrivals.
destinations=8
rate=40
burst=2
{
    echo "stores: ['$TRUTHOUND/store']"
    echo "actions:"
    for d in $(seq 1 $destinations); do
        echo "  - {type: webhook, name: hook$d, url: 'http://127.0.0.1:$port/d$d', notify_on: always,"
        echo "     rate_limit: {per_second: $rate, burst: $burst}, max_in_flight: 1}"
    done
    echo "journal: journal-\${DQ_SHARD_NAME}"
} > "$WORK/job.yaml"
results=$("$DQ_BIN" ls "$TRUTHOUND/store" --json --quiet | wc -l)

shard_pids=()
for i in 0 1 2 3; do
    DQ_SHARD_NAME=$i "$DQ_BIN" run "$WORK/job.yaml" --shard "$i/4" --quiet \
        --report "$WORK/report-$i.json" > "$WORK/out-$i" 2>&1 &
    shard_pids+=($!)
done
status=0
for p in "${shard_pids[@]}"; do wait "$p" || status=1; done
check "all four shards exit 0" test "$status" -eq 0
[ "$status" -eq 0 ] || cat "$WORK"/out-*

check "every notification arrived exactly once" \
    $PY - "$WORK/http.log" "$destinations" "$results" <<'PY'
import collections, json, sys
log, destinations, results = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen = collections.Counter()
for line in open(log):
    r = json.loads(line)
    seen[(r["path"], json.loads(r["body"])["run_id"])] += 1
twice = [k for k, n in seen.items() if n > 1]
assert not twice, twice[:5]
assert len(seen) == destinations * results, (len(seen), destinations * results)
PY

check "each destination is owned by exactly one shard, and the shards share them" \
    $PY - "$WORK" "$destinations" "$results" <<'PY'
import collections, json, sys
work, destinations, results = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
owners = collections.defaultdict(list)
total_sent = 0
for i in range(4):
    r = json.load(open(f"{work}/report-{i}.json"))
    n = r["notifications"]
    assert r["shard"] == {"index": i, "count": 4}, r["shard"]
    # every shard rendered every request and kept only its own
    assert n["requests"] == destinations * results, n
    assert n["requests"] - n["other_shards"] == n["totals"]["sent"], n
    for row in n["destinations"]:
        if row["sent"]:
            owners[row["destination"]].append(i)
            assert row["sent"] == results, row
    total_sent += n["totals"]["sent"]
assert total_sent == destinations * results, total_sent
assert len(owners) == destinations, owners
assert all(len(v) == 1 for v in owners.values()), owners
assert len({v[0] for v in owners.values()}) > 1, owners
PY

check "no destination saw more than its limit in any one-second window" \
    $PY - "$WORK/http.log" "$rate" "$burst" <<'PY'
import bisect, collections, json, sys
log, rate, burst = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
times = collections.defaultdict(list)
for line in open(log):
    r = json.loads(line)
    times[r["path"]].append(r["t"])
worst = 0
for path, ts in times.items():
    ts.sort()
    for k, t in enumerate(ts):
        in_window = bisect.bisect_left(ts, t + 1e6) - k
        worst = max(worst, in_window)
assert worst <= rate + burst, (worst, rate + burst)
print("busiest second of any destination:", worst, "limit", rate + burst)
PY
finish

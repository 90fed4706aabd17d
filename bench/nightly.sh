#!/usr/bin/env bash
# bench/nightly: the nightly job in one pass, `dqbatch run`, over a synthetic store of N
# results (default 100,000): a fresh docs site of every result plus M notifications
# (default 10,000: the newest M results are selected) to a loopback receiver, without
# rate limits. Against it, `dqbatch docs` then `dqbatch notify` over the same store, one
# after the other. Issue 6's target: the one-pass job takes less than the two together.
# Prints each stage's time (from the run's report), the totals, the peak RSS of each,
# then one result line.
#
#   bench/nightly.sh [N] [M]   (JOBS, DQ_BUILD, DQ_BENCH_CACHE: see bench/lib.sh;
#                               DQ_RECEIVER: the receiver binary, default the tests')
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

n=${1:-100000}
m=${2:-10000}
[ "$m" -le "$n" ] || m=$n
DQ_RECEIVER=${DQ_RECEIVER:-$build/tests/servers/http_receiver}
bench_need "$DQ_BIN" "$DQ_GEN_STORE" "$DQ_RECEIVER"
work=$(mktemp -d "$cache/dqbench-nightly-XXXXXX")
receiver=
cleanup() {
    [ -n "$receiver" ] && { kill "$receiver" 2>/dev/null || true; wait "$receiver" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT

store=$(bench_store "$n")
# The receiver logs nothing (a log line per request would be the bottleneck) and polls
# (see its header on epoll with many connections).
"$DQ_RECEIVER" --port-file "$work/port" --poll 1 &
receiver=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
[ -s "$work/port" ] || bench_die "the receiver did not start"
port=$(cat "$work/port")

# The newest M results get a notification: since = the run time of the M-th newest.
since=$("$DQ_BIN" ls "$store" --json --quiet --jobs "$JOBS" | tail -n "$m" |
    sed -n '1s/.*"run_time": *"\([^"]*\)".*/\1/p')
[ -n "$since" ] || bench_die "cannot find the run time of the $m-th newest result"

cat > "$work/actions.yaml" <<YAML
actions:
  - type: webhook
    url: http://127.0.0.1:$port/hook
    notify_on: always
    rate_limit: {per_second: 1000000, burst: 10000}
    max_in_flight: 64
YAML
cat > "$work/job.yaml" <<YAML
stores: ['$store']
selection: {since: '$since'}
docs: {site: '$work/site-run'}
actions: actions.yaml
jobs: $JOBS
YAML

# The one-pass job.
bench_time "$work/run" "$DQ_BIN" run "$work/job.yaml" --quiet --report "$work/run.json"
read -r run_seconds run_rss run_status _ <"$work/run"
[ "$run_status" -eq 0 ] || bench_die "dqbatch run exited $run_status: $(head -3 "$work/run.err")"
read -r scan_s docs_s notify_s sent read <<<"$(/usr/bin/python3 - "$work/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["seconds"]
print(s["scan"], s["docs_finish"], s["notify_finish"], r["notifications"]["totals"]["sent"],
      r["scan"]["read"])
PY
)"
# Runs sharing the since time may add a few.
[ "$sent" -ge "$m" ] || bench_die "dqbatch run sent $sent notifications, not $m"
echo "dqbatch run, $n results, $sent notifications: $(bench_calc "$run_seconds") s" \
    "(scan, render and send $(bench_calc "$scan_s") s; docs pages and index" \
    "$(bench_calc "$docs_s") s; last requests $(bench_calc "$notify_s") s)," \
    "$read results read, peak RSS $(bench_calc "$run_rss / 1024") MB"

# The same work as two commands, one after the other.
bench_time "$work/docs" "$DQ_BIN" docs "$store" -o "$work/site-docs" --jobs "$JOBS" --quiet
read -r docs_seconds docs_rss docs_status _ <"$work/docs"
[ "$docs_status" -eq 0 ] || bench_die "dqbatch docs exited $docs_status: $(head -3 "$work/docs.err")"
bench_time "$work/notify" "$DQ_BIN" notify "$store" -c "$work/actions.yaml" --since "$since" \
    --jobs "$JOBS" --quiet --report "$work/notify.json"
read -r notify_seconds notify_rss notify_status _ <"$work/notify"
[ "$notify_status" -eq 0 ] ||
    bench_die "dqbatch notify exited $notify_status: $(head -3 "$work/notify.err")"
separate=$(bench_calc "$docs_seconds + $notify_seconds")
echo "dqbatch docs: $(bench_calc "$docs_seconds") s, peak RSS $(bench_calc "$docs_rss / 1024") MB;" \
    "dqbatch notify: $(bench_calc "$notify_seconds") s, peak RSS" \
    "$(bench_calc "$notify_rss / 1024") MB; together $separate s"

ratio=$(bench_calc "$run_seconds / $separate")
echo "nightly n=$n notifications=$sent jobs=$JOBS one_pass_s=$(bench_calc "$run_seconds")" \
    "docs_then_notify_s=$separate ratio=$ratio (target < 1: $(bench_verdict "$ratio < 1"))" \
    "stages_s=$(bench_calc "$scan_s")/$(bench_calc "$docs_s")/$(bench_calc "$notify_s")" \
    "peak_rss_mb=$(bench_calc "$run_rss / 1024")"

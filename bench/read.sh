#!/usr/bin/env bash
# bench/read: `dqbatch ls --json` over N synthetic results (default 100,000) against the
# parse-only limit (bench/parse_only: read, inflate and cJSON_Parse the same files on the
# same number of threads). Issue 2's targets: ls reaches at least 80% of the parse-only
# rate, and its peak RSS stays under 64 MB (memory must not grow with the store).
#
#   bench/read.sh [N]        (JOBS, DQ_BUILD, DQ_BENCH_CACHE: see bench/lib.sh)
#
# Prints the figures, then one result line. cpu_ratio (parse-only CPU seconds over ls CPU
# seconds) is the same comparison measured in CPU time, steadier than wall time when
# the machine is shared.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

n=${1:-100000}
bench_need "$DQ_BIN" "$DQ_GEN_STORE" "$DQ_PARSE_ONLY"
store=$(bench_store "$n")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

read -r parse_rate parse_cpu <<<"$(bench_parse_rate "$store")"

# The faster of two runs, as for parse_only; the peak RSS is the larger of the two.
seconds="" rss_kb=0
for run in 1 2; do
    BENCH_STDOUT=/dev/null bench_time "$work/ls$run" "$DQ_BIN" ls --json --jobs "$JOBS" "$store"
    read -r run_seconds run_rss status run_cpu <"$work/ls$run"
    [ "$status" -eq 0 ] || bench_die "dqbatch ls exited $status: $(head -3 "$work/ls$run.err")"
    if [ -z "$seconds" ] || [ "$(echo "$run_seconds < $seconds" | bc -l)" = 1 ]; then
        seconds=$run_seconds
        cpu=$run_cpu
    fi
    [ "$run_rss" -le "$rss_kb" ] || rss_kb=$run_rss
done

ls_rate=$(bench_calc "$n / $seconds")
ratio=$(bench_calc "$ls_rate / $parse_rate")
cpu_ratio=$(bench_calc "$parse_cpu / $cpu")
rss_mb=$(bench_calc "$rss_kb / 1024")
echo "dqbatch ls --json: $n results in $(bench_calc "$seconds") s, $ls_rate results/s," \
    "$(bench_calc "$cpu") s of CPU, peak RSS $rss_mb MB"
echo "parse-only limit:  $(bench_calc "$parse_rate") results/s, $(bench_calc "$parse_cpu") s of CPU"
echo "read n=$n jobs=$JOBS ls_rate=$ls_rate parse_rate=$(bench_calc "$parse_rate")" \
    "ratio=$ratio (target >= 0.80: $(bench_verdict "$ratio >= 0.80")) cpu_ratio=$cpu_ratio" \
    "peak_rss_mb=$rss_mb (target < 64: $(bench_verdict "$rss_mb < 64"))"

#!/usr/bin/env bash
# bench/docs: full `dqbatch docs` builds of a small and a ten times larger synthetic
# store (default 10,000 and 100,000 results) against the parse-only rate of each, then
# the incremental case: one result added to the built large site. Issue 3's targets:
# at least 70% of the parse-only rate, ten times the results in at most 11 times the
# time, peak RSS under 256 MB at 100,000 results, and one added result in under a
# second, shown beside the time of merely listing the store's file names.
#
#   bench/docs.sh [SMALL]    (the large store is 10 x SMALL; JOBS, DQ_BUILD,
#                             DQ_BENCH_CACHE: see bench/lib.sh; SITE_DIR: where the
#                             sites are built, e.g. /dev/shm to take the disk's file
#                             creation cost out; default beside the store)
#
# Prints the figures, then one result line. cpu_ratio (parse-only CPU seconds over the
# build's) says the same as the ratio without the noise other work on a shared machine
# puts into wall times. Parse-only is cJSON_Parse over the store, the yardstick of issues
# 2 and 3; dqbatch's own decoder is more than twice as fast, so decode_ratio (the build's
# rate over `parse_only --decode`) is printed beside it: what the docs work itself costs.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

small=${1:-10000}
large=$((small * 10))
bench_need "$DQ_BIN" "$DQ_GEN_STORE" "$DQ_PARSE_ONLY"
work=$(mktemp -d "$cache/dqbench-docs-XXXXXX")
sites=$(mktemp -d "${SITE_DIR:-$work}/dqbench-sites-XXXXXX")
added=""
cleanup() {
    # The cached store must stay as generated: take the added result out again.
    if [ -n "$added" ]; then
        rm -f "$added"
        rmdir -p --ignore-fail-on-non-empty "$(dirname "$added")"
    fi
    rm -rf "$sites" "$work"
}
trap cleanup EXIT

# full_build N: builds the site of the N-result store; sets seconds, rss_mb, rate, ratio,
# cpu_ratio, decode_ratio.
full_build() {
    local n=$1 store parse_rate parse_cpu decode_rate status rss_kb cpu
    store=$(bench_store "$n")
    read -r parse_rate parse_cpu <<<"$(bench_parse_rate "$store")"
    read -r decode_rate _ <<<"$(bench_parse_rate "$store" --decode)"
    bench_time "$work/docs-$n" "$DQ_BIN" docs "$store" -o "$sites/site-$n" --jobs "$JOBS"
    read -r seconds rss_kb status cpu <"$work/docs-$n"
    [ "$status" -eq 0 ] || bench_die "dqbatch docs exited $status: $(head -3 "$work/docs-$n.err")"
    rss_mb=$(bench_calc "$rss_kb / 1024")
    rate=$(bench_calc "$n / $seconds")
    ratio=$(bench_calc "$rate / $parse_rate")
    cpu_ratio=$(bench_calc "$parse_cpu / $cpu")
    decode_ratio=$(bench_calc "$rate / $decode_rate")
    echo "full build, $n results: $(bench_calc "$seconds") s, $rate results/s," \
        "$ratio of parse-only ($(bench_calc "$parse_rate")/s), $(bench_calc "$cpu") s of CPU" \
        "($cpu_ratio of parse-only's $(bench_calc "$parse_cpu") s), peak RSS $rss_mb MB;" \
        "$decode_ratio of the rate of dqbatch's own decoding alone ($(bench_calc "$decode_rate")/s)"
}

full_build "$small"
small_seconds=$seconds
full_build "$large"
large_seconds=$seconds
large_rss=$rss_mb
large_ratio=$ratio
large_cpu_ratio=$cpu_ratio
large_decode_ratio=$decode_ratio
scaling=$(bench_calc "$large_seconds / $small_seconds")
echo "10x the results took $scaling x the time"

# One new result, where truthound's date layout would put it in the large store.
store=$(bench_store "$large")
"$DQ_GEN_STORE" -o "$work/one" -n 1 --seed 77 --layout date --start 2025-06-01T00:00:00 \
    --days 1 --gzip-ratio 0 --yaml-ratio 0 2>/dev/null
new=$(cd "$work/one" && find . -type f | sed 's|^\./||')
mkdir -p "$store/by_date/$(dirname "$new")"
added=$store/by_date/$new
cp "$work/one/$new" "$added"

bench_time "$work/list" find "$store" -type f
read -r list_seconds _ <"$work/list"
bench_time "$work/incremental" "$DQ_BIN" docs "$store" -o "$sites/site-$large" --jobs "$JOBS"
read -r incremental_seconds _ status _ <"$work/incremental"
[ "$status" -eq 0 ] || bench_die "incremental dqbatch docs exited $status"
run_id=$(basename "$new" .json)
[ -n "$(find "$sites/site-$large" -name "*${run_id}*" | head -1)" ] ||
    bench_die "the incremental build has no page for the added run $run_id"
echo "one result added to the $large-result site: $(bench_calc "$incremental_seconds") s;" \
    "listing the store's file names alone: $(bench_calc "$list_seconds") s"

echo "docs n=$large jobs=$JOBS ratio=$large_ratio (target >= 0.70:" \
    "$(bench_verdict "$large_ratio >= 0.70")) cpu_ratio=$large_cpu_ratio" \
    "decode_ratio=$large_decode_ratio scaling=$scaling (target <= 11:" \
    "$(bench_verdict "$scaling <= 11")) peak_rss_mb=$large_rss (target < 256:" \
    "$(bench_verdict "$large_rss < 256")) incremental_s=$(bench_calc "$incremental_seconds")" \
    "(target < 1: $(bench_verdict "$incremental_seconds < 1"))" \
    "list_s=$(bench_calc "$list_seconds") sites_in=$(df --output=fstype "$sites" | tail -1)"

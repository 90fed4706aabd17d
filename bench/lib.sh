# shellcheck shell=bash
# Shared by the benchmark scripts (sourced, not run): finding the binaries, the cached
# synthetic stores, timing a command with its peak RSS, and the parse-only rate.
#
# Settings (environment):
#   DQ_BUILD      build directory holding dqbatch and bench/ (default: build/, which
#                 should be a plain -O2 build without sanitizers for honest figures)
#   DQ_BIN, DQ_GEN_STORE, DQ_PARSE_ONLY   override single binaries
#   DQ_BENCH_CACHE  where generated stores are kept between runs (default /tmp)
#   JOBS          worker threads for dqbatch and parse_only (default: all cores)

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${DQ_BUILD:-$bench_root/build}
DQ_BIN=${DQ_BIN:-$build/dqbatch}
DQ_GEN_STORE=${DQ_GEN_STORE:-$build/bench/gen_store}
DQ_PARSE_ONLY=${DQ_PARSE_ONLY:-$build/bench/parse_only}
JOBS=${JOBS:-$(nproc)}
cache=${DQ_BENCH_CACHE:-/tmp}

bench_die() {
    echo "$(basename "$0"): $*" >&2
    exit 1
}

bench_need() {
    local binary
    for binary in "$@"; do
        [ -x "$binary" ] || bench_die "$binary: not built (cmake -S . -B build -DDQ_SANITIZE=OFF" \
            "&& cmake --build build), or set DQ_BUILD"
    done
}

# bench_store N: prints the path of a store of N results, generating it once. The
# settings are fixed so every run measures the same bytes: JSON only (parse_only cannot
# read YAML), 30% gzipped, 24 checkpoints over a year, all four layouts.
bench_store() {
    local n=$1
    local dir=$cache/dqbench-$n
    local settings="-n $n --seed 1000003 --checkpoints 24 --days 365 --layout mixed"
    settings+=" --gzip-ratio 0.3 --yaml-ratio 0"
    if [ "$(cat "$dir/settings" 2>/dev/null)" != "$settings" ]; then
        echo "generating $n results in $dir/store (once; later runs reuse it)" >&2
        rm -rf "$dir"
        mkdir -p "$dir"
        # shellcheck disable=SC2086 # settings is a list of words on purpose
        "$DQ_GEN_STORE" -o "$dir/store" $settings >&2 || bench_die "gen_store failed"
        echo "$settings" >"$dir/settings"
    fi
    echo "$dir/store"
}

# bench_time OUT COMMAND...: runs the command with stdout to $BENCH_STDOUT (default
# OUT.out) and writes
# "seconds peak_rss_kb exit_status cpu_seconds" to OUT (cpu = user + system, which a
# busy shared machine disturbs less than wall time). Its stderr goes to OUT.err.
bench_time() {
    local out=$1
    shift
    local start end status=0
    start=$(date +%s.%N)
    /usr/bin/time -f '%M %U %S' -o "$out.time" "$@" >"${BENCH_STDOUT:-$out.out}" 2>"$out.err" ||
        status=$?
    end=$(date +%s.%N)
    read -r rss user system <"$out.time"
    echo "$(echo "$end - $start" | bc -l) $rss $status $(echo "$user + $system" | bc -l)" >"$out"
}

# bench_parse_rate STORE [--decode]: "rate cpu_seconds" of parse_only over the store,
# from the faster of two runs: the first also warms the page cache, as dqbatch's runs
# find it. --decode: through dqbatch's own decoder instead of cJSON_Parse.
bench_parse_rate() {
    local store=$1 out best="" run seconds status cpu
    shift
    out=$(mktemp -d)
    for run in 1 2; do
        bench_time "$out/$run" "$DQ_PARSE_ONLY" --jobs "$JOBS" "$@" "$store"
        read -r seconds _ status cpu <"$out/$run"
        [ "$status" -eq 0 ] || bench_die "parse_only failed on $store: $(head -3 "$out/$run.err")"
        cat "$out/$run.out" >&2
        if [ -z "$best" ] || [ "$(echo "$seconds < ${best%% *}" | bc -l)" = 1 ]; then
            best="$seconds $cpu $(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' "$out/$run.out")"
        fi
    done
    rm -rf "$out"
    read -r _ cpu rate <<<"$best"
    echo "$rate $cpu"
}

# bench_calc EXPRESSION: a number with two decimals.
bench_calc() {
    printf '%.2f' "$(echo "$1" | bc -l)"
}

# bench_verdict CONDITION: "met" when the bc condition holds, else "missed".
bench_verdict() {
    if [ "$(echo "$1" | bc -l)" = 1 ]; then
        echo met
    else
        echo missed
    fi
}

#!/usr/bin/env bash
# Regenerates the sample store in store/ byte for byte (it is committed; this is how it
# was made): 300 results, 6 checkpoints, 60 days from 2024-05-01, all four layouts.
#
#   bench/make_store.sh [PATH/TO/gen_store [OUT_DIR]]
#
# Without a gen_store it uses $DQ_GEN_STORE, else builds gen_store in build-store/.
# OUT_DIR (default: store/ of the repository) is replaced by the new store.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
gen=${1:-${DQ_GEN_STORE:-}}
out=${2:-$root/store}
if [ -z "$gen" ]; then
    cmake -S "$root" -B "$root/build-store" -DDQ_BENCH=ON -DDQ_SANITIZE=OFF >/dev/null
    cmake --build "$root/build-store" --target gen_store >/dev/null
    gen=$root/build-store/bench/gen_store
fi

fresh=$(mktemp -d "$(dirname "$out")/.store-XXXXXX")
trap 'rm -rf "$fresh"' EXIT
"$gen" -o "$fresh/store" -n 300 --seed 20240501 --checkpoints 6 --days 60 \
    --start 2024-05-01T00:00:00 --layout mixed --gzip-ratio 0.5 --yaml-ratio 0.03
rm -rf "$out"
mv "$fresh/store" "$out"
echo "make_store: $(find "$out" -type f | wc -l) files," \
    "$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s}') bytes in $out"

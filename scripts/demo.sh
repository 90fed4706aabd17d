#!/usr/bin/env bash
# Installs the dependencies, builds dqbatch and runs the main job on the sample store:
# the data docs site of store/ in site/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DDQ_TESTS=OFF -DDQ_BENCH=OFF >/dev/null
cmake --build build -j"$(nproc)"
./build/dqbatch docs store -o site

#!/usr/bin/env bash
# Installs the dependencies, builds dqbatch with AddressSanitizer and UBSan, and runs the
# whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --with-browser
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DDQ_SANITIZE=ON -DDQ_BENCH=ON >/dev/null
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test -j"$(nproc)" --output-on-failure

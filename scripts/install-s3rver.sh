#!/usr/bin/env bash
# Installs s3rver 3.7.1 (an S3-compatible server on Node) from the npm registry into
# DIR (default ~/.cache/dqbatch/s3rver) and prints the path of its executable. Already
# installed: nothing is fetched. The registry unreachable: fails loudly (exit 1), so a
# test that needs the server never passes by skipping it.
set -euo pipefail

dir="${1:-${XDG_CACHE_HOME:-$HOME/.cache}/dqbatch/s3rver}"
version=3.7.1
bin="$dir/node_modules/.bin/s3rver"

installed_version() {
    node -e 'console.log(require(process.argv[1]).version)' \
        "$dir/node_modules/s3rver/package.json" 2>/dev/null || true
}

if [ ! -x "$bin" ] || [ "$(installed_version)" != "$version" ]; then
    command -v npm >/dev/null || { echo "install-s3rver: npm is not installed" >&2; exit 1; }
    mkdir -p "$dir"
    # A lock so that two tests starting at once do not install over each other.
    exec 9>"$dir/.lock"
    flock 9
    if [ ! -x "$bin" ] || [ "$(installed_version)" != "$version" ]; then
        if ! npm install --prefix "$dir" --no-audit --no-fund --loglevel=error \
            "s3rver@$version" >&2; then
            echo "install-s3rver: npm install s3rver@$version failed (is the npm registry reachable?)" >&2
            exit 1
        fi
    fi
fi
echo "$bin"

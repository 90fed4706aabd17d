#!/usr/bin/env bash
# Installs what dqbatch needs to build, test and run, from Debian's packages (as root).
# Packages already present are not fetched again.
set -euo pipefail

packages=(build-essential cmake pkg-config clang-format
          libcurl4-openssl-dev libcjson-dev zlib1g-dev libdeflate-dev libarchive-dev libyaml-dev libssl-dev
          check libmicrohttpd-dev python3-aiosmtpd python3-boto3 python3-yaml openssl zstd)
if [ "${1:-}" = "--with-browser" ]; then
    packages+=(chromium)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

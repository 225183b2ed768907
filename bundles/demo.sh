#!/usr/bin/env bash
# Installs ocirt's dependencies, builds it, builds the sample rootfs and runs the
# `hello` bundle: the first command of the README.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
if ! command -v busybox >/dev/null 2>&1 && [ -x /usr/bin/apt-get ] && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null 2>&1 || true
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
bash bundles/build-rootfs.sh
exec ./bin/ocirt --root /run/ocirt run --bundle bundles/hello "hello-$$"

#!/usr/bin/env bash
# Debian packages the @provision/adapter-esp32-bridge tests need in CI (run as root).
# socat creates the pseudo-terminal pairs of the PTY tests and the benchmark; without it those tests
# are skipped with a reason.
set -euo pipefail
if ! command -v socat >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends socat >/dev/null
fi

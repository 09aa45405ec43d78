#!/usr/bin/env bash
# Debian packages the @provision/protocomm tests need in CI (run as root).
# socat creates the pseudo-terminal pair of the console-transport tests; without it those tests are
# skipped with a reason. The real-esp_prov tests need ESP_PROV and are skipped in CI.
set -euo pipefail
if ! command -v socat >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends socat >/dev/null
fi

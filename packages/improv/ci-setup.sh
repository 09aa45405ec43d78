#!/usr/bin/env bash
# Debian packages the @provision/improv tests need in CI (run as root).
# socat creates the pseudo-terminal pair the reference Improv client and the device talk over; without
# it those tests are skipped with a reason.
set -euo pipefail
if ! command -v socat >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends socat >/dev/null
fi

#!/usr/bin/env bash
# Debian packages the docs tests need. Run as root; safe to run repeatedly.
#   chromium   the headless browser the state diagram and the built site are checked in
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [ ! -x /usr/bin/chromium ]; then
  # Wait for another apt run instead of failing on its lock.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

#!/usr/bin/env bash
# Debian packages the @provision/simulator tests need. Run as root; safe to run repeatedly.
#   tmux   a terminal to drive the live screen in (send keys, read the screen back)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! command -v tmux >/dev/null 2>&1; then
  # Wait for another apt run instead of failing on its lock.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends tmux >/dev/null
fi

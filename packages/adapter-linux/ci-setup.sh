#!/usr/bin/env bash
# Debian packages the @provision/adapter-linux tests need. Run as root; safe to run repeatedly.
#   wpasupplicant, hostapd, iproute2  real wpa_supplicant/hostapd peers in network namespaces
#   python3-dbusmock, dbus            NetworkManager mock on a private bus
#   network-manager                   the real nmcli that checks what the adapter wrote
#   gpiod                             libgpiod tools for the gpio-sim test (runs only where gpio-sim exists)
#   util-linux                        unshare, flock (the daemon's lock), setpriv (an unprivileged client)
#   socat                             that client's connection to the control socket
#   systemd                           systemd-analyze verify for the shipped unit
#   strace                            the storage test that sees each save's fsync/rename order
#   python3, make, g++                build unix-dgram's native addon
#   chromium                          the real browser the captive portal tests drive (puppeteer-core)
#   dnsmasq-base, busybox             DHCP and wildcard DNS for the access point; udhcpc/nslookup as its client
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

packages=(wpasupplicant hostapd iproute2 python3-dbusmock dbus network-manager gpiod util-linux socat systemd strace python3 make g++ chromium dnsmasq-base busybox)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  # Wait for another apt run instead of failing on its lock.
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

// What the hostapd + dnsmasq access point runs: hostapd.conf's text and dnsmasq's arguments.
import path from 'node:path';
import type { AccessPointSettings } from './settings';

/** hostapd's driver: `nl80211` for a Wi-Fi radio; `wired` only for tests on a veth. */
export type HostapdDriver = 'nl80211' | 'wired';

/**
 * hostapd.conf for the access point. The SSID is written as hex (`ssid2`), so no SSID byte can end a
 * line or be read as syntax. The file holds the WPA2 password, so it is written 0600 in a 0700
 * directory and never appears on a command line.
 */
export function hostapdConf(s: AccessPointSettings, runtimeDir: string, driver: HostapdDriver = 'nl80211'): string {
  const lines = [
    `interface=${s.ifname}`,
    `driver=${driver}`,
    `ctrl_interface=${path.join(runtimeDir, 'hostapd')}`,
    'ctrl_interface_group=0',
    `ssid2=${Buffer.from(s.ssid, 'utf8').toString('hex')}`,
    'utf8_ssid=1',
    `hw_mode=${s.channel > 14 ? 'a' : 'g'}`,
    `channel=${s.channel}`,
    'ieee80211n=1',
    'wmm_enabled=1',
    'auth_algs=1',
    'ignore_broadcast_ssid=0',
    // Phones on the provisioning network should not see each other.
    'ap_isolate=1',
  ];
  if (s.password !== '') {
    lines.push('wpa=2', 'wpa_key_mgmt=WPA-PSK', 'rsn_pairwise=CCMP', `wpa_passphrase=${s.password}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * dnsmasq's arguments: DHCP for the range, and every name answered with the device's address
 * (`--address=/#/…`), which is what makes a phone's connectivity check land on the portal. RFC 8910's
 * captive-portal option (114) tells newer phones the page's URL directly.
 */
export function dnsmasqArgs(s: AccessPointSettings, runtimeDir: string, portalUrl?: string): string[] {
  const args = [
    '--keep-in-foreground',
    '--log-facility=-',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--no-poll',
    '--bind-interfaces',
    `--interface=${s.ifname}`,
    '--except-interface=lo',
    `--listen-address=${s.address}`,
    `--address=/#/${s.address}`,
    `--dhcp-range=${s.dhcpRange[0]},${s.dhcpRange[1]},${s.netmask},10m`,
    `--dhcp-option=option:router,${s.address}`,
    `--dhcp-option=option:dns-server,${s.address}`,
    '--dhcp-authoritative',
    `--dhcp-leasefile=${path.join(runtimeDir, 'dnsmasq.leases')}`,
    '--user=root',
  ];
  if (portalUrl) args.push(`--dhcp-option=114,"${portalUrl}"`);
  return args;
}

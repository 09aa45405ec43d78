// The NetworkManager access point against python-dbusmock's NetworkManager, read back by the real nmcli.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { fixtures, tempDir } from './helpers';
import { nmMockUnavailable, startDbusMock, type NmPeer } from './nm-peer';
import { createProvisioner } from '@provision/core';
import { createMemoryStorage, createRecordingSystem, createSimulatedWifi } from '@provision/core/testing';
import { createAccessPoint } from '../src/access-point/detect';
import { connectBus } from '../src/dbus';
import { nodeClock } from '../src/clock';
import { launchPortal } from '../src/portal/launch';
import { createNmAccessPoint } from '../src/access-point/network-manager';
import { resolveAccessPointSettings } from '../src/access-point/settings';

const skip = nmMockUnavailable();
const PASSWORD = 'ap-secret-7731';

describe.skipIf(skip !== undefined)(`NetworkManager access point${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let peer: NmPeer;
  let work: { dir: string; cleanup(): Promise<void> };
  const settings = resolveAccessPointSettings({ ifname: 'wlan0', shortId: '3F2A', password: PASSWORD });

  beforeAll(async () => {
    work = await tempDir('nm-ap');
    peer = await startDbusMock(path.join(fixtures, 'nm_ap_template.py'), { ifname: 'wlan0', networks: [{ ssid: 'HomeNet', psk: 'correct-horse', bssid: '00:11:22:33:44:55' }] }, 'org.freedesktop.NetworkManager');
  });
  afterAll(async () => {
    await peer?.cleanup();
    await work?.cleanup();
  });

  const ours = async () =>
    (await peer.nmcli('-t', '-f', 'NAME', 'connection', 'show'))
      .split('\n')
      .filter((l) => l === 'provision-ap').length;

  it('R11.5 an in-memory mode-ap connection with ipv4 shared on the interface; nmcli reads it back; stop removes it', async () => {
    const shared = path.join(work.dir, 'dnsmasq-shared.d');
    const ap = createNmAccessPoint(settings, { busAddress: peer.address, dnsmasqSharedDir: shared });
    await ap.start();
    expect(ap.isUp()).toBe(true);
    const fields = '802-11-wireless.mode,802-11-wireless.ssid,802-11-wireless.band,802-11-wireless.channel,ipv4.method,ipv4.addresses,802-11-wireless-security.key-mgmt,connection.interface-name,connection.autoconnect';
    const shown = await peer.nmcli('-t', '-f', fields, 'connection', 'show', 'provision-ap');
    expect(shown.trim().split('\n')).toEqual([
      '802-11-wireless.mode:ap',
      '802-11-wireless.ssid:PROV_3F2A',
      '802-11-wireless.band:bg',
      '802-11-wireless.channel:6',
      'ipv4.method:shared',
      'ipv4.addresses:192.168.4.1/24',
      '802-11-wireless-security.key-mgmt:wpa-psk',
      'connection.interface-name:wlan0',
      'connection.autoconnect:no',
    ]);
    // In memory only: NetworkManager keeps it under /run, never in system-connections on disk.
    const list = await peer.nmcli('-t', '-f', 'NAME,TYPE,FILENAME', 'connection', 'show');
    expect(list).toContain('provision-ap:802-11-wireless:/run/NetworkManager/system-connections/');
    expect(await fs.readFile(path.join(shared, 'provision-ap.conf'), 'utf8')).toContain('address=/#/192.168.4.1\n');
    expect(await ours()).toBe(1);

    await ap.stop();
    expect(ap.isUp()).toBe(false);
    expect(await ours()).toBe(0);
    expect(existsSync(path.join(shared, 'provision-ap.conf'))).toBe(false);
  });

  it('R11.5 an open access point carries no security section', async () => {
    const ap = createNmAccessPoint(resolveAccessPointSettings({ ifname: 'wlan0', shortId: '3F2A', open: true }), { busAddress: peer.address, dnsmasqSharedDir: false });
    await ap.start();
    const shown = await peer.nmcli('-t', '-f', '802-11-wireless.mode,802-11-wireless-security.key-mgmt', 'connection', 'show', 'provision-ap');
    expect(shown).toContain('802-11-wireless.mode:ap');
    expect(shown).not.toContain('wpa-psk');
    await ap.stop();
    expect(await ours()).toBe(0);
  });

  it('the backend is detected: NetworkManager where it manages the interface, hostapd + dnsmasq elsewhere', async () => {
    const nm = await createAccessPoint({ ifname: 'wlan0', shortId: '3F2A', password: PASSWORD, busAddress: peer.address });
    expect(nm.backend).toBe('network-manager');
    expect(nm.settings.ssid).toBe('PROV_3F2A');
    const other = await createAccessPoint({ ifname: 'wlan7', shortId: '3F2A', password: PASSWORD, busAddress: peer.address });
    expect(other.backend).toBe('hostapd');
    const noBus = await createAccessPoint({ ifname: 'wlan0', shortId: '3F2A', password: PASSWORD, busAddress: `unix:path=${path.join(work.dir, 'no-bus')}` });
    expect(noBus.backend).toBe('hostapd');
    await expect(createAccessPoint({ ifname: 'nosuch0', busAddress: peer.address })).rejects.toThrow(/no interface 'nosuch0' to name the access point after \(set shortId\)/);
  });

  it('R11.3 the daemon launch: the AP connection while the portal runs, gone after success and the grace period', async () => {
    const clock = nodeClock;
    const wifi = createSimulatedWifi(clock, { joinMs: 0, ip: '192.168.1.50' });
    wifi.addNetwork('HomeNet', 'correct-horse');
    const prov = createProvisioner({ clock, storage: createMemoryStorage(), system: createRecordingSystem(clock), wifi });
    await prov.start();
    const portal = await launchPortal(prov, { enabled: true, shortId: '3F2A', password: PASSWORD, address: '127.0.0.1/8', port: 0, listenHost: '127.0.0.1', graceMs: 0, backend: 'network-manager' }, { wifi, ifname: 'wlan0', busAddress: peer.address });
    onTestFinished(() => portal.stop());
    expect(portal.state()).toEqual({ accessPoint: true, portal: true });
    expect(portal.networks().map((n) => n.ssid)).toEqual(['HomeNet']);
    expect(await ours()).toBe(1);
    const r = await fetch(`${portal.url()}connect`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ssid: 'HomeNet', passphrase: 'correct-horse' }) });
    expect(r.status).toBe(202);
    await portal.stopped;
    expect(portal.status()).toMatchObject({ phase: 'connected', ip: '192.168.1.50' });
    expect(await ours()).toBe(0);
    prov.stop();
  });

  it('a radio NetworkManager reports without AP mode is refused with the reason', async () => {
    const bus = await connectBus(peer.address);
    const [dev] = await bus.call('org.freedesktop.NetworkManager', '/org/freedesktop/NetworkManager', 'org.freedesktop.NetworkManager', 'GetDeviceByIpIface', 's', ['wlan0']);
    const setCaps = (v: number) => bus.call('org.freedesktop.NetworkManager', String(dev), 'org.freedesktop.DBus.Mock', 'UpdateProperties', 'sa{sv}', ['org.freedesktop.NetworkManager.Device.Wireless', [['WirelessCapabilities', ['u', v]]]]);
    await setCaps(0x1f);
    try {
      const ap = createNmAccessPoint(settings, { busAddress: peer.address, dnsmasqSharedDir: false });
      await expect(ap.start()).rejects.toThrow(/the Wi-Fi device wlan0 cannot run an access point \(NetworkManager reports no AP mode\)/);
      expect(await ours()).toBe(0);
      await ap.stop();
    } finally {
      await setCaps(0xff);
      bus.close();
    }
  });

  it('R9.1 an interface NetworkManager does not have is named in the error', async () => {
    const ap = createNmAccessPoint(resolveAccessPointSettings({ ifname: 'wlan9', shortId: '3F2A', password: PASSWORD }), { busAddress: peer.address, dnsmasqSharedDir: false });
    const err = await ap.start().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/NetworkManager has no device 'wlan9'/);
    expect(err?.message).not.toContain(PASSWORD);
    await ap.stop();
  });

  it('R11.3 after the daemon is killed with SIGKILL, the next start removes the stale AP connection', async () => {
    const entry = path.join(work.dir, 'nm-ap.mjs');
    await build({ entryPoints: [path.resolve(__dirname, '../src/access-point/network-manager.ts')], bundle: true, platform: 'node', format: 'esm', conditions: ['source'], outfile: entry, logLevel: 'silent' });
    const script = path.join(work.dir, 'daemon.mjs');
    await fs.writeFile(
      script,
      `import { writeSync } from 'node:fs';
import { createNmAccessPoint } from './nm-ap.mjs';
const ap = createNmAccessPoint(JSON.parse(process.argv[2]), { busAddress: process.argv[3], dnsmasqSharedDir: false });
await ap.start();
writeSync(1, ap.connectionPath() + '\\n');
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, [script, JSON.stringify(settings), peer.address], { stdio: ['ignore', 'pipe', 'inherit'] });
    const stalePath = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`the daemon exited (${String(code)}) before the AP was up`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await ours()).toBe(1);
    expect(stalePath).toMatch(/^\/org\/freedesktop\/NetworkManager\/Settings\//);
    const uuid = async () => (await peer.nmcli('-t', '-f', 'connection.uuid', 'connection', 'show', 'provision-ap')).trim();
    const staleUuid = await uuid();

    const ap = createNmAccessPoint(settings, { busAddress: peer.address, dnsmasqSharedDir: false });
    await ap.start();
    // One connection, and not the one the killed run left (the mock reuses object paths: compare UUIDs).
    expect(await ours()).toBe(1);
    expect(await uuid()).not.toBe(staleUuid);
    await ap.stop();
    expect(await ours()).toBe(0);
  });
});

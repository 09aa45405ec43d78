// The whole path for real: the portal and a hostapd + dnsmasq access point in one namespace, Chromium in another with DHCP and DNS from it.
/// <reference lib="dom" />
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRoot, tempDir, waitUntil } from './helpers';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const need = [CHROMIUM, '/usr/sbin/hostapd', '/usr/sbin/dnsmasq', '/usr/bin/busybox'].filter((t) => !existsSync(t));
const skip = !isRoot ? 'needs root for network namespaces' : need.length ? `missing ${need.join(', ')}` : undefined;

const NS_AP = `prov-portal-${process.pid}-wap`;
const NS_CL = `prov-portal-${process.pid}-wcl`;
const IF_AP = `pwa${process.pid}`.slice(0, 15);
const IF_CL = `pwc${process.pid}`.slice(0, 15);
const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe.skipIf(skip !== undefined)(`portal over a real access point, Chromium as the phone${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let work: { dir: string; cleanup(): Promise<void> };
  let daemon: ChildProcess | undefined;
  let browser: Browser | undefined;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    work = await tempDir('portal-ns');
    sh('ip', ['netns', 'add', NS_AP]);
    sh('ip', ['netns', 'add', NS_CL]);
    sh('ip', ['link', 'add', IF_AP, 'netns', NS_AP, 'type', 'veth', 'peer', 'name', IF_CL, 'netns', NS_CL]);
    for (const ns of [NS_AP, NS_CL]) sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', NS_CL, 'link', 'set', IF_CL, 'up']);
    // `ip netns exec` mounts this over /etc/resolv.conf: the "phone" asks the access point's DNS.
    await fs.mkdir(`/etc/netns/${NS_CL}`, { recursive: true });
    await fs.writeFile(`/etc/netns/${NS_CL}/resolv.conf`, 'nameserver 192.168.4.1\n');

    const entry = path.join(work.dir, 'portal-daemon.mjs');
    const source = `import { createProvisioner } from '@provision/core';
import { createMemoryStorage, createRecordingSystem, createSimulatedWifi } from '@provision/core/testing';
import { nodeClock } from ${JSON.stringify(path.resolve(__dirname, '../src/clock'))};
import { createHostapdAccessPoint } from ${JSON.stringify(path.resolve(__dirname, '../src/access-point/hostapd'))};
import { resolveAccessPointSettings } from ${JSON.stringify(path.resolve(__dirname, '../src/access-point/settings'))};
import { startPortalTransport } from ${JSON.stringify(path.resolve(__dirname, '../src/portal/transport'))};
const say = (o: object) => process.stdout.write(JSON.stringify(o) + '\\n');
const wifi = createSimulatedWifi(nodeClock, { joinMs: 300, ip: '10.0.0.23' });
wifi.addNetwork('HomeNet', 'correct-horse');
wifi.addNetwork('Neighbour', 'something-else');
const prov = createProvisioner({ storage: createMemoryStorage(), system: createRecordingSystem(nodeClock), wifi });
await prov.start();
const ap = createHostapdAccessPoint(resolveAccessPointSettings({ ifname: process.argv[2], shortId: '3F2A', password: 'device-pass' }), { runtimeDir: process.argv[3], driver: 'wired', concurrent: true, portalUrl: 'http://192.168.4.1/' });
const portal = await startPortalTransport(prov, { graceMs: 1500 }, { accessPoint: ap, scan: () => wifi.scan?.() ?? [], stationEvents: (l) => wifi.subscribe(l) });
say({ up: portal.url(), pids: ap.pids() });
await portal.stopped;
say({ stopped: true, ap: ap.isUp(), stored: wifi.stored()?.ssid });
process.exit(0);
`;
    await build({ stdin: { contents: source, resolveDir: path.resolve(__dirname, '..'), loader: 'ts', sourcefile: 'daemon.ts' }, bundle: true, platform: 'node', format: 'esm', conditions: ['source'], outfile: entry, logLevel: 'silent' });
    daemon = spawn('ip', ['netns', 'exec', NS_AP, process.execPath, entry, IF_AP, path.join(work.dir, 'run')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    daemon.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
        buf = buf.slice(i + 1);
      }
    });
    await waitUntil(() => lines.some((l) => l.up), 20_000, 'the portal and access point');

    // The phone joins: a DHCP lease from the access point.
    await fs.writeFile(path.join(work.dir, 'udhcpc.sh'), '#!/bin/sh\n[ "$1" = bound ] || exit 0\nip addr add "$ip/$mask" dev "$interface"\necho "lease $ip dns=$dns"\n', { mode: 0o755 });
    const lease = sh('ip', ['netns', 'exec', NS_CL, 'busybox', 'udhcpc', '-i', IF_CL, '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', path.join(work.dir, 'udhcpc.sh')]);
    expect(lease).toMatch(/lease 192\.168\.4\.\d+ dns=192\.168\.4\.1/);

    const wrapper = path.join(work.dir, 'chromium-in-ns.sh');
    await fs.writeFile(wrapper, `#!/bin/sh\nexec ip netns exec ${NS_CL} ${CHROMIUM} "$@"\n`, { mode: 0o755 });
    // Over a pipe, not a debugging port: the browser's loopback is the client namespace's own.
    browser = await puppeteer.launch({
      executablePath: wrapper,
      pipe: true,
      headless: true,
      args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
    }
    const pids = (lines.find((l) => l.pids)?.pids ?? {}) as { hostapd?: number; dnsmasq?: number };
    for (const p of [pids.hostapd, pids.dnsmasq]) if (alive(p)) process.kill(p as number, 'SIGKILL');
    for (const ns of [NS_AP, NS_CL]) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        /* not created */
      }
    }
    await fs.rm(`/etc/netns/${NS_CL}`, { recursive: true, force: true });
    await work?.cleanup();
  });

  it('PROTOCOLS §C R11.2 R11.3 the OS check resolves to the device and opens the page; a wrong password, then the right one; the access point goes', async () => {
    const page = await browser!.newPage();
    await page.setViewport({ width: 360, height: 740 });
    // Resolved by the access point's wildcard DNS, answered by the portal's redirect.
    const res = await page.goto('http://connectivitycheck.gstatic.com/generate_204');
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe('http://192.168.4.1/');
    expect(await page.title()).toBe('Connect PROV_3F2A to Wi-Fi');
    expect(await page.$$eval('#networks .name', (n) => n.map((e) => e.textContent))).toEqual(['HomeNet', 'Neighbour']);

    await page.click('label[for=net-0]');
    await page.type('#passphrase', 'wrong-password-1');
    await page.click('#submit');
    await page.waitForFunction(() => document.getElementById('status')?.classList.contains('phase-failed'), { timeout: 10_000 });
    expect(await page.$eval('#status', (e) => e.textContent)).toBe('The password for HomeNet was not accepted. Check it and try again.');

    await page.evaluate(() => ((document.getElementById('passphrase') as HTMLInputElement).value = ''));
    await page.type('#passphrase', 'correct-horse');
    await page.click('#submit');
    await page.waitForFunction(() => document.getElementById('status')?.classList.contains('phase-connected'), { timeout: 10_000 });
    expect(await page.$eval('#next', (a) => (a as HTMLAnchorElement).href)).toBe('http://10.0.0.23/');

    await waitUntil(() => lines.some((l) => l.stopped), 15_000, 'the portal to stop after the grace period');
    expect(lines.find((l) => l.stopped)).toEqual({ stopped: true, ap: false, stored: 'HomeNet' });
    const pids = lines.find((l) => l.pids)!.pids as { hostapd: number; dnsmasq: number };
    await waitUntil(() => !alive(pids.hostapd) && !alive(pids.dnsmasq), 5000, 'hostapd and dnsmasq to exit');
  });
});

// The hostapd + dnsmasq access point for real: hostapd (wired driver) and dnsmasq in a namespace, a DHCP/DNS client in another.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isRoot, tempDir, waitUntil } from './helpers';
import { createHostapdAccessPoint } from '../src/access-point/hostapd';
import { dnsmasqArgs, hostapdConf } from '../src/access-point/hostapd-config';
import { resolveAccessPointSettings } from '../src/access-point/settings';

const tools = ['/usr/sbin/hostapd', '/usr/sbin/dnsmasq', '/usr/bin/busybox', '/usr/sbin/ip'].filter((t) => !existsSync(t) && !existsSync(t.replace('/usr', '')));
const skip = !isRoot ? 'needs root for network namespaces' : tools.length ? `missing ${tools.join(', ')} (hostapd, dnsmasq-base, busybox, iproute2)` : undefined;

const NS_AP = `prov-portal-${process.pid}-ap`;
const NS_CL = `prov-portal-${process.pid}-cl`;
const IF_AP = `ppa${process.pid}`.slice(0, 15);
const IF_CL = `ppc${process.pid}`.slice(0, 15);
const PASSWORD = 'ap-secret-7731';

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inCl = (args: string[]) => sh('ip', ['netns', 'exec', NS_CL, ...args]);
/** Running (a zombie whose orphaned parent was not reaped by this container's init is gone). */
const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('hostapd + dnsmasq configuration', () => {
  const s = resolveAccessPointSettings({ ifname: 'wlan0', shortId: '3F2A', password: PASSWORD });

  it('R11.5 the SSID is <prefix>_<short id>, hex-encoded in hostapd.conf; WPA2 with the password; open without one', () => {
    expect(s.ssid).toBe('PROV_3F2A');
    const conf = hostapdConf(s, '/run/provision/ap');
    expect(conf).toContain(`ssid2=${Buffer.from('PROV_3F2A').toString('hex')}\n`);
    expect(conf).toContain('interface=wlan0\ndriver=nl80211\n');
    expect(conf).toContain('wpa=2\nwpa_key_mgmt=WPA-PSK\nrsn_pairwise=CCMP\n');
    expect(conf).toContain(`wpa_passphrase=${PASSWORD}\n`);
    const open = hostapdConf(resolveAccessPointSettings({ shortId: '3F2A', ssidPrefix: 'Ünïcode x', open: true }), '/x');
    expect(open).not.toContain('wpa');
    expect(open).toContain(`ssid2=${Buffer.from('Ünïcode x_3F2A').toString('hex')}\n`);
  });

  it('R11.5 dnsmasq answers every name with the device and hands out the configured range (default 192.168.4.1/24)', () => {
    const args = dnsmasqArgs(s, '/run/provision/ap', 'http://192.168.4.1/');
    expect(args).toEqual(
      expect.arrayContaining([
        '--bind-interfaces',
        '--interface=wlan0',
        '--listen-address=192.168.4.1',
        '--address=/#/192.168.4.1',
        '--dhcp-range=192.168.4.2,192.168.4.254,255.255.255.0,10m',
        '--dhcp-option=option:router,192.168.4.1',
        '--dhcp-option=114,"http://192.168.4.1/"',
        '--conf-file=/dev/null',
        '--no-resolv',
      ]),
    );
    expect(args.join(' ')).not.toContain(PASSWORD);
    const other = resolveAccessPointSettings({ shortId: 'AB', password: PASSWORD, address: '10.42.0.1/16', dhcpRange: ['10.42.1.10', '10.42.1.20'] });
    expect(dnsmasqArgs(other, '/r')).toContain('--dhcp-range=10.42.1.10,10.42.1.20,255.255.0.0,10m');
  });

  it('R9.1 bad settings are refused with the field and what it allows (the password never echoed)', () => {
    expect(() => resolveAccessPointSettings({ shortId: '3F2A', password: 'short' })).toThrow(/password must be 8 to 63 printable ASCII characters/);
    // R11.4: an open access point is opt-in.
    expect(() => resolveAccessPointSettings({ shortId: '3F2A' })).toThrow(/password is required .* set open: true for an open access point, which anyone in range can join \(insecure\)/);
    expect(() => resolveAccessPointSettings({ shortId: '3F2A', password: PASSWORD, open: true })).toThrow(/contradict/);
    expect(resolveAccessPointSettings({ shortId: '3F2A', open: true }).password).toBe('');
    expect(() => resolveAccessPointSettings({ shortId: '3F2A', password: 'short' })).not.toThrow(/short[^ ]/);
    expect(() => resolveAccessPointSettings({ shortId: '3F2A', ssidPrefix: 'x'.repeat(30) })).toThrow(/ssidPrefix .* 32 bytes/);
    expect(() => resolveAccessPointSettings({ shortId: '3F2A', address: '192.168.4.0/24' })).toThrow(/network or broadcast/);
    expect(() => resolveAccessPointSettings({ shortId: '3F2A', address: '300.1.1.1/24' })).toThrow(/IPv4 address/);
    expect(() => resolveAccessPointSettings({ shortId: '3F2A', dhcpRange: ['192.168.5.2', '192.168.5.9'] })).toThrow(/dhcpRange must be inside 192.168.4.0\/24/);
    expect(() => resolveAccessPointSettings({ shortId: '3F2A', ifname: 'bad name' })).toThrow(/ifname/);
    expect(() => resolveAccessPointSettings({ shortId: '' })).toThrow(/shortId/);
  });
});

describe.skipIf(skip !== undefined)(`hostapd + dnsmasq in network namespaces${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let work: { dir: string; cleanup(): Promise<void> };
  const settings = () => resolveAccessPointSettings({ ifname: IF_AP, shortId: '3F2A', password: PASSWORD });

  beforeAll(async () => {
    work = await tempDir('ap');
    sh('ip', ['netns', 'add', NS_AP]);
    sh('ip', ['netns', 'add', NS_CL]);
    sh('ip', ['link', 'add', IF_AP, 'netns', NS_AP, 'type', 'veth', 'peer', 'name', IF_CL, 'netns', NS_CL]);
    inCl(['ip', 'link', 'set', IF_CL, 'up']);
    inCl(['ip', 'link', 'set', 'lo', 'up']);
    // udhcpc runs this with the lease in its environment.
    await fs.writeFile(
      path.join(work.dir, 'udhcpc.sh'),
      '#!/bin/sh\n[ "$1" = bound ] || exit 0\nip addr add "$ip/$mask" dev "$interface"\necho "lease ip=$ip router=$router dns=$dns"\n',
      { mode: 0o755 },
    );
  });
  afterAll(async () => {
    for (const ns of [NS_AP, NS_CL]) {
      try {
        sh('ip', ['netns', 'del', ns]);
      } catch {
        /* not created */
      }
    }
    await work?.cleanup();
  });

  it('R11.5 hostapd (driver=wired) and dnsmasq come up; a client gets a lease and every name resolves to the device; stop leaves nothing', async () => {
    const runtimeDir = path.join(work.dir, 'run');
    const ap = createHostapdAccessPoint(settings(), { runtimeDir, driver: 'wired', commandPrefix: ['ip', 'netns', 'exec', NS_AP], portalUrl: 'http://192.168.4.1/' });
    onTestFinished(() => ap.stop());
    await ap.start();
    expect(ap.isUp()).toBe(true);
    expect(statSync(runtimeDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(runtimeDir, 'hostapd.conf')).mode & 0o777).toBe(0o600);
    const { hostapd, dnsmasq } = ap.pids();
    for (const pid of [hostapd, dnsmasq]) {
      expect(alive(pid)).toBe(true);
      // The password is in the 0600 file only, never on a command line.
      expect(await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(PASSWORD);
    }
    expect(sh('ip', ['-n', NS_AP, '-4', 'addr', 'show', IF_AP])).toContain('inet 192.168.4.1/24');

    const lease = inCl(['busybox', 'udhcpc', '-i', IF_CL, '-n', '-q', '-f', '-t', '5', '-T', '1', '-s', path.join(work.dir, 'udhcpc.sh')]);
    const m = /lease ip=(\S+) router=(\S+) dns=(\S+)/.exec(lease);
    expect(m, lease).not.toBeNull();
    const [a, b, c, d] = m![1].split('.').map(Number);
    expect([a, b, c]).toEqual([192, 168, 4]);
    expect(d).toBeGreaterThanOrEqual(2);
    expect(m![2]).toBe('192.168.4.1');
    expect(m![3]).toBe('192.168.4.1');
    for (const name of ['connectivitycheck.gstatic.com', 'captive.apple.com', 'www.msftconnecttest.com', 'anything.at.all.example']) {
      // busybox nslookup also asks for AAAA, which has no answer here, and then exits 1: read its output.
      const r = spawnSync('ip', ['netns', 'exec', NS_CL, 'busybox', 'nslookup', '-type=a', name, '192.168.4.1'], { encoding: 'utf8' });
      const answer = `${r.stdout}${r.stderr}`;
      expect(answer.split(/Name:/)[1] ?? '', `${name}: ${answer}`).toContain('192.168.4.1');
    }
    expect(await fs.readFile(path.join(runtimeDir, 'dnsmasq.leases'), 'utf8')).toContain(m![1]);

    await ap.stop();
    expect(ap.isUp()).toBe(false);
    await waitUntil(() => !alive(hostapd) && !alive(dnsmasq), 5000, 'hostapd and dnsmasq to exit');
    expect(existsSync(runtimeDir)).toBe(false);
    expect(sh('ip', ['-n', NS_AP, '-4', 'addr', 'show', IF_AP])).not.toContain('192.168.4.1');
    inCl(['ip', 'addr', 'flush', 'dev', IF_CL]);
  });

  it('R11.3 a daemon that exits without stopping (an uncaught error) takes hostapd and dnsmasq along', async () => {
    const runtimeDir = path.join(work.dir, 'run-exit');
    const entry = path.join(work.dir, 'hostapd-ap-exit.mjs');
    await build({ entryPoints: [path.resolve(__dirname, '../src/access-point/hostapd.ts')], bundle: true, platform: 'node', format: 'esm', conditions: ['source'], outfile: entry, logLevel: 'silent' });
    const script = path.join(work.dir, 'daemon-exit.mjs');
    await fs.writeFile(
      script,
      `import { writeSync } from 'node:fs';
import { createHostapdAccessPoint } from './hostapd-ap-exit.mjs';
const ap = createHostapdAccessPoint(JSON.parse(process.argv[2]), { runtimeDir: process.argv[3], driver: 'wired', commandPrefix: ['ip', 'netns', 'exec', process.argv[4]] });
await ap.start();
writeSync(1, JSON.stringify(ap.pids()) + '\\n');
setTimeout(() => { throw new Error('a bug in the daemon'); }, 100);
`,
    );
    const child = spawn(process.execPath, [script, JSON.stringify(settings()), runtimeDir, NS_AP], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(1);
    const pids = JSON.parse(out.split('\n')[0]) as { hostapd: number; dnsmasq: number };
    onTestFinished(() => [pids.hostapd, pids.dnsmasq].forEach((p) => alive(p) && process.kill(p, 'SIGKILL')));
    await waitUntil(() => !alive(pids.hostapd) && !alive(pids.dnsmasq), 5000, 'hostapd and dnsmasq to exit with the daemon');
  });

  it('R11.3 after the daemon is killed with SIGKILL, the next start removes the processes it left and starts clean', async () => {
    const runtimeDir = path.join(work.dir, 'run-kill');
    const entry = path.join(work.dir, 'hostapd-ap.mjs');
    await build({
      entryPoints: [path.resolve(__dirname, '../src/access-point/hostapd.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      conditions: ['source'],
      outfile: entry,
      logLevel: 'silent',
    });
    const script = path.join(work.dir, 'daemon.mjs');
    await fs.writeFile(
      script,
      `import { writeSync } from 'node:fs';
import { createHostapdAccessPoint } from './hostapd-ap.mjs';
const s = JSON.parse(process.argv[2]);
const ap = createHostapdAccessPoint(s, { runtimeDir: process.argv[3], driver: 'wired', commandPrefix: ['ip', 'netns', 'exec', process.argv[4]] });
await ap.start();
writeSync(1, JSON.stringify(ap.pids()) + '\\n');
setInterval(() => {}, 1000);
`,
    );
    const child = spawn(process.execPath, [script, JSON.stringify(settings()), runtimeDir, NS_AP], { stdio: ['ignore', 'pipe', 'inherit'] });
    const first = await new Promise<{ hostapd: number; dnsmasq: number }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('\n')) resolve(JSON.parse(out.split('\n')[0]));
      });
      child.on('exit', (code) => reject(new Error(`the daemon exited (${String(code)}) before the AP was up`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The children outlive a SIGKILLed parent: this is what the next start must clean up.
    expect(alive(first.hostapd) || alive(first.dnsmasq)).toBe(true);

    const ap = createHostapdAccessPoint(settings(), { runtimeDir, driver: 'wired', commandPrefix: ['ip', 'netns', 'exec', NS_AP] });
    onTestFinished(() => ap.stop());
    onTestFinished(() => [first.hostapd, first.dnsmasq].forEach((p) => alive(p) && process.kill(p, 'SIGKILL')));
    await ap.start();
    await waitUntil(() => !alive(first.hostapd) && !alive(first.dnsmasq), 5000, `the stale processes to be gone: ${[first.hostapd, first.dnsmasq].map((p) => { try { return readFileSync(`/proc/${p}/stat`, 'utf8').slice(0, 40); } catch { return 'gone'; } }).join(', ')}`);
    const now = ap.pids();
    expect(alive(now.hostapd) && alive(now.dnsmasq)).toBe(true);
    expect(now.hostapd).not.toBe(first.hostapd);
    await ap.stop();
    await waitUntil(() => !alive(now.hostapd) && !alive(now.dnsmasq), 5000, 'the new processes to exit');
  });
});

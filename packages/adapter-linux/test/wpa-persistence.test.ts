// Saved wpa_supplicant networks survive a restart of the real wpa_supplicant, hold only the PSK, stay 0600.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeClock } from '../src/clock';
import { fixUnreadableValues, parseWpaArgs } from '../src/wifi/wpa-config-file';
import { openWpaSocket } from '../src/wifi/wpa-ctrl';
import { createWpaSupplicantWifi } from '../src/wifi/wpa-supplicant';
import { waitUntil } from './helpers';
import { realPeerUnavailable, startWpaPeer, type WpaPeer } from './wpa-peers';

const WPA_PASSPHRASE = '/usr/bin/wpa_passphrase';
const unavailable = realPeerUnavailable() ?? (existsSync(WPA_PASSPHRASE) ? undefined : 'wpa_passphrase is not installed (apt install wpasupplicant)');
/** One wpa_supplicant restart per run. */
const RUNS = Number(process.env.WPA_PSK_RUNS ?? 100);

const printable = (min: number, max: number) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });

/** The PSK as wpa_supplicant's own `wpa_passphrase` computes it (passphrase on stdin, not argv). */
function oraclePsk(ssid: string, passphrase: string): string {
  const out = execFileSync(WPA_PASSPHRASE, [ssid], { input: `${passphrase}\n`, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
  const m = /^\tpsk=([0-9a-f]{64})$/m.exec(out);
  if (!m) throw new Error('wpa_passphrase printed no psk');
  return m[1]!;
}

/** A value as GET_NETWORK prints it (`"text"` or hex) decoded to a string. */
function decodeValue(v: string): string {
  return v.startsWith('"') ? v.slice(1, -1) : Buffer.from(v, 'hex').toString('utf8');
}

/** Every process command line and environment that holds `secret`, as `pid: where`. */
function processesHolding(secrets: string[]): string[] {
  const hits: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    for (const what of ['cmdline', 'environ']) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/${what}`, 'latin1');
      } catch {
        continue;
      }
      for (const s of secrets) if (text.includes(s)) hits.push(`${pid}: ${what}`);
    }
  }
  return hits;
}

// The lines a saved network of the adapter may consist of: nothing else, so no plaintext anywhere.
const ALLOWED_LINE = /^(network=\{|\}|\tssid=("[\x20-\x7e]*"|[0-9a-f]+)|\tpsk=[0-9a-f]{64}|\tscan_ssid=1|\tkey_mgmt=WPA-PSK|\tid_str="provision"|\tmesh_fwding=1|\tdisabled=[01])$/;

describe('wpa_supplicant command lines and saved values', () => {
  it('reads -c and -i from wpa_supplicant command lines, attached or separate, per -N block', () => {
    expect(parseWpaArgs(['-B', '-c/etc/wpa_supplicant/wpa_supplicant.conf', '-iwlan0', '-Dnl80211,wext'])).toEqual([{ configFile: '/etc/wpa_supplicant/wpa_supplicant.conf', ifname: 'wlan0' }]);
    expect(parseWpaArgs(['-dd', '-K', '-D', 'none', '-i', 'pvs1', '-c', 'rel.conf', '-N', '-i', 'wlan1', '-C', '/run/x'])).toEqual([
      { ifname: 'pvs1', configFile: 'rel.conf' },
      { ifname: 'wlan1', ctrlDir: '/run/x' },
    ]);
    expect(parseWpaArgs(['-u', '-s', '-O', '/run/wpa_supplicant'])).toEqual([{}]);
  });

  it('rewrites as hex exactly the quoted values wpa_supplicant would read back truncated', () => {
    const text = 'ctrl_interface=/run/w\n\nnetwork={\n\tssid="a"#b"\n\tpsk=00\n\tid_str="provision"\n\tpassword="x#y"\n\tidentity="p"q"#"\n}\n';
    expect(fixUnreadableValues(text)).toBe(`ctrl_interface=/run/w\n\nnetwork={\n\tssid=${Buffer.from('a"#b').toString('hex')}\n\tpsk=00\n\tid_str="provision"\n\tpassword="x#y"\n\tidentity="p"q"#"\n}\n`);
    expect(fixUnreadableValues('network={\n\tssid="plain # hash"\n}\n')).toBeUndefined();
  });
});

if (unavailable) {
  describe('R10.3 wpa_supplicant persistence through the real wpa_supplicant', () => it.skip(`skipped: ${unavailable}`, () => undefined));
} else {
  describe('R10.3 wpa_supplicant persistence through the real wpa_supplicant -D none', () => {
    let peer: WpaPeer;
    beforeAll(async () => {
      peer = await startWpaPeer({ driver: 'none' });
    });
    afterAll(() => peer?.cleanup());

    // Set the network and SAVE_CONFIG through the adapter, restart wpa_supplicant on the saved file,
    // and check what it loaded. Returns the problems found (empty when all is well).
    async function roundTrip(ssid: string, passphrase: string): Promise<string[]> {
      const problems: string[] = [];
      const port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, requireIp: false });
      try {
        await port.connect({ ssid, passphrase }, { persist: true });
        // A passphrase of few distinct characters (eight spaces) could match unrelated text.
        const holders = new Set(passphrase).size >= 6 ? processesHolding([passphrase]) : [];
        if (holders.length > 0) problems.push(`passphrase in ${holders.join(', ')}`);
      } finally {
        await port.close();
      }
      const saved = await fs.readFile(peer.configFile, 'latin1');
      const mode = (await fs.stat(peer.configFile)).mode & 0o777;
      if (mode !== 0o600) problems.push(`mode ${mode.toString(8)}`);
      if (saved.includes('psk="')) problems.push('psk="…" in the file');
      const block = saved.slice(saved.indexOf('network={')).trimEnd().split('\n');
      const odd = block.filter((l) => !ALLOWED_LINE.test(l));
      if (odd.length > 0) problems.push(`unexpected lines ${JSON.stringify(odd)}`);
      const psk = /^\tpsk=([0-9a-f]{64})$/m.exec(saved)?.[1];
      if (psk !== oraclePsk(ssid, passphrase)) problems.push('the saved PSK is not wpa_passphrase’s');

      await peer.restartSupplicant();
      const again = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, requireIp: false });
      try {
        if (!(await again.hasStoredCredentials())) problems.push('no stored network after the restart');
      } finally {
        await again.close();
      }
      const raw = await openWpaSocket(path.join(peer.ctrlDir, peer.ifname), { clock: nodeClock });
      try {
        const ids = (await raw.request('LIST_NETWORKS')).trim().split('\n').slice(1);
        if (ids.length !== 1) problems.push(`${ids.length} networks after the restart`);
        const got = decodeValue((await raw.request('GET_NETWORK 0 ssid')).trim());
        if (got !== ssid) problems.push(`ssid read back as ${JSON.stringify(got)}`);
        if ((await raw.request('GET_NETWORK 0 key_mgmt')).trim() !== 'WPA-PSK') problems.push('key_mgmt is not WPA-PSK');
      } finally {
        await raw.close();
      }
      return problems;
    }

    it('wpa_supplicant itself saves a 0644 file with printable values quoted (what the adapter repairs)', async () => {
      const raw = await openWpaSocket(path.join(peer.ctrlDir, peer.ifname), { clock: nodeClock });
      try {
        const id = (await raw.request('ADD_NETWORK')).trim();
        expect((await raw.request(`SET_NETWORK ${id} ssid ${Buffer.from('a"#b').toString('hex')}`)).trim()).toBe('OK');
        expect((await raw.request(`SET_NETWORK ${id} key_mgmt NONE`)).trim()).toBe('OK');
        expect((await raw.request('SAVE_CONFIG')).trim()).toBe('OK');
        expect((await fs.stat(peer.configFile)).mode & 0o777).toBe(0o644);
        expect(await fs.readFile(peer.configFile, 'utf8')).toContain('\tssid="a"#b"\n');
        expect((await raw.request(`REMOVE_NETWORK ${id}`)).trim()).toBe('OK');
        expect((await raw.request('SAVE_CONFIG')).trim()).toBe('OK');
      } finally {
        await raw.close();
      }
    });

    it('passphrases that broke the file: " then #, backslashes, spaces, quotes, comment-like text', async () => {
      const cases: [string, string][] = [
        ['HomeNet', 'ab"#cdefgh'],
        ['HomeNet', '"#"#"#"#'],
        ['HomeNet', '\\\\\\\\\\\\\\\\'],
        ['HomeNet', 'back\\slash" and #hash'],
        ['HomeNet', '        '],
        ['HomeNet', ' leading and trailing '],
        ['HomeNet', `'"'"'"'"`],
        ['HomeNet', '#psk="not-this"'],
        ['HomeNet', '}network={ssid="x"'],
        ['HomeNet', '~'.repeat(63)],
        ['HomeNet', 'A1'.repeat(32).slice(0, 63)],
        ['a"#b', 'quote then hash in the SSID'],
        ['"#"', 'ssid of quotes and a hash'],
        ['  spaced  ', 'spaces around the ssid'],
        ['Café #1 "x"#', 'non-ASCII ssid with " and #'],
      ];
      for (const [ssid, passphrase] of cases) expect({ ssid, passphrase, problems: await roundTrip(ssid, passphrase) }).toEqual({ ssid, passphrase, problems: [] });
    }, 120_000);

    it(`every printable-ASCII passphrase of 8..63 characters (and printable SSID) survives SAVE_CONFIG and a restart: ${RUNS} runs`, async () => {
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(printable(1, 32), printable(8, 63), async (ssid, passphrase) => {
          expect(await roundTrip(ssid, passphrase)).toEqual([]);
        }),
        { numRuns: RUNS },
      );
      console.log(`wpa_supplicant passphrase property: ${RUNS} runs, one restart each, ${Date.now() - started} ms`);
      expect(await fs.readFile(peer.logFile, 'latin1')).not.toMatch(/Invalid|failed to parse/);
    }, 600_000);
  });

  describe('R10.3 the passphrase never reaches wpa_supplicant (its -dd -K log shows every command with keys)', () => {
    it('the debug log holds the PSK commands but never the passphrase; a plaintext psk would show', async () => {
      const peer = await startWpaPeer({ driver: 'none', debug: true });
      try {
        const passphrase = 'log-canary "#\\ passphrase';
        const port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, requireIp: false });
        try {
          await port.connect({ ssid: 'HomeNet', passphrase }, { persist: true });
          await port.forget();
        } finally {
          await port.close();
        }
        const raw = await openWpaSocket(path.join(peer.ctrlDir, peer.ifname), { clock: nodeClock });
        try {
          const id = (await raw.request('ADD_NETWORK')).trim();
          expect((await raw.request(`SET_NETWORK ${id} psk "control-canary"`)).trim()).toBe('OK');
          expect((await raw.request('PING')).trim()).toBe('PONG');
        } finally {
          await raw.close();
        }
        // The canary went last: once it is in the log, everything the adapter sent before is too.
        await waitUntil(async () => (await fs.readFile(peer.logFile, 'latin1')).includes('control-canary'), 10_000, 'the debug log');
        const log = await fs.readFile(peer.logFile, 'latin1');
        expect(log).toContain(`psk ${oraclePsk('HomeNet', passphrase)}`);
        expect(log).toContain('control-canary');
        expect(log).not.toContain('log-canary');
      } finally {
        await peer.cleanup();
      }
    }, 60_000);
  });
}

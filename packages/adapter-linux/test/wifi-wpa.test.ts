// The wpa_supplicant Wi-Fi port: event classification, a scripted control socket, real wpa_supplicant peers.
import { pbkdf2Sync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runPortConformance, SimulatedClock, type WifiHarness } from '@provision/core/testing';
import type { WifiEvent } from '@provision/core';
import { createWifi } from '../src/wifi/detect';
import { classifyWpaEvent } from '../src/wifi/wpa-events';
import { createWpaSupplicantWifi, parseIpMonitor, parseScanResults, type WpaSupplicantWifi } from '../src/wifi/wpa-supplicant';
import { unixDgramMissing, waitUntil } from './helpers';
import { startScriptedWpa } from './wpa-fake-socket';
import { realPeerUnavailable, startWpaPeer } from './wpa-peers';

const unavailable = realPeerUnavailable();
const scriptedUnavailable = unixDgramMissing();

describe('wpa_supplicant event lines', () => {
  it('classifies the exact lines wpa_supplicant 2.10 prints', () => {
    expect(classifyWpaEvent('CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="HomeNet" auth_failures=1 duration=10 reason=WRONG_KEY')).toEqual({ kind: 'failed', reason: 'auth-error', raw: 'SSID-TEMP-DISABLED reason=WRONG_KEY' });
    expect(classifyWpaEvent('CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="corp" auth_failures=1 duration=10 reason=AUTH_FAILED')).toMatchObject({ reason: 'auth-error' });
    expect(classifyWpaEvent('CTRL-EVENT-SSID-TEMP-DISABLED id=0 ssid="x" auth_failures=2 duration=20 reason=CONN_FAILED')).toMatchObject({ reason: 'other' });
    expect(classifyWpaEvent('CTRL-EVENT-NETWORK-NOT-FOUND ')).toEqual({ kind: 'failed', reason: 'ap-not-found', raw: 'NETWORK-NOT-FOUND' });
    expect(classifyWpaEvent('CTRL-EVENT-EAP-FAILURE EAP authentication failed')).toMatchObject({ reason: 'auth-error', raw: 'EAP-FAILURE' });
    expect(classifyWpaEvent('CTRL-EVENT-AUTH-REJECT 02:00:00:00:01:00 auth_type=0 auth_transaction=2 status_code=1')).toMatchObject({ reason: 'auth-error', raw: 'AUTH-REJECT status_code=1' });
    expect(classifyWpaEvent('CTRL-EVENT-CONNECTED - Connection to 02:00:00:00:01:00 completed [id=0 id_str=]')).toEqual({ kind: 'connected' });
    expect(classifyWpaEvent('CTRL-EVENT-DISCONNECTED bssid=02:00:00:00:01:00 reason=3 locally_generated=1')).toEqual({ kind: 'link-lost', raw: 'DISCONNECTED reason=3' });
    expect(classifyWpaEvent("Trying to associate with SSID 'HomeNet'")).toEqual({ kind: 'attempt' });
    expect(classifyWpaEvent('CTRL-EVENT-REGDOM-CHANGE init=CORE type=WORLD')).toEqual({ kind: 'ignore' });
  });

  it('parses SCAN_RESULTS (escaped SSIDs, strongest first) and ip monitor lines', () => {
    const text = 'bssid / frequency / signal level / flags / ssid\n02:00:00:00:01:00\t2412\t-60\t[WPA2-PSK-CCMP][ESS]\tHome\\x20Net\n02:00:00:00:02:00\t5180\t-40\t[ESS]\tCaf\\xc3\\xa9\n';
    expect(parseScanResults(text)).toEqual([
      { ssid: 'Café', rssi: -40, bssid: '02:00:00:00:02:00', secure: false, channel: 36 },
      { ssid: 'Home Net', rssi: -60, bssid: '02:00:00:00:01:00', secure: true, channel: 1 },
    ]);
    expect(parseIpMonitor('3: wlan0    inet 192.168.1.7/24 brd 192.168.1.255 scope global dynamic wlan0', 'wlan0')).toBe('192.168.1.7');
    expect(parseIpMonitor('3: eth0    inet 10.0.0.2/8 scope global eth0', 'wlan0')).toBeUndefined();
    expect(parseIpMonitor('Deleted 3: wlan0    inet 192.168.1.7/24 scope global wlan0', 'wlan0')).toBeUndefined();
  });
});

// The radio-only failures (WRONG_KEY, NETWORK-NOT-FOUND) replayed from a scripted control socket.
const HOME = { ssid: 'HomeNet', psk: 'correct horse battery', bssid: '02:00:00:00:01:00' };
const pskOf = (ssid: string, passphrase: string) => pbkdf2Sync(passphrase, ssid, 4096, 32, 'sha1').toString('hex');
if (scriptedUnavailable) {
  describe('wpa_supplicant backend on a scripted control socket', () => it.skip(`skipped: ${scriptedUnavailable}`, () => undefined));
} else {
  runPortConformance(
    { describe, it },
    {
      name: 'adapter-linux wpa_supplicant (scripted socket replaying radio events)',
      async wifi(): Promise<WifiHarness> {
        const peer = await startScriptedWpa([HOME]);
        const port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, localDir: peer.localDir, requireIp: false, configFile: peer.configFile });
        return {
          port,
          good: { ssid: HOME.ssid, passphrase: HOME.psk },
          wrongPassphrase: { ssid: HOME.ssid, passphrase: 'not the passphrase' },
          missingNetwork: { ssid: 'NotHere', passphrase: 'whatever-it-is' },
          eventTimeoutMs: 5000,
          cleanup: async () => {
            await port.close();
            await peer.cleanup();
          },
        };
      },
    },
  );

  describe('wpa_supplicant backend: commands and events (scripted socket)', () => {
    async function open() {
      const peer = await startScriptedWpa([HOME]);
      const port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, localDir: peer.localDir, requireIp: false, configFile: peer.configFile });
      const events: WifiEvent[] = [];
      port.subscribe((e) => events.push(e));
      return { peer, port, events, close: async () => (await port.close(), await peer.cleanup()) };
    }

    it('one auth-error per failed attempt, not one per line (R8.2 counts attempts)', async () => {
      const t = await open();
      try {
        await t.port.connect({ ssid: HOME.ssid, passphrase: 'wrong-passphrase' }, { persist: false });
        await waitUntil(() => t.events.some((e) => e.type === 'disconnected'), 5000, 'disconnected');
        // Every line of the attempt was sent and a request round trip has passed since.
        await t.peer.replayed();
        await t.port.hasStoredCredentials();
        await new Promise((r) => setImmediate(r));
        expect(t.events).toEqual([{ type: 'connecting' }, { type: 'disconnected', reason: 'auth-error', raw: 'SSID-TEMP-DISABLED reason=WRONG_KEY' }]);
        expect(JSON.stringify(t.events)).not.toContain('wrong-passphrase');
      } finally {
        await t.close();
      }
    });

    it('SSID goes over as hex and the passphrase as the derived PSK, never in plain text; a control character is refused', async () => {
      const t = await open();
      try {
        const ssid = 'He said "hi"\nnetwork={';
        await t.port.connect({ ssid, passphrase: 'pass"word ok' }, { persist: false });
        const sets = t.peer.commands.filter((c) => c.startsWith('SET_NETWORK'));
        expect(sets).toContain(`SET_NETWORK 0 ssid ${Buffer.from(ssid).toString('hex')}`);
        expect(sets).toContain(`SET_NETWORK 0 psk ${pskOf(ssid, 'pass"word ok')}`);
        expect(t.peer.commands.join('\n')).not.toContain('pass"word');
        expect(sets).toContain('SET_NETWORK 0 id_str "provision-pending"');
        const before = t.peer.commands.length;
        await expect(t.port.connect({ ssid: 'x', passphrase: 'abcdefgh\nnetwork={' }, { persist: false })).rejects.toMatchObject({ code: 'invalid-credentials', field: 'passphrase' });
        await expect(t.port.connect({ ssid: 'x', passphrase: 'abcdefgh\nnetwork={' }, { persist: false })).rejects.not.toThrow(/abcdefgh/);
        expect(t.peer.commands.length).toBe(before);
        await t.port.connect({ ssid: 'open', passphrase: '' }, { persist: false });
        expect(t.peer.commands).toContain('SET_NETWORK 1 key_mgmt NONE');
        const hex = 'a'.repeat(64);
        await t.port.connect({ ssid: 'raw', passphrase: hex }, { persist: false });
        expect(t.peer.commands).toContain(`SET_NETWORK 2 psk ${hex}`);
      } finally {
        await t.close();
      }
    });

    it('SAVE_CONFIG only on persist(); persist replaces older networks', async () => {
      const t = await open();
      try {
        await t.port.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: false });
        await waitUntil(() => t.events.some((e) => e.type === 'connected'), 5000, 'connected');
        expect(t.peer.commands).not.toContain('SAVE_CONFIG');
        await t.port.persist();
        expect(t.peer.saved()).toEqual([expect.objectContaining({ id_str: '"provision"', psk: pskOf(HOME.ssid, HOME.psk) })]);
        // The fake writes its file 0644 like wpa_supplicant under umask 022; the adapter made it 0600.
        expect((await fs.stat(t.peer.configFile)).mode & 0o777).toBe(0o600);
        await t.port.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: true });
        expect(t.peer.saved()).toHaveLength(1);
      } finally {
        await t.close();
      }
    });

    it('persist() reports a configuration file it cannot find or make private, without the passphrase; the network is saved', async () => {
      const peer = await startScriptedWpa([HOME]);
      try {
        const lost = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, localDir: peer.localDir, requireIp: false });
        await lost.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: false });
        await expect(lost.persist()).rejects.toMatchObject({ code: 'wifi-failed', message: expect.stringMatching(/saved the network, but its configuration file could not be found.*configFile/) });
        expect(peer.commands).toContain('SAVE_CONFIG');
        await lost.close();
        // procfs refuses chmod: a real EPERM on a 0444 file.
        const stuck = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, localDir: peer.localDir, requireIp: false, configFile: '/proc/self/status' });
        await stuck.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: false });
        const err = await Promise.resolve(stuck.persist()).then(() => undefined, (e: Error) => e);
        expect(err?.message).toMatch(/\/proc\/self\/status is mode 0444 \(readable by others\) and chmod 0600 failed: EPERM/);
        expect(err?.message).not.toContain(HOME.psk);
        await stuck.close();
      } finally {
        await peer.cleanup();
      }
    });

    it('a pending network left by a previous run is removed at start; close() DETACHes the monitor', async () => {
      const peer = await startScriptedWpa([HOME]);
      try {
        const first = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, localDir: peer.localDir, requireIp: false });
        await first.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: false });
        await first.close();
        expect(peer.commands).toContain('DETACH');
        expect(peer.monitors.size).toBe(0);
        expect(peer.networks.size).toBe(1);
        const second = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, localDir: peer.localDir, requireIp: false });
        expect(peer.networks.size).toBe(0);
        expect(await second.hasStoredCredentials()).toBe(false);
        await second.close();
      } finally {
        await peer.cleanup();
      }
    });

    it('scan() waits for CTRL-EVENT-SCAN-RESULTS on the monitor, then reads SCAN_RESULTS; a scan is not a join attempt', async () => {
      const t = await open();
      try {
        const list = await t.port.scan();
        expect(list).toEqual([{ ssid: 'HomeNet', rssi: -50, bssid: HOME.bssid, secure: true, channel: 1 }]);
        expect(t.events).toEqual([]);
      } finally {
        await t.close();
      }
    });

    it('auto-detect picks wpa_supplicant when NetworkManager is not on the bus', async () => {
      const peer = await startScriptedWpa([HOME]);
      try {
        const w = await createWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, busAddress: `unix:path=${peer.localDir}/no-bus`, requireIp: false });
        expect(w.backend).toBe('wpa_supplicant');
        await w.close();
        await expect(createWifi({ ifname: 'wlan7', ctrlDir: peer.ctrlDir, busAddress: `unix:path=${peer.localDir}/no-bus` })).rejects.toMatchObject({
          code: 'not-supported',
          message: expect.stringContaining("no Wi-Fi backend for 'wlan7'"),
        });
      } finally {
        await peer.cleanup();
      }
    });

    it('wpa_supplicant stopping is a lost link; the adapter reattaches on the injected clock once it is back', async () => {
      const peer = await startScriptedWpa([HOME]);
      const clock = new SimulatedClock();
      const port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, localDir: peer.localDir, requireIp: false, clock, reconnectMs: 2000 });
      const events: WifiEvent[] = [];
      port.subscribe((e) => events.push(e));
      try {
        await port.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: false });
        await waitUntil(() => events.some((e) => e.type === 'connected'), 5000, 'connected');
        await peer.terminate();
        await waitUntil(() => events.some((e) => e.type === 'disconnected'), 5000, 'the lost link');
        expect(events.at(-1)).toEqual({ type: 'disconnected', reason: 'other', raw: 'wpa_supplicant terminated' });
        await expect(port.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: false })).rejects.toThrow(/wpa_supplicant is not running/);
        // Nothing is listening yet: the first retry fails and schedules another.
        clock.advance(2000);
        await waitUntil(() => clock.pending() > 0, 5000, 'the next retry to be scheduled');
        expect(peer.monitors.size).toBe(0);
        peer.restart();
        clock.advance(2000);
        await waitUntil(() => peer.monitors.size === 1, 5000, 'the monitor to ATTACH again');
        events.length = 0;
        await waitUntil(async () => {
          try {
            await port.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: false });
            return true;
          } catch {
            return false;
          }
        }, 5000, 'requests to work again');
        await waitUntil(() => events.some((e) => e.type === 'connected'), 5000, 'connected again');
      } finally {
        await port.close();
        await peer.cleanup();
      }
    });

    it('a missing control socket is a clear error naming it', async () => {
      await expect(createWpaSupplicantWifi({ ifname: 'wlan9', ctrlDir: '/nonexistent-dir', requireIp: false })).rejects.toMatchObject({
        message: expect.stringContaining('/nonexistent-dir/wlan9'),
      });
    });
  });
}

// Real wpa_supplicant, real hostapd: genuine 802.1X success and failure on a veth pair.
const EAP = { method: 'PWD', identity: 'alice', keyMgmt: 'IEEE8021X' as const };
const EAP_USERS = '"alice" PWD "correct-horse"\n';

if (unavailable) {
  describe('wpa_supplicant backend against real wpa_supplicant/hostapd', () => it.skip(`skipped: ${unavailable}`, () => undefined));
} else {
  runPortConformance(
    { describe, it },
    {
      name: 'adapter-linux wpa_supplicant (real wpa_supplicant -D wired + hostapd 802.1X)',
      async wifi(): Promise<WifiHarness> {
        const peer = await startWpaPeer({ driver: 'wired', eapUsers: EAP_USERS });
        let port: WpaSupplicantWifi;
        try {
          port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, requireIp: false, eap: EAP });
        } catch (e) {
          await peer.cleanup();
          throw e;
        }
        // A wire has no radio to scan.
        const { scan: _scan, ...noScan } = port;
        return {
          port: noScan,
          good: { ssid: 'wired-8021x', passphrase: 'correct-horse' },
          wrongPassphrase: { ssid: 'wired-8021x', passphrase: 'wrong-horse-battery' },
          eventTimeoutMs: 20000,
          cleanup: async () => {
            await port.close();
            await peer.cleanup();
          },
        };
      },
    },
  );

  describe('wpa_supplicant backend: command conformance on a real wpa_supplicant -D none', () => {
    it('networks go in, persist() writes them to the config file, forget() empties it', async () => {
      const peer = await startWpaPeer({ driver: 'none' });
      try {
        const port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, requireIp: false });
        try {
          await port.connect({ ssid: 'Café "HomeNet"', passphrase: 'correct horse battery', bssid: '02:00:00:00:01:00' }, { persist: false });
          expect(await port.hasStoredCredentials()).toBe(false);
          expect(await fs.readFile(peer.configFile, 'utf8')).not.toContain('network=');
          await port.persist();
          const saved = await fs.readFile(peer.configFile, 'utf8');
          expect(saved).toContain(`ssid=${Buffer.from('Café "HomeNet"').toString('hex')}`);
          expect(saved).toContain(`psk=${pskOf('Café "HomeNet"', 'correct horse battery')}\n`);
          expect(saved).not.toContain('correct horse');
          expect((await fs.stat(peer.configFile)).mode & 0o777).toBe(0o600);
          expect(saved).toContain('bssid=02:00:00:00:01:00');
          expect(saved).toContain('id_str="provision"');
          expect(await port.hasStoredCredentials()).toBe(true);
          await port.connect({ ssid: 'Other', passphrase: '' }, { persist: false });
          await port.disconnect();
          expect(await port.hasStoredCredentials()).toBe(true);
          await port.forget();
          expect(await port.hasStoredCredentials()).toBe(false);
          expect(await fs.readFile(peer.configFile, 'utf8')).not.toContain('network=');
        } finally {
          await port.close();
        }
      } finally {
        await peer.cleanup();
      }
    }, 30000);

    it('survives a real wpa_supplicant restart: the adapter reattaches and sees the saved network', async () => {
      const peer = await startWpaPeer({ driver: 'none' });
      try {
        const port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, requireIp: false, reconnectMs: 100 });
        try {
          await port.connect({ ssid: 'HomeNet', passphrase: 'correct horse battery' }, { persist: true });
          await peer.restartSupplicant();
          await waitUntil(async () => {
            try {
              return await port.hasStoredCredentials();
            } catch {
              return false;
            }
          }, 10000, 'the adapter to reattach and see the saved network');
          expect(await fs.readFile(peer.configFile, 'utf8')).toContain('id_str="provision"');
        } finally {
          await port.close();
        }
      } finally {
        await peer.cleanup();
      }
    }, 30000);

    it('without update_config=1, persist() fails with a clear message and no secret', async () => {
      const peer = await startWpaPeer({ driver: 'none' });
      try {
        const port = await createWpaSupplicantWifi({ ifname: peer.ifname, ctrlDir: peer.ctrlDir, requireIp: false });
        try {
          const r = await (await import('../src/wifi/wpa-ctrl')).openWpaSocket(`${peer.ctrlDir}/${peer.ifname}`, { clock: (await import('../src/clock')).nodeClock });
          expect((await r.request('SET update_config 0')).trim()).toBe('OK');
          await r.close();
          await port.connect({ ssid: 'HomeNet', passphrase: 'secret-passphrase' }, { persist: false });
          const err = await Promise.resolve(port.persist()).then(() => undefined, (e: Error) => e);
          expect(err?.message).toMatch(/SAVE_CONFIG failed.*update_config=1/);
          expect(err?.message).not.toContain('secret-passphrase');
        } finally {
          await port.close();
        }
      } finally {
        await peer.cleanup();
      }
    }, 30000);
  });
}

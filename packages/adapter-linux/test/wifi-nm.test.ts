import { describe, expect, it } from 'vitest';
import { runPortConformance, type WifiHarness } from '@provision/core/testing';
import type { WifiEvent } from '@provision/core';
import { createWifi, networkManagerManages } from '../src/wifi/detect';
import { classifyNmReason, createNetworkManagerWifi } from '../src/wifi/network-manager';
import { waitUntil } from './helpers';
import { nmMockUnavailable, startNmMock } from './nm-peer';

const HOME = { ssid: 'HomeNet', psk: 'correct horse battery', bssid: '02:00:00:00:01:00' };
const unavailable = nmMockUnavailable();

describe('NetworkManager reasons', () => {
  it('NO_SECRETS (7) is auth-error, SSID_NOT_FOUND (53) ap-not-found, the rest other', () => {
    expect(classifyNmReason(7)).toBe('auth-error');
    expect(classifyNmReason(53)).toBe('ap-not-found');
    for (const r of [0, 8, 9, 10, 11, 36, 39]) expect(classifyNmReason(r)).toBe('other');
  });
});

if (unavailable) {
  describe('NetworkManager backend against python-dbusmock', () => it.skip(`skipped: ${unavailable}`, () => undefined));
} else {
  runPortConformance(
    { describe, it },
    {
      name: 'adapter-linux NetworkManager (dbusmock on a private bus)',
      async wifi(): Promise<WifiHarness> {
        const peer = await startNmMock({ ifname: 'wlan0', networks: [HOME] });
        try {
          const port = await createNetworkManagerWifi({ ifname: 'wlan0', busAddress: peer.address });
          return {
            port,
            good: { ssid: HOME.ssid, passphrase: HOME.psk },
            wrongPassphrase: { ssid: HOME.ssid, passphrase: 'not the passphrase' },
            missingNetwork: { ssid: 'NotHere', passphrase: 'whatever-it-is' },
            eventTimeoutMs: 10000,
            cleanup: async () => {
              port.close();
              await peer.cleanup();
            },
          };
        } catch (e) {
          await peer.cleanup();
          throw e;
        }
      },
    },
  );

  describe('NetworkManager backend: what the real nmcli sees', () => {
    it('connect() makes an in-memory profile; persist() saves it; forget() deletes it', async () => {
      const peer = await startNmMock({ ifname: 'wlan0', networks: [HOME] });
      try {
        expect(await networkManagerManages('wlan0', peer.address)).toBe(true);
        expect(await networkManagerManages('eth7', peer.address)).toBe(false);
        const auto = await createWifi({ ifname: 'wlan0', busAddress: peer.address });
        expect(auto.backend).toBe('networkmanager');
        await auto.close();
        const wifi = await createNetworkManagerWifi({ ifname: 'wlan0', busAddress: peer.address });
        const events: WifiEvent[] = [];
        wifi.subscribe((e) => events.push(e));
        try {
          await wifi.connect({ ssid: HOME.ssid, passphrase: HOME.psk }, { persist: false });
          await waitUntil(() => events.some((e) => e.type === 'connected'), 10000, 'connected');
          const list = await peer.nmcli('-t', '-f', 'NAME,TYPE,FILENAME', 'connection', 'show');
          expect(list).toContain('provision-HomeNet:802-11-wireless:/run/NetworkManager/system-connections/');
          const details = await peer.nmcli('-t', '-f', '802-11-wireless.ssid,802-11-wireless.mode,802-11-wireless-security.key-mgmt,connection.interface-name', 'connection', 'show', 'provision-HomeNet');
          expect(details).toContain('802-11-wireless.ssid:HomeNet');
          expect(details).toContain('802-11-wireless-security.key-mgmt:wpa-psk');
          expect(details).toContain('connection.interface-name:wlan0');
          expect(details).not.toContain(HOME.psk);
          expect(await wifi.hasStoredCredentials()).toBe(false);
          await wifi.persist();
          expect(await peer.nmcli('-t', '-f', 'NAME,FILENAME', 'connection', 'show')).toContain('provision-HomeNet:/etc/NetworkManager/system-connections/');
          expect(await wifi.hasStoredCredentials()).toBe(true);
          await wifi.forget();
          expect(await peer.nmcli('-t', '-f', 'NAME', 'connection', 'show')).not.toContain('provision-HomeNet');
          expect(JSON.stringify(events)).not.toContain(HOME.psk);
        } finally {
          wifi.close();
        }
      } finally {
        await peer.cleanup();
      }
    }, 60000);

    it('reason 7 drives auth-error and 53 ap-not-found, raw reason kept; the failed profile is dropped on the next connect', async () => {
      const peer = await startNmMock({ ifname: 'wlan0', networks: [HOME] });
      try {
        const wifi = await createNetworkManagerWifi({ ifname: 'wlan0', busAddress: peer.address });
        const events: WifiEvent[] = [];
        wifi.subscribe((e) => events.push(e));
        try {
          await wifi.connect({ ssid: HOME.ssid, passphrase: 'wrong passphrase' }, { persist: false });
          await waitUntil(() => events.some((e) => e.type === 'disconnected'), 10000, 'auth-error');
          expect(events).toEqual([{ type: 'connecting' }, { type: 'connecting' }, { type: 'disconnected', reason: 'auth-error', raw: 7 }]);
          events.length = 0;
          await wifi.connect({ ssid: 'Elsewhere', passphrase: 'whatever-it-is' }, { persist: false });
          await waitUntil(() => events.some((e) => e.type === 'disconnected'), 10000, 'ap-not-found');
          expect(events.at(-1)).toEqual({ type: 'disconnected', reason: 'ap-not-found', raw: 53 });
          const names = await peer.nmcli('-t', '-f', 'NAME', 'connection', 'show');
          expect(names).toContain('provision-Elsewhere');
          expect(names).not.toContain('provision-HomeNet');
        } finally {
          wifi.close();
        }
      } finally {
        await peer.cleanup();
      }
    }, 60000);

    it('scan() lists the access points', async () => {
      const peer = await startNmMock({ ifname: 'wlan0', networks: [HOME, { ssid: 'Neighbour', psk: 'x'.repeat(8), bssid: '02:00:00:00:02:00' }] });
      try {
        const wifi = await createNetworkManagerWifi({ ifname: 'wlan0', busAddress: peer.address });
        try {
          const list = await wifi.scan();
          expect(list.map((n) => n.ssid).sort()).toEqual(['HomeNet', 'Neighbour']);
          expect(list[0]).toMatchObject({ rssi: -60, channel: 6, secure: true });
        } finally {
          wifi.close();
        }
      } finally {
        await peer.cleanup();
      }
    }, 60000);
  });
}

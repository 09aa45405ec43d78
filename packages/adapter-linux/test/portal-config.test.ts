// The daemon's transports.portal section: known keys only, each error naming the field and the allowed values.
import { describe, expect, it } from 'vitest';
import { parsePortalConfig } from '../src/portal/config';

describe('transports.portal', () => {
  it('R9.1 a full section is read as given; true and absent mean on and off', () => {
    expect(parsePortalConfig({ enabled: true, ssidPrefix: 'PROV', password: 'per-device-secret', address: '192.168.4.1/24', port: 8080, hostNames: ['provision.local'], graceMs: 5000, limits: { maxConnections: 32 }, backend: 'hostapd', concurrent: false })).toEqual({
      enabled: true,
      ssidPrefix: 'PROV',
      password: 'per-device-secret',
      address: '192.168.4.1/24',
      port: 8080,
      hostNames: ['provision.local'],
      graceMs: 5000,
      limits: { maxConnections: 32 },
      backend: 'hostapd',
      concurrent: false,
    });
    expect(parsePortalConfig(undefined)).toEqual({ enabled: false });
    expect(parsePortalConfig({ open: true })).toEqual({ enabled: true, open: true });
    expect(parsePortalConfig({ noAccessPoint: true })).toEqual({ enabled: true, noAccessPoint: true });
  });

  it('R9.1 a misspelt or wrong value is an error naming the field and what is allowed; the password is never echoed', () => {
    const cases: [unknown, RegExp][] = [
      [{ ssidprefix: 'PROV', password: 'per-device-secret' }, /transports\.portal\.ssidprefix is not a known key; allowed: enabled, ssidPrefix/],
      [{ password: 'short' }, /transports\.portal\.password must be 8 to 63 printable ASCII characters/],
      [{}, /transports\.portal\.password is required .* set "open": true for an open access point, which anyone in range can join \(insecure\)/],
      [true, /transports\.portal\.password is required/],
      [{ address: '192.168.4' }, /transports\.portal\.address must be an IPv4 address/],
      [{ port: 70000 }, /transports\.portal\.port must be an integer from 1 to 65535, got 70000/],
      [{ backend: 'nm' }, /transports\.portal\.backend must be auto, network-manager or hostapd/],
      [{ limits: { maxBody: 1 } }, /transports\.portal\.limits\.maxBody is not a known key/],
      [{ limits: { maxBodyBytes: 0 } }, /transports\.portal\.limits\.maxBodyBytes must be an integer from 1/],
      [{ enabled: 'yes' }, /transports\.portal\.enabled must be true or false/],
      [{ nextUrl: 'ftp://x' }, /transports\.portal\.nextUrl must be an http/],
      [[1], /transports\.portal must be an object or a boolean/],
    ];
    for (const [v, re] of cases) {
      expect(() => parsePortalConfig(v)).toThrow(re);
    }
    try {
      parsePortalConfig({ password: 'short' });
    } catch (e) {
      expect((e as Error).message).not.toContain('short"');
      expect((e as { code: string }).code).toBe('invalid-config');
    }
  });
});

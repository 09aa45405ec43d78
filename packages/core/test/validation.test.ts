// Bad input, rule by rule: configuration (R9.1), credentials (R9.2), corrupt stored data (R3.6) and
// the Mongoose OS config mapping (R9.3).
import { describe, expect, it } from 'vitest';
import {
  createProvisioner,
  isProvisionError,
  validateConfig,
  validateCredentials,
  type ProvisionConfig,
  type ProvisionError,
  type ProvisionEvents,
  type WifiCredentials,
} from '@provision/core';
import { fromMgosConfig } from '@provision/core/mgos';
import { createMemoryStorage, createRecordingSystem, createSimulatedDevice, SimulatedClock, type SimulatedDevice } from '@provision/core/testing';

function thrown(fn: () => unknown): ProvisionError {
  try {
    fn();
  } catch (e) {
    expect(isProvisionError(e)).toBe(true);
    return e as ProvisionError;
  }
  throw new Error('expected a ProvisionError, nothing was thrown');
}

async function rejected(p: Promise<unknown>): Promise<ProvisionError> {
  try {
    await p;
  } catch (e) {
    expect(isProvisionError(e)).toBe(true);
    return e as ProvisionError;
  }
  throw new Error('expected a rejection with a ProvisionError');
}

// ---- R9.1: configuration ------------------------------------------------------------------------

const I32_MIN = '-2147483648';
const I32_MAX = '2147483647';

/** [config, field, words the message must contain besides the field (the allowed range or values)] */
const badConfigs: [string, unknown, string, string[]][] = [
  // top level: out of range
  ['stableState below range', { stableState: -1 }, 'stableState', ['0', '255']],
  ['stableState above range', { stableState: 256 }, 'stableState', ['0', '255']],
  ['stableState not an integer', { stableState: 1.5 }, 'stableState', ['0', '255']],
  ['timeoutMs above int32', { timeoutMs: 2147483648 }, 'timeoutMs', [I32_MIN, I32_MAX]],
  ['timeoutMs below int32', { timeoutMs: -2147483649 }, 'timeoutMs', [I32_MIN, I32_MAX]],
  ['timeoutMs fractional', { timeoutMs: 1000.5 }, 'timeoutMs', [I32_MIN, I32_MAX]],
  ['timeoutMs infinite', { timeoutMs: Infinity }, 'timeoutMs', [I32_MIN, I32_MAX]],
  ['rebootDelayMs below range', { rebootDelayMs: -1 }, 'rebootDelayMs', ['0', '60000']],
  ['rebootDelayMs above range', { rebootDelayMs: 60001 }, 'rebootDelayMs', ['0', '60000']],
  // top level: wrong type
  ['stableState as a string', { stableState: '3' }, 'stableState', ['0', '255', 'got a string']],
  ['stableState NaN', { stableState: NaN }, 'stableState', ['0', '255']],
  ['stableState null', { stableState: null }, 'stableState', ['0', '255']],
  ['stableState boolean', { stableState: true }, 'stableState', ['0', '255']],
  ['rebootDelayMs as an array', { rebootDelayMs: [100] }, 'rebootDelayMs', ['0', '60000']],
  // top level: misspelt keys
  ['misspelt stablestate', { stablestate: 3 }, 'stablestate', ['stableState']],
  ['mgos-style timeout key', { timeout: 300 }, 'timeout', ['timeoutMs']],
  ['misspelt rebootDelay', { rebootDelay: 100 }, 'rebootDelay', ['rebootDelayMs']],
  // button
  ['button not an object', { button: 5000 }, 'button', ['object']],
  ['button as an array', { button: [] }, 'button', ['object']],
  ['button null', { button: null }, 'button', ['object']],
  ['button.holdMs above int32', { button: { holdMs: 2147483648 } }, 'button.holdMs', [I32_MIN, I32_MAX]],
  ['button.holdMs fractional', { button: { holdMs: 0.5 } }, 'button.holdMs', [I32_MIN, I32_MAX]],
  ['button.holdMs as a string', { button: { holdMs: '5000' } }, 'button.holdMs', [I32_MIN, I32_MAX]],
  ['button.debounceMs below range', { button: { debounceMs: -1 } }, 'button.debounceMs', ['0', '10000']],
  ['button.debounceMs above range', { button: { debounceMs: 10001 } }, 'button.debounceMs', ['0', '10000']],
  ['button.inhibitAfterMs below range', { button: { inhibitAfterMs: -1 } }, 'button.inhibitAfterMs', ['0', I32_MAX]],
  ['misspelt button.holdMS', { button: { holdMS: 5000 } }, 'button.holdMS', ['holdMs', 'debounceMs', 'inhibitAfterMs']],
  ['mgos-style button.hold_ms', { button: { hold_ms: 5000 } }, 'button.hold_ms', ['holdMs']],
  // led, led.patterns
  ['led not an object', { led: true }, 'led', ['object']],
  ['misspelt led.pattern', { led: { pattern: {} } }, 'led.pattern', ['patterns']],
  ['led.activeHigh belongs to the adapter', { led: { activeHigh: true } }, 'led.activeHigh', ['patterns']],
  ['led.patterns not an object', { led: { patterns: 'blink' } }, 'led.patterns', ['object']],
  ['led.patterns as an array', { led: { patterns: [{ on: 1, off: 1 }] } }, 'led.patterns', ['object']],
  ['led.patterns key above 255', { led: { patterns: { '256': { on: 1, off: 1 } } } }, 'led.patterns.256', ['0..255', 'stable', 'resetPending']],
  ['led.patterns key with a leading zero', { led: { patterns: { '01': { on: 1, off: 1 } } } }, 'led.patterns.01', ['0..255', 'stable']],
  ['misspelt led.patterns.stabel', { led: { patterns: { stabel: { on: 1, off: 0 } } } }, 'led.patterns.stabel', ['stable', 'resetPending']],
  ['negative state key', { led: { patterns: { '-1': { on: 1, off: 1 } } } }, 'led.patterns.-1', ['0..255']],
  ['led pattern not an object', { led: { patterns: { '1': 500 } } }, 'led.patterns.1', ['on', 'off']],
  ['led pattern without off', { led: { patterns: { '1': { on: 500 } } } }, 'led.patterns.1', ['on', 'off', '60000']],
  ['led pattern on below range', { led: { patterns: { '1': { on: -1, off: 500 } } } }, 'led.patterns.1.on', ['0', '60000']],
  ['led pattern off above range', { led: { patterns: { stable: { on: 1, off: 60001 } } } }, 'led.patterns.stable.off', ['0', '60000']],
  ['led pattern on as a string', { led: { patterns: { '2': { on: '250', off: 250 } } } }, 'led.patterns.2.on', ['0', '60000']],
  ['led pattern misspelt key', { led: { patterns: { '2': { on: 250, of: 250 } } } }, 'led.patterns.2.of', ['on', 'off']],
  // wifi
  ['wifi not an object', { wifi: 'off' }, 'wifi', ['object']],
  ['wifi.resetOnBadCredentials as a string', { wifi: { resetOnBadCredentials: 'yes' } }, 'wifi.resetOnBadCredentials', ['true', 'false']],
  ['wifi.resetOnBadCredentials as a number', { wifi: { resetOnBadCredentials: 1 } }, 'wifi.resetOnBadCredentials', ['true', 'false']],
  ['wifi.badCredentialAttempts zero', { wifi: { badCredentialAttempts: 0 } }, 'wifi.badCredentialAttempts', ['1', '100']],
  ['wifi.badCredentialAttempts above range', { wifi: { badCredentialAttempts: 101 } }, 'wifi.badCredentialAttempts', ['1', '100']],
  ['wifi.badCredentialAttempts fractional', { wifi: { badCredentialAttempts: 2.5 } }, 'wifi.badCredentialAttempts', ['1', '100']],
  ['misspelt wifi.badCredentialAttempt', { wifi: { badCredentialAttempt: 3 } }, 'wifi.badCredentialAttempt', ['badCredentialAttempts', 'resetOnBadCredentials']],
  // session
  ['session not an object', { session: 1 }, 'session', ['object']],
  ['session.attempts below range', { session: { attempts: -1 } }, 'session.attempts', ['0', '100']],
  ['session.attempts above range', { session: { attempts: 101 } }, 'session.attempts', ['0', '100']],
  ['session.autoStopMs below range', { session: { autoStopMs: -1 } }, 'session.autoStopMs', ['0', I32_MAX]],
  ['session.autoStopMs as a string', { session: { autoStopMs: '30s' } }, 'session.autoStopMs', ['0', I32_MAX]],
  ['session.persist unknown value', { session: { persist: 'later' } }, 'session.persist', ['after-connect', 'before-connect', 'got a string']],
  ['session.persist wrong type', { session: { persist: true } }, 'session.persist', ['after-connect', 'before-connect']],
  ['session.autoResetOnFailure as a number', { session: { autoResetOnFailure: 1 } }, 'session.autoResetOnFailure', ['true', 'false']],
  ['misspelt session.autostopMs', { session: { autostopMs: 1000 } }, 'session.autostopMs', ['autoStopMs', 'attempts', 'persist']],
];

/** Every leaf value of a JSON-like tree. */
function leafValues(v: unknown): unknown[] {
  if (v === null || typeof v !== 'object') return [v];
  return Object.values(v as object).flatMap(leafValues);
}

describe('R9.1: invalid configuration', () => {
  it.each(badConfigs)('%s', (_name, config, field, words) => {
    const e = thrown(() => validateConfig(config as ProvisionConfig));
    expect(e.code).toBe('invalid-config');
    expect(e.name).toBe('ProvisionError');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
    for (const w of words) expect(e.message).toContain(w);
    // The value itself is never echoed: it may be a secret typed into the wrong field (R10.3).
    for (const v of leafValues(config)) {
      if (typeof v === 'string' && v.length >= 3) expect(e.message).not.toContain(v);
      if (typeof v === 'number' && Math.abs(v) >= 2) expect(e.message).not.toMatch(new RegExp(`got ${String(v).replace('.', '\\.')}\\b`));
    }
    // The provisioner validates at construction with the same error (R9.1).
    const clock = new SimulatedClock();
    const c = thrown(() => createProvisioner({ clock, storage: createMemoryStorage(), system: createRecordingSystem(clock) }, config as ProvisionConfig));
    expect(c.code).toBe('invalid-config');
    expect(c.field).toBe(field);
    expect(c.message).toBe(e.message);
  });

  it.each([
    ['an array', [1]],
    ['a string', 'stableState=3'],
    ['a number', 42],
  ])('config that is %s', (_name, config) => {
    const e = thrown(() => validateConfig(config as unknown as ProvisionConfig));
    expect(e.code).toBe('invalid-config');
    expect(e.message).toMatch(/object/);
  });

  it('accepts every documented bound exactly, and fills in the defaults', () => {
    const lo = validateConfig({
      stableState: 0,
      timeoutMs: -2147483648,
      rebootDelayMs: 0,
      button: { holdMs: -2147483648, debounceMs: 0, inhibitAfterMs: 0 },
      led: { patterns: { '0': { on: 0, off: 0 }, resetPending: { on: 0, off: 60000 } } },
      wifi: { resetOnBadCredentials: false, badCredentialAttempts: 1 },
      session: { attempts: 0, autoStopMs: 0, persist: 'before-connect', autoResetOnFailure: true },
    });
    expect(lo.stableState).toBe(0);
    expect(lo.button).toEqual({ holdMs: -2147483648, debounceMs: 0, inhibitAfterMs: 0 });
    expect(lo.wifi).toEqual({ resetOnBadCredentials: false, badCredentialAttempts: 1 });
    const hi = validateConfig({
      stableState: 255,
      timeoutMs: 2147483647,
      rebootDelayMs: 60000,
      button: { holdMs: 2147483647, debounceMs: 10000, inhibitAfterMs: 2147483647 },
      led: { patterns: { '255': { on: 60000, off: 60000 }, stable: { on: 1, off: 0 } } },
      wifi: { badCredentialAttempts: 100 },
      session: { attempts: 100, autoStopMs: 2147483647 },
    });
    expect(hi.rebootDelayMs).toBe(60000);
    expect(hi.led.patterns['255']).toEqual({ on: 60000, off: 60000 });
    expect(hi.session.attempts).toBe(100);
    expect(validateConfig(undefined)).toEqual({
      stableState: 3,
      timeoutMs: 300000,
      rebootDelayMs: 100,
      resetStepTimeoutMs: 2000,
      button: { holdMs: 0, debounceMs: 50, inhibitAfterMs: 0 },
      led: { patterns: {} },
      wifi: { resetOnBadCredentials: true, badCredentialAttempts: 3 },
      session: { attempts: 0, autoStopMs: 30000, persist: 'after-connect', autoResetOnFailure: false },
    });
  });
});

// ---- R9.2: credentials --------------------------------------------------------------------------

const HOME = { ssid: 'Home', passphrase: 'correct horse battery' };
const HEX64 = '0123456789abcdefABCDEF0123456789abcdef0123456789ABCDEF0123456789';

/** [name, credentials, field] — each must be refused. */
const badCreds: [string, unknown, string][] = [
  ['SSID of 0 bytes', { ssid: '', passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID of 33 ASCII bytes', { ssid: 'S'.repeat(33), passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID of 33 bytes: 16 two-byte characters and one more byte', { ssid: 'é'.repeat(16) + 'x', passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID of 33 bytes: 11 three-byte characters', { ssid: '€'.repeat(11), passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID of 34 bytes: a four-byte character across the 32-byte boundary', { ssid: 'a'.repeat(30) + '😀', passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID with a lone high surrogate', { ssid: 'Home\ud800', passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID with a lone low surrogate', { ssid: '\udc00Home', passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID with a reversed surrogate pair', { ssid: 'Ho\ude00\ud83dme', passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID not a string', { ssid: 42, passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['SSID missing', { passphrase: 'Tr0ub4dor&3-secret' }, 'ssid'],
  ['passphrase of 7 characters', { ssid: 'Home', passphrase: 'S3cr3t!' }, 'passphrase'],
  ['passphrase of 64 characters, not all hex', { ssid: 'Home', passphrase: 'g' + HEX64.slice(1) }, 'passphrase'],
  ['passphrase of 65 characters', { ssid: 'Home', passphrase: 'Zebra-' + 'q'.repeat(59) }, 'passphrase'],
  ['passphrase of 65 hex digits', { ssid: 'Home', passphrase: HEX64 + 'a' }, 'passphrase'],
  ['passphrase with non-ASCII characters', { ssid: 'Home', passphrase: 'pässwörd-geheim' }, 'passphrase'],
  ['passphrase with a control character', { ssid: 'Home', passphrase: 'tab\there-secret' }, 'passphrase'],
  ['passphrase with DEL', { ssid: 'Home', passphrase: 'del\u007fhere-secret' }, 'passphrase'],
  ['passphrase not a string', { ssid: 'Home', passphrase: 12345678 }, 'passphrase'],
  ['BSSID with 5 octets', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', bssid: 'aa:bb:cc:dd:ee' }, 'bssid'],
  ['BSSID with 7 octets', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', bssid: 'aa:bb:cc:dd:ee:ff:00' }, 'bssid'],
  ['BSSID with a non-hex digit', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', bssid: 'aa:bb:cc:dd:ee:fg' }, 'bssid'],
  ['BSSID without separators', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', bssid: 'aabbccddeeff' }, 'bssid'],
  ['BSSID with a wrong separator', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', bssid: 'aa.bb.cc.dd.ee.ff' }, 'bssid'],
  ['BSSID not a string', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', bssid: 0xaabbccddeeff }, 'bssid'],
  ['channel negative', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', channel: -1 }, 'channel'],
  ['channel above range', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', channel: 197 }, 'channel'],
  ['channel fractional', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', channel: 6.5 }, 'channel'],
  ['channel as a string', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', channel: '6' }, 'channel'],
  ['misspelt password field', { ssid: 'Home', password: 'Tr0ub4dor&3-secret' }, 'password'],
];

interface Snapshot {
  connects: number;
  writes: number;
  applied: WifiCredentials | undefined;
  stored: WifiCredentials | undefined;
  record: string | undefined;
  cur: number;
  wifiState: string;
  session: string;
}

function snapshot(dev: SimulatedDevice): Snapshot {
  return {
    connects: dev.wifi.calls.connect || 0,
    writes: dev.storage.writes,
    applied: dev.wifi.applied(),
    stored: dev.wifi.stored(),
    record: dev.storage.rawRecord(),
    cur: dev.prov.getCurState(),
    wifiState: dev.prov.getWifiState(),
    session: dev.prov.getSessionState(),
  };
}

/** A started device connected to Home, every event it emits collected. */
async function connectedDevice(withSession: boolean): Promise<{ dev: SimulatedDevice; events: string[] }> {
  const dev = createSimulatedDevice({ networks: { Home: HOME.passphrase }, config: { button: { holdMs: -1 }, session: { autoStopMs: 0 } } });
  const events: string[] = [];
  const names: (keyof ProvisionEvents)[] = ['state', 'wifi', 'set-sta-config', 'cred-recv', 'cred-fail', 'reset', 'error', 'warning'];
  for (const n of names) dev.prov.on(n, (p) => events.push(`${n} ${JSON.stringify(p)}`));
  await dev.prov.start();
  if (withSession) dev.prov.startSession();
  await dev.prov.configureSta(HOME);
  expect(dev.prov.getCurState()).toBe(2);
  events.length = 0;
  return { dev, events };
}

describe('R9.2: invalid credentials', () => {
  it.each(badCreds)('%s', async (_name, creds, field) => {
    // Directly…
    const e = thrown(() => validateCredentials(creds as WifiCredentials));
    expect(e.code).toBe('invalid-credentials');
    expect(e.field).toBe(field);
    const secret = (creds as { passphrase?: unknown; password?: unknown }).passphrase ?? (creds as { password?: unknown }).password;
    if (typeof secret === 'string' && secret.length > 0) {
      // R10.3: never echo the secret, not even a part of it.
      expect(e.message).not.toContain(secret);
      expect(e.message).not.toContain(secret.slice(0, 6));
      expect(JSON.stringify(e)).not.toContain(secret);
    }
    // …and through configureSta, with and without a session: nothing stored, the current
    // connection untouched, no event.
    for (const withSession of [false, true]) {
      const { dev, events } = await connectedDevice(withSession);
      const before = snapshot(dev);
      const r = await rejected(dev.prov.configureSta(creds as WifiCredentials));
      expect(r.code).toBe('invalid-credentials');
      expect(r.field).toBe(field);
      expect(r.message).toBe(e.message);
      dev.clock.advance(60000);
      expect(snapshot(dev)).toEqual(before);
      expect(events).toEqual([]);
      expect(dev.system.reboots).toEqual([]);
    }
  });

  it.each([
    ['credentials null', null],
    ['credentials a string', 'Home'],
  ])('%s', async (_name, creds) => {
    const e = thrown(() => validateCredentials(creds as unknown as WifiCredentials));
    expect(e.code).toBe('invalid-credentials');
    const { dev, events } = await connectedDevice(false);
    const before = snapshot(dev);
    expect((await rejected(dev.prov.configureSta(creds as unknown as WifiCredentials))).code).toBe('invalid-credentials');
    expect(snapshot(dev)).toEqual(before);
    expect(events).toEqual([]);
  });

  it.each([
    ['an SSID of exactly 32 ASCII bytes', { ssid: 'S'.repeat(32), passphrase: 'Tr0ub4dor&3-secret' }],
    ['an SSID of 32 bytes in two-byte characters', { ssid: 'é'.repeat(16), passphrase: 'Tr0ub4dor&3-secret' }],
    ['an SSID of 32 bytes ending in a three-byte character', { ssid: 'a'.repeat(29) + '€', passphrase: 'Tr0ub4dor&3-secret' }],
    ['an SSID of 32 bytes ending in a four-byte character', { ssid: 'a'.repeat(28) + '😀', passphrase: 'Tr0ub4dor&3-secret' }],
    ['a one-byte SSID on an open network', { ssid: 'x', passphrase: '' }],
    ['no passphrase (open network)', { ssid: 'Cafe' }],
    ['a passphrase of 8 printable characters', { ssid: 'Home', passphrase: ' !~azAZ9' }],
    ['a passphrase of 63 printable characters', { ssid: 'Home', passphrase: 'p'.repeat(63) }],
    ['a PSK of 64 hex digits, mixed case', { ssid: 'Home', passphrase: HEX64 }],
    ['a BSSID with dashes', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', bssid: 'AA-BB-CC-DD-EE-0F' }],
    ['channel 1', { ssid: 'Home', passphrase: 'Tr0ub4dor&3-secret', channel: 1 }],
  ])('accepts %s', async (_name, creds) => {
    const out = validateCredentials(creds as WifiCredentials);
    expect(out.ssid).toBe(creds.ssid);
    if ('bssid' in creds) expect(out.bssid).toBe('aa:bb:cc:dd:ee:0f');
    const dev = createSimulatedDevice({ config: { button: { holdMs: -1 } } });
    await dev.prov.start();
    await dev.prov.configureSta(creds as WifiCredentials);
    expect(dev.wifi.calls.connect).toBe(1);
    expect(dev.wifi.applied()!.ssid).toBe(creds.ssid);
  });
});

// ---- R3.6: corrupt stored data ------------------------------------------------------------------

const corruptRecords: [string, string][] = [
  ['truncated JSON', '{"v":1,"max":2,"wifiConf'],
  ['an empty file', ''],
  ['wrong version', '{"v":2,"max":2,"wifiConfigured":true}'],
  ['no version', '{"max":2,"wifiConfigured":true}'],
  ['max 256', '{"v":1,"max":256,"wifiConfigured":true}'],
  ['max -1', '{"v":1,"max":-1,"wifiConfigured":false}'],
  ['max 1.5', '{"v":1,"max":1.5,"wifiConfigured":false}'],
  ['max "2"', '{"v":1,"max":"2","wifiConfigured":false}'],
  ['max missing', '{"v":1,"wifiConfigured":false}'],
  ['wifiConfigured "yes"', '{"v":1,"max":2,"wifiConfigured":"yes"}'],
  ['an array', '[1,2,true]'],
  ['null', 'null'],
  ['a number', '3'],
  ['a string', '"provisioned"'],
];

const corruptJournals: [string, string][] = [
  ['truncated JSON', '{"resets":[{"cause":"app","at":1'],
  ['resets not an array', '{"resets":"app","buttonLatched":false}'],
  ['buttonLatched "yes"', '{"resets":[],"buttonLatched":"yes"}'],
  ['an unknown cause', '{"resets":[{"cause":"meteor","at":1}],"buttonLatched":false}'],
  ['an entry without time', '{"resets":[{"cause":"app"}],"buttonLatched":true}'],
  ['an array', '[]'],
  ['null', 'null'],
];

async function bootOn(storage: ReturnType<typeof createMemoryStorage>, storedCredentials?: WifiCredentials): Promise<{ dev: SimulatedDevice; events: string[] }> {
  const dev = createSimulatedDevice({ storage, storedCredentials, config: { timeoutMs: 1000 } });
  const events: string[] = [];
  for (const n of ['warning', 'reset', 'error', 'state'] as const) dev.prov.on(n, () => events.push(n));
  const started = dev.prov.start();
  dev.clock.advance(10); // boot-hold sampling (R5.2), button released
  await started;
  return { dev, events };
}

describe('R3.6: a corrupt stored record or journal recovers to defaults, warns, and never resets', () => {
  it.each(corruptRecords)('record: %s', async (_name, raw) => {
    const storage = createMemoryStorage();
    storage.corrupt(raw);
    const { dev, events } = await bootOn(storage);
    expect(events).toContain('warning');
    expect(events).not.toContain('reset');
    expect(dev.prov.getMaxState()).toBe(0);
    expect(dev.prov.getCurState()).toBe(0);
    expect(dev.prov.isWifiConfigured()).toBe(false);
    expect(dev.prov.isProvisioned()).toBe(false);
    // Nothing stored was changed, and time passing does not turn it into a reset either.
    dev.clock.advance(3600000);
    expect(storage.rawRecord()).toBe(raw);
    expect(storage.writes).toBe(0);
    expect(dev.system.reboots).toEqual([]);
    expect(events).not.toContain('reset');
  });

  it.each(corruptJournals)('journal: %s (a valid record is still adopted)', async (_name, raw) => {
    const record = { v: 1, max: 3, wifiConfigured: true };
    const storage = createMemoryStorage({ record });
    storage.corruptJournal(raw);
    const journalBefore = (() => {
      try {
        return JSON.stringify(storage.loadJournal());
      } catch (e) {
        return `throws ${(e as Error).message}`;
      }
    })();
    storage.resetCounters();
    // The record says Wi-Fi is configured, and the credentials are there (else R3.8 would rewind it).
    const { dev, events } = await bootOn(storage, HOME);
    expect(events).toContain('warning');
    expect(events).not.toContain('reset');
    expect(dev.prov.getResetJournal()).toEqual({ resets: [], buttonLatched: false });
    expect(dev.prov.getMaxState()).toBe(3);
    expect(dev.prov.isWifiConfigured()).toBe(true);
    dev.clock.advance(3600000);
    expect(storage.writes).toBe(0);
    expect(storage.calls.saveJournal).toBeUndefined();
    expect(storage.rawRecord()).toBe(JSON.stringify(record));
    const journalAfter = (() => {
      try {
        return JSON.stringify(storage.loadJournal());
      } catch (e) {
        return `throws ${(e as Error).message}`;
      }
    })();
    expect(journalAfter).toBe(journalBefore);
    expect(dev.system.reboots).toEqual([]);
  });

  it('a record that cannot be read at all (load throws) is a warning too, and the record stays', async () => {
    const record = { v: 1, max: 1, wifiConfigured: false };
    const storage = createMemoryStorage({ record });
    storage.failNext('load');
    const { dev, events } = await bootOn(storage);
    expect(events).toEqual(['warning', 'state']);
    expect(dev.prov.getMaxState()).toBe(0);
    dev.clock.advance(3600000);
    expect(events).not.toContain('reset');
    expect(storage.rawRecord()).toBe(JSON.stringify(record));
    expect(storage.writes).toBe(0);
  });
});

// ---- R9.3: fromMgosConfig -----------------------------------------------------------------------

describe('R9.3: fromMgosConfig maps a Mongoose OS provision section', () => {
  it('maps every key of the full mgos section', () => {
    const out = fromMgosConfig({
      provision: {
        btn: { pin: 17, pull_up: true, hold_ms: 5000, inhibit_after_s: 60 },
        led: { pin: 2, active_high: false },
        stable_state: 2,
        timeout: 600,
      },
    });
    expect(out.config).toEqual({ stableState: 2, timeoutMs: 600000, button: { holdMs: 5000, inhibitAfterMs: 60000 } });
    expect(out.button).toEqual({ pin: 17, pullUp: true });
    expect(out.led).toEqual({ pin: 2, activeHigh: false });
    // The result is a valid config of ours.
    const cfg = validateConfig(out.config);
    expect(cfg.button).toEqual({ holdMs: 5000, debounceMs: 50, inhibitAfterMs: 60000 });
  });

  it.each([
    ['the section itself', { btn: { pin: 0, hold_ms: 3000 }, stable_state: 3 }],
    ['the section under provision', { provision: { btn: { pin: 0, hold_ms: 3000 }, stable_state: 3 } }],
    ['the old button.* names', { provision: { button: { pin: 0, hold_ms: 3000 }, stable_state: 3 } }],
    ['a JSON string', JSON.stringify({ provision: { btn: { pin: 0, hold_ms: 3000 }, stable_state: 3 } })],
  ])('accepts %s', (_name, json) => {
    const out = fromMgosConfig(json);
    expect(out.config).toEqual({ stableState: 3, button: { holdMs: 3000 } });
    expect(out.button).toEqual({ pin: 0, pullUp: false });
    expect(out.led).toBeUndefined();
  });

  it.each([
    ['timeout in seconds → ms', { timeout: 300 }, { timeoutMs: 300000 }],
    ['fractional seconds', { timeout: 0.25 }, { timeoutMs: 250 }],
    ['timeout 0 (disabled)', { timeout: 0 }, { timeoutMs: 0 }],
    ['a negative timeout (disabled)', { timeout: -1 }, { timeoutMs: -1000 }],
    ['stable_state 0', { stable_state: 0 }, { stableState: 0 }],
    ['a negative button pin disables the button', { btn: { pin: -1, hold_ms: 5000 } }, { button: { holdMs: -1 } }],
    ['a negative hold_ms disables the button', { btn: { pin: 4, hold_ms: -1 } }, { button: { holdMs: -1 } }],
    ['hold_ms 0 is hold-while-booting', { btn: { pin: 4, hold_ms: 0 } }, { button: { holdMs: 0 } }],
    ['inhibit_after_s 0 means never', { btn: { pin: 4, inhibit_after_s: 0 } }, { button: {} }],
    ['inhibit_after_s fractional', { btn: { pin: 4, inhibit_after_s: 1.5 } }, { button: { inhibitAfterMs: 1500 } }],
    ['wifi_configured and configured are device state, ignored', { wifi_configured: true, configured: true }, {}],
  ])('%s', (_name, section, config) => {
    expect(fromMgosConfig({ provision: section }).config).toEqual(config);
  });

  it('a negative button pin yields no button wiring; a negative LED pin no LED', () => {
    const out = fromMgosConfig({ provision: { btn: { pin: -1, pull_up: true }, led: { pin: -1, active_high: true } } });
    expect(out.button).toBeUndefined();
    expect(out.led).toBeUndefined();
  });

  it('led.active_high defaults to true, btn.pull_up to false', () => {
    const out = fromMgosConfig({ provision: { btn: { pin: 0 }, led: { pin: 13 } } });
    expect(out.led).toEqual({ pin: 13, activeHigh: true });
    expect(out.button).toEqual({ pin: 0, pullUp: false });
  });

  it.each([
    ['an unknown provision key', { provision: { stable: 3 } }, 'provision.stable'],
    ['an unknown btn key', { provision: { btn: { pin: 0, hold: 5000 } } }, 'provision.btn.hold'],
    ['an unknown button key (old names)', { provision: { button: { pin: 0, holdms: 5000 } } }, 'provision.button.holdms'],
    ['an unknown led key', { provision: { led: { pin: 2, inverted: true } } }, 'provision.led.inverted'],
    ['btn.pin as a string', { provision: { btn: { pin: '17' } } }, 'provision.btn.pin'],
    ['btn.pull_up as a number', { provision: { btn: { pin: 17, pull_up: 1 } } }, 'provision.btn.pull_up'],
    ['led.active_high as a string', { provision: { led: { pin: 2, active_high: 'no' } } }, 'provision.led.active_high'],
    ['timeout as a string', { provision: { timeout: '300' } }, 'provision.timeout'],
    ['btn not an object', { provision: { btn: 17 } }, 'provision.btn'],
  ])('refuses %s', (_name, json, field) => {
    const e = thrown(() => fromMgosConfig(json));
    expect(e.code).toBe('invalid-config');
    expect(e.field).toBe(field);
    expect(e.message).toContain(field);
  });

  it('refuses values our config cannot hold, naming the mgos key in mgos units', () => {
    const e = thrown(() => fromMgosConfig({ provision: { stable_state: 300 } }));
    expect(e.code).toBe('invalid-config');
    expect(e.field).toBe('provision.stable_state');
    expect(e.message).toBe('mgos provision.stable_state must be an integer from 0 to 255, got an integer out of range');
    const f = thrown(() => fromMgosConfig({ provision: { timeout: 3000000 } }));
    expect(f.code).toBe('invalid-config');
    expect(f.field).toBe('provision.timeout');
    expect(f.message).toBe('mgos provision.timeout must be a number from -2147483 to 2147483 (seconds), got a number out of range');
  });

  it.each([
    ['btn.pin 1.5', { btn: { pin: 1.5 } }, 'provision.btn.pin', 'an integer from -2147483648 to 65535'],
    ['btn.pin 1e300', { btn: { pin: 1e300 } }, 'provision.btn.pin', 'an integer from -2147483648 to 65535'],
    ['led.pin 2.5', { led: { pin: 2.5 } }, 'provision.led.pin', 'an integer from -2147483648 to 65535'],
    ['led.pin 1e300', { led: { pin: 1e300 } }, 'provision.led.pin', 'an integer from -2147483648 to 65535'],
    ['button.pin (old names) 3.25', { button: { pin: 3.25 } }, 'provision.button.pin', 'an integer'],
    ['btn.hold_ms 0.5', { btn: { pin: 0, hold_ms: 0.5 } }, 'provision.btn.hold_ms', '(ms)'],
    ['btn.hold_ms 1e300', { btn: { pin: 0, hold_ms: 1e300 } }, 'provision.btn.hold_ms', '(ms)'],
    ['btn.inhibit_after_s 1e300', { btn: { pin: 0, inhibit_after_s: 1e300 } }, 'provision.btn.inhibit_after_s', '(seconds)'],
    ['stable_state 1.5', { stable_state: 1.5 }, 'provision.stable_state', 'an integer from 0 to 255'],
    ['timeout -1e300', { timeout: -1e300 }, 'provision.timeout', '(seconds)'],
  ])('R9.3 validates mgos numbers like ours: %s is refused, naming the mgos key', (_name, section, field, words) => {
    const e = thrown(() => fromMgosConfig({ provision: section }));
    expect(e.code).toBe('invalid-config');
    expect(e.field).toBe(field);
    expect(e.message).toContain(`mgos ${field} must be`);
    expect(e.message).toContain(words);
    expect(e.message).not.toMatch(/1e\+?300|1\.5|2\.5|3\.25|0\.5/);
  });

  it('R9.3 never echoes an mgos value: a secret pasted into a wrong field stays out of the message', () => {
    const secret = 'hunter2-correct-horse';
    for (const section of [{ timeout: secret }, { btn: { pin: secret } }, { btn: { pull_up: secret } }, { led: { active_high: secret } }, { stable_state: secret }]) {
      const e = thrown(() => fromMgosConfig({ provision: section }));
      expect(e.message).not.toContain(secret);
      expect(e.message).not.toContain('hunter');
      expect(e.message).toContain('got a string');
    }
  });

  it.each([
    ['invalid JSON', '{"provision": {'],
    ['an array', [{ provision: {} }]],
    ['null', null],
    ['a number', 5],
  ])('refuses %s', (_name, json) => {
    expect(thrown(() => fromMgosConfig(json)).code).toBe('invalid-config');
  });
});

import { describe, expect, it } from 'vitest';
import { boot, HOME, MISSING, names, payloads, rebootDevice, WRONG } from './helpers';

const SESSION_EVENTS = ['init', 'start', 'set-sta-config', 'cred-recv', 'cred-fail', 'cred-success', 'end', 'deinit'] as const;

describe('§8 bad credentials (without a session)', () => {
  it('R8.1 wifiConfigured is false on a fresh device, set by the first connection, persisted', async () => {
    const { dev } = await boot();
    expect(dev.prov.isWifiConfigured()).toBe(false);
    await dev.prov.configureSta(HOME);
    expect(dev.prov.isWifiConfigured()).toBe(true);
    expect(JSON.parse(dev.storage.rawRecord()!).wifiConfigured).toBe(true);
    await rebootDevice(dev);
    expect(dev.prov.isWifiConfigured()).toBe(true);
  });

  it('R8.1 wifiConfigured never goes back to false except by factory reset', async () => {
    const { dev } = await boot();
    await dev.prov.configureSta(HOME);
    await dev.prov.configureSta(WRONG);
    dev.clock.advance(60_000);
    await dev.prov.resetProvisioning();
    dev.prov.setMaxState(0);
    expect(dev.prov.isWifiConfigured()).toBe(true);
  });

  it('R8.2 three consecutive definitive failures before the first good connection → reset, cause bad-credentials', async () => {
    const { dev, log } = await boot();
    await dev.prov.configureSta(WRONG); // attempt 1 fails at once
    dev.clock.advance(5000); // retry 2
    expect(names(log, ['reset'])).toEqual([]);
    dev.clock.advance(5000); // retry 3
    expect(payloads(log, 'reset')).toEqual([{ cause: 'bad-credentials' }]);
  });

  it('R8.2 ap-not-found counts too; other reasons neither count nor break the run', async () => {
    const { dev, log } = await boot();
    await dev.prov.configureSta(MISSING); // 1
    dev.wifi.drop('other', 'BEACON_TIMEOUT'); // neither counts nor breaks
    dev.clock.advance(5000); // 2
    dev.wifi.drop('other');
    expect(names(log, ['reset'])).toEqual([]);
    dev.clock.advance(5000); // 3
    expect(payloads(log, 'reset')).toEqual([{ cause: 'bad-credentials' }]);
  });

  it('R8.2 new credentials start a new count', async () => {
    const { dev, log } = await boot();
    await dev.prov.configureSta(WRONG);
    dev.clock.advance(5000);
    await dev.prov.configureSta(MISSING);
    dev.clock.advance(5000);
    expect(names(log, ['reset'])).toEqual([]);
    dev.clock.advance(5000);
    expect(payloads(log, 'reset')).toEqual([{ cause: 'bad-credentials' }]);
  });

  it('R8.2 once wifiConfigured is true, Wi-Fi failures never reset the device', async () => {
    const { dev, log } = await boot({ config: { timeoutMs: 0 } });
    await dev.prov.configureSta(HOME);
    dev.wifi.answer('auth-error');
    dev.wifi.drop('auth-error', 'WRONG_KEY');
    dev.clock.advance(3_600_000);
    expect(names(log, ['reset'])).toEqual([]);
  });

  it('R8.2 wifi.resetOnBadCredentials false turns it off; badCredentialAttempts 1 resets at once', async () => {
    const off = await boot({ config: { timeoutMs: 0, wifi: { resetOnBadCredentials: false } } });
    await off.dev.prov.configureSta(WRONG);
    off.dev.clock.advance(3_600_000);
    expect(names(off.log, ['reset'])).toEqual([]);
    const one = await boot({ config: { wifi: { badCredentialAttempts: 1 } } });
    await one.dev.prov.configureSta(WRONG);
    expect(payloads(one.log, 'reset')).toEqual([{ cause: 'bad-credentials' }]);
  });
});

describe('§8 the provisioning session (ESP-IDF manager semantics)', () => {
  it('R8.3 states and events: idle → started → cred-recv → success → stopping → idle', async () => {
    const { dev, log } = await boot({ joinMs: 1000 });
    expect(dev.prov.getSessionState()).toBe('idle');
    dev.prov.startSession();
    expect(dev.prov.getSessionState()).toBe('started');
    await dev.prov.configureSta(HOME);
    expect(dev.prov.getSessionState()).toBe('cred-recv');
    dev.clock.advance(1000);
    expect(dev.prov.getSessionState()).toBe('success');
    dev.prov.stopSession();
    expect(dev.prov.getSessionState()).toBe('idle');
    expect(names(log, [...SESSION_EVENTS])).toEqual(['init', 'start', 'set-sta-config', 'cred-recv', 'cred-success', 'end', 'deinit']);
  });

  it('R8.3 set-sta-config lets the app amend the credentials; the passphrase is writable, never readable', async () => {
    const { dev, log } = await boot();
    dev.wifi.addNetwork('Amended', 'amended passphrase');
    dev.prov.startSession();
    dev.prov.on('set-sta-config', (e) => e.amend({ ssid: 'Amended', passphrase: 'amended passphrase' }));
    await dev.prov.configureSta({ ssid: 'Typed', passphrase: 'typed passphrase' });
    expect(dev.wifi.stored()).toEqual({ ssid: 'Amended', passphrase: 'amended passphrase' });
    expect(payloads(log, 'cred-recv')).toEqual([{ ssid: 'Amended' }]);
    expect(JSON.stringify(log)).not.toContain('passphrase"');
  });

  it('R8.3 starting a running session is an invalid-state error', async () => {
    const { dev } = await boot();
    dev.prov.startSession();
    expect(() => dev.prov.startSession()).toThrow(expect.objectContaining({ code: 'invalid-state' }));
  });

  it('R8.4 configureSta validates, emits cred-recv, sets cur 1 and starts connecting at once (IDF waits 1 s)', async () => {
    const { dev, log } = await boot({ joinMs: 3000 });
    dev.prov.startSession();
    await dev.prov.configureSta(HOME);
    expect(payloads(log, 'cred-recv')).toEqual([{ ssid: 'HomeNet' }]);
    expect(dev.prov.getCurState()).toBe(1);
    expect(dev.wifi.calls.connect).toBe(1);
    expect(dev.prov.getWifiState()).toBe('connecting');
  });

  it('R8.4 credentials are persisted only after the connection succeeds (IDF stores them first)', async () => {
    const { dev } = await boot({ joinMs: 3000 });
    await dev.prov.configureSta(HOME);
    expect(dev.wifi.stored()).toBeUndefined();
    dev.clock.advance(3000);
    expect(dev.wifi.stored()).toEqual(HOME);
  });

  it("R8.4 persist: 'before-connect' gives IDF's behaviour", async () => {
    const { dev } = await boot({ joinMs: 3000, config: { session: { persist: 'before-connect' } } });
    await dev.prov.configureSta(WRONG);
    expect(dev.wifi.stored()).toEqual(WRONG);
  });

  it('R8.5 a definitive failure → fail, cred-fail with the reason, credentials discarded, reason kept', async () => {
    const { dev, log } = await boot();
    dev.prov.startSession();
    await dev.prov.configureSta(WRONG);
    expect(dev.prov.getSessionState()).toBe('fail');
    expect(payloads(log, 'cred-fail')).toEqual([{ reason: 'auth-error', raw: 'WRONG_KEY' }]);
    expect(dev.prov.getWifiDisconnectReason()).toBe('auth-error');
    expect(dev.wifi.applied()).toBeUndefined();
    expect(dev.wifi.stored()).toBeUndefined();
  });

  it('R8.5 cred-fail carries the reason of THIS failure (IDF v5.4.1–v5.5.x sends the previous one)', async () => {
    const { dev, log } = await boot({ config: { session: { attempts: 2 } } });
    dev.prov.startSession();
    dev.wifi.answer('ap-not-found');
    await dev.prov.configureSta(HOME); // try 1: ap-not-found → attempt-failed
    expect(dev.prov.getWifiState()).toBe('attempt-failed');
    expect(payloads<{ attemptsRemaining?: number }>(log, 'wifi').slice(-1)[0].attemptsRemaining).toBe(1);
    dev.wifi.answer('auth-error');
    dev.clock.advance(5000); // try 2: auth-error → fail
    expect(payloads(log, 'cred-fail')).toEqual([{ reason: 'auth-error', raw: 'WRONG_KEY' }]);
  });

  it('R8.5 attempts 0: definitive reasons fail at once, other reasons retry', async () => {
    const { dev, log } = await boot();
    dev.prov.startSession();
    dev.wifi.answer('other');
    await dev.prov.configureSta(HOME);
    dev.clock.advance(20_000);
    expect(dev.prov.getSessionState()).toBe('cred-recv');
    expect(dev.prov.getWifiState()).toBe('connecting');
    dev.wifi.answer('ap-not-found');
    dev.clock.advance(5000);
    expect(payloads(log, 'cred-fail')).toEqual([{ reason: 'ap-not-found', raw: 'NO_AP_FOUND' }]);
  });

  it('R8.5 while a session is active a failure never triggers the bad-credentials reset', async () => {
    const { dev, log } = await boot({ config: { wifi: { badCredentialAttempts: 1 } } });
    dev.prov.startSession();
    await dev.prov.configureSta(WRONG);
    dev.clock.advance(60_000);
    expect(names(log, ['reset'])).toEqual([]);
  });

  it('R8.5 resetOnFailure() without a running session returns false (nothing to reset) and changes nothing', async () => {
    const { dev, log } = await boot();
    dev.prov.setCurState(2);
    const before = log.length;
    expect(dev.prov.resetOnFailure()).toBe(false);
    dev.prov.startSession();
    dev.prov.stopSession();
    expect(dev.prov.resetOnFailure()).toBe(false);
    expect(dev.prov.getMaxState()).toBe(2);
    expect(names(log.slice(before), ['state'])).toEqual([]);
  });

  it('R8.5 resetOnFailure returns to started and rewinds to state 0, cancelling the timeout', async () => {
    const { dev, log } = await boot({ config: { timeoutMs: 10_000 } });
    dev.prov.startSession();
    await dev.prov.configureSta(WRONG);
    expect(dev.prov.getMaxState()).toBe(1);
    expect(dev.prov.resetOnFailure()).toBe(true);
    expect(dev.prov.getSessionState()).toBe('started');
    expect(dev.prov.getCurState()).toBe(0);
    expect(dev.prov.getMaxState()).toBe(0);
    dev.clock.advance(3_600_000);
    expect(names(log, ['reset'])).toEqual([]);
    expect(dev.prov.resetOnFailure()).toBe(false); // not in fail any more
  });

  it('R8.5 autoResetOnFailure does it by itself; without it the timeout of §4 still runs', async () => {
    const auto = await boot({ config: { timeoutMs: 10_000, session: { autoResetOnFailure: true } } });
    auto.dev.prov.startSession();
    await auto.dev.prov.configureSta(WRONG);
    expect(auto.dev.prov.getSessionState()).toBe('started');
    auto.dev.clock.advance(60_000);
    expect(names(auto.log, ['reset'])).toEqual([]);
    const manual = await boot({ config: { timeoutMs: 10_000 } });
    manual.dev.prov.startSession();
    await manual.dev.prov.configureSta(WRONG);
    manual.dev.clock.advance(10_000);
    expect(payloads(manual.log, 'reset')).toEqual([{ cause: 'timeout' }]);
  });

  it('R8.6 success → cred-success, credentials persisted, wifiConfigured; auto-stop 30 s later', async () => {
    const { dev, log } = await boot();
    dev.prov.startSession();
    await dev.prov.configureSta(HOME);
    expect(payloads(log, 'cred-success')).toEqual([{ ssid: 'HomeNet' }]);
    expect(dev.wifi.stored()).toEqual(HOME);
    expect(dev.prov.isWifiConfigured()).toBe(true);
    dev.clock.advance(29_999);
    expect(dev.prov.getSessionState()).toBe('success');
    dev.clock.advance(1);
    expect(dev.prov.getSessionState()).toBe('idle');
    expect(names(log, ['end', 'deinit'])).toEqual(['end', 'deinit']);
  });

  it('R8.6 autoStopMs 0 disables auto-stop; stop() ends the session', async () => {
    const { dev, log } = await boot({ config: { session: { autoStopMs: 0 } } });
    dev.prov.startSession();
    await dev.prov.configureSta(HOME);
    dev.clock.advance(3_600_000);
    expect(dev.prov.getSessionState()).toBe('success');
    dev.prov.stopSession();
    expect(names(log, ['end', 'deinit'])).toEqual(['end', 'deinit']);
  });

  it('R8.7 resetProvisioning forgets stored credentials', async () => {
    const { dev } = await boot();
    await dev.prov.configureSta(HOME);
    await dev.prov.resetProvisioning();
    expect(dev.wifi.hasStoredCredentials()).toBe(false);
  });

  it('R8.7 resetForReprovision drops the connection and returns the session to started, emitting start', async () => {
    const { dev, log } = await boot({ config: { session: { autoStopMs: 0 } } });
    dev.prov.startSession();
    await dev.prov.configureSta(HOME);
    dev.prov.resetForReprovision();
    expect(dev.prov.getSessionState()).toBe('started');
    expect(names(log, ['start'])).toEqual(['start', 'start']);
    expect(dev.prov.getWifiState()).toBe('disconnected');
    expect(() => {
      dev.prov.stopSession();
      dev.prov.resetForReprovision();
    }).toThrow(expect.objectContaining({ code: 'invalid-state' }));
  });

  it('R8.8 getWifiState: disconnected → connecting → connected → disconnected / attempt-failed', async () => {
    const { dev } = await boot({ joinMs: 1000 });
    expect(dev.prov.getWifiState()).toBe('disconnected');
    await dev.prov.configureSta(HOME);
    expect(dev.prov.getWifiState()).toBe('connecting');
    dev.clock.advance(1000);
    expect(dev.prov.getWifiState()).toBe('connected');
    dev.wifi.drop('other');
    expect(dev.prov.getWifiState()).toBe('disconnected');
  });
});

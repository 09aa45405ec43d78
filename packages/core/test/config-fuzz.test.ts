// Fuzzing the config and credential validators with random JSON (R9.1–R9.3): every input gives a valid
// result or a ProvisionError with the validator's code, never another exception, and no message ever
// carries a value (R10.3). Also the misspelt-key suggestions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isProvisionError, validateConfig, validateCredentials, type ProvisionConfig, type WifiCredentials } from '@provision/core';
import { fromMgosConfig } from '@provision/core/mgos';

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20260315;
const SECRET = 'hunter2-Tr0ub4dor';
const counts: string[] = [];

const OURS = ['stableState', 'timeoutMs', 'rebootDelayMs', 'resetStepTimeoutMs', 'button', 'led', 'wifi', 'session'];
const NESTED = ['holdMs', 'debounceMs', 'inhibitAfterMs', 'patterns', 'resetOnBadCredentials', 'badCredentialAttempts', 'attempts', 'autoStopMs', 'persist', 'autoResetOnFailure', 'on', 'off', 'stable', 'resetPending', '0', '3', '255'];
const MGOS = ['provision', 'btn', 'button', 'led', 'stable_state', 'timeout', 'wifi_configured', 'configured', 'pin', 'pull_up', 'hold_ms', 'inhibit_after_s', 'active_high'];

/** Leaves that hit every branch: numbers at and past the bounds, wrong types, and a secret. */
const leaf = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.constantFrom(0, 1, -1, 1.5, 255, 256, 1e300, -1e300, 2147483647, 2147483648, 600000, 60001, 'after-connect', 'before-connect', true, false, null, SECRET),
  fc.integer(),
  fc.double({ noNaN: true }),
);

/** Objects over the known keys (and near misses), nested a few levels, mixed with plain random JSON. */
function tree(keys: string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 6 }, { arbitrary: fc.string({ maxLength: 12 }), weight: 1 }, {
    arbitrary: fc.constantFrom(...keys).map((k) => k.toUpperCase()),
    weight: 1,
  });
  const { node } = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.dictionary(key, tie('node'), { maxKeys: 5 }), fc.array(tie('node'), { maxLength: 3 })),
  }));
  return fc.oneof(node, fc.dictionary(key, node, { maxKeys: 6 }), fc.jsonValue());
}

/** Run `fn`; it returns, or throws a ProvisionError of `code` whose message holds no secret. */
function returnsOrRefuses(fn: () => unknown, code: string): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (!isProvisionError(e)) throw new Error(`not a ProvisionError: ${String(e)}`);
    if (e.code !== code) throw new Error(`code ${e.code}, expected ${code}: ${e.message}`);
    if (e.message.indexOf('hunter2') >= 0) throw new Error(`a value was echoed: ${e.message}`);
    if (typeof e.field === 'string' && e.field.indexOf('hunter2') >= 0) throw new Error(`a value in field: ${e.field}`);
    return false;
  }
}

describe('R9.1 fuzz: validateConfig on random JSON', () => {
  const RUNS = 10000;
  it(`returns a complete config or throws invalid-config, never anything else (${RUNS} runs)`, () => {
    let valid = 0;
    fc.assert(
      fc.property(tree(OURS.concat(NESTED)), fc.option(fc.constantFrom('provision', 'app.provision'), { nil: undefined }), (input, where) => {
        let out: unknown;
        const ok = returnsOrRefuses(() => (out = validateConfig(input as ProvisionConfig, where)), 'invalid-config');
        if (ok) {
          valid++;
          // A valid config validates again to itself, with every key filled in.
          expect(validateConfig(out as ProvisionConfig)).toEqual(out);
          expect(Object.keys(out as object).sort()).toEqual(OURS.slice().sort());
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    counts.push(`validateConfig: ${RUNS} inputs, ${valid} valid, ${RUNS - valid} invalid-config, 0 other exceptions`);
    expect(valid).toBeGreaterThan(100);
  });
});

describe('R9.3 fuzz: fromMgosConfig on random JSON and JSON text', () => {
  const RUNS = 10000;
  it(`maps to a valid config or throws invalid-config, never anything else (${RUNS} runs)`, () => {
    let valid = 0;
    const input = fc.oneof(tree(MGOS), tree(MGOS).map((v) => JSON.stringify(v) ?? 'undefined'), fc.string());
    fc.assert(
      fc.property(input, (json) => {
        let out: { config: ProvisionConfig; button?: { pin: number }; led?: { pin: number } } | undefined;
        if (returnsOrRefuses(() => (out = fromMgosConfig(json)), 'invalid-config')) {
          valid++;
          const o = out as NonNullable<typeof out>;
          validateConfig(o.config);
          // Pins are integers in range (R9.3: validated like ours).
          for (const pin of [o.button?.pin, o.led?.pin]) if (pin !== undefined) expect(Number.isInteger(pin) && pin >= 0 && pin <= 65535).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
    counts.push(`fromMgosConfig: ${RUNS} inputs, ${valid} valid, ${RUNS - valid} invalid-config, 0 other exceptions`);
    expect(valid).toBeGreaterThan(100);
  });
});

describe('R9.2 fuzz: validateCredentials on random JSON', () => {
  const RUNS = 10000;
  it(`returns normalised credentials or throws invalid-credentials, never anything else, never echoing the passphrase (${RUNS} runs)`, () => {
    let valid = 0;
    const creds = fc.oneof(
      fc.record(
        {
          ssid: fc.oneof(fc.string({ maxLength: 40 }), leaf),
          passphrase: fc.oneof(fc.string({ maxLength: 70 }).map((s) => SECRET + s), fc.constant(SECRET), leaf),
          bssid: fc.oneof(fc.constant('aa:bb:cc:dd:ee:ff'), fc.string({ maxLength: 18 }), leaf),
          channel: leaf,
        },
        { requiredKeys: [] },
      ),
      tree(['ssid', 'passphrase', 'bssid', 'channel', 'password']),
    );
    fc.assert(
      fc.property(creds, (c) => {
        if (returnsOrRefuses(() => validateCredentials(c as WifiCredentials), 'invalid-credentials')) valid++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    counts.push(`validateCredentials: ${RUNS} inputs, ${valid} valid, ${RUNS - valid} invalid-credentials, 0 other exceptions`);
    expect(valid).toBeGreaterThan(100);
  });

  it('prints the fuzz counts', () => {
    console.log(`config/credential fuzz:\n  ${counts.join('\n  ')}`);
    expect(counts).toHaveLength(3);
  });
});

describe('R9.1 a misspelt key: its path and the nearest allowed key', () => {
  it.each([
    [{ timeoutMS: 1000 }, 'provision', 'unknown config key provision.timeoutMS (did you mean timeoutMs?); allowed keys of provision: stableState, timeoutMs, rebootDelayMs, resetStepTimeoutMs, button, led, wifi, session'],
    [{ button: { holdMS: 5000 } }, undefined, 'unknown config key button.holdMS (did you mean holdMs?); allowed keys of button: holdMs, debounceMs, inhibitAfterMs'],
    [{ button: { holdMS: 5000 } }, 'provision', 'unknown config key provision.button.holdMS (did you mean holdMs?); allowed keys of provision.button: holdMs, debounceMs, inhibitAfterMs'],
    [{ timeout: 300 }, undefined, 'unknown config key timeout (did you mean timeoutMs?); allowed keys: stableState, timeoutMs, rebootDelayMs, resetStepTimeoutMs, button, led, wifi, session'],
    [{ stable_state: 2 }, undefined, 'unknown config key stable_state (did you mean stableState?)'],
    [{ button: { hold_ms: 5000 } }, undefined, 'unknown config key button.hold_ms (did you mean holdMs?)'],
    [{ wifi: { badCredentialAttempt: 3 } }, undefined, 'unknown config key wifi.badCredentialAttempt (did you mean badCredentialAttempts?)'],
    [{ session: { autostopMs: 1 } }, undefined, 'unknown config key session.autostopMs (did you mean autoStopMs?)'],
    [{ led: { pattern: {} } }, undefined, 'unknown config key led.pattern (did you mean patterns?)'],
    [{ rebootDelay: 100 }, undefined, 'unknown config key rebootDelay (did you mean rebootDelayMs?)'],
  ])('%j (in %s)', (config, where, message) => {
    expect(() => validateConfig(config as ProvisionConfig, where)).toThrow(expect.objectContaining({ code: 'invalid-config', message: expect.stringContaining(message) }));
  });

  it('no suggestion when nothing is close', () => {
    expect(() => validateConfig({ colour: 'red' } as ProvisionConfig)).toThrow(/^unknown config key colour; allowed keys: /);
    expect(() => validateConfig({ button: { x: 1 } } as ProvisionConfig)).toThrow(/^unknown config key button\.x; allowed keys of button/);
  });

  it('the field carries the same path as the message', () => {
    try {
      validateConfig({ session: { persist: SECRET } } as unknown as ProvisionConfig, 'provision');
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ field: 'provision.session.persist', message: 'provision.session.persist must be "after-connect" or "before-connect", got a string' });
    }
  });
});

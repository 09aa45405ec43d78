import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScript, runScript, ScriptError } from '../src/script';
import { createMemoryStore } from '../src/state-file';
import { example } from './helpers';

async function run(text: string): Promise<{ code: number; lines: string[]; failure?: string }> {
  return runScript(parseScript(text), { store: createMemoryStore() });
}

async function runExample(name: string): Promise<{ code: number; lines: string[]; failure?: string }> {
  return run(readFileSync(example(name), 'utf8'));
}

/** The lines, in order, must appear in the timeline in that order (other lines may come between). */
function expectInOrder(lines: string[], wanted: string[]): void {
  let from = 0;
  for (const w of wanted) {
    const i = lines.indexOf(w, from);
    expect(i, `timeline line ${JSON.stringify(w)} after line ${from}:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
    from = i + 1;
  }
}

function parseError(text: string): ScriptError {
  try {
    parseScript(text);
  } catch (e) {
    if (e instanceof ScriptError) return e;
    throw e;
  }
  throw new Error('the script parsed, but should not have');
}

describe('example scenarios (script mode, simulated time only)', () => {
  it('fresh-to-provisioned: joins in 2 s, cloud makes it provisioned, a reboot keeps max and rejoins', async () => {
    const r = await runExample('fresh-to-provisioned.sim');
    expect(r.failure).toBeUndefined();
    expect(r.code).toBe(0);
    expectInOrder(r.lines, [
      '    0.000s  boot #1',
      '    0.000s  led: blink 1000/1000 ms',
      '    0.000s  state: cur 0 Unprovisioned, max 0 Unprovisioned',
      '    0.000s  > wifi connect "HomeNet" (passphrase hidden)',
      '    0.000s  wifi: connecting',
      '    0.000s  led: blink 500/500 ms',
      '    0.000s  state: cur 0 → 1 NetworkConfigured, max 0 → 1 NetworkConfigured',
      '    0.000s  provisioning timeout armed: factory reset at 300.000s unless max reaches 3 CloudConnected',
      '    2.000s  wifi: connected 192.168.1.50',
      '    2.000s  led: blink 250/250 ms',
      '    2.000s  state: cur 1 → 2 NetworkConnected, max 1 → 2 NetworkConnected',
      '    2.000s  > cloud',
      '    2.000s  led: solid on',
      '    2.000s  state: cur 2 → 3 CloudConnected, max 2 → 3 CloudConnected',
      '    2.000s  provisioning timeout cancelled',
      '    2.000s  reboot (power cycle)',
      '    2.000s  boot #2',
      '    2.000s  state: cur 0 Unprovisioned, max 3 CloudConnected',
      '    4.000s  wifi: connected 192.168.1.50',
      '    4.000s  end: state 3 CloudConnected, max 3 CloudConnected, provisioned, wifiConfigured yes, 2 boot(s)',
    ]);
    // R10.3: the passphrase never reaches the timeline.
    expect(r.lines.join('\n')).not.toContain('correct horse');
  });

  it('wrong-password-reset: three auth-errors reset a fresh device; once connected, failures never reset it', async () => {
    const r = await runExample('wrong-password-reset.sim');
    expect(r.failure).toBeUndefined();
    expect(r.code).toBe(0);
    expectInOrder(r.lines, [
      '    2.000s  wifi: disconnected, auth-error (WRONG_KEY)',
      '    2.000s  bad credentials: wrong password 1 of 3 — the device resets at 3',
      '    7.000s  wifi: connecting',
      '    9.000s  wifi: disconnected, auth-error (WRONG_KEY)',
      '    9.000s  bad credentials: wrong password 2 of 3 — the device resets at 3',
      '   16.000s  wifi: disconnected, auth-error (WRONG_KEY)',
      '   16.000s  bad credentials: wrong password 3 of 3 — factory reset',
      '   16.000s  led: solid off',
      '   16.000s  factory reset: cause bad-credentials',
      '   16.100s  reboot (after factory reset)',
      '   16.100s  boot #2',
      '   16.100s  state: cur 0 Unprovisioned, max 0 Unprovisioned',
      '   18.100s  wifi: connected 192.168.1.50',
      '   46.100s  wifi: disconnected, auth-error (WRONG_KEY)',
      '   48.100s  end: state 1 NetworkConfigured, max 2 NetworkConnected, not provisioned, wifiConfigured yes, 2 boot(s)',
    ]);
    expect(r.lines.filter((l) => l.includes('factory reset: cause'))).toHaveLength(1);
    expect(r.lines.filter((l) => l.includes('bad credentials:'))).toHaveLength(3);
  });

  it('R8.2 the bad-credentials count: other failures neither count nor break the run, new credentials start over, a session hides it', async () => {
    const r = await run(
      [
        'network no-such-network',
        'wifi connect Cafe "correct horse battery"',
        'wait 2s',
        'expect bad-credentials 1',
        'network other',
        'wait 7s',
        'expect reason other',
        'expect bad-credentials 1',
        'network wrong-password',
        'wait 7s',
        'expect bad-credentials 2',
        'wifi connect HomeNet "not the passphrase"',
        'expect bad-credentials off',
        'wait 2s',
        'expect bad-credentials 1',
        'session start',
        'expect bad-credentials off',
        'wait 30s',
        'expect boots 1',
        'session stop',
        'expect bad-credentials 1',
      ].join('\n'),
    );
    expect(r.failure).toBeUndefined();
    expectInOrder(r.lines, [
      '    2.000s  bad credentials: network not found 1 of 3 — the device resets at 3',
      '   16.000s  bad credentials: wrong password 2 of 3 — the device resets at 3',
      '   18.000s  bad credentials: wrong password 1 of 3 — the device resets at 3',
    ]);
  });

  it('long-press-reset: debounce, reset-pending LED, reset after 5 s, and the stuck-button latch', async () => {
    const r = await runExample('long-press-reset.sim');
    expect(r.failure).toBeUndefined();
    expect(r.code).toBe(0);
    expectInOrder(r.lines, [
      '    2.050s  button: pressed',
      '    2.050s  led: blink 100/100 ms (reset pending)',
      '    4.000s  button: released',
      '    4.000s  led: solid on',
      '    4.050s  button: pressed',
      '    9.050s  button: activated',
      '    9.050s  led: solid off',
      '    9.050s  factory reset: cause button',
      '    9.150s  reboot (after factory reset)',
      '    9.150s  boot #2',
      '   14.250s  factory reset: cause button',
      '   14.350s  boot #3',
      '   19.400s  button: stuck',
      '   21.200s  end: state 0 Unprovisioned, max 0 Unprovisioned, not provisioned, wifiConfigured no, 3 boot(s)',
    ]);
  });

  it('reboot-mid-provisioning-timeout: the timeout is re-armed at boot and fires 300 s after it', async () => {
    const r = await runExample('reboot-mid-provisioning-timeout.sim');
    expect(r.failure).toBeUndefined();
    expect(r.code).toBe(0);
    expectInOrder(r.lines, [
      '    0.000s  provisioning timeout armed: factory reset at 300.000s unless max reaches 3 CloudConnected',
      '  122.000s  reboot (power cycle)',
      '  122.000s  state: cur 0 Unprovisioned, max 2 NetworkConnected',
      '  122.000s  provisioning timeout re-armed at boot: factory reset at 422.000s unless max reaches 3 CloudConnected',
      '  422.000s  factory reset: cause timeout',
      '  422.100s  boot #3',
      '  424.000s  end: state 0 Unprovisioned, max 0 Unprovisioned, not provisioned, wifiConfigured no, 3 boot(s)',
    ]);
    expect(r.lines.some((l) => l.startsWith('  300.000s'))).toBe(false);
  });

  it('every example starts with a comment saying what it shows, and runs green', async () => {
    for (const name of ['fresh-to-provisioned.sim', 'wrong-password-reset.sim', 'long-press-reset.sim', 'reboot-mid-provisioning-timeout.sim']) {
      const text = readFileSync(example(name), 'utf8');
      expect(text, name).toMatch(/^# /);
      expect((await run(text)).code, name).toBe(0);
    }
  });
});

describe('script language', () => {
  it('a failed expect stops the run with code 1 and names the line, the value found and the time', async () => {
    const r = await run('wifi connect HomeNet "correct horse battery"\n\nexpect state 2   # not yet: the join takes 2 s\nwait 2s\n');
    expect(r.code).toBe(1);
    expect(r.failure).toBe('line 3: expect state 2 failed: state is 1 NetworkConfigured at 0.000s');
    expect(r.lines[r.lines.length - 1]).toBe('    0.000s  FAILED line 3: expect state 2 failed: state is 1 NetworkConfigured at 0.000s');
    expect(r.lines.some((l) => l.includes('> wait 2s'))).toBe(false);
  });

  it('reports an unknown command with its line number and the list of commands', () => {
    const e = parseError('# a comment\nwait 1s\njump 3\n');
    expect(e.line).toBe(3);
    expect(e.message).toMatch(/^line 3: unknown command "jump"; commands: wifi connect SSID/);
  });

  it('reports bad arguments with their line numbers', () => {
    expect(parseError('wait 5').message).toBe('line 1: wait needs a duration with a unit, like 250ms, 5s, 1.5s or 2m; got "5"');
    expect(parseError('\nhold').message).toBe('line 2: hold takes 1 argument(s): hold DURATION');
    expect(parseError('wifi connect "Home Net').message).toBe('line 1: unterminated quote: a quoted word needs a closing "');
    expect(parseError('network sometimes').message).toBe(
      'line 1: unknown network mode "sometimes"; modes: connect, wrong-password, no-such-network, flaky, other',
    );
    expect(parseError('expect wifi up').message).toBe(
      'line 1: expect wifi takes connecting, connected, disconnected or attempt-failed; got "up"',
    );
    expect(parseError('expect colour red').message).toMatch(/^line 1: expect needs one of: state, max, wifi/);
    expect(parseError('state 256').message).toBe('line 1: state must be a state number 0..255, got "256"');
    expect(parseError('session begin').message).toBe('line 1: session takes start, stop or retry, got "begin"');
    expect(parseError('expect led blinking').message).toMatch(/^line 1: expect led takes solid-on, solid-off or blink ON\/OFF/);
  });

  it('quoted words keep spaces and escapes; comments and blank lines are skipped', () => {
    const steps = parseScript('  # heading\n\nwifi connect "Home Net" "pass \\"phrase\\" here"  # trailing comment\n');
    expect(steps).toEqual([
      { line: 3, source: 'wifi connect "Home Net" "pass \\"phrase\\" here"  # trailing comment', step: { op: 'wifi', ssid: 'Home Net', passphrase: 'pass "phrase" here' } },
    ]);
  });

  it('credentials the core rejects become a timeline line, and the run goes on', async () => {
    const r = await run('wifi connect HomeNet "short"\nexpect state 0\n');
    expect(r.code).toBe(0);
    expect(r.lines.some((l) => /rejected: \[invalid-credentials\]/.test(l))).toBe(true);
    expect(r.lines.join('\n')).not.toContain('short"');
  });

  it('a provisioning session: cred-fail carries this failure\'s reason, retry rewinds, then success', async () => {
    const r = await run(
      [
        'session start',
        'network no-such-network',
        'wifi connect Cafe "correct horse battery"',
        'wait 2s',
        'expect session fail',
        'expect reason ap-not-found',
        'session retry',
        'expect session started',
        'expect max 0',
        'expect timeout off',
        'network connect',
        'wifi connect HomeNet "correct horse battery"',
        'wait 2s',
        'expect session success',
        'wait 30s',
        'expect session idle',
      ].join('\n'),
    );
    expect(r.failure).toBeUndefined();
    expectInOrder(r.lines, [
      '    0.000s  session init',
      '    0.000s  session start',
      '    0.000s  session set-sta-config: ssid "Cafe"',
      '    0.000s  session cred-recv: ssid "Cafe"',
      '    2.000s  session cred-fail: ap-not-found (NO_AP_FOUND)',
      '    2.000s  provisioning timeout cancelled',
      '    4.000s  session cred-success: ssid "HomeNet"',
      '   34.000s  session end',
      '   34.000s  session deinit',
    ]);
  });
});

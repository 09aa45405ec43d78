import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from './helpers';

const hasTmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
// A private server socket, so the test never touches anyone's tmux sessions.
const SOCKET = `provision-sim-test-${process.pid}`;
const SESSION = 'sim';
const ROWS = 40;
const COLS = 110;

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

function screen(): string {
  return tmux('capture-pane', '-p', '-t', SESSION);
}

function keys(...k: string[]): void {
  tmux('send-keys', '-t', SESSION, ...k);
}

function type(text: string): void {
  tmux('send-keys', '-t', SESSION, '-l', text);
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll the screen until `pred` holds; fail with the last screen after `timeoutMs`. `between` runs each poll. */
async function waitFor(what: string, pred: (s: string) => boolean, timeoutMs = 45000, between?: () => void): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = screen();
    if (pred(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen was:\n${last}`);
    if (between) between();
    await pause(100);
  }
}

const shows = (text: string) => (s: string) => s.includes(text);
const ledRow = (s: string): string => s.split('\n').find((l) => l.includes('LED ')) || '';

let cli = '';
let cleanup = (): void => undefined;
let dir = '';

describe.skipIf(!hasTmux)('the live screen in a terminal (tmux)', () => {
  beforeAll(async () => {
    const b = await buildCli();
    cli = b.cli;
    cleanup = b.cleanup;
    dir = mkdtempSync(join(tmpdir(), 'provision-sim-screen-'));
    // A person's terminal, not a CI log: ink renders only a final frame when it sees CI in the environment.
    const cmd = `env -u CI -u CONTINUOUS_INTEGRATION '${process.execPath}' '${cli}' --state '${join(dir, 'state.json')}' --fresh; echo "exited with $?"; sleep 600`;
    tmux('-f', '/dev/null', 'new-session', '-d', '-s', SESSION, '-x', String(COLS), '-y', String(ROWS), cmd);
  });

  afterAll(() => {
    if (hasTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows a factory-new device, its LED blinking at 1000/1000 ms: ● then ○', { timeout: 150000 }, async () => {
    const s = await waitFor('the first screen', (x) => x.includes('cur 0 Unprovisioned') && x.includes('blink 1000/1000 ms'));
    expect(s).toContain('provision simulator · boot #1');
    expect(s).toContain('Timeout      not running');
    expect(s).toContain('wifiConfigured no');
    expect(s).toContain('Session      idle');
    await waitFor('the LED lit', (x) => ledRow(x).includes('● lit'));
    await waitFor('the LED dark', (x) => ledRow(x).includes('○ dark'));
    await waitFor('the LED lit again', (x) => ledRow(x).includes('● lit'));
  });

  it('takes Wi-Fi credentials with a masked passphrase, joins and starts the timeout countdown', { timeout: 150000 }, async () => {
    keys('w');
    await waitFor('the SSID prompt', shows('Wi-Fi SSID:'));
    // ink attaches a new prompt's key handler just after drawing it: on a loaded machine keys typed at
    // once still reach the previous screen. Give it a moment, and press Enter only once the text shows.
    await pause(500);
    type('HomeNet');
    await waitFor('the typed SSID', shows('HomeNet'));
    keys('Enter');
    await waitFor('the passphrase prompt', shows('Passphrase for HomeNet:'));
    await pause(500);
    type('correct horse');
    const masked = await waitFor('the masked passphrase', shows('•'.repeat(13)));
    expect(masked).not.toContain('correct horse');
    keys('Enter');
    const s = await waitFor('the join', (x) => x.includes('cur 2 NetworkConnected') && x.includes('wifiConfigured yes'));
    expect(s).toMatch(/Timeout +factory reset in 4:5\d\.\d \(of 300 s\)/);
    expect(s).toContain('wifi: connected 192.168.1.50');
    expect(s).toContain('ssid "HomeNet"');
    expect(s).not.toContain('correct horse');
  });

  it('c marks the cloud connected: state 3, LED solid on, provisioned, timeout gone', { timeout: 150000 }, async () => {
    keys('c');
    const s = await waitFor('state 3', (x) => x.includes('cur 3 CloudConnected') && ledRow(x).includes('● lit   solid on'));
    expect(s).toContain('· provisioned');
    expect(s).toContain('Timeout      not running');
  });

  it('r reboots: max is kept and the device rejoins with its stored credentials', { timeout: 150000 }, async () => {
    keys('r');
    const s = await waitFor('the rejoin after the reboot', (x) => x.includes('boot #2') && x.includes('cur 2 NetworkConnected'));
    expect(s).toContain('max 3 CloudConnected');
    expect(s).toContain('reboot (power cycle)');
  });

  it('at ×100, holding b (auto-repeat) long-presses the button into a factory reset', { timeout: 150000 }, async () => {
    keys('3');
    await waitFor('speed ×100', shows('speed ×100'));
    // Key auto-repeat, as a terminal sends it while b is held down.
    const s = await waitFor('the button reset', shows('factory reset: cause button'), 60000, () => keys('b'));
    expect(s).toContain('button: pressed');
    expect(s).toMatch(/led: blink 100\/100 ms \(reset pending\)/);
    const after = await waitFor('the button up again', (x) => x.includes('Button       up') && x.includes('boot #3'));
    expect(after).toContain('max 0 Unprovisioned');
    expect(after).toContain('no credentials');
  });

  it('B latches the button: one more reset, then the stuck-button latch holds; B again lets go', { timeout: 150000 }, async () => {
    // The previous boot may already have logged a stuck button (the auto-repeat of b can outlast the
    // reboot at ×100): wait for one more, logged after the reset that B causes.
    const stuckLines = (x: string): number => x.split('button: stuck').length - 1;
    const before = stuckLines(await waitFor('the screen', () => true));
    keys('B');
    await waitFor('the latched button', shows('(latched with B)'));
    const s = await waitFor('the stuck button after boot #4', (x) => x.includes('boot #4') && stuckLines(x) > before);
    expect(s).toContain('boot #4');
    keys('B');
    await waitFor('the button up', shows('Button       up'));
  });

  it('n chooses how the network answers; s starts a session', { timeout: 150000 }, async () => {
    keys('n');
    await waitFor('the network menu', shows('2 wrong password'));
    keys('2');
    await waitFor('the new answer', shows('answers: wrong password (auth-error)'));
    keys('s');
    await waitFor('the session', (x) => x.includes('Session      started') && x.includes('session init'));
  });

  it('q quits, restoring the terminal, and the state file holds the reset journal', { timeout: 150000 }, async () => {
    keys('q');
    const s = await waitFor('the exit', shows('exited with 0'));
    expect(s).toContain('provision-sim: quit at t=');
    const saved = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    expect(saved.journal.resets.map((r: { cause: string }) => r.cause)).toEqual(['button', 'button']);
    expect(saved.journal.buttonLatched).toBe(false);
  });
});

if (!hasTmux) {
  describe('the live screen in a terminal', () => {
    it.skip('needs tmux to drive a terminal: run packages/simulator/ci-setup.sh as root to install it', () => undefined);
  });
}

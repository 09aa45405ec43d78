// provision-linux configure: a hidden passphrase prompt on a terminal, explicit --open, stdin for scripts.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, daemonWorld, runCli, startCli } from './daemon-harness';
import { fixtures, unixDgramMissing } from './helpers';
import { startScriptedWpa } from './wpa-fake-socket';

const HOME = { ssid: 'HomeNet', psk: 'correct horse battery', bssid: '02:00:00:00:01:00' };

/** Run the CLI on a real pseudo-terminal; type `answer` once `prompt` shows. */
function onTerminal(cli: string, args: string[], env: NodeJS.ProcessEnv, prompt: string, answer: string): Promise<{ screen: string; code: number }> {
  return new Promise((resolve, reject) => {
    const c = spawn('python3', [path.join(fixtures, 'pty-run.py'), JSON.stringify([process.execPath, cli, ...args]), prompt, answer], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    c.on('close', () => {
      try {
        resolve(JSON.parse(out) as { screen: string; code: number });
      } catch (e) {
        reject(new Error(`pty-run printed ${out}: ${String(e)}`));
      }
    });
  });
}

describe('provision-linux configure', () => {
  let cli: string;
  let cleanupCli: () => Promise<void>;
  beforeAll(async () => {
    ({ cli, cleanup: cleanupCli } = await buildCli());
  });
  afterAll(() => cleanupCli?.());

  const noDgram = unixDgramMissing();
  it.skipIf(noDgram)(`R10.3 on a terminal it prompts, the passphrase is not echoed, and it connects${noDgram ? ` — skipped: ${noDgram}` : ''}`, async () => {
    const w = await daemonWorld();
    const wpa = await startScriptedWpa([HOME]);
    const cfgFile = await w.config({ provision: { stableState: 2 }, wifi: { ifname: wpa.ifname, backend: 'wpa_supplicant', ctrlDir: wpa.ctrlDir, requireIp: false } });
    const d = startCli(cli, ['run', '--config', cfgFile], { ...w.env, TMPDIR: wpa.localDir });
    try {
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      const r = await onTerminal(cli, ['configure', '--config', cfgFile, '--ssid', HOME.ssid], w.env, '(not shown): ', `${HOME.psk}\r`);
      expect(r.code).toBe(0);
      expect(r.screen).toContain('Passphrase for "HomeNet" (not shown): ');
      expect(r.screen).toContain('configure: ok');
      expect(r.screen).not.toContain('correct');
      expect(r.screen).not.toContain('*');
      await d.waitEvent((e) => e.event === 'state' && e.cur === 2, 'connected with the typed passphrase');
    } finally {
      await d.stop();
      await wpa.cleanup();
      await w.cleanup();
    }
  }, 60000);

  it('an empty passphrase is not an open network: it needs --open (terminal and stdin alike)', async () => {
    const w = await daemonWorld();
    try {
      const cfgFile = await w.config({ wifi: false });
      const tty = await onTerminal(cli, ['configure', '--config', cfgFile, '--ssid', 'Cafe'], w.env, '(not shown): ', '\r');
      expect(tty.code).toBe(2);
      expect(tty.screen).toContain('provision-linux: no passphrase was typed; for an open network, run configure with --open');
      const piped = await runCli(cli, ['configure', '--config', cfgFile, '--ssid', 'Cafe'], w.env, '');
      expect(piped).toMatchObject({ code: 2, stderr: 'provision-linux: no passphrase on standard input; for an open network, run configure with --open\n' });
      // Ctrl-C at the prompt: nothing sent, the terminal is given back.
      const cancelled = await onTerminal(cli, ['configure', '--config', cfgFile, '--ssid', 'Cafe'], w.env, '(not shown): ', '\u0003');
      expect(cancelled.code).toBe(130);
    } finally {
      await w.cleanup();
    }
  }, 30000);

  it('--open sends no passphrase and asks for none; a piped passphrase still works', async () => {
    const w = await daemonWorld();
    const cfgFile = await w.config({ wifi: false });
    const d = startCli(cli, ['run', '--config', cfgFile], w.env);
    try {
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      const open = await onTerminal(cli, ['configure', '--config', cfgFile, '--ssid', 'Cafe', '--open'], w.env, '', '');
      expect(open.screen).not.toContain('Passphrase');
      // This daemon runs without Wi-Fi: the reply says so (and what to do), which proves the request arrived.
      expect(open.screen).toContain('configure failed: Wi-Fi is off in this daemon\'s config ("wifi": false)');
      const piped = await runCli(cli, ['configure', '--config', cfgFile, '--ssid', 'HomeNet'], w.env, `${HOME.psk}\n`);
      expect(piped.code).toBe(1);
      expect(piped.stderr).toContain('Wi-Fi is off');
      expect(piped.stderr).not.toContain(HOME.psk);
    } finally {
      await d.stop();
      await w.cleanup();
    }
  }, 30000);
});

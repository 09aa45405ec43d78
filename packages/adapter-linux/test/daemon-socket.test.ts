// Who may reach the control socket (root only, from its first instant) and one daemon per state directory.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../src/daemon/exit-status';
import { buildCli, daemonWorld, runCli, startCli, startCommand } from './daemon-harness';
import { isRoot } from './helpers';

const NOBODY = 65534;
const mode = async (p: string) => ((await fs.stat(p)).mode & 0o777).toString(8);

/** Run `sh -c script` as the unprivileged user nobody (setpriv drops every privilege), in group `gid`. */
function asNobody(script: string, env: NodeJS.ProcessEnv, gid = NOBODY): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn('setpriv', [`--reuid=${NOBODY}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=-all', 'sh', '-c', script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    c.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const why = !isRoot
  ? 'needs root (to start the daemon as root and a client as nobody)'
  : !existsSync('/usr/bin/socat') || !existsSync('/usr/bin/setpriv')
    ? 'socat and setpriv are needed (apt install socat util-linux)'
    : undefined;

describe.skipIf(why)(`control socket access and the single-instance lock${why ? ` — skipped: ${why}` : ''}`, () => {
  let cli: string;
  let cleanupCli: () => Promise<void>;
  beforeAll(async () => {
    ({ cli, cleanup: cleanupCli } = await buildCli());
  });
  afterAll(() => cleanupCli?.());

  it('a hostile local user racing the start (umask 000, pre-existing 0755 dirs) can never reach the socket or reset the device', async () => {
    const w = await daemonWorld();
    // The world is reachable by nobody up to the daemon's directories, which an admin left 0755.
    await fs.chmod(w.dir, 0o755);
    await fs.mkdir(w.state, { mode: 0o755 });
    await fs.mkdir(w.run, { mode: 0o755 });
    await fs.chmod(w.state, 0o755);
    await fs.chmod(w.run, 0o755);
    const cfgFile = await w.config({ wifi: false });
    await fs.chmod(cfgFile, 0o644);
    const sock = path.join(w.run, 'control.sock');
    const stop = path.join(w.dir, 'stop');
    // The attacker hammers connect+reset from before the daemon starts until told to stop.
    const attack = asNobody(
      `n=0; ok=0; while [ ! -e '${stop}' ] && [ $n -lt 20000 ]; do n=$((n+1)); if echo '{"cmd":"reset"}' | socat -t1 - UNIX-CONNECT:'${sock}' 2>/dev/null | grep -q . ; then ok=$((ok+1)); fi; done; echo "$n $ok"`,
      w.env,
    );
    await new Promise((r) => setTimeout(r, 200));
    const d = startCommand('/bin/sh', ['-c', `umask 000; exec "${process.execPath}" "${cli}" run --config "${cfgFile}"`], w.env);
    try {
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      // Keep attacking the running daemon for a while too.
      await new Promise((r) => setTimeout(r, 500));
      await fs.writeFile(stop, '');
      const [tries, wins] = (await attack).stdout.trim().split(' ').map(Number);
      expect(tries).toBeGreaterThan(10);
      expect(wins).toBe(0);
      expect(d.events.some((e) => e.event === 'reset' || e.event === 'reset-requested')).toBe(false);
      expect(d.events.find((e) => e.event === 'state-dir-tightened')).toMatchObject({ from: '755', to: '700' });
      expect([await mode(w.state), await mode(w.run), await mode(sock)]).toEqual(['700', '700', '600']);
      // Root still can.
      expect(JSON.parse((await runCli(cli, ['status', '--config', cfgFile], w.env)).stdout)).toMatchObject({ running: true, resets: 0 });
      // And nobody, even with a directory it could enter, is refused by the socket itself.
      await fs.chmod(w.run, 0o755);
      const denied = await asNobody(`echo '{"cmd":"status"}' | socat - UNIX-CONNECT:'${sock}'`, w.env);
      expect(denied.stderr).toMatch(/Permission denied/);
      expect(denied.stdout).toBe('');
    } finally {
      await fs.writeFile(stop, '').catch(() => undefined);
      await attack;
      await d.stop();
      await w.cleanup();
    }
  }, 60000);

  it('a second daemon on the same state directory exits 4 and leaves the running one and its socket alone', async () => {
    const w = await daemonWorld();
    const cfgFile = await w.config({ wifi: false });
    const a = startCli(cli, ['run', '--config', cfgFile], w.env);
    try {
      await a.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      const sock = path.join(w.run, 'control.sock');
      const ino = (await fs.stat(sock)).ino;
      const second = await runCli(cli, ['run', '--config', cfgFile], w.env);
      expect(second.code).toBe(EXIT.ALREADY_RUNNING);
      expect(second.stderr).toContain(`another provision-linux daemon is running on the state directory ${w.state}`);
      // Also with its own runtime directory: the lock is on the state, not on the socket.
      const other = path.join(w.dir, 'other.json');
      await fs.writeFile(other, JSON.stringify({ stateDir: w.state, runtimeDir: path.join(w.dir, 'run2'), wifi: false }));
      expect((await runCli(cli, ['run', '--config', other], w.env)).code).toBe(EXIT.ALREADY_RUNNING);
      expect((await fs.stat(sock)).ino).toBe(ino);
      expect(JSON.parse((await runCli(cli, ['status', '--config', cfgFile], w.env)).stdout)).toMatchObject({ running: true });
      // A daemon killed outright leaves no stale lock: the next one starts.
      a.child.kill('SIGKILL');
      await a.exited();
      const b = startCli(cli, ['run', '--config', cfgFile], w.env);
      await b.waitEvent((e) => e.event === 'daemon-started', 'the daemon after a SIGKILL');
      expect(await b.stop()).toBe(0);
    } finally {
      await a.stop();
      await w.cleanup();
    }
  }, 60000);

  it('statusGroup: its members may read status on status.sock, nothing else; others may not even that', async () => {
    const w = await daemonWorld();
    await fs.chmod(w.dir, 0o755);
    // nogroup (gid 65534) stands for a provision group: nobody is its only member here.
    const cfgFile = await w.config({ wifi: false, statusGroup: 'nogroup' });
    await fs.chmod(cfgFile, 0o644);
    await fs.chmod(path.dirname(cli), 0o755);
    const d = startCli(cli, ['run', '--config', cfgFile], w.env);
    try {
      await d.waitEvent((e) => e.event === 'daemon-started', 'daemon-started');
      const control = path.join(w.run, 'control.sock');
      const status = path.join(w.run, 'status.sock');
      const st = async (p: string) => fs.stat(p).then((x) => [(x.mode & 0o777).toString(8), x.gid]);
      expect([await st(w.run), await st(control), await st(status)]).toEqual([['710', NOBODY], ['600', 0], ['660', NOBODY]]);
      // A member: status works, through the CLI too; reset and configure are refused.
      const ok = await asNobody(`echo '{"cmd":"status"}' | socat - UNIX-CONNECT:'${status}'`, w.env);
      expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, cur: 0, resetting: false });
      // The CLI as well, where nobody can read the checkout it was built in.
      if ((await asNobody(`test -r '${cli}' && test -r '${path.join(path.dirname(cli), '..', '..', 'node_modules')}'`, w.env)).code === 0) {
        const viaCli = await asNobody(`"${process.execPath}" "${cli}" status --config '${cfgFile}'`, w.env);
        expect(JSON.parse(viaCli.stdout)).toMatchObject({ running: true, cur: 0 });
      }
      const reset = await asNobody(`echo '{"cmd":"reset"}' | socat - UNIX-CONNECT:'${status}'`, w.env);
      expect(JSON.parse(reset.stdout)).toEqual({ ok: false, error: `${status} answers status only; reset needs root, on ${control}` });
      const denied = await asNobody(`echo '{"cmd":"reset"}' | socat - UNIX-CONNECT:'${control}'`, w.env);
      expect(denied.stderr).toMatch(/Permission denied/);
      // Not a member (group daemon): not even status.
      const other = await asNobody(`echo '{"cmd":"status"}' | socat - UNIX-CONNECT:'${status}'`, w.env, 1);
      expect(other.stderr).toMatch(/Permission denied/);
      expect(d.events.some((e) => e.event === 'reset' || e.event === 'reset-requested')).toBe(false);
      expect(await d.stop()).toBe(0);
    } finally {
      await d.stop();
      await w.cleanup();
    }
  }, 60000);
});

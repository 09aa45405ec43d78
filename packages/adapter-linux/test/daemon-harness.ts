import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { fakeGpio } from './gpio-fake';
import { tempDir, waitUntil } from './helpers';

const pkg = path.resolve(__dirname, '..');

/** Bundle the CLI from source into the package's .tmp dir (so its native dependency resolves). */
export async function buildCli(): Promise<{ cli: string; cleanup(): Promise<void> }> {
  await fs.mkdir(path.join(pkg, '.tmp'), { recursive: true });
  const dir = await fs.mkdtemp(path.join(pkg, '.tmp', 'cli-'));
  const cli = path.join(dir, 'cli.mjs');
  await build({
    entryPoints: [path.join(pkg, 'src/cli.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    conditions: ['source'],
    external: ['unix-dgram', '@homebridge/dbus-native', 'eventemitter3', 'serialport'],
    outfile: cli,
    logLevel: 'silent',
  });
  return {
    cli,
    cleanup: async () => {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rmdir(path.join(pkg, '.tmp')).catch(() => undefined);
    },
  };
}

/** A running daemon process with its parsed log lines. */
export interface DaemonProc {
  child: ChildProcess;
  events: Record<string, unknown>[];
  stdout(): string;
  stderr(): string;
  exited(): Promise<number | null>;
  waitEvent(pred: (e: Record<string, unknown>) => boolean, what: string, ms?: number): Promise<Record<string, unknown>>;
  stop(): Promise<number | null>;
}

export function startCli(cli: string, args: string[], env: NodeJS.ProcessEnv): DaemonProc {
  return startCommand(process.execPath, [cli, ...args], env);
}

/** Start any command whose stdout carries the daemon's JSON lines (a shell that execs it, unshare …). */
export function startCommand(command: string, args: string[], env: NodeJS.ProcessEnv): DaemonProc {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const events: Record<string, unknown>[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        events.push({ event: 'unparsable', line });
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  return {
    child,
    events,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    async waitEvent(pred, what, ms = 10000) {
      let found: Record<string, unknown> | undefined;
      await waitUntil(() => (found = events.find(pred)) !== undefined || child.exitCode !== null, ms, what);
      if (!found) throw new Error(`daemon exited (${child.exitCode}) before ${what}: ${err}`);
      return found;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
}

/** Run a CLI command to completion. */
export function runCli(cli: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/**
 * A world for one daemon: fake libgpiod, a sysfs LED, a systemctl that records reboots (and refuses
 * them with `rebootFails`, as systemctl does without the right to reboot), no D-Bus.
 */
export async function daemonWorld(options: { rebootFails?: boolean } = {}) {
  const t = await tempDir('daemon');
  const g = await fakeGpio('2.2.1');
  const leds = path.join(t.dir, 'leds');
  await fs.mkdir(path.join(leds, 'ACT'), { recursive: true });
  await fs.writeFile(path.join(leds, 'ACT', 'max_brightness'), '255\n');
  await fs.writeFile(path.join(leds, 'ACT', 'brightness'), '0\n');
  await fs.writeFile(path.join(leds, 'ACT', 'trigger'), 'none [mmc0] timer heartbeat\n');
  // reboot: logind is unreachable (no bus), so the adapter falls back to a systemctl that records.
  const bin = path.join(t.dir, 'bin');
  await fs.mkdir(bin);
  const reboots = path.join(t.dir, 'reboots.log');
  await fs.writeFile(path.join(bin, 'systemctl'), `#!/bin/sh\necho "$@" >> "${reboots}"\n${options.rebootFails ? 'echo "Failed to reboot: Access denied" >&2\nexit 1\n' : ''}`, { mode: 0o755 });
  const env = { ...g.env, PATH: `${bin}:${g.env.PATH}`, DBUS_SYSTEM_BUS_ADDRESS: `unix:path=${path.join(t.dir, 'no-bus')}` };
  const led = (f: string) => fs.readFile(path.join(leds, 'ACT', f), 'utf8').then((s) => s.trim());
  return {
    dir: t.dir,
    state: path.join(t.dir, 'state'),
    run: path.join(t.dir, 'run'),
    g,
    env,
    leds,
    led,
    reboots: () => fs.readFile(reboots, 'utf8').catch(() => ''),
    async config(c: object) {
      const f = path.join(t.dir, 'config.json');
      await fs.writeFile(f, JSON.stringify({ stateDir: path.join(t.dir, 'state'), runtimeDir: path.join(t.dir, 'run'), ...c }));
      return f;
    },
    async cleanup() {
      await g.cleanup();
      await t.cleanup();
    },
  };
}

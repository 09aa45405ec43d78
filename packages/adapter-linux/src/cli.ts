import { promises as fs } from 'node:fs';
import path from 'node:path';
import { loadDaemonConfig, type DaemonConfig } from './daemon/config';
import { callControl, controlSocketPath } from './daemon/control';
import { startDaemon } from './daemon/daemon';
import { streamLogger } from './daemon/log';
import { DEFAULT_STATE_DIR } from './storage';

const HELP = `Usage: provision-linux <command> [--config FILE]

Device provisioning daemon (Mongoose OS provision + ESP-IDF wifi_prov_mgr semantics).

Commands:
  run         run the daemon in the foreground (as a systemd service)
  status      print the provisioning state (from the running daemon, else from the state files)
  reset       ask the running daemon for a factory reset (wipe, journal, reboot)
  configure   give the running daemon Wi-Fi credentials: --ssid NAME, passphrase on stdin
  --help      show this text

Options:
  --config FILE   configuration (our JSON or a Mongoose OS provision object);
                  default /etc/provision/config.json
  --ssid NAME     (configure) the network name

Exit status: 0 ok, 1 failure, 2 bad usage or configuration.
`;

function fail(code: number, message: string): never {
  process.stderr.write(`provision-linux: ${message}\n`);
  process.exit(code);
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(2, `${name} needs a value`);
  return v;
}

async function config(args: string[], required: boolean): Promise<DaemonConfig> {
  const file = arg(args, '--config') ?? '/etc/provision/config.json';
  try {
    return await loadDaemonConfig(file);
  } catch (e) {
    if (!required && (e as { cause?: { code?: string } }).cause?.code === 'ENOENT') return {};
    return fail(2, `invalid configuration: ${(e as Error).message}`);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...args] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const known = ['--config', '--ssid'];
  for (let i = 0; i < args.length; i += 2) if (!known.includes(args[i]!)) fail(2, `unknown option ${args[i]} (try --help)`);

  if (cmd === 'run') {
    const cfg = await config(args, true);
    const log = streamLogger();
    let daemon;
    try {
      daemon = await startDaemon(cfg, { log });
    } catch (e) {
      const code = (e as { code?: string }).code;
      fail(code === 'invalid-config' || code === 'not-supported' ? 2 : 1, `cannot start: ${(e as Error).message}`);
    }
    log('daemon-started', { pid: process.pid });
    const shutdown = (signal: string) => {
      log('daemon-stopping', { signal });
      void daemon.stop().then(() => process.exit(0));
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
    return;
  }

  const cfg = await config(args, false);
  const stateDir = cfg.stateDir ?? DEFAULT_STATE_DIR;
  const sock = controlSocketPath(stateDir);

  if (cmd === 'status') {
    try {
      const r = await callControl(sock, { cmd: 'status' });
      process.stdout.write(`${JSON.stringify({ running: true, ...r }, null, 2)}\n`);
    } catch {
      const read = async (f: string) => {
        try {
          return JSON.parse(await fs.readFile(path.join(stateDir, f), 'utf8')) as unknown;
        } catch (e) {
          return (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : { error: `unreadable: ${(e as Error).message}` };
        }
      };
      process.stdout.write(`${JSON.stringify({ running: false, record: await read('record.json'), journal: await read('journal.json') }, null, 2)}\n`);
    }
    return;
  }
  if (cmd === 'reset' || cmd === 'configure') {
    let req;
    if (cmd === 'configure') {
      const ssid = arg(args, '--ssid') ?? fail(2, 'configure needs --ssid NAME (the passphrase is read from stdin)');
      const passphrase = process.stdin.isTTY ? '' : await readStdin();
      req = { cmd, ssid, ...(passphrase ? { passphrase } : {}) } as const;
    } else req = { cmd } as const;
    let r;
    try {
      r = await callControl(sock, req);
    } catch (e) {
      fail(1, `${(e as Error).message}; is the daemon running?`);
    }
    if (!r.ok) fail(1, `${cmd} failed: ${String(r.error)}`);
    process.stdout.write(`${cmd}: ok\n`);
    return;
  }
  fail(2, `unknown command '${cmd}' (try --help)`);
}

main(process.argv.slice(2)).catch((e: Error) => fail(1, e.message));

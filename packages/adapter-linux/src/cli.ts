// The provision-linux command: run the daemon, or talk to the running one over its control socket.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ReadStream } from 'node:tty';
import { loadDaemonConfig, TRANSPORT_KEYS, type DaemonConfig } from './daemon/config';
import { callControl, controlSocketPath, DEFAULT_RUNTIME_DIR, statusSocketPath, type ControlRequest } from './daemon/control';
import { startDaemon, type Daemon } from './daemon/daemon';
import { EXIT } from './daemon/exit-status';
import { isLockConflict } from './daemon/lock';
import { streamLogger } from './daemon/log';
import { promptHidden, readAll } from './daemon/prompt';
import { DEFAULT_STATE_DIR } from './storage';

const HELP = `Usage: provision-linux <command> [options]

Device provisioning daemon (Mongoose OS provision + ESP-IDF wifi_prov_mgr semantics).

Commands:
  run         run the daemon in the foreground (as a systemd service)
  status      print the provisioning state and the transports (from the running daemon,
              else from the state files and the configuration)
  reset       ask the running daemon for a factory reset (wipe, journal, reboot)
  configure   give the running daemon Wi-Fi credentials: --ssid NAME; the passphrase is
              prompted for on a terminal (not echoed) or read from standard input
  --help      show this text

Options:
  --config FILE   configuration (our JSON or a Mongoose OS provision object);
                  default /etc/provision/config.json
  --ssid NAME     (configure) the network name
  --open          (configure) the network is open: no passphrase (required for one)

Transports, the ways a person hands the device its Wi-Fi credentials, run inside the
daemon when the config's "transports" names them: "protocomm" (Espressif's provisioning
protocol: their phone apps, esp_prov), "portal" (a captive web portal on an access point)
and "improv" (Improv Wi-Fi over a serial port). They run while the device is unprovisioned
or a session is active (always, with "transports.always": true) and stop "transports.graceMs"
after a success.

The control socket (<runtimeDir>/control.sock, default /run/provision) is root-only;
with "statusGroup" in the config, that group's members may run status.

Exit status:
  0  ok
  1  failure
  2  bad usage or configuration
  3  (run) a factory reset wiped the device but the reboot failed; start the daemon
     again (systemd does: RestartForceExitStatus=3)
  4  (run) another daemon is running on the same state directory
`;

function fail(code: number, message: string): never {
  process.stderr.write(`provision-linux: ${message}\n`);
  process.exit(code);
}

/** Options and flags after the command. */
function parseArgs(args: string[]): { values: Map<string, string>; flags: Set<string> } {
  const withValue = ['--config', '--ssid'];
  const flags = ['--open'];
  const values = new Map<string, string>();
  const set = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (flags.includes(a)) set.add(a);
    else if (withValue.includes(a)) {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) fail(EXIT.CONFIG, `${a} needs a value`);
      values.set(a, v);
    } else fail(EXIT.CONFIG, `unknown option ${a} (try --help)`);
  }
  return { values, flags: set };
}

async function config(file: string, required: boolean): Promise<DaemonConfig> {
  try {
    return await loadDaemonConfig(file);
  } catch (e) {
    if (!required && (e as { cause?: { code?: string } }).cause?.code === 'ENOENT') return {};
    return fail(EXIT.CONFIG, `invalid configuration: ${(e as Error).message}`);
  }
}

/** The passphrase for `configure`: none with --open, else prompted for on a terminal or read from stdin. */
async function passphrase(ssid: string, open: boolean): Promise<string | undefined> {
  if (open) return undefined;
  let text: string;
  if (process.stdin.isTTY) {
    const a = await promptHidden(`Passphrase for ${JSON.stringify(ssid)} (not shown): `, process.stdin as ReadStream, process.stderr);
    if ('cancelled' in a) fail(130, 'cancelled');
    text = a.text;
    if (text === '') fail(EXIT.CONFIG, 'no passphrase was typed; for an open network, run configure with --open');
  } else {
    try {
      text = await readAll(process.stdin);
    } catch (e) {
      fail(EXIT.CONFIG, (e as Error).message);
    }
    if (text === '') fail(EXIT.CONFIG, 'no passphrase on standard input; for an open network, run configure with --open');
  }
  return text;
}

async function runDaemon(cfg: DaemonConfig): Promise<void> {
  const log = streamLogger();
  let daemon: Daemon;
  try {
    daemon = await startDaemon(cfg, { log });
  } catch (e) {
    if (isLockConflict(e)) fail(EXIT.ALREADY_RUNNING, `${(e as Error).message}; this one exits without changing anything`);
    const code = (e as { code?: string }).code;
    fail(code === 'invalid-config' || code === 'not-supported' ? EXIT.CONFIG : EXIT.FAILURE, `cannot start: ${(e as Error).message}`);
  }
  log('daemon-started', { pid: process.pid, socket: daemon.socket });
  let exiting = false;
  const exit = (status: number): void => {
    if (exiting) return;
    exiting = true;
    void daemon.stop().then(() => process.exit(status));
  };
  void daemon.ended.then((end) => {
    process.stderr.write(`provision-linux: ${end.reason}\n`);
    exit(end.status);
  });
  const shutdown = (signal: string) => {
    log('daemon-stopping', { signal });
    exit(EXIT.OK);
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const args = parseArgs(rest);
  const file = args.values.get('--config') ?? '/etc/provision/config.json';

  if (cmd === 'run') return runDaemon(await config(file, true));

  const cfg = await config(file, false);
  const stateDir = cfg.stateDir ?? DEFAULT_STATE_DIR;
  const sock = controlSocketPath(cfg.runtimeDir ?? DEFAULT_RUNTIME_DIR);

  if (cmd === 'status') {
    try {
      // Root uses the control socket; a member of the statusGroup the read-only status socket.
      const r = await callControl(sock, { cmd: 'status' }).catch(() => callControl(statusSocketPath(cfg.runtimeDir ?? DEFAULT_RUNTIME_DIR), { cmd: 'status' }));
      process.stdout.write(`${JSON.stringify({ running: true, ...r }, null, 2)}\n`);
    } catch {
      const read = async (f: string) => {
        try {
          return JSON.parse(await fs.readFile(path.join(stateDir, f), 'utf8')) as unknown;
        } catch (e) {
          return (e as NodeJS.ErrnoException).code === 'ENOENT' ? null : { error: `unreadable: ${(e as Error).message}` };
        }
      };
      // The configured transports, none running: the same shape as the running daemon's list.
      const transports = TRANSPORT_KEYS.filter((k) => (cfg.transports as Record<string, unknown> | undefined)?.[k] !== undefined).map((name) => ({ name, running: false }));
      process.stdout.write(`${JSON.stringify({ running: false, record: await read('record.json'), journal: await read('journal.json'), transports }, null, 2)}\n`);
    }
    return;
  }
  if (cmd === 'reset' || cmd === 'configure') {
    let req: ControlRequest;
    if (cmd === 'configure') {
      const ssid = args.values.get('--ssid') ?? fail(EXIT.CONFIG, 'configure needs --ssid NAME (and a passphrase, or --open for an open network)');
      const pass = await passphrase(ssid, args.flags.has('--open'));
      req = { cmd, ssid, ...(pass === undefined ? {} : { passphrase: pass }) };
    } else req = { cmd };
    let r;
    try {
      // A reset answers once the reboot was requested, which may take a few retries.
      r = await callControl(sock, req, cmd === 'reset' ? 60000 : 10000);
    } catch (e) {
      fail(EXIT.FAILURE, (e as Error).message);
    }
    if (!r.ok) fail(EXIT.FAILURE, `${cmd} failed: ${String(r.error)}`);
    process.stdout.write(`${cmd}: ok\n`);
    return;
  }
  fail(EXIT.CONFIG, `unknown command '${cmd}' (try --help)`);
}

main(process.argv.slice(2)).catch((e: Error) => fail(EXIT.FAILURE, e.message));

// The provision-protocomm command: make a security-2 verifier, or provision a device as esp_prov does.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createProtocommClient, type DeviceStatus } from './client';
import { describeError } from './describe';
import { createSrpVerifier } from './srp';
import { toHex, fromHex } from './bytes';

/** Where the command reads secrets typed by a person and writes its output. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  /** Read one line (a secret: not echoed on a terminal). */
  readSecret(prompt: string): Promise<string>;
  sleep(ms: number): Promise<void>;
}

const USAGE = `usage:
  provision-protocomm srp-verifier --user USER [--password-file FILE] [--salt HEX]
      Prints {"username","salt","verifier"} (hex) for a security-2 device. Without --password-file the
      password is read from standard input (a terminal prompt does not echo it). --password PASS works
      too, but a command line is visible to every user of the machine (ps, /proc).
  provision-protocomm provision --target HOST:PORT [--sec 0|1|2] [--pop-file FILE]
      [--user USER --password-file FILE] [--ssid SSID --passphrase-file FILE] [--scan] [--reset | --reprov]
      [--timeout MS] [--poll-ms MS]
      Provisions a device as esp_prov does: version, handshake, optional scan, SetConfig, ApplyConfig,
      then GetStatus until connected or failed (exit 0 connected, 2 failed, 1 error). Secrets not given
      in a file are read from standard input; --pop, --password and --passphrase work but are visible
      on the command line.`;

function fileSecret(path: string): string {
  // The first line, so a file written with `echo` works.
  return readFileSync(path, 'utf8').split(/\r?\n/)[0]!;
}

async function secret(io: CliIo, values: { [k: string]: unknown }, name: string, prompt: string): Promise<string> {
  const file = values[`${name}-file`];
  if (typeof file === 'string') return fileSecret(file);
  const v = values[name];
  if (typeof v === 'string') return v;
  return io.readSecret(prompt);
}

function describeStatus(s: DeviceStatus): string {
  if (s.state === 'connected') return `connected to ${JSON.stringify(s.ssid)} with address ${s.ip}`;
  if (s.state === 'failed') return `failed: ${s.reason === 'auth-error' ? 'wrong passphrase (auth-error)' : 'network not found (ap-not-found)'}`;
  if (s.state === 'connecting') return s.attemptsRemaining !== undefined ? `connecting (${s.attemptsRemaining} attempts left)` : 'connecting';
  return 'disconnected';
}

/** Run the command; resolves to the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const cmd = argv[0];
  try {
    if (cmd === 'srp-verifier') {
      const { values } = parseArgs({
        args: argv.slice(1),
        options: { user: { type: 'string' }, password: { type: 'string' }, 'password-file': { type: 'string' }, salt: { type: 'string' } },
      });
      if (!values.user) throw new Error('--user is required');
      const password = await secret(io, values, 'password', 'Password: ');
      const v = createSrpVerifier({ username: values.user, password, salt: values.salt ? fromHex(values.salt) : undefined });
      io.out(JSON.stringify({ username: values.user, salt: toHex(v.salt), verifier: toHex(v.verifier) }));
      return 0;
    }
    if (cmd === 'provision') {
      const { values } = parseArgs({
        args: argv.slice(1),
        options: {
          target: { type: 'string' },
          sec: { type: 'string', default: '2' },
          pop: { type: 'string' },
          'pop-file': { type: 'string' },
          user: { type: 'string' },
          password: { type: 'string' },
          'password-file': { type: 'string' },
          ssid: { type: 'string' },
          passphrase: { type: 'string' },
          'passphrase-file': { type: 'string' },
          scan: { type: 'boolean' },
          reset: { type: 'boolean' },
          reprov: { type: 'boolean' },
          timeout: { type: 'string', default: '10000' },
          'poll-ms': { type: 'string', default: '2000' },
        },
      });
      if (!values.target) throw new Error('--target HOST:PORT is required (esp_prov\'s default device is 192.168.4.1:80)');
      const sec = Number(values.sec);
      if (sec !== 0 && sec !== 1 && sec !== 2) throw new Error(`--sec must be 0, 1 or 2, got ${values.sec}`);
      const timeoutMs = Number(values.timeout);
      const pollMs = Number(values['poll-ms']);
      if (!(timeoutMs > 0) || !(pollMs >= 0)) throw new Error('--timeout and --poll-ms must be positive numbers of milliseconds');
      let pop: string | undefined;
      let username: string | undefined;
      let password: string | undefined;
      if (sec === 1 && (values.pop !== undefined || values['pop-file'] !== undefined)) pop = await secret(io, values, 'pop', 'Proof of possession: ');
      if (sec === 2) {
        if (!values.user) throw new Error('--sec 2 needs --user');
        username = values.user;
        password = await secret(io, values, 'password', 'Password: ');
      }
      const c = createProtocommClient({ url: values.target, security: sec, pop, username, password, timeoutMs });
      try {
        const v = await c.getVersion();
        const prov = v.prov || {};
        io.err(`device: protocol ${prov.ver}, security ${prov.sec_ver}, capabilities ${(prov.cap || []).join(', ') || 'none'}`);
        if (prov.sec_ver !== undefined && prov.sec_ver !== sec) throw new Error(`the device runs security ${prov.sec_ver}, not ${sec} (use --sec ${prov.sec_ver})`);
        await c.handshake();
        io.err('session established');
        if (values.reset) {
          await c.ctrlReset();
          io.out('reset: the device accepts new credentials');
          return 0;
        }
        if (values.reprov) {
          await c.ctrlReprov();
          io.out('reprov: the device accepts new credentials');
          return 0;
        }
        if (values.scan) {
          const nets = await c.scan();
          for (const [i, n] of nets.entries()) io.out(`${i + 1}. ${JSON.stringify(n.ssid)} ch ${n.channel} ${n.rssi} dBm ${n.auth}${n.bssid ? ` ${n.bssid}` : ''}`);
          if (!values.ssid) return 0;
        }
        if (!values.ssid) throw new Error('--ssid is required (or --scan to list networks)');
        const passphrase = await secret(io, values, 'passphrase', `Passphrase for ${values.ssid}: `);
        await c.setConfig({ ssid: values.ssid, passphrase });
        await c.applyConfig();
        io.err('credentials sent; waiting for the device to connect');
        // esp_prov's loop: connecting continues; anything else but connected uses one of 3 retries.
        let retries = 3;
        for (;;) {
          await io.sleep(pollMs);
          const s = await c.status();
          io.err(`status: ${describeStatus(s)}`);
          if (s.state === 'connected') {
            io.out(`provisioned: ${describeStatus(s)}`);
            return 0;
          }
          if (s.state !== 'connecting' && retries-- === 0) {
            io.out(`provisioning ${describeStatus(s)}`);
            return 2;
          }
        }
      } finally {
        await c.close();
      }
    }
    io.err(USAGE);
    return cmd === undefined || cmd === '--help' || cmd === 'help' ? 0 : 1;
  } catch (e) {
    io.err(`provision-protocomm: ${describeError(e)}`);
    return 1;
  }
}

// A scripted wpa_supplicant control socket replaying the radio events a -D none peer cannot produce.
import { pbkdf2Sync } from 'node:crypto';
import { createRequire } from 'node:module';
import { promises as fs, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './helpers';

const requireCjs = createRequire(import.meta.url);

interface Sock {
  on(ev: 'message', fn: (buf: Buffer, rinfo: { path: string }) => void): void;
  on(ev: 'error', fn: (e: Error) => void): void;
  bind(p: string): void;
  send(buf: Buffer, offset: number, length: number, path: string, cb?: (e?: Error) => void): void;
  close(): void;
}

/** A network the scripted peer offers. */
export interface ScriptedNetwork {
  ssid: string;
  psk: string;
  bssid: string;
}

/**
 * A scripted wpa_supplicant control socket: answers the commands the adapter sends and, on
 * SELECT_NETWORK, replays the exact event lines wpa_supplicant 2.10 emits on a radio for a
 * successful join, a wrong PSK (WRONG_KEY) or an SSID not in range (NETWORK-NOT-FOUND). The PSK
 * sent must be the one derived from the network's passphrase. SAVE_CONFIG writes `configFile` the way
 * wpa_supplicant 2.10 does: a new file with mode 0644 (umask 022), printable strings quoted.
 */
export async function startScriptedWpa(networks: ScriptedNetwork[]) {
  const t = await tempDir('wpafake');
  const ifname = 'wlan0';
  const unix = requireCjs('unix-dgram') as { createSocket(t: 'unix_dgram'): Sock };
  let sock = unix.createSocket('unix_dgram');
  const nets = new Map<number, Record<string, string>>();
  let nextId = 0;
  const monitors = new Set<string>();
  const commands: string[] = [];
  let saved: Record<string, string>[] = [];

  const event = (line: string) => {
    for (const m of monitors) sock.send(Buffer.from(`<3>${line}`), 0, Buffer.byteLength(`<3>${line}`), m);
  };
  let replaying = Promise.resolve();
  const replay = (lines: string[]) => {
    replaying = new Promise((done) => {
      let i = 0;
      const next = () => {
        if (i < lines.length) {
          event(lines[i++]!);
          setImmediate(next);
        } else done();
      };
      setImmediate(next);
    });
  };
  const unquote = (v: string) => (v.startsWith('"') ? v.slice(1, -1) : Buffer.from(v, 'hex').toString('utf8'));
  const configFile = path.join(t.dir, 'wpa_supplicant.conf');
  const STRINGS = ['ssid', 'identity', 'password', 'phase2', 'id_str'];
  const writeConfig = () => {
    const blocks = [...nets.values()].map((n) =>
      ['network={', ...Object.entries(n).map(([k, v]) => {
        if (!STRINGS.includes(k)) return `\t${k}=${v}`;
        const bytes = v.startsWith('"') ? Buffer.from(v.slice(1, -1), 'latin1') : Buffer.from(v, 'hex');
        return `\t${k}=${bytes.every((b) => b >= 0x20 && b < 0x7f) ? `"${bytes.toString('latin1')}"` : bytes.toString('hex')}`;
      }), '}'].join('\n'),
    );
    writeFileSync(`${configFile}.tmp`, ['ctrl_interface=x', 'update_config=1', '', ...blocks, ''].join('\n'), { mode: 0o644 });
    renameSync(`${configFile}.tmp`, configFile);
  };

  function answer(cmd: string, from: string): string {
    commands.push(cmd);
    const [verb, ...args] = cmd.split(' ');
    switch (verb) {
      case 'ATTACH':
        monitors.add(from);
        return 'OK\n';
      case 'DETACH':
        monitors.delete(from);
        return 'OK\n';
      case 'PING':
        return 'PONG\n';
      case 'ADD_NETWORK':
        nets.set(nextId, {});
        return `${nextId++}\n`;
      case 'SET_NETWORK': {
        const n = nets.get(Number(args[0]));
        if (!n) return 'FAIL\n';
        n[args[1]!] = args.slice(2).join(' ');
        return 'OK\n';
      }
      case 'GET_NETWORK': {
        const v = nets.get(Number(args[0]))?.[args[1]!];
        return v === undefined ? 'FAIL\n' : v;
      }
      case 'REMOVE_NETWORK':
        return nets.delete(Number(args[0])) ? 'OK\n' : 'FAIL\n';
      case 'LIST_NETWORKS':
        return ['network id / ssid / bssid / flags', ...[...nets.entries()].map(([id, n]) => `${id}\t${n.ssid ? unquote(n.ssid) : ''}\tany\t`)].join('\n') + '\n';
      case 'SCAN':
        replay(['CTRL-EVENT-SCAN-STARTED ', 'CTRL-EVENT-SCAN-RESULTS ']);
        return 'OK\n';
      case 'SCAN_RESULTS':
        return (
          ['bssid / frequency / signal level / flags / ssid', ...networks.map((n, i) => `${n.bssid}\t${2412 + 5 * i}\t${-50 - 10 * i}\t[WPA2-PSK-CCMP][ESS]\t${n.ssid}`)].join('\n') + '\n'
        );
      case 'ENABLE_NETWORK':
      case 'DISCONNECT':
        return 'OK\n';
      case 'SAVE_CONFIG':
        saved = [...nets.values()].map((n) => ({ ...n }));
        writeConfig();
        return 'OK\n';
      case 'SELECT_NETWORK': {
        const id = Number(args[0]);
        const n = nets.get(id);
        if (!n) return 'FAIL\n';
        const ssid = unquote(n.ssid ?? '');
        const net = networks.find((x) => x.ssid === ssid);
        const idStr = n.id_str ? unquote(n.id_str) : '';
        if (!net) {
          replay(['CTRL-EVENT-SCAN-STARTED ', 'CTRL-EVENT-SCAN-RESULTS ', 'CTRL-EVENT-NETWORK-NOT-FOUND ']);
        } else if (n.psk !== pbkdf2Sync(net.psk, ssid, 4096, 32, 'sha1').toString('hex')) {
          replay([
            'CTRL-EVENT-SCAN-STARTED ',
            'CTRL-EVENT-SCAN-RESULTS ',
            `Trying to associate with SSID '${ssid}'`,
            `Associated with ${net.bssid}`,
            'CTRL-EVENT-SUBNET-STATUS-UPDATE status=0',
            'WPA: 4-Way Handshake failed - pre-shared key may be incorrect',
            `CTRL-EVENT-DISCONNECTED bssid=${net.bssid} reason=15 locally_generated=1`,
            `CTRL-EVENT-SSID-TEMP-DISABLED id=${id} ssid="${ssid}" auth_failures=1 duration=10 reason=WRONG_KEY`,
          ]);
        } else {
          replay([
            'CTRL-EVENT-SCAN-STARTED ',
            'CTRL-EVENT-SCAN-RESULTS ',
            `Trying to associate with SSID '${ssid}'`,
            `Associated with ${net.bssid}`,
            'CTRL-EVENT-SUBNET-STATUS-UPDATE status=0',
            `WPA: Key negotiation completed with ${net.bssid} [PTK=CCMP GTK=CCMP]`,
            `CTRL-EVENT-CONNECTED - Connection to ${net.bssid} completed [id=${id} id_str=${idStr}]`,
          ]);
        }
        return 'OK\n';
      }
      default:
        return 'UNKNOWN COMMAND\n';
    }
  }

  const listen = () => {
    sock.on('message', (buf, rinfo) => {
      const reply = answer(buf.toString('utf8'), rinfo.path);
      sock.send(Buffer.from(reply), 0, Buffer.byteLength(reply), rinfo.path);
    });
    sock.on('error', () => undefined);
    sock.bind(path.join(t.dir, 'ctrl', ifname));
  };
  await fs.mkdir(path.join(t.dir, 'ctrl'));
  listen();
  return {
    ctrlDir: path.join(t.dir, 'ctrl'),
    localDir: t.dir,
    configFile,
    ifname,
    commands,
    networks: nets,
    saved: () => saved,
    monitors,
    /** Stop like wpa_supplicant does: CTRL-EVENT-TERMINATING to monitors, then the socket goes away. */
    async terminate() {
      event('CTRL-EVENT-TERMINATING ');
      monitors.clear();
      sock.close();
      await fs.rm(path.join(t.dir, 'ctrl', ifname), { force: true });
      nets.clear();
    },
    /** Start again on the same path (an empty in-memory network list, as after a restart). */
    restart() {
      sock = unix.createSocket('unix_dgram');
      listen();
    },
    /** Resolves once every scripted event line has been sent. */
    replayed: () => replaying,
    async cleanup() {
      sock.close();
      await t.cleanup();
    },
  };
}

// wpa_supplicant's configuration file: finding it, and keeping it private and readable after SAVE_CONFIG.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileDurable } from '../atomic-write';
import { adapterError, describe } from '../errors';

// wpa_supplicant 2.10's getopt string: these options take an argument.
const WITH_ARG = new Set('bcCDefgGiImoOpP'.split(''));

/** One interface block of a wpa_supplicant command line (`-i… -c… [-N -i… -c…]`). @internal */
export interface WpaInterfaceArgs {
  ifname?: string;
  configFile?: string;
  ctrlDir?: string;
}

/** Split a wpa_supplicant argv (without argv[0]) into its interface blocks. @internal */
export function parseWpaArgs(argv: string[]): WpaInterfaceArgs[] {
  const blocks: WpaInterfaceArgs[] = [{}];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('-') || a.length < 2) continue;
    for (let j = 1; j < a.length; j++) {
      const opt = a[j]!;
      if (opt === 'N') {
        blocks.push({});
        continue;
      }
      if (!WITH_ARG.has(opt)) continue;
      const value = j + 1 < a.length ? a.slice(j + 1) : argv[++i];
      const b = blocks[blocks.length - 1]!;
      if (value !== undefined) {
        if (opt === 'i') b.ifname = value;
        else if (opt === 'c') b.configFile = value;
        else if (opt === 'C') b.ctrlDir = value;
      }
      break;
    }
  }
  return blocks;
}

// `ctrl_interface=/run/wpa_supplicant` or `ctrl_interface=DIR=/run/wpa_supplicant GROUP=netdev`.
function ctrlDirOf(config: string): string | undefined {
  const m = /^ctrl_interface=(.*)$/m.exec(config);
  if (!m) return undefined;
  const v = m[1]!.trim();
  const dir = /(?:^|\s)DIR=(\S+)/.exec(v);
  return dir ? dir[1] : v.split(/\s/)[0];
}

/**
 * The configuration file of the wpa_supplicant that serves `ifname` on `ctrlDir`, read from the
 * running processes' command lines (`-c`), or undefined when none is found (no such process visible,
 * or it runs without a file).
 */
export async function findWpaConfigFile(ifname: string, ctrlDir: string, procDir = '/proc'): Promise<string | undefined> {
  let pids: string[];
  try {
    pids = (await fs.readdir(procDir)).filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
  const found: string[] = [];
  for (const pid of pids) {
    let argv: string[];
    try {
      if ((await fs.readFile(path.join(procDir, pid, 'comm'), 'utf8')).trim() !== 'wpa_supplicant') continue;
      argv = (await fs.readFile(path.join(procDir, pid, 'cmdline'), 'utf8')).split('\0').slice(1);
    } catch {
      continue; // gone meanwhile
    }
    for (const b of parseWpaArgs(argv)) {
      if (b.ifname !== ifname || !b.configFile) continue;
      let file = b.configFile;
      if (!path.isAbsolute(file)) {
        const cwd = await fs.readlink(path.join(procDir, pid, 'cwd')).catch(() => undefined);
        if (!cwd) continue;
        file = path.resolve(cwd, file);
      }
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      const dir = b.ctrlDir ?? ctrlDirOf(text);
      if (dir !== undefined && path.resolve(dir) !== path.resolve(ctrlDir)) continue;
      found.push(file);
    }
  }
  return found[0];
}

/**
 * Strip a `#` comment the way wpa_supplicant's config reader does (`wpa_config_get_line`): a `#`
 * counts as inside a value only between a pair of `"` counted from the start of the line, so
 * `ssid="a"#b"` reads back as `ssid="a"`.
 */
function stripComment(line: string): string {
  let end = line.indexOf('#');
  let s = 0;
  while (end >= 0) {
    const open = line.indexOf('"', s);
    if (open < 0 || open > end) break;
    const close = line.indexOf('"', open + 1);
    if (close < 0) break;
    s = close + 1;
    if (s > end) end = line.indexOf('#', s);
  }
  return end >= 0 ? line.slice(0, end) : line;
}

// String fields that wpa_supplicant also reads as unquoted hex (wpa_config_parse_string).
const HEX_FIELDS = new Set(['ssid', 'identity', 'anonymous_identity', 'password', 'phase1', 'phase2', 'id_str']);

/**
 * Rewrite, as hex, every quoted value that wpa_supplicant wrote but would not read back whole.
 * wpa_supplicant 2.10 writes any printable value quoted without escaping, so an SSID or EAP password
 * holding `"` and then `#` comes back truncated at the next start. Works on bytes (latin1). Returns
 * the fixed text, or undefined when every line reads back as written.
 * @internal
 */
export function fixUnreadableValues(text: string): string | undefined {
  let changed = false;
  const lines = text.split('\n').map((line) => {
    const m = /^(\s*)([a-z_0-9]+)="(.*)"\s*$/.exec(line);
    if (!m || !HEX_FIELDS.has(m[2]!) || stripComment(line).trimEnd() === line.trimEnd()) return line;
    changed = true;
    return `${m[1]}${m[2]}=${Buffer.from(m[3]!, 'latin1').toString('hex')}`;
  });
  return changed ? lines.join('\n') : undefined;
}

/**
 * After a `SAVE_CONFIG`: make every value in `file` read back as written (see
 * {@link fixUnreadableValues}) and keep the file mode 0600 — wpa_supplicant writes a new file with
 * its umask (0644 under the usual 022), and the file holds the network's PSK. Throws `wifi-failed`
 * naming the file when it cannot be read, fixed or made private; the network itself was saved.
 */
export async function secureWpaConfigFile(file: string): Promise<void> {
  const fail = (what: string, e?: unknown) =>
    adapterError('wifi-failed', `wpa_supplicant saved the network, but its configuration file ${file} ${what}${e === undefined ? '' : `: ${describe(e)}`}`, e === undefined ? {} : { cause: e });
  let st;
  let text;
  try {
    st = await fs.stat(file);
    text = await fs.readFile(file, 'latin1');
  } catch (e) {
    throw fail('cannot be read to check its mode', e);
  }
  const fixed = fixUnreadableValues(text);
  if (fixed !== undefined) {
    try {
      await writeFileDurable(file, Buffer.from(fixed, 'latin1'), 0o600, { uid: st.uid, gid: st.gid });
    } catch (e) {
      throw fail('holds a value it would not read back, and rewriting it as hex failed', e);
    }
  }
  let mode = fixed === undefined ? st.mode & 0o777 : 0o600;
  if ((mode & 0o077) !== 0) {
    try {
      await fs.chmod(file, 0o600);
      mode = (await fs.stat(file)).mode & 0o777;
    } catch (e) {
      throw fail(`is mode ${mode.toString(8).padStart(4, '0')} (readable by others) and chmod 0600 failed`, e);
    }
    if ((mode & 0o077) !== 0) throw fail(`is still mode ${mode.toString(8).padStart(4, '0')} after chmod 0600`);
  }
}

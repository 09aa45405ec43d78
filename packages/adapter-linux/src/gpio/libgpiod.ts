import { promises as fs } from 'node:fs';
import path from 'node:path';
import { adapterError } from '../errors';
import { run } from '../exec';

/** Pull resistor setting for an input line. */
export type GpioBias = 'as-is' | 'pull-up' | 'pull-down' | 'disabled';

/** Which GPIO line, and how to request it. */
export interface GpioLineOptions {
  /**
   * The chip: a name (`gpiochip0`), number (`0`) or path (`/dev/gpiochip0`). Default `gpiochip0`
   * when `line` is an offset; when `line` is a name and no chip is given, every chip is searched.
   */
  chip?: string;
  /** The line: an offset on the chip (`17`) or a line name from the device tree (`"GPIO17"`). */
  line: number | string;
  /** The line is active (pressed / lit) when low. Default false. */
  activeLow?: boolean;
  /** Bias for inputs. Default `as-is`. */
  bias?: GpioBias;
  /** Environment for the tools (PATH). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Where chip devices live. Default `/dev`. */
  devDir?: string;
}

/** libgpiod tools major version: 1 (Debian bookworm, 1.6.x) or 2 (Debian trixie, 2.x). */
export type LibgpiodMajor = 1 | 2;

/** A resolved line: what to put on the tools' command lines. */
export interface ResolvedLine {
  major: LibgpiodMajor;
  /** Chip argument, or undefined (v2, line by name over all chips). */
  chip: string | undefined;
  /** Offset or name, as given to the tool. */
  line: string;
  /** For messages: `line 17 on gpiochip0`. */
  label: string;
  activeLow: boolean;
  bias: GpioBias;
  env: NodeJS.ProcessEnv;
}

const PKG = 'gpiod';

/** Ask a libgpiod tool for its version (`gpiomon (libgpiod) v1.6.3`). */
export async function detectLibgpiod(tool = 'gpiomon', env: NodeJS.ProcessEnv = process.env): Promise<{ major: LibgpiodMajor; version: string }> {
  const r = await run(tool, ['--version'], { env, pkg: PKG });
  const m = /\(libgpiod\) v(\d+)\.(\d+)(\.\d+)?/.exec(r.stdout);
  if (r.code !== 0 || !m) throw adapterError('not-supported', `'${tool} --version' did not report a libgpiod version`);
  const major = Number(m[1]);
  if (major !== 1 && major !== 2) throw adapterError('not-supported', `libgpiod v${m[1]} is not supported (1.x and 2.x are)`);
  return { major, version: m[0].slice('(libgpiod) v'.length) };
}

function chipDevice(chip: string, devDir: string): string {
  if (/^\d+$/.test(chip)) return path.join(devDir, `gpiochip${chip}`);
  if (chip.includes('/')) return chip;
  return path.join(devDir, chip);
}

/**
 * Check that the chip exists and turn the options into tool arguments for the installed libgpiod.
 * Line names are resolved with `gpiofind` on v1 (whose tools take offsets only).
 */
export async function resolveLine(opts: GpioLineOptions, major: LibgpiodMajor): Promise<ResolvedLine> {
  const env = opts.env ?? process.env;
  const devDir = opts.devDir ?? '/dev';
  const byName = typeof opts.line === 'string' && !/^\d+$/.test(opts.line);
  if (typeof opts.line === 'number' && (!Number.isInteger(opts.line) || opts.line < 0)) {
    throw adapterError('invalid-config', `GPIO line must be an offset >= 0 or a line name, got ${opts.line}`, { field: 'line' });
  }
  let chip = opts.chip ?? (byName ? undefined : 'gpiochip0');
  if (chip !== undefined) {
    const dev = chipDevice(chip, devDir);
    try {
      await fs.stat(dev);
    } catch {
      throw adapterError('invalid-config', `GPIO chip '${chip}' not found (${dev} does not exist)`, { field: 'chip' });
    }
  }
  let line = String(opts.line);
  if (byName && major === 1) {
    const r = await run('gpiofind', [line], { env, pkg: PKG });
    const m = /^(\S+) (\d+)$/.exec(r.stdout.trim());
    if (r.code !== 0 || !m) throw adapterError('invalid-config', `GPIO line '${line}' not found on any chip`, { field: 'line' });
    if (chip !== undefined && chip !== m[1] && chipDevice(chip, devDir) !== chipDevice(m[1]!, devDir)) {
      throw adapterError('invalid-config', `GPIO line '${line}' is on ${m[1]}, not on '${chip}'`, { field: 'line' });
    }
    chip = m[1]!;
    line = m[2]!;
  }
  return {
    major,
    chip,
    line,
    label: chip === undefined ? `line '${line}'` : `line ${byName && major === 2 ? `'${line}'` : line} on ${chip}`,
    activeLow: opts.activeLow ?? false,
    bias: opts.bias ?? 'as-is',
    env,
  };
}

function commonArgs(l: ResolvedLine, withBias: boolean): string[] {
  const a: string[] = [];
  if (l.activeLow) a.push('-l');
  if (withBias && l.bias !== 'as-is') {
    if (l.major === 1) a.push('-B', l.bias === 'disabled' ? 'disable' : l.bias);
    else a.push('-b', l.bias);
  }
  return a;
}

function target(l: ResolvedLine, suffix = ''): string[] {
  if (l.major === 1) return [l.chip!, `${l.line}${suffix}`];
  // v2 treats a numeric id as an offset only when a chip is given; names are looked up by name.
  return [...(l.chip === undefined ? [] : ['-c', l.chip]), `${l.line}${suffix}`];
}

/** `gpioget` arguments: prints `0`/`1` (v1) or `"17"=active` (v2). */
export function gpiogetArgs(l: ResolvedLine): string[] {
  return [...commonArgs(l, true), ...target(l)];
}

/** `gpiomon` arguments: both edges, line-buffered output in v1 (v2 flushes every event itself). */
export function gpiomonArgs(l: ResolvedLine): string[] {
  return l.major === 1 ? ['-b', ...commonArgs(l, true), ...target(l)] : [...commonArgs(l, true), ...target(l)];
}

/**
 * `gpioset` arguments that hold `value` until the process is killed; with `toggleMs` (v2 only) the
 * tool itself toggles the line after each period, repeating.
 */
export function gpiosetArgs(l: ResolvedLine, value: 0 | 1, toggleMs?: [number, number]): string[] {
  if (l.major === 1) return ['-m', 'signal', ...commonArgs(l, false), ...target(l, `=${value}`)];
  const t = toggleMs ? ['-t', `${toggleMs[0]}ms,${toggleMs[1]}ms`] : [];
  return [...t, ...commonArgs(l, false), ...target(l, `=${value}`)];
}

/** Parse `gpioget` output into the logical level (true = active). */
export function parseGpioget(stdout: string): boolean | undefined {
  const s = stdout.trim();
  if (s === '1' || s === '0') return s === '1';
  const m = /=(active|inactive|1|0)$/.exec(s);
  if (!m) return undefined;
  return m[1] === 'active' || m[1] === '1';
}

/**
 * Parse one `gpiomon` event line (default human-readable format) into the logical edge
 * (true = became active). v1: `event:  RISING EDGE offset: 17 timestamp: [   12.000000001]`;
 * v2: `12.000000001\trising\tgpiochip0 17`.
 */
export function parseGpiomon(line: string): boolean | undefined {
  const v1 = /^event:\s+(RISING|FALLING) EDGE offset: \d+ timestamp: \[\s*\d+\.\d+\]$/.exec(line);
  if (v1) return v1[1] === 'RISING';
  const v2 = /^\d+\.\d+\t(rising|falling)\t/.exec(line);
  if (v2) return v2[1] === 'rising';
  return undefined;
}

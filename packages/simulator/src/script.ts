import type { ProvisionConfig } from '@provision/core';
import { formatLine, NETWORK_MODES, SimDevice, type NetworkMode, type TimelineLine } from './device';
import { describePattern, formatTime, parseDuration, stateLabel } from './names';
import type { StateStore } from './state-file';

/** One parsed script line. */
export type ScriptStep =
  | { op: 'wifi'; ssid: string; passphrase: string }
  | { op: 'network'; mode: NetworkMode }
  | { op: 'wait'; ms: number }
  | { op: 'press' }
  | { op: 'release' }
  | { op: 'hold'; ms: number }
  | { op: 'cloud' }
  | { op: 'state'; n: number }
  | { op: 'reboot' }
  | { op: 'session'; action: 'start' | 'stop' | 'retry' }
  | { op: 'reset' }
  | { op: 'drop'; reason: 'auth-error' | 'ap-not-found' | 'other' }
  | { op: 'expect'; what: string; want: string };

/** A step with where it came from. */
export interface ScriptLine {
  line: number;
  source: string;
  step: ScriptStep;
}

/** A script that could not be parsed: the message names the line. */
export class ScriptError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ScriptError';
    this.line = line;
  }
}

/** Network mode names a script may use, with the core's reason names as aliases. */
const NETWORK_ALIASES: Record<string, NetworkMode> = {
  connect: 'connect',
  connects: 'connect',
  'wrong-password': 'wrong-password',
  'auth-error': 'wrong-password',
  'no-such-network': 'no-such-network',
  'ap-not-found': 'no-such-network',
  flaky: 'flaky',
  other: 'other',
};

const YES_NO = ['yes', 'no'];

/** What `expect` can check, and the values each accepts (undefined: a number or free form). */
const EXPECTS: Record<string, { values?: string[]; hint: string }> = {
  state: { hint: 'a state number 0..255' },
  max: { hint: 'a state number 0..255' },
  wifi: { values: ['connecting', 'connected', 'disconnected', 'attempt-failed'], hint: 'connecting, connected, disconnected or attempt-failed' },
  reason: { values: ['auth-error', 'ap-not-found', 'other', 'none'], hint: 'auth-error, ap-not-found, other or none (the last failure of this boot)' },
  session: { values: ['idle', 'started', 'cred-recv', 'fail', 'success', 'stopping'], hint: 'idle, started, cred-recv, fail, success or stopping' },
  led: { hint: 'solid-on, solid-off or blink ON/OFF (e.g. blink 500/500)' },
  'wifi-configured': { values: YES_NO, hint: 'yes or no' },
  provisioned: { values: YES_NO, hint: 'yes or no' },
  credentials: { values: ['stored', 'none'], hint: 'stored or none' },
  timeout: { values: ['armed', 'off'], hint: 'armed or off' },
  boots: { hint: 'a number of boots' },
  'bad-credentials': { hint: 'the failures counted towards the bad-credentials reset (R8.2), or off when none count' },
  'last-reset': { values: ['button', 'timeout', 'bad-credentials', 'app', 'none'], hint: 'button, timeout, bad-credentials, app or none' },
};

const COMMANDS =
  'wifi connect SSID ["PASSPHRASE"], network MODE, wait DURATION, press, release, hold DURATION, cloud, state N, reboot, ' +
  'session start|stop|retry, reset, drop [REASON], expect WHAT VALUE';

/** Split a line into words; double quotes group words, `\"` and `\\` escape inside them. */
function tokenize(text: string, line: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    if (c === '"') {
      let word = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ScriptError(line, 'unterminated quote: a quoted word needs a closing "');
        const d = text[i];
        if (d === '\\' && i + 1 < text.length) {
          word += text[i + 1];
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else {
          word += d;
          i++;
        }
      }
      out.push(word);
      continue;
    }
    let word = '';
    while (i < text.length && text[i] !== ' ' && text[i] !== '\t') word += text[i++];
    out.push(word);
  }
  return out;
}

function duration(word: string | undefined, line: number, what: string): number {
  const ms = word === undefined ? undefined : parseDuration(word);
  if (ms === undefined) {
    throw new ScriptError(line, `${what} needs a duration with a unit, like 250ms, 5s, 1.5s or 2m; got ${word === undefined ? 'nothing' : JSON.stringify(word)}`);
  }
  return ms;
}

function arity(words: string[], min: number, max: number, line: number, usage: string): void {
  const n = words.length - 1;
  if (n < min || n > max) throw new ScriptError(line, `${words[0]} takes ${min === max ? min : `${min} to ${max}`} argument(s): ${usage}`);
}

function stateNumber(word: string, line: number, what: string): number {
  if (!/^\d{1,3}$/.test(word) || Number(word) > 255) throw new ScriptError(line, `${what} must be a state number 0..255, got ${JSON.stringify(word)}`);
  return Number(word);
}

function parseStep(words: string[], line: number): ScriptStep {
  const cmd = words[0];
  switch (cmd) {
    case 'wifi':
      if (words[1] !== 'connect') throw new ScriptError(line, 'wifi takes: wifi connect SSID ["PASSPHRASE"]');
      if (words.length < 3 || words.length > 4) throw new ScriptError(line, 'wifi connect takes an SSID and an optional passphrase: wifi connect SSID ["PASSPHRASE"]');
      return { op: 'wifi', ssid: words[2], passphrase: words[3] || '' };
    case 'network': {
      arity(words, 1, 1, line, 'network connect|wrong-password|no-such-network|flaky|other');
      const mode = NETWORK_ALIASES[words[1]];
      if (!mode) throw new ScriptError(line, `unknown network mode ${JSON.stringify(words[1])}; modes: ${NETWORK_MODES.map((m) => m.mode).join(', ')}`);
      return { op: 'network', mode: mode };
    }
    case 'wait':
      arity(words, 1, 1, line, 'wait DURATION');
      return { op: 'wait', ms: duration(words[1], line, 'wait') };
    case 'hold':
      arity(words, 1, 1, line, 'hold DURATION');
      return { op: 'hold', ms: duration(words[1], line, 'hold') };
    case 'press':
    case 'release':
    case 'cloud':
    case 'reboot':
    case 'reset':
      arity(words, 0, 0, line, cmd);
      return { op: cmd };
    case 'state':
      arity(words, 1, 1, line, 'state N');
      return { op: 'state', n: stateNumber(words[1], line, 'state') };
    case 'session': {
      arity(words, 1, 1, line, 'session start|stop|retry');
      const a = words[1];
      if (a !== 'start' && a !== 'stop' && a !== 'retry') throw new ScriptError(line, `session takes start, stop or retry, got ${JSON.stringify(a)}`);
      return { op: 'session', action: a };
    }
    case 'drop': {
      arity(words, 0, 1, line, 'drop [auth-error|ap-not-found|other]');
      const r = words[1] || 'other';
      if (r !== 'auth-error' && r !== 'ap-not-found' && r !== 'other') throw new ScriptError(line, `drop takes auth-error, ap-not-found or other, got ${JSON.stringify(r)}`);
      return { op: 'drop', reason: r };
    }
    case 'expect': {
      const what = words[1];
      const spec = what === undefined ? undefined : EXPECTS[what];
      if (!spec) throw new ScriptError(line, `expect needs one of: ${Object.keys(EXPECTS).join(', ')}; got ${what === undefined ? 'nothing' : JSON.stringify(what)}`);
      const want = words.slice(2).join(' ');
      if (!want) throw new ScriptError(line, `expect ${what} needs a value: ${spec.hint}`);
      if (spec.values && spec.values.indexOf(want) < 0) throw new ScriptError(line, `expect ${what} takes ${spec.hint}; got ${JSON.stringify(want)}`);
      if (what === 'state' || what === 'max') stateNumber(want, line, `expect ${what}`);
      if (what === 'bad-credentials' && !/^(\d+|off)$/.test(want)) throw new ScriptError(line, `expect bad-credentials takes a number or off; got ${JSON.stringify(want)}`);
      if (what === 'boots' && !/^\d+$/.test(want)) throw new ScriptError(line, `expect boots takes a number, got ${JSON.stringify(want)}`);
      if (what === 'led' && !/^(solid-on|solid-off|blink \d+\/\d+)$/.test(want)) throw new ScriptError(line, `expect led takes ${spec.hint}; got ${JSON.stringify(want)}`);
      return { op: 'expect', what: what, want: want };
    }
    default:
      throw new ScriptError(line, `unknown command ${JSON.stringify(cmd)}; commands: ${COMMANDS}`);
  }
}

/**
 * Parse a scenario script. One command per line; `#` starts a comment; blank lines are ignored.
 *
 * @throws {@link ScriptError} naming the line and what is wrong, before anything runs.
 *
 * @example
 * ```ts
 * parseScript('wifi connect HomeNet "correct horse"\nwait 2s\nexpect state 2\n');
 * ```
 */
export function parseScript(text: string): ScriptLine[] {
  const out: ScriptLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const words = tokenize(lines[i], i + 1);
    if (words.length === 0) continue;
    out.push({ line: i + 1, source: lines[i].trim(), step: parseStep(words, i + 1) });
  }
  return out;
}

/** What {@link runScript} produced. */
export interface ScriptResult {
  /** 0 when every expectation held, 1 when one failed. */
  code: 0 | 1;
  /** The timeline, one printed line per entry. */
  lines: string[];
  /** The failed expectation, when `code` is 1. */
  failure?: string;
}

/** Options for {@link runScript}. */
export interface RunScriptOptions {
  /** Where the device's flash lives (a fresh in-memory store for a repeatable run). */
  store: StateStore;
  config?: ProvisionConfig;
  /** Called with each printed line as it happens. */
  onLine?: (line: string) => void;
}

function actual(dev: SimDevice, what: string): string {
  const s = dev.snapshot();
  switch (what) {
    case 'state':
      return String(s.cur);
    case 'max':
      return String(s.max);
    case 'wifi':
      return s.wifiState;
    case 'reason':
      return s.lastFailure ? s.lastFailure.reason : 'none';
    case 'session':
      return s.session;
    case 'led': {
      const p = s.ledPattern;
      return p.off === 0 ? 'solid-on' : p.on === 0 ? 'solid-off' : `blink ${p.on}/${p.off}`;
    }
    case 'wifi-configured':
      return s.wifiConfigured ? 'yes' : 'no';
    case 'provisioned':
      return s.provisioned ? 'yes' : 'no';
    case 'credentials':
      return dev.wifi.hasStoredCredentials() ? 'stored' : 'none';
    case 'timeout':
      return s.timeoutRemaining === undefined ? 'off' : 'armed';
    case 'boots':
      return String(s.boots);
    case 'bad-credentials':
      return s.badCredentials ? String(s.badCredentials.count) : 'off';
    case 'last-reset': {
      const r = dev.prov.getResetJournal().resets;
      return r.length ? r[r.length - 1].cause : 'none';
    }
    default:
      return '?';
  }
}

function explain(dev: SimDevice, what: string, got: string): string {
  if (what === 'state') return `${stateLabel(Number(got))}`;
  if (what === 'max') return `${stateLabel(Number(got))}`;
  if (what === 'led') return describePattern(dev.ledPattern());
  if (what === 'timeout' && got === 'armed') {
    const left = dev.snapshot().timeoutRemaining || 0;
    return `armed, ${(left / 1000).toFixed(3)} s left`;
  }
  return got;
}

/**
 * Run a parsed scenario on a fresh {@link SimDevice} in simulated time only: `wait` advances the
 * simulated clock, so a run is deterministic and takes no real time. Stops at the first failed
 * `expect`.
 *
 * @example
 * ```ts
 * const r = await runScript(parseScript(text), { store: createMemoryStore() });
 * console.log(r.lines.join('\n'));
 * process.exitCode = r.code;
 * ```
 */
export async function runScript(steps: ScriptLine[], options: RunScriptOptions): Promise<ScriptResult> {
  const lines: string[] = [];
  const print = (text: string): void => {
    lines.push(text);
    if (options.onLine) options.onLine(text);
  };
  const dev = new SimDevice({ store: options.store, config: options.config });
  const off = dev.onLine((l: TimelineLine) => {
    // The script's own lines say what was done; the device's echo of an action would repeat them.
    if (l.kind !== 'action') print(formatLine(l));
  });
  const at = (): string => formatTime(dev.clock.now());
  try {
    dev.boot();
    for (const s of steps) {
      const step = s.step;
      const echo = step.op === 'wifi' ? `wifi connect ${JSON.stringify(step.ssid)}${step.passphrase ? ' (passphrase hidden)' : ''}` : s.source.replace(/\s+#.*$/, '');
      if (step.op !== 'expect') print(`${at()}  > ${echo}`);
      switch (step.op) {
        case 'wifi':
          await dev.configureWifi(step.ssid, step.passphrase);
          break;
        case 'network':
          dev.setNetwork(step.mode);
          break;
        case 'wait':
          dev.advance(step.ms);
          break;
        case 'press':
          dev.press();
          break;
        case 'release':
          dev.release();
          break;
        case 'hold':
          dev.press();
          dev.advance(step.ms);
          dev.release();
          break;
        case 'cloud':
          dev.cloud();
          break;
        case 'state':
          dev.setState(step.n);
          break;
        case 'reboot':
          dev.reboot();
          break;
        case 'session':
          if (step.action === 'start') dev.startSession();
          else if (step.action === 'stop') dev.stopSession();
          else dev.retrySession();
          break;
        case 'reset':
          dev.factoryReset();
          break;
        case 'drop':
          dev.dropLink(step.reason);
          break;
        case 'expect': {
          // Let promise continuations of the core (none with synchronous ports) settle first.
          await Promise.resolve();
          const got = actual(dev, step.what);
          if (got !== step.want) {
            const failure = `line ${s.line}: expect ${step.what} ${step.want} failed: ${step.what} is ${explain(dev, step.what, got)} at ${at().trim()}`;
            print(`${at()}  FAILED ${failure}`);
            return { code: 1, lines: lines, failure: failure };
          }
          print(`${at()}  ok: expect ${step.what} ${step.want}`);
          break;
        }
      }
    }
    const s = dev.snapshot();
    print(
      `${at()}  end: state ${stateLabel(s.cur)}, max ${stateLabel(s.max)}, ${s.provisioned ? 'provisioned' : 'not provisioned'}, ` +
        `wifiConfigured ${s.wifiConfigured ? 'yes' : 'no'}, ${s.boots} boot(s)`,
    );
    return { code: 0, lines: lines };
  } finally {
    off();
    dev.dispose();
  }
}

import type { AtClient } from './at-client';
import { atError, isAtError } from './errors';
import { atQuote } from './escape';

const NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const READ_LINE = /^\+SYSMFG:"((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)",(\d+),(\d+),/;
const KEY_LINE = /^\+SYSMFG:"((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)",(\d+)$/;
const NS_LINE = /^\+SYSMFG:"((?:[^"\\]|\\.)*)"$/;

/** ESP-AT's `AT+SYSMFG` value type for a string (7) and for binary (8). */
export const SYSMFG_STRING = 7;

/** How many reads {@link ModuleNvs.readVerified} makes at most before it gives up (default). */
export const VERIFIED_READ_ATTEMPTS = 4;

/** What one read found: the value, or that the module said the key does not exist. */
type ReadOutcome = { found: true; value: string } | { found: false };

function sameOutcome(a: ReadOutcome, b: ReadOutcome): boolean {
  return a.found ? b.found && a.value === b.value : !b.found;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Check an NVS namespace or key name: NVS allows at most 15 characters; we also keep to characters
 * that need no escaping on the AT command line.
 */
export function checkNvsName(what: string, name: string): void {
  if (!NAME.test(name)) {
    throw new Error(`${what} "${name}" is not a valid NVS name: 1..15 characters of A-Z a-z 0-9 _ . -`);
  }
}

/**
 * Key/value access to one namespace of the module's manufacturing NVS partition through `AT+SYSMFG`
 * (read `=1`, write `=2` with the `>` prompt, erase `=0`). NVS replaces a key's value atomically: after
 * power loss a key holds its old or its new value, never a mix.
 *
 * @example
 * ```ts
 * const nvs = new ModuleNvs(client, 'provision');
 * await nvs.write('greeting', 'hello');
 * await nvs.read('greeting'); // 'hello'
 * ```
 */
export class ModuleNvs {
  /**
   * @param client - an open {@link AtClient}
   * @param namespace - the NVS namespace (1..15 characters)
   */
  constructor(
    private readonly client: AtClient,
    /** The NVS namespace this instance reads and writes. */
    readonly namespace: string,
  ) {
    checkNvsName('namespace', namespace);
  }

  /**
   * One read: the value of `key` as a string, or `undefined` when the module says the key (or the
   * namespace) does not exist.
   *
   * @throws {@link AtError} when the module could not be asked or its answer was damaged on the line
   *   (no value line, or a value whose length differs from the length field): the value is then
   *   *unknown*, which is not the same as absent. See {@link ModuleNvs.readVerified}.
   */
  async read(key: string): Promise<string | undefined> {
    checkNvsName('key', key);
    const command = `AT+SYSMFG=1,${atQuote(this.namespace)},${atQuote(key)}`;
    try {
      const r = await this.client.send(command);
      for (const line of r.lines) {
        const m = READ_LINE.exec(line);
        if (!m || m[1] !== this.namespace || m[2] !== key) continue;
        const value = line.slice(m[0].length);
        // A decoded value that lost bytes (U+FFFD) cannot be measured; every other one must match.
        if (!value.includes('\uFFFD') && new TextEncoder().encode(value).length !== Number(m[4])) {
          this.client.resync();
          throw atError(
            { reason: 'garbled', command: 'AT+SYSMFG=…', lines: [] },
            `AT+SYSMFG read of "${key}": the value is ${new TextEncoder().encode(value).length} bytes, the length field says ${m[4]}`,
          );
        }
        return value;
      }
      // An OK without the value: a stray result line was taken for this read's, or the value line was
      // lost; either way the link needs a re-sync.
      this.client.resync();
      throw atError({ reason: 'garbled', command: 'AT+SYSMFG=…', lines: [] }, `AT+SYSMFG read of "${key}" returned no value line`);
    } catch (e) {
      if (isAtError(e, 'error') && !(await this.keys()).includes(key)) return undefined;
      throw e;
    }
  }

  /**
   * Read `key` until two reads agree (at most `attempts`, default {@link VERIFIED_READ_ATTEMPTS}):
   * the value, or `undefined` when two reads said the key does not exist.
   *
   * A UART has no checksum: a dropped line can make one read look like "no such key" (a listing line
   * lost) and a flipped bit can change a value. Two reads that agree rule out a single fault on the
   * line, so a boot-time read never turns a damaged answer into "fresh device". Costs one extra
   * command on a healthy link.
   *
   * @param valid - optional check of a value (e.g. its checksum); a value failing it counts as a
   *   damaged read and is read again
   * @throws {@link AtError} (reason of the last failure) when no two of the reads agreed; its message
   *   says how many reads were made and how they failed.
   */
  async readVerified(key: string, attempts = VERIFIED_READ_ATTEMPTS, valid?: (value: string) => boolean): Promise<string | undefined> {
    checkNvsName('key', key);
    const seen: ReadOutcome[] = [];
    let lastError: unknown;
    let failures = 0;
    for (let i = 0; i < Math.max(2, attempts); i++) {
      let outcome: ReadOutcome;
      try {
        const v = await this.read(key);
        if (v !== undefined && valid && !valid(v)) {
          throw atError({ reason: 'garbled', command: 'AT+SYSMFG=…', lines: [] }, `AT+SYSMFG read of "${key}": the value's checksum does not match`);
        }
        outcome = v === undefined ? { found: false } : { found: true, value: v };
      } catch (e) {
        if (!isAtError(e)) throw e;
        failures++;
        lastError = e;
        continue;
      }
      if (seen.some((o) => sameOutcome(o, outcome))) return outcome.found ? outcome.value : undefined;
      seen.push(outcome);
    }
    const n = Math.max(2, attempts);
    const why =
      failures === n
        ? `all ${n} reads failed (last: ${messageOf(lastError)})`
        : `no two of ${n} reads agreed (${failures} failed${lastError === undefined ? '' : `, last: ${messageOf(lastError)}`})`;
    const reason = isAtError(lastError) ? lastError.at.reason : 'garbled';
    throw atError({ reason, command: 'AT+SYSMFG=…', lines: [] }, `reading "${key}" from the module: ${why}`, lastError);
  }

  /** Store `value` (UTF-8 string, NVS type 7) under `key`, replacing any old value atomically. */
  async write(key: string, value: string): Promise<void> {
    checkNvsName('key', key);
    const bytes = new TextEncoder().encode(value);
    await this.client.sendData(`AT+SYSMFG=2,${atQuote(this.namespace)},${atQuote(key)},${SYSMFG_STRING},${bytes.length}`, bytes);
  }

  /** Erase `key`; erasing a key that does not exist is not an error. */
  async erase(key: string): Promise<void> {
    checkNvsName('key', key);
    try {
      await this.client.send(`AT+SYSMFG=0,${atQuote(this.namespace)},${atQuote(key)}`);
    } catch (e) {
      if (isAtError(e, 'error') && !(await this.keys()).includes(key)) return;
      throw e;
    }
  }

  /** The keys of the namespace (empty when the namespace does not exist). */
  async keys(): Promise<string[]> {
    try {
      const r = await this.client.send(`AT+SYSMFG=1,${atQuote(this.namespace)}`);
      const keys: string[] = [];
      for (const line of r.lines) {
        const m = KEY_LINE.exec(line);
        if (m && m[1] === this.namespace) keys.push(m[2]!);
      }
      return keys;
    } catch (e) {
      if (!isAtError(e, 'error')) throw e;
      // Reading a namespace that was never written fails; tell that apart from a real failure.
      const r = await this.client.send('AT+SYSMFG?');
      const exists = r.lines.some((l) => {
        const m = NS_LINE.exec(l);
        return m !== null && m[1] === this.namespace;
      });
      if (exists) throw e;
      return [];
    }
  }
}

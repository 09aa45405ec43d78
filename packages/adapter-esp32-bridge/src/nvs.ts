import type { AtClient } from './at-client';
import { isAtError } from './errors';
import { atQuote } from './escape';

const NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const READ_LINE = /^\+SYSMFG:"((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)",(\d+),(\d+),/;
const KEY_LINE = /^\+SYSMFG:"((?:[^"\\]|\\.)*)","((?:[^"\\]|\\.)*)",(\d+)$/;
const NS_LINE = /^\+SYSMFG:"((?:[^"\\]|\\.)*)"$/;

/** ESP-AT's `AT+SYSMFG` value type for a string (7) and for binary (8). */
export const SYSMFG_STRING = 7;

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

  /** The value of `key` as a string, or `undefined` when the key (or the namespace) does not exist. */
  async read(key: string): Promise<string | undefined> {
    checkNvsName('key', key);
    try {
      const r = await this.client.send(`AT+SYSMFG=1,${atQuote(this.namespace)},${atQuote(key)}`);
      for (const line of r.lines) {
        const m = READ_LINE.exec(line);
        if (m && m[2] === key) return line.slice(m[0].length);
      }
      throw new Error(`AT+SYSMFG read of "${key}" returned no value line`);
    } catch (e) {
      if (isAtError(e, 'error') && !(await this.keys()).includes(key)) return undefined;
      throw e;
    }
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

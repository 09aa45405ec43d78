// Parsers of what ESP-AT prints on its own during SmartConfig, WPS and BluFi, and of AT+CMD? / AT+GMR.
//
// Line formats from the ESP-AT documentation (espressif/esp-at: docs/en/AT_Command_Set/
// Wi-Fi_AT_Commands.rst, Basic_AT_Commands.rst, BLE_AT_Commands.rst, the "ESP-AT Message Reports"
// table (at-messages-report), and docs/en/AT_Command_Examples/
// network_provisioning_examples.rst): SmartConfig prints `smartconfig type:<ESPTOUCH|AIRKISS|
// ESPTOUCH_V2>`, `Smart get wifi info`, `ssid:<ssid>`, `password:<password>`, then the module's own
// `WIFI CONNECTED` / `WIFI GOT IP` and `smartconfig connected wifi`; ESP-Touch v2 adds
// `+SCRD:<length>,<reserved data>`. BluFi prints `+BLUFICONN`, `+BLUFIDISCONN` and
// `+BLUFIDATA:<len>,<data>`; WPS and BluFi print no credentials at all, only the module's own
// `WIFI CONNECTED` / `WIFI GOT IP`.

/** Longest SSID, in bytes (802.11). */
export const MAX_SSID_BYTES = 32;
/** Longest passphrase ESP-AT prints, in bytes (64 hex digits of a raw PSK). */
export const MAX_PASSWORD_BYTES = 64;

/** How many other lines may come between `Smart get wifi info` and its `password:` line. */
const MAX_LINES_BETWEEN = 32;

/** What one SmartConfig line meant. */
export type SmartConfigLine =
  | { kind: 'type'; type: string }
  | { kind: 'got-info' }
  | { kind: 'credentials'; ssid: string; password: string }
  | { kind: 'invalid'; why: string }
  | { kind: 'reserved-data'; length: number }
  | { kind: 'connected' }
  | { kind: 'module-failed'; why: string }
  | { kind: 'progress' };

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

/**
 * The SmartConfig line parser: a small state machine fed one line at a time. It takes only the lines
 * it knows (everything else is left to the AT client) and keeps at most one SSID of
 * {@link MAX_SSID_BYTES} between the `ssid:` and the `password:` line, so its state is bounded
 * whatever arrives. `ssid:` / `password:` are taken only right after `Smart get wifi info`: an
 * application's own line that happens to start with `ssid:` is not mistaken for credentials.
 */
export class SmartConfigParser {
  private stage: 'idle' | 'want-ssid' | 'want-password' = 'idle';
  private ssid: string | undefined;
  private others = 0;

  /** Where the parser is: between `Smart get wifi info` and the `password:` line, or not. */
  get pending(): boolean {
    return this.stage !== 'idle';
  }

  /** Forget a half-received announcement (after a module restart, or a restart of SmartConfig). */
  reset(): void {
    this.stage = 'idle';
    this.ssid = undefined;
    this.others = 0;
  }

  /**
   * Feed one line (without CR/LF). Returns what it meant, or `undefined` when the line is not a
   * SmartConfig message (the caller leaves it to others).
   */
  feed(line: string): SmartConfigLine | undefined {
    if (this.stage === 'want-ssid') {
      if (line.startsWith('ssid:')) {
        const ssid = line.slice(5);
        if (ssid.length === 0 || utf8Bytes(ssid) > MAX_SSID_BYTES) {
          this.reset();
          return { kind: 'invalid', why: `the SSID the module printed is ${ssid.length === 0 ? 'empty' : `longer than ${MAX_SSID_BYTES} bytes`}` };
        }
        this.ssid = ssid;
        this.stage = 'want-password';
        return { kind: 'progress' };
      }
    } else if (this.stage === 'want-password') {
      if (line.startsWith('password:')) {
        const password = line.slice(9);
        const ssid = this.ssid!;
        this.reset();
        if (utf8Bytes(password) > MAX_PASSWORD_BYTES) return { kind: 'invalid', why: `the password the module printed is longer than ${MAX_PASSWORD_BYTES} bytes` };
        return { kind: 'credentials', ssid, password };
      }
    }
    const lower = line.toLowerCase();
    if (lower.startsWith('smartconfig type:')) {
      this.reset();
      return { kind: 'type', type: line.slice(17).slice(0, 16) };
    }
    if (lower === 'smart get wifi info' || lower === 'smart get wi-fi info') {
      this.reset();
      this.stage = 'want-ssid';
      return { kind: 'got-info' };
    }
    if (lower === 'smartconfig connected wifi' || lower === 'smartconfig connected wi-fi') return { kind: 'connected' };
    if (lower === 'smartconfig set config fail' || lower === 'smartconfig connect fail') return { kind: 'module-failed', why: line };
    if (lower === 'smart wait' || lower === 'smart find channel') return { kind: 'progress' };
    if (line.startsWith('+SCRD:')) {
      const m = /^\+SCRD:(\d{1,4}),/.exec(line);
      return { kind: 'reserved-data', length: m ? Number(m[1]) : -1 };
    }
    if (this.stage !== 'idle' && ++this.others > MAX_LINES_BETWEEN) {
      // Other lines (a response in flight, a WIFI line) may come between the announcement and its
      // ssid:/password: lines, but not without end: give up on it.
      this.reset();
    }
    return undefined;
  }
}

/** What one BluFi line meant. */
export type BlufiLine = { kind: 'phone-connected' } | { kind: 'phone-disconnected' } | { kind: 'data'; length: number };

/**
 * Parse a BluFi message (`+BLUFICONN`, `+BLUFIDISCONN`, `+BLUFIDATA:<len>,<data>`), or `undefined`
 * for any other line. Stateless. The data of `+BLUFIDATA` is the app's own and is not kept.
 */
export function parseBlufiLine(line: string): BlufiLine | undefined {
  if (line === '+BLUFICONN') return { kind: 'phone-connected' };
  if (line === '+BLUFIDISCONN') return { kind: 'phone-disconnected' };
  if (line.startsWith('+BLUFIDATA:')) {
    const m = /^\+BLUFIDATA:(\d{1,4}),/.exec(line);
    return { kind: 'data', length: m ? Number(m[1]) : -1 };
  }
  return undefined;
}

/**
 * Parse a WPS message of older ESP-AT releases (`wps started`, `wps stoped` [sic], `wps … fail`), or
 * `undefined`. Current releases print nothing of their own for WPS.
 */
export function parseWpsLine(line: string): { kind: 'progress' | 'module-failed'; line: string } | undefined {
  const lower = line.toLowerCase();
  if (!lower.startsWith('wps ')) return undefined;
  if (lower.endsWith(' fail') || lower === 'wps command error') return { kind: 'module-failed', line: line.slice(0, 40) };
  if (lower === 'wps started' || lower === 'wps stoped' || lower === 'wps stopped') return { kind: 'progress', line };
  return undefined;
}

/** `+CWSTATE:<state>,"<ssid>"` → state and SSID, or `undefined`. */
export function parseCwstate(line: string): { state: number; ssid: string } | undefined {
  const m = /^\+CWSTATE:([0-4]),"(.*)"$/.exec(line);
  if (!m || utf8Bytes(m[2]!) > MAX_SSID_BYTES * 2) return undefined;
  // ESP-AT escapes nothing here in practice; undo the escaping of AT+CWJAP's syntax if present.
  return { state: Number(m[1]), ssid: m[2]!.replace(/\\(.)/g, '$1') };
}

/** The command names a `+CMD:<index>,"<name>",<test>,<query>,<set>,<execute>` listing names. */
export function parseCommandList(lines: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const line of lines) {
    const m = /^\+CMD:\d{1,4},"?(AT[+A-Z0-9_]{0,31})"?,([01]),([01]),([01]),([01])$/.exec(line);
    if (m) out.add(m[1]!);
  }
  return out;
}

/** The `AT version:` (else `Bin version:`) of an `AT+GMR` answer, cut to 80 characters; or `unknown`. */
export function firmwareVersionOf(lines: readonly string[]): string {
  const at = lines.find((l) => l.startsWith('AT version:'));
  const bin = lines.find((l) => l.startsWith('Bin version:'));
  const v = at ?? bin;
  return v ? v.slice(0, 80) : 'unknown';
}

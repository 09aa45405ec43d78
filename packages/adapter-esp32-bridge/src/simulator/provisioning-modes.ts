// The simulated module's SmartConfig, WPS and BluFi: the commands, what the module prints, the phone's and router's side.
import type { Clock, TimerHandle } from '@provision/core';

/** What the simulated module needs to give its modes (kept narrow so the module stays one file of state). */
export interface SimModeHost {
  readonly clock: Clock;
  /** Print a line (CR LF appended). */
  print(line: string): void;
  ok(lines?: string[]): void;
  error(): void;
  /** The current `AT+CWMODE`. */
  readonly cwmode: number;
  /**
   * The module joins on its own with these credentials (RAM, and flash when SYSSTORE is 1), as
   * SmartConfig, WPS and BluFi do; `done` gets 0 on success or the `+CWJAP` code. A later
   * `AT+CWJAP` supersedes it.
   */
  ownJoin(ssid: string, password: string, done: (code: number) => void): void;
  /** The passphrase of a network in range, or undefined when it is not in range. */
  networkPassphrase(ssid: string): string | undefined;
}

/** Which modes the simulated firmware was built with, and faults of the modes. */
export interface SimModeOptions {
  /** Commands this firmware lacks (e.g. `['AT+BLUFI', 'AT+BLUFINAME']`): they answer `ERROR`. */
  missingCommands?: string[];
  /** `false`: a firmware before `AT+CMD?` (it answers `ERROR`; the test forms `=?` still work). */
  cmdQuery?: boolean;
}

/** Faults of the modes; change them at any time. */
export interface SimModeFaults {
  /** The next WPS button presses fail with a PBC session overlap (nothing is printed; WPS ends). */
  wpsOverlap: number;
  /** The next WPS exchanges hand the module this (wrong) key instead of the network's. */
  wpsWrongKey?: string;
  /** Print SmartConfig's `ssid:`/`password:` lines cut after this many bytes (0: off). */
  smartConfigTruncate: number;
}

const SC_TYPES = ['', 'ESPTOUCH', 'AIRKISS', 'ESPTOUCH+AIRKISS', 'ESPTOUCH_V2'];

/** Every command name the simulated firmware lists in `AT+CMD?` (the modes' ones added when present). */
const BASE_COMMANDS = [
  'AT', 'ATE0', 'ATE1', 'AT+GMR', 'AT+CMD', 'AT+RST', 'AT+RESTORE', 'AT+SYSSTORE', 'AT+SYSLOG', 'AT+SYSRAM', 'AT+SYSMFG', 'AT+SYSREG',
  'AT+CWMODE', 'AT+CWSTATE', 'AT+CWJAP', 'AT+CWRECONNCFG', 'AT+CWLAP', 'AT+CWQAP', 'AT+CWAUTOCONN', 'AT+CIPSTA',
];
const MODE_COMMANDS = ['AT+CWSTARTSMART', 'AT+CWSTOPSMART', 'AT+WPS', 'AT+BLUFI', 'AT+BLUFINAME'];

/**
 * SmartConfig, WPS and BluFi of the simulated module, printing what ESP-AT's documentation shows
 * (docs/en/AT_Command_Examples, network provisioning): SmartConfig `smartconfig type:<T>`,
 * `Smart get wifi info`, `ssid:…`, `password:…`, the join's `WIFI CONNECTED`/`WIFI GOT IP`, then
 * `smartconfig connected wifi`; WPS and BluFi only the join's lines (BluFi also `+BLUFICONN` /
 * `+BLUFIDISCONN`). A failed own join prints nothing (the station state shows it). Everything is
 * lost on a boot. Used by {@link EspAtSimulator}; drive it with its `phone…`/`press…` methods.
 */
export class SimProvisioningModes {
  /** Faults to inject. */
  readonly faults: SimModeFaults = { wpsOverlap: 0, wpsWrongKey: undefined, smartConfigTruncate: 0 };
  private readonly host: SimModeHost;
  private readonly missing: Set<string>;
  private readonly cmdQuery: boolean;
  private smart: { type: number; key?: string; delivered: boolean; confirmed: boolean } | undefined;
  private wps: { timer: TimerHandle } | undefined;
  private blufi = false;
  private blufiPhone = false;
  private blufiName = 'BLUFI_DEVICE';

  /** @param host - the module's side; @param options - the firmware's command set */
  constructor(host: SimModeHost, options: SimModeOptions = {}) {
    this.host = host;
    this.missing = new Set(options.missingCommands ?? []);
    this.cmdQuery = options.cmdQuery ?? true;
  }

  /** Which mode runs now (for assertions). */
  get running(): { smartconfig: boolean; wps: boolean; blufi: boolean } {
    return { smartconfig: this.smart !== undefined, wps: this.wps !== undefined, blufi: this.blufi };
  }

  /** The module booted: every mode is gone. */
  reset(): void {
    this.smart = undefined;
    if (this.wps) this.host.clock.clearTimeout(this.wps.timer);
    this.wps = undefined;
    this.blufi = false;
    this.blufiPhone = false;
  }

  /** The station got an IP through `AT+CWJAP` while SmartConfig waited for it: the module confirms to the phone. */
  onGotIp(): void {
    const s = this.smart;
    if (s?.delivered && !s.confirmed) {
      s.confirmed = true;
      this.host.print('smartconfig connected wifi');
    }
  }

  /**
   * Handle a command line of the modes (`name` like `+CWSTARTSMART`, `rest` what follows it). Returns
   * false when it is not one of theirs.
   */
  execute(name: string, rest: string, args: Array<string | undefined>): boolean {
    const full = 'AT' + name;
    if (name === '+CMD') {
      if (!this.cmdQuery || rest !== '?') return false;
      const names = [...BASE_COMMANDS, ...MODE_COMMANDS].filter((n) => !this.missing.has(n));
      this.host.ok(names.map((n, i) => `+CMD:${i},"${n}",${n === 'AT' ? 0 : 1},${n === 'AT+GMR' ? 0 : 1},${n === 'AT+GMR' ? 0 : 1},1`));
      return true;
    }
    if (!MODE_COMMANDS.includes(full)) return false;
    if (this.missing.has(full)) {
      this.host.error();
      return true;
    }
    if (rest === '=?') {
      this.host.ok();
      return true;
    }
    const h = this.host;
    const num = (i: number): number | undefined => (args[i] !== undefined && /^\d+$/.test(args[i]!) ? Number(args[i]) : undefined);
    switch (full) {
      case 'AT+CWSTARTSMART': {
        if (h.cwmode !== 1 || this.smart) return (h.error(), true);
        const type = rest === '' ? 3 : num(0);
        if (type === undefined || type < 1 || type > 4 || args.length > 3) return (h.error(), true);
        if (args[1] !== undefined && (num(1) === undefined || num(1)! > 7)) return (h.error(), true);
        const key = args[2];
        if (type === 4 ? key === undefined || key.length !== 16 : key !== undefined) return (h.error(), true);
        this.smart = { type, key, delivered: false, confirmed: false };
        h.ok();
        return true;
      }
      case 'AT+CWSTOPSMART':
        if (rest !== '') return (h.error(), true);
        this.smart = undefined;
        h.ok();
        return true;
      case 'AT+WPS': {
        const on = num(0);
        if (rest === '' || (on !== 0 && on !== 1) || (args[1] !== undefined && (num(1) === undefined || num(1)! > 7))) return (h.error(), true);
        if (on === 1) {
          if (h.cwmode !== 1) {
            h.print('opmode mismatch when wps');
            return (h.error(), true);
          }
          if (this.wps) h.clock.clearTimeout(this.wps.timer);
          // WPS's walk time: two minutes to press the button, then the module gives up (silently).
          this.wps = { timer: h.clock.setTimeout(() => (this.wps = undefined), 120_000) };
        } else if (this.wps) {
          h.clock.clearTimeout(this.wps.timer);
          this.wps = undefined;
        }
        h.ok();
        return true;
      }
      case 'AT+BLUFI': {
        if (rest === '?') return (h.ok([`+BLUFI:${this.blufi ? 1 : 0}`]), true);
        const on = num(0);
        if ((on !== 0 && on !== 1) || (args[1] !== undefined && (num(1) === undefined || num(1)! > 7))) return (h.error(), true);
        if (on === 0 && this.blufiPhone) h.print('+BLUFIDISCONN');
        this.blufi = on === 1;
        if (on === 0) this.blufiPhone = false;
        h.ok();
        return true;
      }
      case 'AT+BLUFINAME':
        if (rest === '?') return (h.ok([`+BLUFINAME:${this.blufiName}`]), true);
        if (args.length !== 1 || !args[0] || args[0].length > 26) return (h.error(), true);
        this.blufiName = args[0];
        h.ok();
        return true;
    }
    return false;
  }

  /**
   * A phone sends credentials with ESP-Touch (`esptouch`, also v2 with its `key`) or AirKiss. Returns
   * false when SmartConfig is not listening for that kind (not started, other type, wrong v2 key).
   */
  phoneSmartConfig(kind: 'esptouch' | 'airkiss' | 'esptouch-v2', creds: { ssid: string; password: string; key?: string }): boolean {
    const s = this.smart;
    if (!s || s.delivered) return false;
    const fits = kind === 'esptouch' ? s.type === 1 || s.type === 3 : kind === 'airkiss' ? s.type === 2 || s.type === 3 : s.type === 4 && creds.key === s.key;
    if (!fits) return false;
    s.delivered = true;
    const cut = (line: string): string => (this.faults.smartConfigTruncate > 0 ? line.slice(0, this.faults.smartConfigTruncate) : line);
    this.host.print(`smartconfig type:${kind === 'esptouch' ? SC_TYPES[1] : kind === 'airkiss' ? SC_TYPES[2] : SC_TYPES[4]}`);
    this.host.print('Smart get wifi info');
    this.host.print(cut(`ssid:${creds.ssid}`));
    this.host.print(cut(`password:${creds.password}`));
    this.host.ownJoin(creds.ssid, creds.password, (code) => {
      if (code === 0 && this.smart === s) this.onGotIp();
    });
    return true;
  }

  /**
   * The router's WPS button is pressed for network `ssid` (it must be in range). Returns false when
   * the module's WPS is not running.
   */
  pressWpsButton(ssid: string): boolean {
    const w = this.wps;
    if (!w) return false;
    this.host.clock.clearTimeout(w.timer);
    this.wps = undefined; // one exchange per AT+WPS=1
    if (this.faults.wpsOverlap > 0) {
      this.faults.wpsOverlap--;
      return true;
    }
    const key = this.faults.wpsWrongKey ?? this.host.networkPassphrase(ssid);
    if (key === undefined) return true;
    this.host.ownJoin(ssid, key, () => undefined);
    return true;
  }

  /** The EspBlufi app connects (`+BLUFICONN`) and posts credentials. Returns false when BluFi is off. */
  phoneBlufi(creds: { ssid: string; password: string }): boolean {
    if (!this.blufi) return false;
    if (!this.blufiPhone) {
      this.blufiPhone = true;
      this.host.print('+BLUFICONN');
    }
    this.host.ownJoin(creds.ssid, creds.password, () => undefined);
    return true;
  }
}

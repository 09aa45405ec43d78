// SmartConfig, WPS and BluFi of stock ESP-AT as transports of the provisioner (R11.1–R11.3).
import { EventEmitter } from 'eventemitter3';
import { provisionError } from '@provision/core';
import type { Provisioner, TimerHandle } from '@provision/core';
import type { AtClient } from './at-client';
import { atQuote } from './escape';
import { claimRadio, releaseRadio } from './radio-use';
import { firmwareVersionOf, parseBlufiLine, parseCommandList, parseCwstate, parseWpsLine, SmartConfigParser } from './mode-lines';
import type { ModuleWifi } from './wifi';

/** The module's own provisioning modes. */
export type ProvisioningModeName = 'smartconfig' | 'wps' | 'blufi';

/** SmartConfig flavours, as `AT+CWSTARTSMART=<type>` numbers them (1..4). */
export type SmartConfigType = 'esptouch' | 'airkiss' | 'both' | 'esptouch-v2';

const SMARTCONFIG_TYPES: { readonly [t in SmartConfigType]: number } = { esptouch: 1, airkiss: 2, both: 3, 'esptouch-v2': 4 };

/** The command that starts each mode: what the probe looks for. */
const MODE_COMMANDS: { readonly [m in ProvisioningModeName]: string } = { smartconfig: 'AT+CWSTARTSMART', wps: 'AT+WPS', blufi: 'AT+BLUFI' };

/** Options shared by every mode. */
export interface ModeOptions {
  /**
   * `<auth floor>` of the start command, 0..7 (0 OPEN … 3 WPA2_PSK … 7 WPA2_WPA3_PSK): the module will
   * not join a network of a weaker authentication mode. Unset: the firmware default (0).
   */
  authFloor?: number;
  /** Stop the mode when no credentials worked within this time (ms). Default: WPS 120 000 (its walk time), else none. */
  timeoutMs?: number;
}

/** Options of {@link ModuleProvisioning.startSmartConfig}. */
export interface SmartConfigOptions extends ModeOptions {
  /** Which phone protocol to listen for (default `both`: ESP-Touch and AirKiss). */
  type?: SmartConfigType;
  /** ESP-Touch v2 key (exactly 16 bytes of printable ASCII), the same as typed into the ESP-Touch app. */
  v2Key?: string;
}

/** Options of {@link ModuleProvisioning.startBlufi}. */
export interface BlufiOptions extends ModeOptions {
  /** Name the EspBlufi app shows (1..26 bytes, `AT+BLUFINAME`). Unset: the module's (default `BLUFI_DEVICE`). */
  name?: string;
}

/** Which modes the connected module supports. */
export interface ModeSupport {
  /** The firmware's `AT version:` line from `AT+GMR`. */
  firmware: string;
  /** How support was found: the `AT+CMD?` list, or (older firmware) each start command's test form. */
  source: 'AT+CMD?' | 'test commands';
  smartconfig: boolean;
  wps: boolean;
  blufi: boolean;
}

/** Why a mode stopped. */
export type ModeStopReason = 'success' | 'timeout' | 'stopped';

/** Events of {@link ModuleProvisioning}. None carries a passphrase. */
export interface ModuleProvisioningEvents {
  /** The mode runs on the module (also after a restart of it, see `restarted`). */
  started: (mode: ProvisioningModeName) => void;
  /** The module received credentials for `ssid`; they go to the provisioner's `configureSta()`. */
  credentials: (mode: ProvisioningModeName, ssid: string) => void;
  /** What the module received could not be used (bad length, refused by validation); the mode stays. */
  rejected: (mode: ProvisioningModeName, why: string) => void;
  /** The mode was started again on the module: after a failed attempt (R11.2) or a module restart. */
  restarted: (mode: ProvisioningModeName, why: 'attempt-failed' | 'module-restarted') => void;
  /** The mode ended on the module. */
  stopped: (mode: ProvisioningModeName, reason: ModeStopReason) => void;
  /** A command of the mode failed (e.g. the stop command after a module restart); the mode's state is kept. */
  error: (mode: ProvisioningModeName, error: Error) => void;
}

/** Options of {@link ModuleProvisioning}. */
export interface ModuleProvisioningOptions {
  /**
   * While WPS or BluFi runs, how often the module's station state is read (`AT+CWSTATE?`, ms, default
   * 1000): those modes print no credentials, only the module's own `WIFI …` lines, so the state is
   * what shows that the module was given a network.
   */
  pollIntervalMs?: number;
  /**
   * After success, how long the mode keeps running before its stop command (ms). Default 6000 for
   * SmartConfig (ESP-AT asks for more than 6 s: the module confirms to the phone), 1000 otherwise.
   */
  successGraceMs?: number;
  /** Time limit of the mode commands (ms, default 5000). */
  commandTimeoutMs?: number;
}

interface Active {
  mode: ProvisioningModeName;
  options: SmartConfigOptions & BlufiOptions;
  attempt: 'waiting' | 'trying' | 'succeeded';
  timers: TimerHandle[];
  baseline?: { state: number; ssid: string };
  polling: boolean;
  offs: Array<() => void>;
}

/**
 * SmartConfig (ESP-Touch, AirKiss, ESP-Touch v2), WPS push-button and BluFi of stock ESP-AT, run by
 * the host as transports of a provisioner:
 *
 * - credentials the module receives go through `provisioner.configureSta()` (R11.1): validated,
 *   announced as `cred-recv`, tried by the Wi-Fi port with `AT+CWJAP` so the failure reason is the
 *   same as for any other transport, and persisted only after they worked (R8.4);
 * - each mode runs with `AT+SYSSTORE=0`: whatever the module applies on its own (SmartConfig's and
 *   BluFi's join, WPS's received key) stays in RAM and the flash keeps the previous configuration until
 *   the Wi-Fi port's `persist()` stores the verified one;
 * - a failed attempt keeps the mode (R11.2: the session is reset and the mode started again on the
 *   module), success stops it after a grace period (R11.3), and so do `stop…()` and the mode's timeout;
 * - a module restart in the middle starts the mode again;
 * - {@link ModuleProvisioning.probe} asks the firmware which modes it has (`AT+CMD?`, or each start
 *   command's test form `=?` on firmware without `AT+CMD`), so an unsupported mode is a
 *   `not-supported` error naming the mode and the firmware, not a hang.
 *
 * One mode runs at a time (the module has one station; ESP-AT asks for no other commands while
 * SmartConfig runs). WPS and BluFi never print the passphrase: the Wi-Fi port joins with the module's
 * own RAM configuration (`AT+CWJAP` without arguments) and stores it the same way.
 *
 * @example
 * ```ts
 * const modes = new ModuleProvisioning(bridge.client, provisioner, bridge.ports.wifi);
 * await modes.startSmartConfig({ type: 'esptouch' }); // then use Espressif's ESP-Touch app
 * modes.on('stopped', (mode, reason) => console.log(mode, reason));
 * ```
 */
export class ModuleProvisioning extends EventEmitter<ModuleProvisioningEvents> {
  private readonly client: AtClient;
  private readonly provisioner: Provisioner;
  private readonly wifi: ModuleWifi;
  private readonly pollIntervalMs: number;
  private readonly graceMs: number | undefined;
  private readonly commandTimeoutMs: number;
  private support: Promise<ModeSupport> | undefined;
  private active: Active | undefined;
  private readonly smart = new SmartConfigParser();
  private busy: Promise<void> = Promise.resolve();

  /**
   * @param client - the module's AT client
   * @param provisioner - the provisioner whose session the credentials go to
   * @param wifi - the module's Wi-Fi port (the provisioner's `wifi`)
   * @param options - polling, grace period and command time limit
   */
  constructor(client: AtClient, provisioner: Provisioner, wifi: ModuleWifi, options: ModuleProvisioningOptions = {}) {
    super();
    this.client = client;
    this.provisioner = provisioner;
    this.wifi = wifi;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.graceMs = options.successGraceMs;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5000;
  }

  /** The mode running now, if any. */
  get running(): ProvisioningModeName | undefined {
    return this.active?.mode;
  }

  /**
   * Which modes the module supports (asked once, then remembered; a failed probe is asked again next
   * time). Rejects with the AT client's error when the module does not answer `AT+GMR`.
   */
  probe(): Promise<ModeSupport> {
    if (!this.support) {
      this.support = this.doProbe();
      this.support.catch(() => (this.support = undefined));
    }
    return this.support;
  }

  /** Start SmartConfig (`AT+CWSTARTSMART`); phone app: Espressif's ESP-Touch (AirKiss: WeChat). */
  startSmartConfig(options: SmartConfigOptions = {}): Promise<void> {
    const type = options.type ?? 'both';
    if (!(type in SMARTCONFIG_TYPES)) {
      return Promise.reject(provisionError('invalid-config', `SmartConfig type must be one of ${Object.keys(SMARTCONFIG_TYPES).join(', ')}`, { field: 'type' }));
    }
    if (type === 'esptouch-v2' ? !/^[\x20-\x7e]{16}$/.test(options.v2Key ?? '') : options.v2Key !== undefined) {
      return Promise.reject(
        provisionError(
          'invalid-config',
          type === 'esptouch-v2' ? 'ESP-Touch v2 needs v2Key: exactly 16 printable ASCII characters' : 'v2Key is only for type esptouch-v2',
          { field: 'v2Key' },
        ),
      );
    }
    return this.start('smartconfig', { ...options, type });
  }

  /** Stop SmartConfig (`AT+CWSTOPSMART`). */
  stopSmartConfig(): Promise<void> {
    return this.stopMode('smartconfig');
  }

  /** Start WPS push-button (`AT+WPS=1`); press the router's WPS button within its walk time (2 min). */
  startWps(options: ModeOptions = {}): Promise<void> {
    return this.start('wps', { timeoutMs: 120_000, ...options });
  }

  /** Stop WPS (`AT+WPS=0`). */
  stopWps(): Promise<void> {
    return this.stopMode('wps');
  }

  /** Start BluFi (`AT+BLUFINAME`, `AT+BLUFI=1`); phone app: Espressif's EspBlufi. */
  startBlufi(options: BlufiOptions = {}): Promise<void> {
    if (options.name !== undefined && !(options.name.length > 0 && new TextEncoder().encode(options.name).length <= 26)) {
      return Promise.reject(provisionError('invalid-config', 'BluFi name must be 1..26 bytes', { field: 'name' }));
    }
    return this.start('blufi', options);
  }

  /** Stop BluFi (`AT+BLUFI=0`). */
  stopBlufi(): Promise<void> {
    return this.stopMode('blufi');
  }

  /** Stop whichever mode runs. */
  async stop(): Promise<void> {
    if (this.active) await this.stopMode(this.active.mode);
  }

  // ---- internals ---------------------------------------------------------------------------------

  private async doProbe(): Promise<ModeSupport> {
    const gmr = await this.client.send('AT+GMR');
    const firmware = firmwareVersionOf(gmr.lines);
    let names: Set<string> | undefined;
    try {
      const r = await this.client.send('AT+CMD?', { timeoutMs: this.commandTimeoutMs });
      names = parseCommandList(r.lines);
      if (names.size === 0) names = undefined;
    } catch {
      names = undefined; // firmware before AT+CMD: ask each command's test form instead
    }
    const has = async (mode: ProvisioningModeName): Promise<boolean> => {
      if (names) return names.has(MODE_COMMANDS[mode]);
      try {
        await this.client.send(`${MODE_COMMANDS[mode]}=?`);
        return true;
      } catch {
        return false;
      }
    };
    return {
      firmware,
      source: names ? 'AT+CMD?' : 'test commands',
      smartconfig: await has('smartconfig'),
      wps: await has('wps'),
      blufi: await has('blufi'),
    };
  }

  /** Run `task` after the previous start/stop finished (they share the module). */
  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.busy.then(task, task);
    this.busy = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private start(mode: ProvisioningModeName, options: SmartConfigOptions & BlufiOptions): Promise<void> {
    if (options.authFloor !== undefined && !(Number.isInteger(options.authFloor) && options.authFloor >= 0 && options.authFloor <= 7)) {
      return Promise.reject(provisionError('invalid-config', 'authFloor must be an integer 0..7 (0 OPEN … 7 WPA2_WPA3_PSK)', { field: 'authFloor' }));
    }
    if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) {
      return Promise.reject(provisionError('invalid-config', 'timeoutMs must be a positive number of milliseconds', { field: 'timeoutMs' }));
    }
    return this.serial(async () => {
      if (this.active) {
        throw provisionError('invalid-state', `${mode} not started: ${this.active.mode} is running (one mode at a time; stop it first)`);
      }
      const support = await this.probe();
      if (!support[mode]) {
        throw provisionError('not-supported', `${mode} is not available: the module's firmware (${support.firmware}) has no ${MODE_COMMANDS[mode]} (found by ${support.source})`);
      }
      // The SoftAP server (or another bridge object's mode) needs the radio too; a mode sets AT+CWMODE=1.
      claimRadio(this.client, mode);
      if (this.provisioner.getSessionState() === 'idle') this.provisioner.startSession();
      const a: Active = { mode, options, attempt: 'waiting', timers: [], polling: false, offs: [] };
      this.active = a;
      this.smart.reset();
      this.wifi.setModuleJoining(true);
      a.offs.push(this.client.addLineFilter((line) => this.onLine(a, line)));
      const onUnsolicited = (line: string): void => {
        if (line === 'WIFI CONNECTED' || line === 'WIFI GOT IP' || line === 'WIFI DISCONNECT') this.pollSoon(a);
      };
      const onReady = (): void => this.onModuleRestart(a);
      this.client.on('unsolicited', onUnsolicited);
      this.client.on('ready', onReady);
      a.offs.push(() => this.client.off('unsolicited', onUnsolicited), () => this.client.off('ready', onReady));
      a.offs.push(this.provisioner.on('cred-success', () => this.onSuccess(a)));
      a.offs.push(this.provisioner.on('cred-fail', () => this.onAttemptFailed(a)));
      try {
        await this.sendStart(a);
      } catch (e) {
        this.finish(a);
        throw e;
      }
      if (options.timeoutMs !== undefined) {
        a.timers.push(this.client.clock.setTimeout(() => void this.stopMode(mode, 'timeout').catch(() => undefined), options.timeoutMs));
      }
      this.emit('started', mode);
    });
  }

  /** SYSSTORE=0, station mode, then the mode's own start command(s). */
  private async sendStart(a: Active): Promise<void> {
    const o = a.options;
    const t = this.commandTimeoutMs;
    // Anything the module applies on its own during the mode stays in RAM (see the class notes).
    await this.client.send('AT+SYSSTORE=0', { timeoutMs: t });
    await this.client.send('AT+CWMODE=1', { timeoutMs: t });
    const floor = o.authFloor !== undefined ? `,${o.authFloor}` : '';
    if (a.mode === 'smartconfig') {
      const type = SMARTCONFIG_TYPES[o.type ?? 'both'];
      const key = o.type === 'esptouch-v2' ? `${floor || ',0'},${atQuote(o.v2Key!)}` : floor;
      await this.client.send(`AT+CWSTARTSMART=${type}${key}`, { timeoutMs: t });
    } else if (a.mode === 'wps') {
      await this.client.send(`AT+WPS=1${floor}`, { timeoutMs: t });
    } else {
      if (o.name !== undefined) await this.client.send(`AT+BLUFINAME=${atQuote(o.name)}`, { timeoutMs: t });
      await this.client.send(`AT+BLUFI=1${floor}`, { timeoutMs: t });
    }
    if (a.mode !== 'smartconfig') await this.readBaseline(a);
  }

  private stopCommand(mode: ProvisioningModeName): string {
    return mode === 'smartconfig' ? 'AT+CWSTOPSMART' : mode === 'wps' ? 'AT+WPS=0' : 'AT+BLUFI=0';
  }

  private stopMode(mode: ProvisioningModeName, reason: ModeStopReason = 'stopped'): Promise<void> {
    return this.serial(async () => {
      const a = this.active;
      if (!a || a.mode !== mode) return;
      this.finish(a);
      try {
        await this.client.send(this.stopCommand(mode), { timeoutMs: this.commandTimeoutMs });
      } finally {
        this.emit('stopped', mode, reason);
      }
    });
  }

  /** Drop the mode's listeners and timers (the module side is the caller's business). */
  private finish(a: Active): void {
    if (this.active === a) this.active = undefined;
    for (const t of a.timers) this.client.clock.clearTimeout(t);
    a.timers = [];
    for (const off of a.offs) off();
    a.offs = [];
    this.smart.reset();
    this.wifi.setModuleJoining(false);
    releaseRadio(this.client, a.mode);
  }

  /** The line filter: takes the mode's own messages out of the AT stream. */
  private onLine(a: Active, line: string): boolean {
    if (this.active !== a) return false;
    if (a.mode === 'smartconfig') {
      const r = this.smart.feed(line);
      if (r?.kind === 'credentials') {
        this.receive(a, r.ssid, r.password);
        return true;
      }
      if (r?.kind === 'invalid') this.reject(a, r.why);
      if (r?.kind === 'module-failed') this.reject(a, `the module could not apply the credentials (${r.why})`);
      if (r) return true;
      // A password line out of order is still a password: never let it reach a response or a log.
      return line.startsWith('password:') || line.startsWith('ssid:');
    }
    if (a.mode === 'blufi') {
      const r = parseBlufiLine(line);
      if (r?.kind === 'phone-connected') this.pollSoon(a);
      return r !== undefined;
    }
    const w = parseWpsLine(line);
    if (w?.kind === 'module-failed') this.reject(a, `the module reported "${w.line}"`);
    return w !== undefined;
  }

  private receive(a: Active, ssid: string, passphrase: string | undefined): void {
    if (a.attempt === 'succeeded') return;
    a.attempt = 'trying';
    this.emit('credentials', a.mode, ssid);
    const creds = passphrase ? { ssid, passphrase } : { ssid };
    this.provisioner.configureSta(creds).catch((e: Error) => {
      if (this.active !== a) return;
      a.attempt = 'waiting';
      this.reject(a, e.message);
    });
  }

  /** Unusable credentials: say so and keep (restart) the mode for the next try (R11.2). */
  private reject(a: Active, why: string): void {
    this.emit('rejected', a.mode, why);
    this.restartMode(a, 'attempt-failed');
  }

  private onSuccess(a: Active): void {
    if (this.active !== a || a.attempt !== 'trying') return;
    a.attempt = 'succeeded';
    const grace = this.graceMs ?? (a.mode === 'smartconfig' ? 6000 : 1000);
    a.timers.push(this.client.clock.setTimeout(() => void this.stopMode(a.mode, 'success').catch(() => undefined), grace));
  }

  private onAttemptFailed(a: Active): void {
    if (this.active !== a || a.attempt !== 'trying') return;
    a.attempt = 'waiting';
    // The core may already have done it (session.autoResetOnFailure); then this is a no-op.
    this.provisioner.resetOnFailure();
    this.wifi.adoptModuleConfig(undefined);
    this.restartMode(a, 'attempt-failed');
  }

  private onModuleRestart(a: Active): void {
    if (this.active !== a || a.attempt === 'succeeded') return;
    // The mode, SYSSTORE=0 and the module's RAM configuration are gone with the boot. SmartConfig's
    // credentials are the host's: the Wi-Fi port re-applies them and the attempt goes on. WPS's and
    // BluFi's lived only in the module's RAM: that attempt is over.
    if (a.mode !== 'smartconfig') a.attempt = 'waiting';
    this.smart.reset();
    this.wifi.adoptModuleConfig(undefined);
    this.restartMode(a, 'module-restarted');
  }

  /** Start the mode again on the module (after the core's own reaction to the event has run). */
  private restartMode(a: Active, why: 'attempt-failed' | 'module-restarted'): void {
    void this.serial(async () => {
      if (this.active !== a) return;
      this.smart.reset();
      if (why === 'attempt-failed' && a.mode !== 'blufi') {
        // SmartConfig and WPS end after one delivery; BluFi keeps its link for the next try.
        try {
          await this.client.send(this.stopCommand(a.mode), { timeoutMs: this.commandTimeoutMs });
        } catch {
          // Not running any more is what we want here.
        }
      }
      if (why === 'attempt-failed' && a.mode === 'blufi') {
        await this.readBaseline(a).catch(() => undefined);
      } else {
        await this.sendStart(a);
      }
      if (this.active === a) this.emit('restarted', a.mode, why);
    }).catch((e: Error) => {
      if (this.active === a) this.emit('error', a.mode, e);
    });
  }

  // ---- WPS and BluFi: the station state shows that the module was given a network ---------------

  private async readState(): Promise<{ state: number; ssid: string } | undefined> {
    const r = await this.client.send('AT+CWSTATE?', { timeoutMs: this.commandTimeoutMs });
    for (const line of r.lines) {
      const s = parseCwstate(line);
      if (s) return s;
    }
    return undefined;
  }

  private async readBaseline(a: Active): Promise<void> {
    a.baseline = (await this.readState()) ?? { state: 0, ssid: '' };
    this.schedulePoll(a, this.pollIntervalMs);
  }

  private pollSoon(a: Active): void {
    if (a.mode !== 'smartconfig') this.schedulePoll(a, 0);
  }

  private schedulePoll(a: Active, ms: number): void {
    if (this.active !== a || a.mode === 'smartconfig') return;
    a.timers.push(
      this.client.clock.setTimeout(() => {
        void this.poll(a);
      }, ms),
    );
  }

  private async poll(a: Active): Promise<void> {
    if (this.active !== a || a.polling || a.attempt !== 'waiting' || !a.baseline) return;
    a.polling = true;
    let s: { state: number; ssid: string } | undefined;
    try {
      s = await this.readState();
    } catch {
      s = undefined;
    } finally {
      a.polling = false;
    }
    if (this.active !== a || a.attempt !== 'waiting') return;
    const b = a.baseline;
    // The module was given a network: it is joining (3), joined (1, 2) or failed (4) with an SSID
    // that differs from before the mode, or it moved from idle/disconnected to a join.
    if (s && s.ssid !== '' && s.state !== 0 && (s.ssid !== b.ssid || (s.state !== b.state && s.state !== 4) || (b.state === 0 && s.state === 4))) {
      a.baseline = s;
      this.wifi.adoptModuleConfig(s.ssid);
      this.receive(a, s.ssid, undefined);
      return;
    }
    this.schedulePoll(a, this.pollIntervalMs);
  }
}

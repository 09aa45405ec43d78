import {
  createProvisioner,
  validateConfig,
  type LedPattern,
  type LedPort,
  type ProvisionConfig,
  type Provisioner,
  type ProvisionEvents,
  type ResolvedConfig,
  type SessionState,
  type WifiCredentials,
  type WifiPort,
  type WifiState,
} from '@provision/core';
import {
  createSimulatedButton,
  createSimulatedWifi,
  SimulatedClock,
  type NetworkAnswer,
  type SimulatedButton,
  type SimulatedWifi,
} from '@provision/core/testing';
import { BadCredentialCounter, describeBadCredentials, type BadCredentialContext, type BadCredentials } from './bad-credentials';
import { describeEvent, EVENT_NAMES } from './describe-event';
import { createStateStorage, type SimStorage } from './file-storage';
import { describePattern, formatTime, stateLabel } from './names';
import { TimeoutTracker } from './provisioning-timeout';
import type { StateStore } from './state-file';

/** How the simulated network answers a join. */
export type NetworkMode = 'connect' | 'wrong-password' | 'no-such-network' | 'flaky' | 'other';

/** The network modes, with what the screen calls them and what the simulated Wi-Fi is told. */
export const NETWORK_MODES: { mode: NetworkMode; label: string; answer: NetworkAnswer }[] = [
  { mode: 'connect', label: 'connects', answer: 'connect' },
  { mode: 'wrong-password', label: 'wrong password (auth-error)', answer: 'auth-error' },
  { mode: 'no-such-network', label: 'no such network (ap-not-found)', answer: 'ap-not-found' },
  { mode: 'flaky', label: 'flaky (fails with other, then connects)', answer: 'flaky' },
  { mode: 'other', label: 'fails (other)', answer: 'other' },
];

/** What a timeline line is: a provisioner event, an LED pattern change, the simulator itself, or a user action. */
export type LineKind = 'event' | 'led' | 'sim' | 'action';

/** One line of the timeline, stamped with simulated time. */
export interface TimelineLine {
  at: number;
  kind: LineKind;
  /** For `event` lines, the event's name. */
  event?: keyof ProvisionEvents;
  text: string;
}

/** The simulator's configuration: the core's, with a long-press button so the keyboard can reset it. */
export const SIM_CONFIG: ProvisionConfig = {
  stableState: 3,
  timeoutMs: 300000,
  rebootDelayMs: 100,
  button: { holdMs: 5000, debounceMs: 50 },
};

/** Options for {@link SimDevice}. */
export interface SimDeviceOptions {
  /** Where the device's flash lives. */
  store: StateStore;
  /** Overrides of {@link SIM_CONFIG}, section by section (validated by the core). */
  config?: ProvisionConfig;
  /** How long a Wi-Fi join takes, simulated ms (default 2000). */
  joinMs?: number;
  /** How long the station waits before retrying a failed join, simulated ms (default 5000). */
  retryMs?: number;
  /** How the network answers at first (default `connect`). */
  network?: NetworkMode;
}

/** Everything the screen shows, read at one instant. */
export interface SimSnapshot {
  now: number;
  boots: number;
  cur: number;
  max: number;
  wifiConfigured: boolean;
  provisioned: boolean;
  session: SessionState;
  wifiState: WifiState;
  /** The SSID being joined or stored (never the passphrase). */
  ssid: string | undefined;
  lastFailure: { reason: string; raw?: string | number; at: number } | undefined;
  network: NetworkMode;
  ledLit: boolean;
  ledPattern: LedPattern;
  timeoutRemaining: number | undefined;
  timeoutMs: number;
  /** The bad-credentials count (R8.2) while it matters: before the first connection, without a session. */
  badCredentials: BadCredentials | undefined;
  buttonDown: boolean;
  resetting: boolean;
  resets: number;
  buttonLatched: boolean;
  where: string;
}

/** Merge section by section, so `{button: {holdMs: 3000}}` keeps the other button defaults. */
function mergeConfig(base: ProvisionConfig, over: ProvisionConfig | undefined): ProvisionConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over || {})) {
    const b = (base as Record<string, unknown>)[k];
    out[k] = v && typeof v === 'object' && b && typeof b === 'object' ? { ...b, ...v } : v;
  }
  return out as ProvisionConfig;
}

function messageOf(e: unknown): string {
  if (e && typeof e === 'object' && 'message' in e) {
    const code = (e as { code?: unknown }).code;
    return `${code ? `[${String(code)}] ` : ''}${String((e as { message: unknown }).message)}`;
  }
  return String(e);
}

/**
 * A whole simulated device running the real `@provision/core` provisioner: a simulated clock (time moves
 * only when {@link SimDevice.advance} is called), a pressable button, an LED that blinks in "hardware"
 * (the core delegates with `blink()`, like the Linux kernel's timer trigger), a simulated Wi-Fi whose
 * answers you choose, and storage in a {@link StateStore} so a reboot — or the next run — finds what
 * was persisted. A factory reset reboots it, as on hardware.
 *
 * Every provisioner event, LED pattern change and user action becomes a {@link TimelineLine}.
 *
 * @example
 * ```ts
 * const dev = new SimDevice({ store: createMemoryStore() });
 * dev.onLine((l) => console.log(formatLine(l)));
 * dev.boot();
 * await dev.configureWifi('HomeNet', 'correct horse battery');
 * dev.advance(2000); // joined: state 2
 * dev.cloud();       // state 3: provisioned
 * ```
 */
export class SimDevice {
  readonly clock = new SimulatedClock(0);
  readonly storage: SimStorage;
  readonly button: SimulatedButton;
  readonly wifi: SimulatedWifi;
  readonly config: ResolvedConfig;
  /** The provisioner of the current boot. */
  prov: Provisioner;
  /** Boots so far. */
  boots = 0;
  /** How the network answers joins. */
  network: NetworkMode;

  private readonly configInput_: ProvisionConfig;
  private readonly wifiPort_: WifiPort;
  private readonly led_: LedPort;
  private readonly timeout_: TimeoutTracker;
  private readonly badCreds_: BadCredentialCounter;
  private readonly listeners_: ((line: TimelineLine) => void)[] = [];
  private ledPattern_: LedPattern = { on: 0, off: 1 };
  private ledStart_ = 0;
  private bootAt_ = 0;
  private lastFailure_: SimSnapshot['lastFailure'];
  private booting_ = false;

  constructor(options: SimDeviceOptions) {
    this.configInput_ = mergeConfig(SIM_CONFIG, options.config);
    this.config = validateConfig(this.configInput_);
    this.timeout_ = new TimeoutTracker(this.config);
    this.badCreds_ = new BadCredentialCounter(this.config.wifi);
    const badCreds = this.badCreds_;
    this.storage = createStateStorage(options.store);
    this.button = createSimulatedButton(this.clock);
    this.wifi = createSimulatedWifi(this.clock, {
      joinMs: options.joinMs === undefined ? 2000 : options.joinMs,
      retryMs: options.retryMs,
      stored: this.storage.storedWifi(),
    });
    this.network = options.network || 'connect';
    this.setNetwork(this.network, true);
    const sim = this.wifi;
    const saveCreds = (): void => this.storage.saveWifi(sim.stored());
    // The simulated radio keeps its stored credentials in the state file, beside the record.
    this.wifiPort_ = {
      subscribe: (l) => sim.subscribe(l),
      connect(creds, opts) {
        // The core connects only from configureSta(), having started its count over (R8.2).
        badCreds.restart();
        sim.connect(creds, opts);
        if (opts && opts.persist) saveCreds();
      },
      persist() {
        sim.persist();
        saveCreds();
      },
      disconnect: () => sim.disconnect(),
      hasStoredCredentials: () => sim.hasStoredCredentials(),
      forget() {
        sim.forget();
        saveCreds();
      },
    };
    this.led_ = {
      set: (on) => this.showLed_({ on: on ? 1 : 0, off: on ? 0 : 1 }),
      blink: (onMs, offMs) => this.showLed_({ on: onMs, off: offMs }),
    };
    this.prov = this.make_();
  }

  /** Follow the timeline. Returns a function that stops following. */
  onLine(listener: (line: TimelineLine) => void): () => void {
    this.listeners_.push(listener);
    return () => {
      const i = this.listeners_.indexOf(listener);
      if (i >= 0) this.listeners_.splice(i, 1);
    };
  }

  /** Power on for the first time. */
  boot(): void {
    this.powerOn_();
    this.start_();
  }

  /**
   * Power-cycle: stop the provisioner, drop credentials that were never persisted, and boot a new
   * provisioner on the same storage. A button held down stays held.
   */
  reboot(why = 'power cycle'): void {
    this.line_('sim', `reboot (${why})`);
    this.prov.stop();
    this.wifi.disconnect();
    this.powerOn_();
    this.prov = this.make_();
    this.start_();
  }

  /** Let `ms` of simulated time pass, firing every timer that falls due. */
  advance(ms: number): void {
    if (ms > 0) this.clock.advance(ms);
  }

  /** Type Wi-Fi credentials into the device (`configureSta`). Errors become timeline lines. */
  async configureWifi(ssid: string, passphrase: string): Promise<void> {
    this.line_('action', `> wifi connect ${JSON.stringify(ssid)}${passphrase ? ' (passphrase hidden)' : ' (open network)'}`);
    const creds: WifiCredentials = { ssid: ssid };
    if (passphrase) creds.passphrase = passphrase;
    try {
      await this.prov.configureSta(creds);
    } catch (e) {
      this.line_('sim', `rejected: ${messageOf(e)}`);
    }
  }

  /** Choose how the network answers from now on. */
  setNetwork(mode: NetworkMode, quiet = false): void {
    const m = NETWORK_MODES.find((x) => x.mode === mode);
    if (!m) throw new Error(`unknown network mode ${mode}`);
    this.network = mode;
    this.wifi.answer(m.answer);
    if (!quiet) this.line_('action', `> network ${mode}: ${m.label}`);
  }

  /** Press the reset button (it stays pressed until {@link SimDevice.release}). */
  press(): void {
    if (this.button.isPressed()) return;
    this.line_('action', '> button down');
    this.button.press();
  }

  /** Release the reset button. */
  release(): void {
    if (!this.button.isPressed()) return;
    this.line_('action', '> button up');
    this.button.release();
  }

  /** The app reached its cloud: `setCurState(3)`. */
  cloud(): void {
    this.line_('action', '> cloud connected');
    this.guard_(() => this.prov.setCurState(3));
  }

  /** The app reached one of its own steps: `setCurState(n)`. */
  setState(n: number): void {
    this.line_('action', `> state ${n}`);
    this.guard_(() => this.prov.setCurState(n));
  }

  /** Start the provisioning session when idle, stop it otherwise. */
  toggleSession(): void {
    if (this.prov.getSessionState() === 'idle') this.startSession();
    else this.stopSession();
  }

  /** Start the provisioning session. */
  startSession(): void {
    this.line_('action', '> session start');
    this.guard_(() => this.prov.startSession());
  }

  /** Stop the provisioning session. */
  stopSession(): void {
    this.line_('action', '> session stop');
    this.guard_(() => this.prov.stopSession());
  }

  /** After `cred-fail`: back to `started` for new credentials (`resetOnFailure`). */
  retrySession(): void {
    this.line_('action', '> session retry');
    this.guard_(() => {
      if (!this.prov.resetOnFailure()) this.line_('sim', 'session retry: the session is not in fail');
    });
  }

  /** The link drops (the access point went away, or the platform reports a failure). */
  dropLink(reason: 'auth-error' | 'ap-not-found' | 'other' = 'other'): void {
    this.line_('action', `> link lost (${reason})`);
    this.wifi.drop(reason, 'SIMULATED');
  }

  /** The app asks for a factory reset (cause `app`). */
  factoryReset(): void {
    this.line_('action', '> factory reset');
    this.prov.factoryReset('app').catch((e: unknown) => this.line_('sim', `factory reset failed: ${messageOf(e)}`));
  }

  /** Is the LED lit now? A blinking LED is lit for `on` ms from the pattern's start, then dark for `off`. */
  ledLit(): boolean {
    const p = this.ledPattern_;
    if (p.off === 0) return true;
    if (p.on === 0) return false;
    return (this.clock.now() - this.ledStart_) % (p.on + p.off) < p.on;
  }

  /** The pattern the LED shows. */
  ledPattern(): LedPattern {
    return { on: this.ledPattern_.on, off: this.ledPattern_.off };
  }

  /** What the screen shows, now. */
  snapshot(): SimSnapshot {
    const p = this.prov;
    const j = p.getResetJournal();
    const creds = this.wifi.applied() || this.wifi.stored();
    const now = this.clock.now();
    return {
      now: now,
      boots: this.boots,
      cur: p.getCurState(),
      max: p.getMaxState(),
      wifiConfigured: p.isWifiConfigured(),
      provisioned: p.isProvisioned(),
      session: p.getSessionState(),
      wifiState: p.getWifiState(),
      ssid: creds ? creds.ssid : undefined,
      lastFailure: this.lastFailure_,
      network: this.network,
      ledLit: this.ledLit(),
      ledPattern: this.ledPattern(),
      timeoutRemaining: this.timeout_.remaining(now),
      timeoutMs: this.config.timeoutMs,
      badCredentials: this.badCreds_.current(this.badCredContext_()),
      buttonDown: this.button.isPressed(),
      resetting: p.isResetting(),
      resets: j.resets.length,
      buttonLatched: j.buttonLatched,
      where: this.storage.where,
    };
  }

  /** Uptime of the current boot, simulated ms. */
  uptime(): number {
    return this.clock.now() - this.bootAt_;
  }

  /** Stop the provisioner (quitting). Nothing is written. */
  dispose(): void {
    this.prov.stop();
  }

  private make_(): Provisioner {
    const prov = createProvisioner(
      {
        clock: this.clock,
        storage: this.storage,
        button: this.button,
        led: this.led_,
        wifi: this.wifiPort_,
        system: {
          // A factory reset ends in a reboot; on the simulator the reboot is immediate.
          reboot: () => this.reboot('after factory reset'),
          uptimeMs: () => this.uptime(),
        },
      },
      this.configInput_,
    );
    for (const name of EVENT_NAMES) {
      prov.on(name, (payload) => {
        // Events of a provisioner that was already replaced (a late timer) are not this boot's.
        if (prov !== this.prov) return;
        this.onEvent_(name, payload);
      });
    }
    return prov;
  }

  private badCredContext_(): BadCredentialContext {
    const p = this.prov;
    return { wifiConfigured: p.isWifiConfigured(), sessionActive: p.getSessionState() !== 'idle', resetting: p.isResetting() };
  }

  private powerOn_(): void {
    this.boots++;
    this.bootAt_ = this.clock.now();
    this.timeout_.clear();
    this.badCreds_.restart();
    this.lastFailure_ = undefined;
    this.line_('sim', `boot #${this.boots}`);
  }

  private start_(): void {
    this.booting_ = true;
    this.prov.start().catch((e: unknown) => this.line_('sim', `start failed: ${messageOf(e)}`));
    this.booting_ = false;
  }

  private onEvent_<K extends keyof ProvisionEvents>(name: K, payload: ProvisionEvents[K]): void {
    this.line_('event', describeEvent(name, payload), name);
    const now = this.clock.now();
    if (name === 'state') {
      const change = this.timeout_.onState(payload as ProvisionEvents['state'], now);
      const deadline = this.timeout_.deadline();
      if (change === 'armed' && deadline !== undefined) {
        const when = this.booting_ ? 're-armed at boot' : 'armed';
        this.line_('sim', `provisioning timeout ${when}: factory reset at ${formatTime(deadline).trim()} unless max reaches ${stateLabel(this.config.stableState)}`);
      } else if (change === 'cancelled') this.line_('sim', 'provisioning timeout cancelled');
    } else if (name === 'reset') {
      this.timeout_.clear();
    } else if (name === 'wifi') {
      const w = payload as ProvisionEvents['wifi'];
      if (w.reason !== undefined) {
        this.lastFailure_ = { reason: w.reason, at: now };
        if (w.raw !== undefined) this.lastFailure_.raw = w.raw;
      }
      const ctx = this.badCredContext_();
      const before = this.badCreds_.current(ctx);
      this.badCreds_.onWifi(w, ctx);
      const after = this.badCreds_.current(ctx);
      if (after && (!before || after.count !== before.count)) this.line_('sim', `bad credentials: ${describeBadCredentials(after)}`);
    }
  }

  private showLed_(p: LedPattern): void {
    const same = p.on === this.ledPattern_.on && p.off === this.ledPattern_.off;
    this.ledPattern_ = p;
    this.ledStart_ = this.clock.now();
    if (same) return;
    const pending = this.config.led.patterns.resetPending || { on: 100, off: 100 };
    const note = p.on === pending.on && p.off === pending.off ? ' (reset pending)' : '';
    this.line_('led', `led: ${describePattern(p)}${note}`);
  }

  private guard_(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.line_('sim', `rejected: ${messageOf(e)}`);
    }
  }

  private line_(kind: LineKind, text: string, event?: keyof ProvisionEvents): void {
    const line: TimelineLine = { at: this.clock.now(), kind: kind, text: text };
    if (event) line.event = event;
    for (const l of this.listeners_.slice()) l(line);
  }
}

/**
 * A timeline line as printed: simulated time, then the text.
 *
 * @example
 * ```ts
 * formatLine({ at: 2000, kind: 'event', text: 'wifi: connected 192.168.1.50' });
 * // "    2.000s  wifi: connected 192.168.1.50"
 * ```
 */
export function formatLine(line: TimelineLine): string {
  return `${formatTime(line.at)}  ${line.text}`;
}

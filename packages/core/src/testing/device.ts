import type { ProvisionConfig } from '../config';
import { createProvisioner, type Provisioner } from '../provisioner';
import type { WifiCredentials } from '../ports';
import { createMemoryStorage, type MemoryStorage } from './memory-storage';
import { SimulatedClock } from './simulated-clock';
import {
  createRecordingLed,
  createRecordingSystem,
  createSimulatedButton,
  createSimulatedWifi,
  type RecordingLed,
  type RecordingSystem,
  type SimulatedButton,
  type SimulatedWifi,
} from './simulated-ports';

/** A whole simulated device: every port simulated, one provisioner, and a way to reboot it. */
export interface SimulatedDevice {
  clock: SimulatedClock;
  storage: MemoryStorage;
  button: SimulatedButton;
  led: RecordingLed;
  wifi: SimulatedWifi;
  system: RecordingSystem;
  /** The provisioner of the current boot. */
  prov: Provisioner;
  /** Boots so far (1 after creation). */
  boots: number;
  /**
   * Start the current provisioner and let the 10 ms of boot-hold sampling (R5.2) pass on the simulated
   * clock, so the returned promise settles. (`prov.start()` alone waits for you to advance the clock.)
   *
   * The Wi-Fi is subscribed only once sampling is over (after the 10th sample, 9 ms after `start()`, in
   * boot-hold mode; at once otherwise), so stored credentials are joined after the boot-button check. When the button was held through
   * the boot, the promise resolves with the factory reset under way (`prov.isResetting()` is true) and
   * the reboot still `rebootDelayMs` ahead: advance the clock to see it.
   */
  start(): Promise<void>;
  /**
   * Power-cycle: stop the current provisioner and create a new one on the same storage and Wi-Fi
   * (stored credentials survive, applied ones do not). Call `prov.start()` yourself.
   */
  reboot(): Provisioner;
}

/** Options for {@link createSimulatedDevice}. */
export interface SimulatedDeviceOptions {
  config?: ProvisionConfig;
  /** Offer `blink()` on the LED (default false: the core times the blink itself). */
  ledBlink?: boolean;
  /** Networks in range: SSID → passphrase. */
  networks?: { [ssid: string]: string };
  /** Credentials already stored on the Wi-Fi side. */
  storedCredentials?: WifiCredentials;
  /** Wi-Fi join time in ms (default 0). */
  joinMs?: number;
  /** Wi-Fi retry interval in ms (default 5000). */
  retryMs?: number;
  /** Reuse an existing storage (e.g. one that crashed). */
  storage?: MemoryStorage;
}

/**
 * Build a simulated device for tests and demos. Nothing is started.
 *
 * @example
 * ```ts
 * const dev = createSimulatedDevice({ networks: { HomeNet: 'correct horse' } });
 * await dev.prov.start();
 * await dev.prov.configureSta({ ssid: 'HomeNet', passphrase: 'correct horse' });
 * dev.prov.getCurState(); // 2
 * ```
 */
export function createSimulatedDevice(options?: SimulatedDeviceOptions): SimulatedDevice {
  const o = options || {};
  const clock = new SimulatedClock();
  const storage = o.storage || createMemoryStorage();
  const wifi = createSimulatedWifi(clock, { joinMs: o.joinMs, retryMs: o.retryMs, stored: o.storedCredentials });
  const nets = o.networks || {};
  const names = Object.keys(nets);
  for (let i = 0; i < names.length; i++) wifi.addNetwork(names[i], nets[names[i]]);
  const button = createSimulatedButton(clock);
  const led = createRecordingLed(clock, { blink: !!o.ledBlink });
  const system = createRecordingSystem(clock);
  const make = (): Provisioner =>
    createProvisioner({ clock: clock, storage: storage, button: button, led: led, wifi: wifi, system: system }, o.config);
  const dev: SimulatedDevice = {
    clock: clock,
    storage: storage,
    button: button,
    led: led,
    wifi: wifi,
    system: system,
    prov: make(),
    boots: 1,
    start() {
      const p = dev.prov.start();
      clock.advance(10);
      return p;
    },
    reboot() {
      dev.prov.stop();
      // A power cycle: every timer of the old boot dies with it (a pending reset reboot included).
      clock.cancelAll();
      // Applied-but-unpersisted credentials do not survive a power cycle.
      wifi.disconnect();
      if (storage.isDead()) storage.powerOn();
      dev.boots++;
      dev.prov = make();
      return dev.prov;
    },
  };
  return dev;
}

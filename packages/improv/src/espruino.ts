// The Improv transport on Espruino: the console (shared with the REPL) or a dedicated Serial port.
import type { Clock, Provisioner } from '@provision/core';
import { createImprovDevice, type ImprovDevice, type ImprovDeviceOptions } from './device';

/** An Espruino serial device (`USB`, `Serial1`, `Bluetooth`, `LoopbackA`…): the members used here. */
export interface EspruinoSerial {
  on(event: 'data', listener: (data: string) => void): void;
  removeListener(event: 'data', listener: (data: string) => void): void;
  write(data: string | Uint8Array): void;
  /** Make this device the console (`force`: keep it there when USB is plugged or unplugged). */
  setConsole?(force?: boolean): void;
}

/** The Espruino built-ins the console mode uses, looked up at call time. @internal */
interface ConsoleGlobals {
  E: { getConsole(): string | undefined };
  LoopbackA: EspruinoSerial;
  LoopbackB: EspruinoSerial;
  [device: string]: unknown;
}

/** Options of {@link attachImprovEspruino}. The object is used as it is, not copied (RAM is scarce). */
export interface AttachImprovEspruinoOptions extends Omit<ImprovDeviceOptions, 'write' | 'clock' | 'other'> {
  /** Time: the `clock` of the provision module's `createEspruinoPorts()`. */
  clock: Clock;
  /**
   * A Serial port used for Improv alone (e.g. `Serial2`, set up with `Serial2.setup(115200, …)`).
   * Without it, Improv shares the console with the REPL.
   */
  port?: EspruinoSerial;
  /** The console's device name when it is not the current console (default `E.getConsole()`). */
  consoleName?: string;
}

/** A running Improv transport on Espruino. */
export interface ImprovEspruinoTransport {
  /** The Improv device. */
  readonly device: ImprovDevice;
  /** Stop answering; in console mode, give the console back to the port. */
  close(): void;
}

/**
 * Answer Improv Wi-Fi on Espruino.
 *
 * Console mode (no `port`): the console moves to `LoopbackA` and this transport sits between the
 * real port and the REPL. Bytes from the port that are not Improv reach the REPL unchanged and in
 * order; a run that starts like a frame (`I`, `IM`, … `IMPROV`) is held until it diverges from
 * `IMPROV` + version byte 1 (then passed on at once) or until the idle gap (`idleMs`, default 100 ms)
 * passes, so typing a word that starts with `I` echoes that letter up to 100 ms late. A complete
 * frame is answered and never reaches the REPL; a frame that starts with `IMPROV\x01` but is broken
 * (bad checksum, too long, cut off) is dropped and does not reach the REPL either. REPL output goes
 * to the port unchanged; each Improv frame is written whole, on its own line (a newline goes first
 * when the REPL's last output did not end one), which is what the browser's client needs to see it.
 *
 * @example
 * ```js
 * var p = require("provision");
 * var improv = require("improv");
 * var ports = p.createEspruinoPorts({ wifi: true });
 * var prov = p.createProvisioner(ports);
 * improv.attachImprovEspruino(prov, { clock: ports.clock, firmware: "lamp", version: "1.0.0", platform: "ESP32", deviceName: "Lamp" });
 * ```
 */
export function attachImprovEspruino(prov: Provisioner, options: AttachImprovEspruinoOptions): ImprovEspruinoTransport {
  const g = globalThis as unknown as ConsoleGlobals;
  // The options object itself becomes the device's (a copy would cost RAM): write and other are set on it.
  const o = options as ImprovDeviceOptions & AttachImprovEspruinoOptions;
  let port = options.port;
  const shared = !port;
  let lastNl = true;
  if (shared) {
    const name = options.consoleName || g.E.getConsole();
    port = name ? (g[name] as EspruinoSerial | undefined) : undefined;
    if (!port || name === 'LoopbackA') throw new Error(`improv: no console port to share (E.getConsole() is ${name}); pass options.port`);
  }
  const p = port as EspruinoSerial;
  const repl = g.LoopbackB;
  // REPL output (the console is LoopbackA: what it prints comes out of LoopbackB) goes to the port.
  const fromRepl = (d: string): void => {
    p.write(d);
    if (d.length > 0) lastNl = d.charCodeAt(d.length - 1) === 10;
  };
  o.write = (bytes: Uint8Array): void => {
    if (!lastNl) p.write('\n');
    p.write(bytes);
    lastNl = true;
  };
  if (shared) o.other = (s: string): void => repl.write(s);
  const device = createImprovDevice(prov, o);
  const onData = (d: string): void => device.receive(d);
  if (shared) {
    repl.on('data', fromRepl);
    g.LoopbackA.setConsole!(true);
  }
  p.on('data', onData);
  return {
    device: device,
    close: (): void => {
      p.removeListener('data', onData);
      device.close();
      if (shared) {
        repl.removeListener('data', fromRepl);
        if (p.setConsole) p.setConsole();
      }
    },
  };
}

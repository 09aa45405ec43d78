/**
 * `@provision/improv/serial`: Improv Wi-Fi on any serial device Node can open through `serialport`:
 * a UART, a USB serial adapter, the USB gadget serial `/dev/ttyGS0` of Pi Zero-class boards, or, on an
 * ESP32 bridge host, the host's own USB serial port (never the module's AT UART).
 *
 * @module
 */
import { arch, hostname, release, type } from 'node:os';
import { SerialPort } from 'serialport';
import { defaultClock, provisionError, type Clock, type Provisioner } from '@provision/core';
import { createImprovDevice, type ImprovDevice, type ImprovDeviceOptions } from './device';

/** Options of {@link attachImprov}. */
export interface AttachImprovOptions extends Partial<Omit<ImprovDeviceOptions, 'write' | 'clock'>> {
  /** The serial device, e.g. `/dev/ttyGS0`, `/dev/ttyAMA0`, `/dev/ttyUSB0`. */
  path: string;
  /** Baud rate (default 115200, what ESP Web Tools opens the port with). */
  baudRate?: number;
  /** Time (default: the global timers). */
  clock?: Clock;
  /** After the device vanishes (adapter unplugged), try to open it again every this many ms (default 2000; 0: never). */
  reopenMs?: number;
}

/** A running Improv transport. */
export interface ImprovTransport {
  /** The serial device. */
  readonly path: string;
  /** The Improv device answering on it. */
  readonly device: ImprovDevice;
  /** Close the port and stop answering. */
  close(): Promise<void>;
}

/** `transports.improv` of the `provision-linux` configuration. */
export interface ImprovTransportConfig {
  /** The serial device (required), e.g. `/dev/ttyGS0`. */
  path: string;
  /** Baud rate, one of the standard rates 1200..4000000 (default 115200). */
  baudRate?: number;
  /** Firmware (product) name for device info (default `provision-linux`). */
  firmware?: string;
  /** Firmware version for device info (default `0.0.0`). */
  version?: string;
  /** Device name (default: the host name). */
  deviceName?: string;
  /** Where to go once online; `{ip}` and `{name}` are replaced (default: none). */
  nextUrl?: string;
  /** Connect timeout in ms (default 30000). */
  connectTimeoutMs?: number;
}

const CONFIG_KEYS = ['path', 'baudRate', 'firmware', 'version', 'deviceName', 'nextUrl', 'connectTimeoutMs'];
const BAUD_RATES = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 500000, 921600, 1000000, 1500000, 2000000, 3000000, 4000000];

/**
 * Check a `transports.improv` configuration object (known keys only, each of the right type) and
 * return it with defaults filled in.
 *
 * @param input - the parsed JSON
 * @param field - the configuration path the errors name (default `transports.improv`)
 * @throws `ProvisionError` (from `@provision/core`) with code `invalid-config` naming the field and what is allowed
 */
export function validateImprovConfig(input: unknown, field = 'transports.improv'): Required<Omit<ImprovTransportConfig, 'nextUrl' | 'deviceName'>> & ImprovTransportConfig {
  const fail = (f: string, msg: string): never => {
    throw provisionError('invalid-config', `${f}: ${msg}`, { field: f });
  };
  // The kind of a wrong value, never the value itself (a config file may hold secrets).
  const kind = (v: unknown): string => (typeof v === 'number' ? (Number.isInteger(v) ? 'an integer outside it' : 'a non-integer number') : Array.isArray(v) ? 'an array' : v === null ? 'null' : `a ${typeof v}`);
  if (!input || typeof input !== 'object' || Array.isArray(input)) fail(field, 'must be an object {path, baudRate?, firmware?, version?, deviceName?, nextUrl?, connectTimeoutMs?}');
  const c = input as { [k: string]: unknown };
  for (const k of Object.keys(c)) if (!CONFIG_KEYS.includes(k)) fail(`${field}.${k}`, `unknown key; allowed: ${CONFIG_KEYS.join(', ')}`);
  if (typeof c.path !== 'string' || c.path.length === 0) fail(`${field}.path`, 'must name the serial device, e.g. "/dev/ttyGS0"');
  if (c.baudRate !== undefined && !BAUD_RATES.includes(c.baudRate as number)) fail(`${field}.baudRate`, `must be one of ${BAUD_RATES.join(', ')}; got ${kind(c.baudRate)}`);
  for (const k of ['firmware', 'version', 'deviceName', 'nextUrl']) {
    const v = c[k];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || Buffer.byteLength(v) > 64)) fail(`${field}.${k}`, 'must be a string of 1 to 64 bytes');
  }
  const t = c.connectTimeoutMs;
  if (t !== undefined && !(Number.isInteger(t) && (t as number) >= 1000 && (t as number) <= 600000)) fail(`${field}.connectTimeoutMs`, `must be an integer 1000..600000; got ${kind(t)}`);
  return {
    ...(c as unknown as ImprovTransportConfig),
    baudRate: (c.baudRate as number | undefined) ?? 115200,
    firmware: (c.firmware as string | undefined) ?? 'provision-linux',
    version: (c.version as string | undefined) ?? '0.0.0',
    connectTimeoutMs: (t as number | undefined) ?? 30000,
  };
}

function openPort(path: string, baudRate: number): Promise<SerialPort> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, dataBits: 8, stopBits: 1, parity: 'none', autoOpen: false });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
}

/**
 * Answer Improv Wi-Fi on a serial device: the browser flasher's (ESP Web Tools) "Connect to Wi-Fi",
 * or any Improv serial client. Credentials go to `prov`'s provisioning session (started when idle);
 * the transport stays open after a failure so the person can retry (R11.2), and after a success so
 * the device can be provisioned again, until {@link ImprovTransport.close}.
 *
 * Bytes on the port that are not Improv frames are ignored; do not run a login console (getty) on
 * the same device.
 *
 * @example
 * ```ts
 * import { attachImprov } from '@provision/improv/serial';
 *
 * const improv = await attachImprov(prov, {
 *   path: '/dev/ttyGS0', firmware: 'thermostat', version: '1.4.0', nextUrl: 'http://{ip}/',
 *   scan: () => wifi.scan!(),
 *   log: (line) => console.log(line),
 * });
 * // later: await improv.close();
 * ```
 */
export async function attachImprov(prov: Provisioner, options: AttachImprovOptions): Promise<ImprovTransport> {
  const baudRate = options.baudRate ?? 115200;
  const reopenMs = options.reopenMs ?? 2000;
  const log = options.log ?? (() => undefined);
  const clock = options.clock ?? defaultClock;
  let port: SerialPort | undefined = await openPort(options.path, baudRate);
  let closed = false;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  const device = createImprovDevice(prov, {
    firmware: 'provision',
    version: '0.0.0',
    platform: `${type()} ${arch()}`,
    deviceName: hostname(),
    osName: type(),
    osVersion: release(),
    ...options,
    clock,
    write: (bytes) =>
      new Promise<void>((resolve, reject) => {
        if (!port || !port.isOpen) return reject(new Error(`${options.path} is not open`));
        port.write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err) => (err ? reject(err) : resolve()));
      }),
  });
  const wire = (p: SerialPort): void => {
    p.on('data', (b: Buffer) => device.receive(b));
    p.on('error', (e: Error) => log(`Improv: ${options.path}: ${e.message}`));
    p.on('close', () => {
      if (closed) return;
      port = undefined;
      log(`Improv: ${options.path} closed${reopenMs > 0 ? `; trying to open it again every ${reopenMs} ms` : ''}`);
      if (reopenMs > 0) reopen();
    });
  };
  const reopen = (): void => {
    reopenTimer = setTimeout(() => {
      reopenTimer = undefined;
      if (closed) return;
      openPort(options.path, baudRate).then(
        (p) => {
          if (closed) {
            p.close();
            return;
          }
          port = p;
          wire(p);
          log(`Improv: ${options.path} open again`);
        },
        () => reopen(),
      );
    }, reopenMs);
  };
  wire(port);
  return {
    path: options.path,
    device,
    close: () => {
      closed = true;
      if (reopenTimer !== undefined) clearTimeout(reopenTimer);
      device.close();
      const p = port;
      port = undefined;
      if (!p || !p.isOpen) return Promise.resolve();
      return new Promise<void>((resolve) => p.close(() => resolve()));
    },
  };
}

/** What the daemon adds to a {@link ImprovTransportConfig}: what cannot be written in a JSON file. */
export type ImprovRuntimeOptions = Omit<AttachImprovOptions, keyof ImprovTransportConfig>;

/**
 * Start the Improv transport from a `transports.improv` configuration object (see
 * {@link ImprovTransportConfig}): validates it, then {@link attachImprov}. For `provision-linux`:
 *
 * ```json
 * { "transports": { "improv": { "path": "/dev/ttyGS0", "baudRate": 115200, "firmware": "thermostat", "version": "1.4.0", "nextUrl": "http://{ip}/" } } }
 * ```
 *
 * @param prov - the provisioner
 * @param config - the parsed `transports.improv` object
 * @param runtime - scan, log, clock, hostname support and the like
 * @throws `ProvisionError` (from `@provision/core`) with code `invalid-config` for a bad configuration; the port's open error otherwise
 */
export function startImprovTransport(prov: Provisioner, config: unknown, runtime: ImprovRuntimeOptions = {}): Promise<ImprovTransport> {
  let c: ImprovTransportConfig;
  try {
    c = validateImprovConfig(config);
  } catch (e) {
    return Promise.reject(e);
  }
  const o: AttachImprovOptions = { ...runtime, ...c };
  if (c.deviceName === undefined) delete o.deviceName;
  if (c.nextUrl === undefined) delete o.nextUrl;
  return attachImprov(prov, o);
}

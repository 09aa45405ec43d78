import { createRequire } from 'node:module';
import { adapterError, describe } from './errors';

/** A D-Bus signal as received. */
export interface DbusSignal {
  path: string;
  interface: string;
  member: string;
  body: unknown[];
}

/** A minimal promise API over one D-Bus connection. */
export interface DbusConnection {
  /** Call a method; resolves with the reply's body. */
  call(dest: string, path: string, iface: string, member: string, signature?: string, body?: unknown[]): Promise<unknown[]>;
  getProperty(dest: string, path: string, iface: string, name: string): Promise<unknown>;
  addMatch(rule: string): Promise<void>;
  onSignal(fn: (s: DbusSignal) => void): () => void;
  close(): void;
}

/** A D-Bus variant as sent: `[signature, value]`. */
export type Variant = [string, unknown];

interface NativeMessage {
  type: number;
  path: string;
  interface: string;
  member: string;
  body?: unknown[];
}
interface NativeBus {
  connection: {
    on(ev: string, fn: (arg: never) => void): void;
    once(ev: string, fn: (arg: never) => void): void;
    removeListener(ev: string, fn: (arg: never) => void): void;
    end(): void;
  };
  invoke(msg: object, cb: (err: { name: string; message: string } | null | undefined, ...res: unknown[]) => void): void;
  addMatch(rule: string, cb: (err: unknown) => void): void;
}

const SIGNAL = 4;
const requireCjs = createRequire(import.meta.url);

/** The system bus address: `DBUS_SYSTEM_BUS_ADDRESS`, else the standard socket. */
export function systemBusAddress(): string {
  return process.env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/var/run/dbus/system_bus_socket';
}

type DbusNative = { createClient(o: object): NativeBus };
let native: DbusNative | undefined;

/**
 * Load the D-Bus library now. A daemon calls this at start (through `createLinuxSystem`): loaded only
 * when first needed — at reboot time, possibly months later — it can fail to resolve after the package
 * was upgraded or removed on disk, and the reboot with it. Throws `not-supported` when it cannot load.
 */
export function loadDbus(): void {
  if (native) return;
  try {
    native = requireCjs('@homebridge/dbus-native') as DbusNative;
  } catch (e) {
    throw adapterError('not-supported', `cannot load the D-Bus library @homebridge/dbus-native: ${describe(e)} (reinstall @provision/adapter-linux)`, { cause: e });
  }
}

/** Connect to a bus (default: the system bus). Rejects when the bus is not reachable. */
export async function connectBus(address: string = systemBusAddress()): Promise<DbusConnection> {
  loadDbus();
  const dbus = native!;
  let bus: NativeBus;
  try {
    bus = dbus.createClient({ busAddress: address });
  } catch (e) {
    throw adapterError('not-supported', `cannot connect to D-Bus at ${address}: ${describe(e)}`, { cause: e });
  }
  const conn = bus.connection;
  await new Promise<void>((resolve, reject) => {
    const onErr = (e: Error) => {
      conn.removeListener('connect', onOk);
      reject(adapterError('not-supported', `cannot connect to D-Bus at ${address}: ${e.message}`, { cause: e }));
    };
    const onOk = () => {
      conn.removeListener('error', onErr as never);
      resolve();
    };
    conn.once('error', onErr as never);
    conn.once('connect', onOk);
  });
  let closed = false;
  // A dropped bus must not crash the process; pending calls fail through their own callbacks.
  conn.on('error', () => undefined);
  const listeners = new Set<(s: DbusSignal) => void>();
  conn.on('message', ((m: NativeMessage) => {
    if (m.type !== SIGNAL) return;
    const s: DbusSignal = { path: m.path, interface: m.interface, member: m.member, body: m.body ?? [] };
    for (const l of [...listeners]) l(s);
  }) as never);

  const api: DbusConnection = {
    call(dest, path, iface, member, signature, body) {
      return new Promise((resolve, reject) => {
        if (closed) return reject(adapterError('not-supported', 'D-Bus connection closed'));
        const msg: Record<string, unknown> = { destination: dest, path, interface: iface, member };
        if (signature) {
          msg.signature = signature;
          msg.body = body ?? [];
        }
        bus.invoke(msg, (err, ...res) => {
          if (err) {
            const e = new Error(`${iface}.${member} failed: ${err.name}${err.message ? `: ${err.message}` : ''}`) as Error & { dbusName: string };
            e.dbusName = err.name;
            reject(e);
          } else resolve(res);
        });
      });
    },
    async getProperty(dest, path, iface, name) {
      const [v] = await api.call(dest, path, 'org.freedesktop.DBus.Properties', 'Get', 'ss', [iface, name]);
      return variantValue(v);
    },
    addMatch(rule) {
      return new Promise((resolve, reject) => bus.addMatch(rule, (err) => (err ? reject(new Error(`AddMatch failed: ${describe(err)}`)) : resolve())));
    },
    onSignal(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close() {
      if (closed) return;
      closed = true;
      listeners.clear();
      conn.end();
    },
  };
  return api;
}

/** The value inside a received variant (`[signatureTree, [value]]`). */
export function variantValue(v: unknown): unknown {
  if (Array.isArray(v) && v.length === 2 && Array.isArray(v[1])) return (v[1] as unknown[])[0];
  return v;
}

/** A received `a{sv}` as a plain object. */
export function dictOf(a: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(a)) return out;
  for (const entry of a as [string, unknown][]) out[entry[0]] = variantValue(entry[1]);
  return out;
}

/** A received `a{sa{sv}}` as nested objects. */
export function settingsOf(a: unknown): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  if (!Array.isArray(a)) return out;
  for (const entry of a as [string, unknown][]) out[entry[0]] = dictOf(entry[1]);
  return out;
}

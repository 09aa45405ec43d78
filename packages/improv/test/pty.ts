// A pseudo-terminal pair from socat, and the reference Improv client (improv-wifi-serial-sdk) loaded
// in Node behind a Web-Serial-shaped shim over a real `serialport` on one end of the pair.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { SerialPort } from 'serialport';

/** True when socat is installed. */
export const HAS_SOCAT = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;

export { createPtyPair, type PtyPair } from '@provision/adapter-esp32-bridge/simulator';

/** The reference client's class, as its `dist/serial.js` declares it. */
export type ImprovSerialClass = typeof import('improv-wifi-serial-sdk/dist/serial.js').ImprovSerial;

let loaded: Promise<ImprovSerialClass> | undefined;

/**
 * The reference client. Its `dist/serial.js` has an extensionless import Node's ESM loader rejects,
 * and the package root pulls in browser UI: bundle that one file with esbuild and import the result.
 */
export function loadImprovSerial(): Promise<ImprovSerialClass> {
  if (!loaded) {
    loaded = (async () => {
      const require = createRequire(import.meta.url);
      const pkgDir = dirname(require.resolve('improv-wifi-serial-sdk/package.json'));
      const res = await build({ entryPoints: [join(pkgDir, 'dist/serial.js')], bundle: true, format: 'esm', platform: 'node', write: false, logLevel: 'silent' });
      const dir = mkdtempSync(join(tmpdir(), 'improv-sdk-'));
      const file = join(dir, 'serial.mjs');
      writeFileSync(file, res.outputFiles[0]!.text);
      try {
        const mod = (await import(pathToFileURL(file).href)) as { ImprovSerial: ImprovSerialClass };
        return mod.ImprovSerial;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })();
  }
  return loaded;
}

/** What the client needs of a Web Serial `SerialPort`: its two streams. */
export interface WebSerialShim {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
  /** The `serialport` underneath. */
  port: SerialPort;
  close(): Promise<void>;
}

/** Open `path` with `serialport` and expose it as Web Serial streams. */
export async function openWebSerial(path: string, baudRate = 115200): Promise<WebSerialShim> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  return {
    readable: Readable.toWeb(port) as unknown as ReadableStream<Uint8Array>,
    writable: Writable.toWeb(port) as unknown as WritableStream<Uint8Array>,
    port,
    close: () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
  };
}

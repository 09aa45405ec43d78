// The Improv peer of the daemon tests: a socat PTY pair and the reference client (improv-wifi-serial-sdk) behind a Web-Serial shim.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
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

export interface PtyPair {
  /** The client's end. */
  host: string;
  /** The device's end. */
  device: string;
  close(): Promise<void>;
}

/** Two linked PTYs (raw, no echo), like a USB serial cable between a computer and a device. */
export function createPtyPair(): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`socat did not report two PTYs: ${err}`));
    }, 5000);
    child.once('error', reject);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const paths = [...err.matchAll(/PTY is (\S+)/g)].map((m) => m[1]!);
      if (paths.length < 2) return;
      clearTimeout(timer);
      child.stderr!.removeAllListeners('data');
      child.stderr!.resume();
      resolve({
        host: paths[0]!,
        device: paths[1]!,
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

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

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { SerialPortStream } from '@serialport/stream';
import { SerialPort, SerialPortMock } from 'serialport';
import type { EspAtSimulator } from './module';

// `SerialPortMock.binding` is `@serialport/binding-mock`'s MockBinding (whose own package exports no
// types under modern resolution).
const MockBinding = SerialPortMock.binding;
type MockPortBinding = Awaited<ReturnType<typeof MockBinding.open>>;

/** The binding type `@serialport/stream` takes, as `@serialport/binding-mock` implements it. */
export type SimBinding = typeof SerialPortMock.binding;

/** A simulator wired behind `@serialport/binding-mock`. */
export interface MockAttachment {
  /** A binding to pass to `SerialPortStream` (the mock binding, with the simulator on the far end). */
  binding: SimBinding;
  /** The mock port path it created. */
  path: string;
  /** Open a `SerialPortStream` on it (each call opens a new stream; use as an `AtClient` transport). */
  open(baudRate?: number): Promise<SerialPortStream>;
}

let mockSeq = 0;

/**
 * Put a simulator behind `@serialport/binding-mock`: the host side is a real `SerialPortStream`, so the
 * serialport stream layer (queued writes, reads in chunks, open/close) is exercised too.
 *
 * @example
 * ```ts
 * const sim = new EspAtSimulator();
 * const mock = attachToMockBinding(sim);
 * const client = new AtClient(() => mock.open());
 * ```
 */
export function attachToMockBinding(sim: EspAtSimulator, path?: string): MockAttachment {
  const portPath = path ?? `/dev/esp-at-sim-${++mockSeq}`;
  MockBinding.createPort(portPath, { echo: false, record: false });
  // One host end at a time, as on a real UART: a new open detaches the previous one (whose stream may
  // have been destroyed without closing its binding; the mock ports share one receive buffer).
  let detachPrevious: (() => void) | undefined;
  const binding: SimBinding = {
    ...MockBinding,
    async open(options: Parameters<SimBinding['open']>[0]) {
      const port: MockPortBinding = await MockBinding.open(options);
      const onData = (chunk: Buffer): void => {
        if (port.isOpen) port.emitData(chunk);
      };
      if (detachPrevious) detachPrevious();
      detachPrevious = () => sim.off('data', onData);
      sim.on('data', onData);
      const write = port.write.bind(port);
      port.write = async (buffer: Buffer) => {
        await write(buffer);
        sim.write(buffer);
      };
      const close = port.close.bind(port);
      port.close = async () => {
        sim.off('data', onData);
        await close();
      };
      return port;
    },
  };
  return {
    binding,
    path: portPath,
    open(baudRate = 115200) {
      return new Promise((resolve, reject) => {
        // No lock: a stream destroyed without close() (a vanished device) must not block the re-open.
        const s = new SerialPortStream({ binding, path: portPath, baudRate, autoOpen: false, lock: false });
        s.open((err) => (err ? reject(err) : resolve(s)));
      });
    },
  };
}

/** A pseudo-terminal pair made by `socat`. */
export interface PtyPair {
  /** One end (give it to the host's `openSerial`). */
  host: string;
  /** The other end (attach the simulator with {@link attachToPty}). */
  device: string;
  /** Stop socat; both ends disappear. */
  close(): Promise<void>;
}

/**
 * Create a linked pseudo-terminal pair with `socat -d -d pty,raw,echo=0 pty,raw,echo=0`. Rejects when
 * socat is not installed or does not report two PTYs within `timeoutMs`.
 */
export function createPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      reject(e);
      return;
    }
    const paths: string[] = [];
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`socat did not report two PTYs within ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const re = /PTY is (\S+)/g;
      let m: RegExpExecArray | null;
      paths.length = 0;
      while ((m = re.exec(stderr))) paths.push(m[1]!);
      if (paths.length >= 2) {
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
      }
    });
  });
}

/** A simulator attached to a tty. */
export interface PtyAttachment {
  /** Detach and close the tty. */
  close(): Promise<void>;
}

/**
 * Attach a simulator to one end of a pseudo-terminal pair (or any tty), opened with the real
 * `serialport` binding, so the host on the other end goes through termios like with hardware.
 */
export function attachToPty(sim: EspAtSimulator, path: string, baudRate = 115200): Promise<PtyAttachment> {
  return new Promise((resolve, reject) => {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    port.open((err) => {
      if (err) return reject(err);
      const toHost = (chunk: Buffer): void => {
        if (port.isOpen) port.write(chunk);
      };
      const toSim = (chunk: Buffer): void => {
        sim.write(chunk);
      };
      sim.on('data', toHost);
      port.on('data', toSim);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            sim.off('data', toHost);
            port.off('data', toSim);
            if (!port.isOpen) return done();
            port.close(() => done());
          }),
      });
    });
  });
}

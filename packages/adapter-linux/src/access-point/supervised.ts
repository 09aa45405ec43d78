// A child process kept running: started until a ready line appears, restarted if it dies, stopped for good.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Clock, TimerHandle } from '@provision/core';
import { nodeClock } from '../clock';
import type { Logger } from '../daemon/log';
import { adapterError } from '../errors';
import { lineSplitter, spawnError } from '../exec';

/** Options of {@link superviseChild}. */
export interface SupervisedOptions {
  /** Name in log lines and errors. */
  name: string;
  /** Command and arguments (never a secret: those go in files). */
  argv: string[];
  /** Debian package, for the "not found" message. */
  pkg?: string;
  /** A line on stdout or stderr that means the program is ready. */
  ready: RegExp;
  /** Written with the process id at every (re)start, so a later run can find a child this one left. */
  pidFile?: string;
  /** How long to wait for it, ms. Default 15000. */
  readyTimeoutMs?: number;
  /** Restarts allowed after unexpected exits. Default 5. */
  maxRestarts?: number;
  clock?: Clock;
  log?: Logger;
}

/** A supervised child. */
export interface SupervisedChild {
  /** The current process id, while running. */
  pid(): number | undefined;
  /** Stop it (SIGTERM, then SIGKILL after 3 s) and do not restart it. */
  stop(): Promise<void>;
}

const TAIL = 20;

/**
 * Start `argv`, resolve once `ready` is seen, and restart the program (after 1 s) whenever it exits on
 * its own, up to `maxRestarts` times. Rejects with its last output lines when it exits or stays silent
 * before it is ready.
 */
export function superviseChild(o: SupervisedOptions): Promise<SupervisedChild> {
  const clock = o.clock ?? nodeClock;
  const log: Logger = o.log ?? (() => undefined);
  let child: ChildProcess | undefined;
  let stopped = false;
  let restarts = 0;
  let restartTimer: TimerHandle | undefined;

  const launch = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const tail: string[] = [];
      let ready = false;
      const c = spawn(o.argv[0], o.argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      // A daemon that exits without stop() (an uncaught error) still takes its children along; after a
      // SIGKILL the next start finds them by their pid files instead.
      const onParentExit = (): void => {
        c.kill('SIGTERM');
      };
      process.on('exit', onParentExit);
      c.once('exit', () => process.off('exit', onParentExit));
      if (o.pidFile && c.pid !== undefined) writeFileSync(o.pidFile, `${c.pid}\n`, { mode: 0o600 });
      const timer = clock.setTimeout(() => {
        if (ready) return;
        c.kill('SIGKILL');
        reject(adapterError('timeout', `${o.name} did not become ready in ${o.readyTimeoutMs ?? 15_000} ms: ${tail.join(' | ')}`));
      }, o.readyTimeoutMs ?? 15_000);
      const onLine = (line: string): void => {
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
        if (!ready && o.ready.test(line)) {
          ready = true;
          clock.clearTimeout(timer);
          resolve();
        }
      };
      c.stdout?.setEncoding('utf8').on('data', lineSplitter(onLine));
      c.stderr?.setEncoding('utf8').on('data', lineSplitter(onLine));
      c.on('error', (e: NodeJS.ErrnoException) => {
        clock.clearTimeout(timer);
        if (!ready) reject(spawnError(o.argv[0], e, o.pkg));
      });
      c.on('exit', (code, signal) => {
        clock.clearTimeout(timer);
        if (child === c) child = undefined;
        if (!ready) {
          reject(adapterError('not-supported', `${o.name} exited (${signal ?? `code ${String(code)}`}) before it was ready: ${tail.slice(-8).join(' | ')}`));
          return;
        }
        if (stopped) return;
        log('child-exited', { name: o.name, code, signal, output: tail.slice(-5) });
        if (restarts >= (o.maxRestarts ?? 5)) {
          log('child-given-up', { name: o.name, restarts });
          return;
        }
        restarts++;
        restartTimer = clock.setTimeout(() => {
          restartTimer = undefined;
          if (!stopped) launch().catch((e: unknown) => log('child-restart-failed', { name: o.name, error: e }));
        }, 1000);
      });
    });

  return launch().then(() => ({
    pid: () => child?.pid,
    stop() {
      stopped = true;
      if (restartTimer !== undefined) clock.clearTimeout(restartTimer);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const kill = setTimeout(() => c.kill('SIGKILL'), 3000);
        c.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        c.kill('SIGTERM');
      });
    },
  }));
}

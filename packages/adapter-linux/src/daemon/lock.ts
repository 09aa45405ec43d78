// The single-instance lock: an exclusive flock(2) on the state directory, held for the process's life.
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { adapterError } from '../errors';
import { spawnError } from '../exec';

/** A held lock; `release()` drops it (the kernel drops it anyway when the process ends). */
export interface StateDirLock {
  readonly dir: string;
  release(): Promise<void>;
}

/** `flock --conflict-exit-code`: distinct from flock's own failures (1) and usage errors (64). */
const CONFLICT = 75;

/**
 * Take an exclusive, non-blocking `flock(2)` lock on `dir` itself (a directory can be locked; nothing
 * is written, so this also works on a read-only or full disk).
 *
 * Node has no flock binding, and a pid file created with `O_EXCL` is racy (a stale file from a crash
 * must be judged by a liveness check that a recycled pid fools). Instead this process opens the
 * directory and util-linux's `flock(1)` locks that inherited descriptor (`flock -n 3`, the shell idiom
 * `exec 9<dir; flock -n 9`). A flock belongs to the open file description, which this process keeps
 * open, so the lock outlives `flock(1)` and is released by the kernel when this process ends in any
 * way — SIGKILL and power loss included. No stale state is ever left behind.
 *
 * Rejects with an error carrying `locked: true` when another process holds it (see {@link isLockConflict}).
 */
export async function lockStateDir(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<StateDirLock> {
  const handle = await fs.open(dir, 'r');
  let code: number | null;
  let stderr = '';
  try {
    code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('flock', ['--exclusive', '--nonblock', '--conflict-exit-code', String(CONFLICT), '3'], {
        env,
        stdio: ['ignore', 'ignore', 'pipe', handle.fd],
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(0, 500)));
      child.on('error', (e: NodeJS.ErrnoException) => reject(spawnError('flock', e, 'util-linux')));
      child.on('close', resolve);
    });
  } catch (e) {
    await handle.close();
    throw e;
  }
  if (code !== 0) {
    await handle.close();
    if (code === CONFLICT) {
      const err = adapterError('not-supported', `another provision-linux daemon is running on the state directory ${dir} (it holds the lock)`);
      throw Object.assign(err, { locked: true });
    }
    throw adapterError('not-supported', `cannot lock the state directory ${dir}: flock exited with ${code}${stderr ? `: ${stderr.trim()}` : ''}`);
  }
  let released = false;
  return {
    dir,
    async release() {
      if (released) return;
      released = true;
      await handle.close();
    },
  };
}

/** True for the error {@link lockStateDir} rejects with when another process holds the lock. */
export function isLockConflict(e: unknown): boolean {
  return !!e && typeof e === 'object' && (e as { locked?: unknown }).locked === true;
}

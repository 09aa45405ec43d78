import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where the simulated device keeps its flash: the whole state as one text. `read()` returns undefined
 * when nothing was ever written; `write()` replaces it atomically.
 */
export interface StateStore {
  read(): string | undefined;
  write(text: string): void;
  /** Forget everything (a factory-new device). */
  clear(): void;
  /** Where it lives, for the screen and the timeline. */
  readonly where: string;
}

/**
 * A state store in memory: what `--script` uses unless `--state` names a file, so a scenario always
 * starts from a factory-new device and leaves nothing behind.
 */
export function createMemoryStore(initial?: string): StateStore {
  let text = initial;
  return {
    where: 'memory',
    read: () => text,
    write(t) {
      text = t;
    },
    clear() {
      text = undefined;
    },
  };
}

/**
 * A state store in a JSON file. Each write goes to a temporary file beside it, is flushed to disk and
 * renamed over the old one, so a crash at any instant leaves the old or the new state, never a torn
 * one (the same rule as a real adapter's storage, R10.2).
 */
export function createFileStore(path: string): StateStore {
  return {
    where: path,
    read() {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    write(text) {
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.tmp-${process.pid}`;
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, text);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, path);
      try {
        const dir = openSync(dirname(path), 'r');
        try {
          fsyncSync(dir);
        } finally {
          closeSync(dir);
        }
      } catch {
        // Some file systems cannot fsync a directory; the rename is still atomic.
      }
    },
    clear() {
      rmSync(path, { force: true });
    },
  };
}

/**
 * The default state file: `$XDG_STATE_HOME/provision-sim/state.json`, else
 * `~/.local/state/provision-sim/state.json`, else the same under the system's temporary directory.
 */
export function defaultStatePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'provision-sim', 'state.json');
  let home = '';
  try {
    home = env.HOME || homedir();
  } catch {
    home = '';
  }
  if (home) return join(home, '.local', 'state', 'provision-sim', 'state.json');
  return join(tmpdir(), 'provision-sim', 'state.json');
}

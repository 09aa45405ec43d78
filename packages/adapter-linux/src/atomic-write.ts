// Durable atomic file replacement (temp file, fsync, rename, fsync dir) and cleanup of its stale temp files.
import { promises as fs } from 'node:fs';
import path from 'node:path';

// Shared by every copy of this module in the process (the ESM and CJS builds can both be loaded), so
// temp names never collide and one copy's cleanup never removes another copy's write in flight.
interface TempRegistry {
  counter: number;
  inFlight: Set<string>;
}
const registryKey = Symbol.for('@provision/adapter-linux/atomic-write');
const registry: TempRegistry = ((globalThis as Record<symbol, TempRegistry | undefined>)[registryKey] ??= { counter: 0, inFlight: new Set() });

/** The temp file name a write of `base` uses: `.<base>.<pid>.<n>.tmp`. */
function tempName(base: string, pid: number, n: number): string {
  return `.${base}.${pid}.${n}.tmp`;
}

/** Options for {@link writeFileDurable}. */
export interface DurableWriteOptions {
  /** Give the new file this owner (to keep the owner of the file it replaces). */
  uid?: number;
  /** Give the new file this group. */
  gid?: number;
}

/**
 * Replace `file` with `data` so that after power loss at any instant the file holds either the old or
 * the new content (R10.2): write a temp file in the same directory, fsync it, rename it over the
 * target, then fsync the directory so the rename itself is on disk. The temp file is created with
 * `mode` (default 0600), so the content is never readable by others, not even for a moment.
 */
export async function writeFileDurable(file: string, data: string | Uint8Array, mode = 0o600, owner: DurableWriteOptions = {}): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, tempName(path.basename(file), process.pid, ++registry.counter));
  registry.inFlight.add(tmp);
  try {
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      if (owner.uid !== undefined || owner.gid !== undefined) await handle.chown(owner.uid ?? -1, owner.gid ?? -1);
      await handle.sync();
    } catch (e) {
      await handle.close();
      await fs.rm(tmp, { force: true });
      throw e;
    }
    await handle.close();
    try {
      await fs.rename(tmp, file);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
  } finally {
    registry.inFlight.delete(tmp);
  }
  await fsyncDir(dir);
}

/** fsync a directory, so a rename or unlink in it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const d = await fs.open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** The system's boot time, epoch ms, from `/proc/stat` (`btime`); undefined when unknown. */
async function bootTimeMs(): Promise<number | undefined> {
  try {
    const m = /^btime (\d+)$/m.exec(await fs.readFile('/proc/stat', 'utf8'));
    return m ? Number(m[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A temp file of a dead writer younger than this is left for the next cleanup (another pid namespace may share the directory). */
const DEAD_WRITER_GRACE_MS = 10_000;

/**
 * Remove the temp files that interrupted {@link writeFileDurable} calls (power loss, SIGKILL) left in
 * `dir` for the files named `bases`. Only names of exactly that pattern are touched, and only stale
 * ones: this process's own that are not being written, ones written before the last boot, and ones
 * of a process that no longer runs. Returns the names removed. Never throws for a file it cannot
 * remove; a missing directory is an empty one.
 */
export async function removeStaleTemps(dir: string, bases: string[]): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const pattern = new RegExp(`^\\.(${bases.map((b) => b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\.(\\d+)\\.(\\d+)\\.tmp$`);
  const boot = await bootTimeMs();
  const removed: string[] = [];
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m) continue;
    const full = path.join(dir, name);
    const pid = Number(m[2]);
    let stale: boolean;
    if (pid === process.pid) stale = !registry.inFlight.has(full);
    else {
      const st = await fs.lstat(full).catch(() => undefined);
      if (!st?.isFile()) continue;
      stale = (boot !== undefined && st.mtimeMs < boot) || (!alive(pid) && Date.now() - st.mtimeMs > DEAD_WRITER_GRACE_MS);
    }
    if (!stale) continue;
    try {
      await fs.rm(full);
      removed.push(name);
    } catch {
      // Gone meanwhile, or not ours to remove: the next cleanup tries again.
    }
  }
  if (removed.length > 0) await fsyncDir(dir).catch(() => undefined);
  return removed;
}

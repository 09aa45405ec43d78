// Directories only the daemon's user may enter: created 0700, an existing too-open one tightened.
import { promises as fs } from 'node:fs';
import { adapterError, describe } from '../errors';

/** What {@link ensurePrivateDir} found and did. */
export interface PrivateDirResult {
  /** The mode the directory had before, when it had to be tightened. */
  tightenedFrom?: number;
}

/**
 * Make sure `dir` exists, is a directory owned by this process's user, and is mode 0700. A missing
 * directory is created 0700 (the mode does not depend on the umask: a umask only removes bits). An
 * existing directory that others may enter (the classic pre-existing 0755) is tightened to 0700.
 *
 * A directory owned by another user is refused: its owner could swap what is inside at any time.
 * Rejects when the directory cannot be created or tightened (a read-only disk): the caller decides
 * whether that is fatal.
 */
export async function ensurePrivateDir(dir: string): Promise<PrivateDirResult> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fs.stat(dir);
  if (!st.isDirectory()) throw adapterError('not-supported', `${dir} is not a directory`);
  const uid = typeof process.geteuid === 'function' ? process.geteuid() : st.uid;
  if (st.uid !== uid) {
    throw adapterError('not-supported', `${dir} belongs to uid ${st.uid}, not to the daemon's user (uid ${uid}): another user could change what is inside; remove it or chown it`);
  }
  const mode = st.mode & 0o777;
  if ((mode & 0o077) === 0) return {};
  try {
    await fs.chmod(dir, 0o700);
  } catch (e) {
    throw adapterError('not-supported', `${dir} is mode ${mode.toString(8)} and cannot be made 0700: ${describe(e)}`, { cause: e });
  }
  return { tightenedFrom: mode };
}

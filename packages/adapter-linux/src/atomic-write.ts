import { promises as fs } from 'node:fs';
import path from 'node:path';

let counter = 0;

/**
 * Replace `file` with `data` so that after power loss at any instant the file holds either the old or
 * the new content (R10.2): write a temp file in the same directory, fsync it, rename it over the
 * target, then fsync the directory so the rename itself is on disk.
 */
export async function writeFileDurable(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${++counter}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
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

// Reading a secret (a proof of possession, an SRP verifier) from a file only the daemon's user can read.
import { promises as fs } from 'node:fs';
import { adapterError, describe } from '../errors';

/** Longest secret file read (a verifier file is about 900 bytes). */
const MAX_SECRET_FILE = 8192;

/**
 * Read `file` for the config key `field`, refusing it when its group or others may read or write it,
 * or when someone other than the daemon's user owns it: a secret another account can read is no
 * longer a secret, and one it can write lets it choose the device's password. Errors name the key
 * and the file's mode, never its content.
 */
export async function readSecretFile(file: string, field: string): Promise<string> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    throw adapterError('invalid-config', `${field}: cannot read ${file}: ${describe(e)}`, { field, cause: e });
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw adapterError('invalid-config', `${field}: ${file} is not a regular file`, { field });
    const uid = process.geteuid?.();
    if (uid !== undefined && st.uid !== uid) {
      throw adapterError('invalid-config', `${field}: ${file} must be owned by the daemon's user (uid ${uid}), not uid ${st.uid}: chown ${uid} ${file}`, { field });
    }
    if ((st.mode & 0o077) !== 0) {
      throw adapterError('invalid-config', `${field}: ${file} holds a secret but its group or others can access it (mode ${(st.mode & 0o777).toString(8)}): chmod 600 ${file}`, { field });
    }
    if (st.size > MAX_SECRET_FILE) throw adapterError('invalid-config', `${field}: ${file} is ${st.size} bytes; at most ${MAX_SECRET_FILE}`, { field });
    const buf = Buffer.alloc(MAX_SECRET_FILE + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_SECRET_FILE) throw adapterError('invalid-config', `${field}: ${file} is longer than ${MAX_SECRET_FILE} bytes`, { field });
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

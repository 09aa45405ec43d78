// Looking up a group by name in /etc/group (Node has no getgrnam).
import { promises as fs } from 'node:fs';
import { adapterError } from '../errors';

/**
 * The gid of `group`, a name from `groupFile` (default `/etc/group`) or a number. Rejects with
 * `invalid-config` when there is no such group.
 */
export async function lookupGroup(group: string, groupFile = '/etc/group'): Promise<number> {
  if (/^\d+$/.test(group)) return Number(group);
  const text = await fs.readFile(groupFile, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw adapterError('invalid-config', `statusGroup: there is no group '${group}' in ${groupFile} (create it with: groupadd --system ${group})`, { field: 'statusGroup' });
}

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPortConformance } from '@provision/core/testing';
import { createFileStorage } from '../src/storage';
import { tempDir } from './helpers';

runPortConformance(
  { describe, it },
  {
    name: 'adapter-linux file storage',
    async storage() {
      const t = await tempDir('storage');
      const stateDir = path.join(t.dir, 'state');
      const userConfig = path.join(t.dir, 'etc', 'app.json');
      const port = createFileStorage({ stateDir, userConfigFiles: [userConfig] });
      return {
        port,
        reopen: () => createFileStorage({ stateDir, userConfigFiles: [userConfig] }),
        corruptRecord: async (raw: string) => {
          await fs.mkdir(stateDir, { recursive: true });
          await fs.writeFile(port.recordFile, raw);
        },
        // A read that fails with an I/O error (EISDIR), as a broken medium's would.
        makeUnreadable: async () => {
          await fs.rm(port.recordFile, { force: true });
          await fs.mkdir(port.recordFile, { recursive: true });
        },
        writeUserConfig: async () => {
          await fs.mkdir(path.dirname(userConfig), { recursive: true });
          await fs.writeFile(userConfig, '{"app":true}');
        },
        userConfigExists: () => fs.stat(userConfig).then(() => true, () => false),
        cleanup: t.cleanup,
      };
    },
  },
);

describe('file storage specifics', () => {
  it('writes record and journal with mode 0600 and no temp files left (R10.2)', async () => {
    const t = await tempDir('storage');
    try {
      const s = createFileStorage({ stateDir: t.dir });
      await s.save({ v: 1, max: 2, wifiConfigured: true });
      await s.saveJournal({ resets: [{ cause: 'button', at: 5 }], buttonLatched: true });
      expect((await fs.stat(s.recordFile)).mode & 0o777).toBe(0o600);
      expect((await fs.stat(s.journalFile)).mode & 0o777).toBe(0o600);
      expect((await fs.readdir(t.dir)).sort()).toEqual(['journal.json', 'record.json']);
    } finally {
      await t.cleanup();
    }
  });

  it('a corrupt record throws storage-failed naming the file and leaves it untouched (R3.6)', async () => {
    const t = await tempDir('storage');
    try {
      const s = createFileStorage({ stateDir: t.dir });
      await fs.writeFile(s.recordFile, '{"v":1,"max":');
      await expect(s.load()).rejects.toMatchObject({ code: 'storage-failed', message: expect.stringContaining(s.recordFile) });
      await fs.writeFile(s.recordFile, '{"v":1,"max":999,"wifiConfigured":false}');
      await expect(s.load()).rejects.toMatchObject({ code: 'storage-failed' });
      expect(await fs.readFile(s.recordFile, 'utf8')).toBe('{"v":1,"max":999,"wifiConfigured":false}');
      await s.save({ v: 1, max: 1, wifiConfigured: false });
      expect(await s.load()).toEqual({ v: 1, max: 1, wifiConfigured: false });
    } finally {
      await t.cleanup();
    }
  });

  it('a corrupt journal throws storage-failed; wipe() keeps it (R7.2)', async () => {
    const t = await tempDir('storage');
    try {
      const s = createFileStorage({ stateDir: t.dir });
      await s.saveJournal({ resets: [{ cause: 'timeout', at: 1 }], buttonLatched: false });
      await s.save({ v: 1, max: 3, wifiConfigured: true });
      await s.wipe();
      expect(await s.load()).toBeUndefined();
      expect(await s.loadJournal()).toEqual({ resets: [{ cause: 'timeout', at: 1 }], buttonLatched: false });
      await fs.writeFile(s.journalFile, '{"resets":[{"cause":"lightning","at":1}],"buttonLatched":false}');
      await expect(s.loadJournal()).rejects.toMatchObject({ code: 'storage-failed', message: expect.stringContaining('journal.json') });
    } finally {
      await t.cleanup();
    }
  });

  it('compact() removes temp files left by an interrupted write', async () => {
    const t = await tempDir('storage');
    try {
      const s = createFileStorage({ stateDir: t.dir });
      await s.save({ v: 1, max: 1, wifiConfigured: false });
      await fs.writeFile(path.join(t.dir, '.record.json.4242.7.tmp'), '{"v":1');
      await s.compact();
      expect(await fs.readdir(t.dir)).toEqual(['record.json']);
    } finally {
      await t.cleanup();
    }
  });
});

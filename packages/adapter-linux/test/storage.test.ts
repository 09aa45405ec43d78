// The file Storage port: the core's conformance suite and what is specific to files.
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

  it('R3.7 an unreadable record or journal (EIO, a directory in its place, state dir not a directory) is a failure, never "nothing stored"', async () => {
    const t = await tempDir('storage');
    try {
      const s = createFileStorage({ stateDir: t.dir });
      // /proc/self/mem read from offset 0 fails with a real EIO from the kernel.
      await fs.symlink('/proc/self/mem', s.recordFile);
      await fs.symlink('/proc/self/mem', s.journalFile);
      await expect(s.load()).rejects.toMatchObject({ code: 'storage-failed', message: expect.stringMatching(/record\.json.*EIO/) });
      await expect(s.loadJournal()).rejects.toMatchObject({ code: 'storage-failed', message: expect.stringMatching(/journal\.json.*EIO/) });
      await fs.rm(s.recordFile);
      await fs.mkdir(s.recordFile);
      await expect(s.load()).rejects.toMatchObject({ code: 'storage-failed', message: expect.stringContaining('EISDIR') });
      expect((await fs.stat(s.recordFile)).isDirectory()).toBe(true);
      const notDir = path.join(t.dir, 'file');
      await fs.writeFile(notDir, 'x');
      const below = createFileStorage({ stateDir: notDir });
      await expect(below.load()).rejects.toMatchObject({ code: 'storage-failed', message: expect.stringContaining('ENOTDIR') });
      await expect(below.loadJournal()).rejects.toMatchObject({ code: 'storage-failed' });
    } finally {
      await t.cleanup();
    }
  });

  it('R3.7 an empty or non-JSON record is a failure and stays as it is', async () => {
    const t = await tempDir('storage');
    try {
      const s = createFileStorage({ stateDir: t.dir });
      for (const raw of ['', '\0\0\0\0', 'null', '[]', '{"v":1,"max":3}', '{"v":0,"max":3,"wifiConfigured":true}', '{"v":"2","max":3,"wifiConfigured":true}']) {
        await fs.writeFile(s.recordFile, raw);
        await expect(s.load(), raw).rejects.toMatchObject({ code: 'storage-failed', message: expect.stringContaining(s.recordFile) });
        expect(await fs.readFile(s.recordFile, 'utf8')).toBe(raw);
      }
    } finally {
      await t.cleanup();
    }
  });

  it('R3.7 a record of a newer version loads back as it is, is never overwritten by an older format, and wipe() removes it', async () => {
    const t = await tempDir('storage');
    try {
      const s = createFileStorage({ stateDir: t.dir });
      for (const raw of ['{"v":2,"max":3,"wifiConfigured":true}', '{"v":7,"state":{"max":3},"creds":"x"}']) {
        await fs.writeFile(s.recordFile, raw);
        expect(await s.load()).toEqual(JSON.parse(raw));
        await expect(s.save({ v: 1, max: 0, wifiConfigured: false })).rejects.toMatchObject({ code: 'storage-failed', message: expect.stringContaining('not overwriting') });
        expect(await fs.readFile(s.recordFile, 'utf8')).toBe(raw);
      }
      await s.wipe();
      expect(await s.load()).toBeUndefined();
      await s.save({ v: 1, max: 2, wifiConfigured: true });
      expect(await s.load()).toEqual({ v: 1, max: 2, wifiConfigured: true });
    } finally {
      await t.cleanup();
    }
  });

  it('stale temp files of interrupted writes are removed when a storage is opened; other files and live writes are kept', async () => {
    const t = await tempDir('storage');
    try {
      let deadPid = 0;
      for (let p = 99999; p > 1000 && deadPid === 0; p--) {
        try {
          process.kill(p, 0);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ESRCH') deadPid = p;
        }
      }
      const old = new Date('2000-01-01T00:00:00Z'); // before this boot
      const recent = new Date(Date.now() - 60_000);
      const files: [string, Date | undefined, boolean][] = [
        [`.record.json.${process.pid}.99999.tmp`, undefined, true], // ours, no write in flight
        [`.journal.json.${deadPid}.3.tmp`, recent, true], // writer is gone
        [`.record.json.1.5.tmp`, old, true], // pid 1 runs, but the file is from an earlier boot
        [`.record.json.1.6.tmp`, undefined, false], // pid 1 runs: may be its write in flight
        [`.record.json.${deadPid}.4.tmp`, undefined, false], // just written: left for the next cleanup
        ['.record.json.tmp', old, false],
        ['.other.json.1.2.tmp', old, false],
        ['record.json.1.2.tmp', old, false],
        ['.record.json.1.2.tmp.bak', old, false],
        ['notes.tmp', old, false],
      ];
      for (const [name, mtime] of files) {
        await fs.writeFile(path.join(t.dir, name), '{"v":1');
        if (mtime) await fs.utimes(path.join(t.dir, name), mtime, mtime);
      }
      await fs.writeFile(path.join(t.dir, 'record.json'), '{"v":1,"max":4,"wifiConfigured":true}');
      const s = createFileStorage({ stateDir: t.dir });
      expect(await s.load()).toEqual({ v: 1, max: 4, wifiConfigured: true });
      const left = (await fs.readdir(t.dir)).sort();
      expect(left).toEqual(['record.json', ...files.filter(([, , gone]) => !gone).map(([n]) => n)].sort());
      // A storage opened while another one in this process is writing leaves that write alone.
      const writer = createFileStorage({ stateDir: t.dir });
      for (let i = 0; i < 50; i++) {
        await Promise.all([writer.save({ v: 1, max: i, wifiConfigured: false }), writer.saveJournal({ resets: [], buttonLatched: false }), createFileStorage({ stateDir: t.dir }).load()]);
      }
      expect(await writer.load()).toEqual({ v: 1, max: 49, wifiConfigured: false });
    } finally {
      await t.cleanup();
    }
  });

  it('compact() removes temp files left by an interrupted write', async () => {
    const t = await tempDir('storage');
    try {
      const s = createFileStorage({ stateDir: t.dir });
      await s.save({ v: 1, max: 1, wifiConfigured: false });
      // An interrupted write of this process: no write of that name is in flight.
      const tmp = path.join(t.dir, `.record.json.${process.pid}.99998.tmp`);
      await fs.writeFile(tmp, '{"v":1');
      await s.compact();
      expect(await fs.readdir(t.dir)).toEqual(['record.json']);
    } finally {
      await t.cleanup();
    }
  });
});

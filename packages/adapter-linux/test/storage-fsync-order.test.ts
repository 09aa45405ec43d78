// A save's system calls, seen through strace: fsync(temp) → rename → fsync(dir), all before the acknowledgement.
import { spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers';

// SIGKILL keeps the page cache, so the crash test passes without any fsync; this one sees them.
const SYSCALLS = ['openat', 'write', 'fsync', 'fdatasync', 'rename', 'renameat', 'renameat2'];

function straceUnavailable(): { reason?: string; syscalls: string[] } {
  const probe = spawnSync('strace', ['-f', '-o', '/dev/null', 'true'], { encoding: 'utf8' });
  if (probe.error) return { reason: `strace is not installed (apt install strace): ${probe.error.message}`, syscalls: [] };
  if (probe.status !== 0) return { reason: `strace cannot trace here (ptrace not permitted?): ${probe.stderr.trim().split('\n')[0]}`, syscalls: [] };
  // Not every architecture has every call (aarch64 has no rename): trace the ones this one has.
  const syscalls = SYSCALLS.filter((s) => spawnSync('strace', ['-o', '/dev/null', '-e', `trace=${s}`, 'true']).status === 0);
  return { syscalls };
}
const probe = straceUnavailable();

/** One completed system call, with the trace lines where it started and ended. */
interface Call {
  start: number;
  end: number;
  name: string;
  args: string;
  ret: number;
}

/** Parse `strace -f -o` output, joining `<unfinished ...>` / `<... resumed>` halves per thread. */
function parseStrace(text: string): Call[] {
  const calls: Call[] = [];
  const open = new Map<string, { start: number; head: string }>();
  text.split('\n').forEach((line, i) => {
    const m = /^(\d+)\s+(.*)$/.exec(line);
    if (!m) return;
    const [, tid, rest] = m as unknown as [string, string, string];
    let full: string;
    let start = i;
    if (rest.endsWith('<unfinished ...>')) {
      open.set(tid, { start: i, head: rest.slice(0, -'<unfinished ...>'.length).trimEnd() });
      return;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      const head = open.get(tid);
      open.delete(tid);
      if (!head) return;
      full = head.head + resumed[1]!;
      start = head.start;
    } else full = rest;
    const c = /^(\w+)\((.*)\)\s+=\s+(-?\d+)/.exec(full);
    if (c) calls.push({ start, end: i, name: c[1]!, args: c[2]!, ret: Number(c[3]) });
  });
  return calls;
}

/**
 * What is wrong with how `target` was saved before `ack` was written to stdout: the data must be in a
 * temp file of the same directory, fsynced, renamed over `target`, then the directory fsynced.
 */
function durabilityProblems(calls: Call[], target: string, ack: string): string[] {
  const dir = path.dirname(target);
  const ackCall = calls.find((c) => c.name === 'write' && c.args.startsWith(`1, "${ack}\\n"`));
  if (!ackCall) return [`no acknowledgement ${ack} in the trace`];
  const before = calls.filter((c) => c.end < ackCall.start);
  const fdPath = new Map<number, string>();
  const timeline = before.map((c) => {
    let file: string | undefined;
    if (c.name === 'openat') {
      const o = /^(?:AT_FDCWD|\d+), "([^"]*)"/.exec(c.args);
      if (o && c.ret >= 0) fdPath.set(c.ret, o[1]!);
    } else if (c.name === 'write' || c.name === 'fsync' || c.name === 'fdatasync') {
      file = fdPath.get(Number(c.args.split(',')[0]));
    }
    return { ...c, file };
  });
  const renames = timeline.filter((c) => {
    if (c.ret !== 0 || !c.name.startsWith('rename')) return false;
    const names = [...c.args.matchAll(/"([^"]*)"/g)].map((x) => x[1]);
    return names[1] === target;
  });
  const rename = renames.at(-1);
  if (!rename) return [`${path.basename(target)} was not renamed into place before the acknowledgement`];
  const tmp = [...rename.args.matchAll(/"([^"]*)"/g)][0]![1]!;
  const problems: string[] = [];
  if (path.dirname(tmp) !== dir) problems.push(`the temp file ${tmp} is not in ${dir}`);
  const writes = timeline.filter((c) => c.name === 'write' && c.file === tmp && c.end < rename.start);
  if (writes.length === 0) problems.push('no write to the temp file before the rename');
  const lastWrite = writes.at(-1)?.end ?? -1;
  const fsyncTmp = timeline.find((c) => (c.name === 'fsync' || c.name === 'fdatasync') && c.file === tmp && c.ret === 0 && c.start > lastWrite && c.end < rename.start);
  if (!fsyncTmp) problems.push('the temp file was not fsynced after its last write and before the rename');
  const fsyncDir = timeline.find((c) => c.name === 'fsync' && c.file === dir && c.ret === 0 && c.start > rename.end);
  if (!fsyncDir) problems.push('the directory was not fsynced after the rename and before the acknowledgement');
  return problems;
}

let work: { dir: string; cleanup(): Promise<void> };

// Build the storage module (optionally with a source edit) and a child that saves, acknowledging each save on stdout.
async function buildWriter(name: string, edit?: (src: string) => string): Promise<string> {
  const outDir = path.join(work.dir, name);
  const plugins: Plugin[] = [];
  if (edit) {
    plugins.push({
      name: 'edit-atomic-write',
      setup(b) {
        b.onLoad({ filter: /atomic-write\.ts$/ }, async (args) => ({ contents: edit(await fs.readFile(args.path, 'utf8')), loader: 'ts' }));
      },
    });
  }
  await build({
    entryPoints: [path.resolve(__dirname, '../src/storage.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    conditions: ['source'],
    outfile: path.join(outDir, 'storage.mjs'),
    logLevel: 'silent',
    plugins,
  });
  const child = path.join(outDir, 'writer.mjs');
  await fs.writeFile(
    child,
    `import { writeSync } from 'node:fs';
import { createFileStorage } from './storage.mjs';
const s = createFileStorage({ stateDir: process.argv[2] });
await s.save({ v: 1, max: 3, wifiConfigured: true });
writeSync(1, 'ack-record-1\\n');
await s.saveJournal({ resets: [{ cause: 'app', at: 1 }], buttonLatched: false });
writeSync(1, 'ack-journal\\n');
await s.save({ v: 1, max: 4, wifiConfigured: true });
writeSync(1, 'ack-record-2\\n');
`,
  );
  return child;
}

function trace(child: string, stateDir: string): { calls: Call[]; text: string } {
  const out = path.join(path.dirname(child), `trace-${path.basename(stateDir)}.txt`);
  const r = spawnSync('strace', ['-f', '-qq', '-s', '256', '-o', out, '-e', `trace=${probe.syscalls.join(',')}`, process.execPath, child, stateDir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the traced writer failed (${r.status}): ${r.stderr}`);
  const text = readFileSync(out, 'utf8');
  return { calls: parseStrace(text), text };
}

function problemsOf(child: string, stateDir: string): Record<string, string[]> {
  const { calls } = trace(child, stateDir);
  return {
    'ack-record-1': durabilityProblems(calls, path.join(stateDir, 'record.json'), 'ack-record-1'),
    'ack-journal': durabilityProblems(calls, path.join(stateDir, 'journal.json'), 'ack-journal'),
    'ack-record-2': durabilityProblems(calls, path.join(stateDir, 'record.json'), 'ack-record-2'),
  };
}

const OK = { 'ack-record-1': [], 'ack-journal': [], 'ack-record-2': [] };

if (probe.reason) {
  describe('R10.2 fsync order under strace', () => it.skip(`skipped: ${probe.reason}`, () => undefined));
} else {
  describe('R10.2 fsync order under strace', () => {
    beforeAll(async () => {
      work = await tempDir('fsync');
    });
    afterAll(() => work?.cleanup());

    it('every save: write temp, fsync temp, rename over the file, fsync the directory, then acknowledge', async () => {
      const child = await buildWriter('real');
      expect(problemsOf(child, path.join(work.dir, 'state-real'))).toEqual(OK);
    }, 60_000);

    // The check must be able to fail: the same build with the fsyncs taken out is caught.
    it('a build without the fsyncs fails the check (temp fsync removed; directory fsync removed)', async () => {
      let edits = 0;
      const noTempSync = await buildWriter('no-temp-fsync', (src) => src.replace(/await handle\.sync\(\);/g, () => (edits++, '')));
      const noDirSync = await buildWriter('no-dir-fsync', (src) => src.replace(/await d\.sync\(\);/g, () => (edits++, '')));
      expect(edits, 'the edits must find the fsync calls in atomic-write.ts').toBe(2);
      const tempMissing = problemsOf(noTempSync, path.join(work.dir, 'state-no-temp'));
      for (const p of Object.values(tempMissing)) expect(p).toEqual(['the temp file was not fsynced after its last write and before the rename']);
      const dirMissing = problemsOf(noDirSync, path.join(work.dir, 'state-no-dir'));
      for (const p of Object.values(dirMissing)) expect(p).toEqual(['the directory was not fsynced after the rename and before the acknowledgement']);
    }, 60_000);
  });
}

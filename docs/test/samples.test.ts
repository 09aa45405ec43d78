// Every code sample of the guides: identical to a region of a file under examples/, and every such
// TypeScript sample compiled and run under Node (each one checks its own results with node:assert).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExamples } from '../../examples/build.mjs';
import { checkSamples, collectSamples, ROOT } from '../scripts/sync-samples.mjs';
import { render } from '../scripts/state-diagram.mjs';

const samples = collectSamples();
const guideFiles = [...new Set(samples.filter((s) => s.file && /^examples\/guides\/.*\.ts$/.test(s.file)).map((s) => s.file!))];
// A sample module with its own test beside it (an adapter and its conformance run) is run by that
// test; every other sample is a program.
const tested = (f: string) => f.endsWith('.test.ts') || existsSync(join(ROOT, f.replace(/\.ts$/, '.test.ts')));
const runnable = guideFiles.filter((f) => !tested(f));

describe('guide samples', () => {
  it('every ts block names its example, and each equals its region', () => {
    expect(samples.filter((s) => s.lang === 'ts').length).toBeGreaterThan(10);
    expect(checkSamples()).toEqual([]);
  });

  it('sample modules that are not programs have a test that runs them', () => {
    const modules = guideFiles.filter((f) => tested(f) && !f.endsWith('.test.ts'));
    expect(modules).toEqual(['examples/guides/my-adapter.ts']);
    for (const f of modules) expect(guideFiles).toContain(f.replace(/\.ts$/, '.test.ts'));
  });

  it('the state diagram is the one its script draws', () => {
    expect(readFileSync(join(ROOT, 'docs/guides/media/state-diagram.svg'), 'utf8')).toBe(render());
  });
});

describe('guide samples, compiled and run under Node', () => {
  const out = mkdtempSync(join(tmpdir(), 'provision-samples-'));
  let files: string[] = [];
  beforeAll(async () => {
    files = await buildExamples(out, { fromSource: true, entries: runnable.map((f) => join(ROOT, f)) });
  }, 60_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(runnable)('%s runs to the end with its assertions holding', async (file) => {
    const built = files.find((f) => basename(f) === `${basename(file, '.ts')}.mjs`)!;
    const { stdout } = await promisify(execFile)(process.execPath, [built], { timeout: 20_000 });
    expect(stdout.length).toBeGreaterThan(0);
  });
});

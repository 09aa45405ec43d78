// Test harness shared by the packages that ship an Espruino bundle: building the bundle on demand, a
// Node `vm` context without what Espruino lacks, and the real Espruino interpreter (named by the
// ESPRUINO_BIN environment variable) run on scripts and on a Storage kept in its working directory.
import { execSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { expect } from 'vitest';

// ---------------------------------------------------------------------------------------------------
// The bundle
// ---------------------------------------------------------------------------------------------------

/** Newest modification time (ms) of any file below `dir`. */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** The folder of the shared Espruino bundler (scripts/espruino-bundle.mjs). */
const BUNDLER_DIR = fileURLToPath(new URL('../scripts', import.meta.url));

/** How to find, and when needed build, one Espruino bundle. */
export interface EspruinoBundle {
  /** Absolute path of the bundle file. */
  bundle: string;
  /** Source folders: the bundle is rebuilt when any file below them is newer than it. */
  sources: string[];
  /** Shell command that builds the bundle. */
  build: string;
  /** Working directory of the build command. */
  cwd: string;
}

/**
 * Returns the text of an Espruino bundle, first building it when it is missing or older than its
 * sources. One build at a time across test workers: a lock directory in the temp folder, named after
 * the bundle, is held while checking and building, so parallel workers never clobber `dist`.
 *
 * @param b - the bundle, its sources and its build command
 * @returns the bundle's source text
 */
export function ensureBundle(b: EspruinoBundle): string {
  const id = createHash('sha256').update(b.bundle).digest('hex').slice(0, 24);
  const lock = join(tmpdir(), `provision-espruino-build-${id}.lock`);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; ; waited += 100) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another worker is building: wait for that process (like waiting for any child process).
      if (waited > 120000) break;
      Atomics.wait(pause, 0, 0, 100);
    }
  }
  try {
    // The shared bundler (scripts/) is a source of every bundle too.
    const sources = b.sources.concat([BUNDLER_DIR]);
    if (!existsSync(b.bundle) || statSync(b.bundle).mtimeMs < Math.max(...sources.map(newest))) {
      execSync(b.build, { cwd: b.cwd, stdio: 'pipe' });
    }
    return readFileSync(b.bundle, 'utf8');
  } finally {
    try {
      rmdirSync(lock);
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// A Node `vm` context with Espruino's built-ins only
// ---------------------------------------------------------------------------------------------------

/**
 * Script run inside a fresh context: deletes the built-ins Espruino does not have (Map, Set, WeakMap,
 * Symbol, Proxy, Reflect, Array.from, Object.freeze, Number.isInteger, Promise.prototype.finally,
 * Promise.race…). The deletion must happen in the context, which has its own built-ins.
 */
export const ESPRUINO_STRIP = `
(function (g) {
  var gone = ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Symbol', 'Proxy', 'Reflect',
    'structuredClone', 'queueMicrotask', 'performance', 'BigInt', 'setImmediate', 'setInterval', 'clearInterval'];
  for (var i = 0; i < gone.length; i++) delete g[gone[i]];
  delete Array.from;
  delete Object.freeze;
  delete Number.isInteger;
  delete Number.isSafeInteger;
  delete Promise.prototype.finally;
  delete Promise.race;
  delete Promise.allSettled;
  delete Promise.any;
})(this);
`;

/**
 * Creates a Node `vm` context stripped of the built-ins Espruino lacks (see {@link ESPRUINO_STRIP}).
 * It has no timers left but `setTimeout`/`clearTimeout`; callers install their own simulated time.
 *
 * @returns the new context
 */
export function createEspruinoContext(): vm.Context {
  const ctx = vm.createContext({});
  vm.runInContext(ESPRUINO_STRIP, ctx, { filename: 'espruino-strip.js' });
  return ctx;
}

/**
 * Evaluates a CommonJS bundle (a plain script assigning `module.exports`) in a context, with a
 * `module` object made in the context, so its exports have the context's prototypes.
 *
 * @param ctx - a context, typically from {@link createEspruinoContext}
 * @param code - the bundle's text
 * @param filename - the name stack traces show for it
 * @returns the bundle's `module.exports`
 */
export function evaluateBundle(ctx: vm.Context, code: string, filename: string): unknown {
  const mod = vm.runInContext('({ exports: {} })', ctx) as { exports: unknown };
  const fn = vm.runInContext(`(function (module, exports) {\n${code}\n})`, ctx, { filename }) as (m: unknown, e: unknown) => void;
  fn(mod, mod.exports);
  return mod.exports;
}

// ---------------------------------------------------------------------------------------------------
// The real interpreter
// ---------------------------------------------------------------------------------------------------

/** The Espruino interpreter binary named by the ESPRUINO_BIN environment variable, if any. */
export const ESPRUINO_BIN: string | undefined = process.env.ESPRUINO_BIN || undefined;

/** One Espruino interpreter build the real-interpreter tests run on. */
export interface EspruinoInterpreter {
  /** What the build is, for test names. */
  name: string;
  /** The environment variable naming it. */
  env: string;
  /** The binary, or undefined when the variable is unset (the tests then skip, saying so). */
  bin: string | undefined;
}

/**
 * The interpreter builds every real-interpreter test runs on: a release build (`make RELEASE=1`, how
 * board firmware is built) named by ESPRUINO_BIN, and a debug build (plain `make`, assertions on)
 * named by ESPRUINO_BIN_DEBUG. A module must be correct on both: a failed assertion means the
 * interpreter reached a state its authors consider impossible, even where the release build carries on.
 */
export const ESPRUINO_INTERPRETERS: EspruinoInterpreter[] = [
  { name: 'release build', env: 'ESPRUINO_BIN', bin: ESPRUINO_BIN },
  { name: 'debug build', env: 'ESPRUINO_BIN_DEBUG', bin: process.env.ESPRUINO_BIN_DEBUG || undefined },
];

/** What one interpreter run printed. */
export interface EspruinoRun {
  /** Exit code (null when killed). */
  code: number | null;
  /** Output lines, without CR, prompts or empty lines. */
  lines: string[];
  /** The JSON after each `RESULT ` line, parsed, in order (see {@link SCRIPT_HEAD}). */
  results: { [k: string]: unknown }[];
  /** Everything printed on stderr. */
  stderr: string;
}

/**
 * Espruino-subset script lines for the start of a script: `out(o)` prints `RESULT <json>` (what
 * {@link runEspruino} collects into `results`; two arguments, so no third copy of the text is made), and an uncaught error prints an `Uncaught …` line
 * (which {@link expectClean} fails on) and quits.
 */
export const SCRIPT_HEAD = `
function out(o) { console.log('RESULT', JSON.stringify(o)); }
process.on('uncaughtException', function (e) { console.log('Uncaught ' + e + (e && e.stack ? ' ' + e.stack : '')); quit(); });
`;

/** Kills an interpreter run that has not ended after this long. */
const RUN_LIMIT_MS = 30000;

/** Characters kept of a run's stdout and of its stderr (a memory dump would fill any buffer). */
const OUTPUT_LIMIT = 1 << 20;

/** A debug build's failed assertion (`ASSERT(expr) FAILED AT file:line`). */
const ASSERT_RE = /ASSERT\(.*\) FAILED/;

/**
 * A line of the interpreter's memory dump (`#12[r1,l2] Name String …`), printed after a failed
 * assertion or by `E.dumpVariables()`-like internals: never part of a clean run.
 */
const DUMP_RE = /#\d+\[r\d+,l\d+\]/;

/**
 * Runs one script on the interpreter named by ESPRUINO_BIN, in `dir` (where the interpreter keeps its
 * Storage, as ./espruino.flash). Stdin is a FIFO opened read-write: never /dev/null, whose endless EOF
 * floods the interpreter's console.
 *
 * @param dir - working directory of the run (holds the script, the FIFO and the flash)
 * @param script - the script's text
 * @param bin - the interpreter binary (default: ESPRUINO_BIN)
 * @returns what the run printed, parsed into lines and `RESULT` objects
 */
export async function runEspruino(dir: string, script: string, bin: string | undefined = ESPRUINO_BIN): Promise<EspruinoRun> {
  if (bin === undefined) throw new Error('no Espruino interpreter given (set ESPRUINO_BIN)');
  // Scenarios run on the interpreter's real timers: a few processes at a time, so that a loaded
  // machine does not stretch their time windows.
  while (running >= MAX_RUNNING) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    return await runOnce(dir, script, bin);
  } finally {
    running--;
    const next = waiting.shift();
    if (next) next();
  }
}

/** Interpreter processes running, and the runs waiting for one to end (see {@link runEspruino}). */
let running = 0;
const waiting: (() => void)[] = [];
const MAX_RUNNING = 2;

function runOnce(dir: string, script: string, bin: string): Promise<EspruinoRun> {
  const file = join(dir, 'script.js');
  writeFileSync(file, script);
  const fifo = join(dir, 'stdin');
  if (!existsSync(fifo)) execSync(`mkfifo "${fifo}"`);
  const fd = openSync(fifo, 'r+');
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [file], { cwd: dir, stdio: [fd, 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    // A failed assertion is followed by a memory dump that never ends: stop the run at once.
    child.stdout?.on('data', (b: Buffer) => {
      if (out.length < OUTPUT_LIMIT) out += b.toString('latin1');
      if (ASSERT_RE.test(out)) child.kill('SIGKILL');
    });
    child.stderr?.on('data', (b: Buffer) => {
      if (err.length < OUTPUT_LIMIT) err += b.toString('latin1');
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', (e) => {
      clearTimeout(killer);
      closeSync(fd);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      closeSync(fd);
      resolve({ code, ...parseOutput(out), stderr: err });
    });
  });
}

/**
 * Splits interpreter output into lines: drops CR (lines end in CRLF), the `>\r\x1b[J` prompt that
 * starts lines printed from timers, and empty lines; parses the `RESULT <json>` lines.
 *
 * @param out - the interpreter's stdout
 * @returns the lines and the parsed results
 */
export function parseOutput(out: string): { lines: string[]; results: { [k: string]: unknown }[] } {
  const lines = out
    .split('\n')
    .map((l) => l.split('\u001b[J').join('').split('\r').join('').replace(/^>/, ''))
    .filter((l) => l.length > 0);
  const results = lines.filter((l) => l.startsWith('RESULT ')).map((l) => JSON.parse(l.slice(7)) as { [k: string]: unknown });
  return { lines, results };
}

/** What a clean run never prints (case-insensitive regular expressions). */
const BAD_LINES = ['Uncaught', 'OUT OF MEMORY', 'LOW_MEMORY', 'Execution Interrupted', 'SyntaxError', 'ReferenceError', 'not supported', ASSERT_RE.source, DUMP_RE.source];

/**
 * Whether a line of interpreter output shows a failure: an error, running out of memory, a debug
 * build's failed assertion or its memory dump (see {@link expectClean}).
 *
 * @param line - one output line
 * @returns true for a failure line
 */
export function isFailureLine(line: string): boolean {
  return new RegExp(BAD_LINES.join('|'), 'i').test(line);
}

/**
 * Asserts that a run printed no error (`Uncaught`, out of memory, interrupted, syntax or reference
 * error, not supported, a failed `ASSERT(…)` or a memory dump, or any of `also`) and exited with code 0.
 *
 * @param run - the run
 * @param also - more words that fail the run when a line contains them (case-insensitive)
 */
export function expectClean(run: EspruinoRun, also: string[] = []): void {
  const bad = new RegExp(BAD_LINES.concat(also).join('|'), 'i');
  expect(
    run.lines.filter((l) => bad.test(l)),
    run.lines.join('\n'),
  ).toEqual([]);
  expect(run.code, run.stderr).toBe(0);
}

/** Characters of a Storage file written by one interpreter run. */
const UPLOAD_CHUNK = 3000;

/**
 * Writes `text` into the Storage in `dir` as file `name`, in chunks (`write(name, chunk, offset,
 * total)`), each by its own interpreter run, the way the Espruino tools upload a module for
 * `require()` (a small build cannot hold a whole bundle's source string in RAM).
 *
 * @param dir - working directory whose ./espruino.flash receives the file
 * @param name - the Storage file name
 * @param text - the file's contents (plain ASCII: the interpreter reads scripts byte by byte)
 * @param also - more words that fail an upload run, as for {@link expectClean}
 * @param bin - the interpreter binary (default: ESPRUINO_BIN)
 */
export async function uploadToStorage(dir: string, name: string, text: string, also: string[] = [], bin: string | undefined = ESPRUINO_BIN): Promise<void> {
  for (let off = 0; off < text.length; off += UPLOAD_CHUNK) {
    const piece = text.slice(off, off + UPLOAD_CHUNK);
    const args = off === 0 ? `0, ${text.length}` : `${off}`;
    const run = await runEspruino(dir, `require('Storage').write('${name}', ${JSON.stringify(piece)}, ${args}); console.log('RESULT ' + JSON.stringify({ wrote: ${off} }));`, bin);
    expectClean(run, also);
    expect(run.results).toEqual([{ wrote: off }]);
  }
}

/**
 * Creates an empty temporary folder for interpreter runs; remove it with `rmSync(…, { recursive: true })`.
 *
 * @param prefix - start of the folder's name
 * @returns its path
 */
export function espruinoWorkDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Creates folder `to` holding a copy of the Storage (./espruino.flash) in folder `from`, so that runs
 * from one installed flash can go side by side.
 *
 * @param from - a folder whose Storage was written, e.g. by {@link uploadToStorage}
 * @param to - the new folder
 */
export function copyFlash(from: string, to: string): void {
  mkdirSync(to);
  copyFileSync(join(from, 'espruino.flash'), join(to, 'espruino.flash'));
}

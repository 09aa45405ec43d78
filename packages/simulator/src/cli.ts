import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ProvisionConfig } from '@provision/core';
import { HELP, parseArgs, UsageError, type CliOptions } from './args';
import { parseScript, runScript, ScriptError } from './script';
import { createFileStore, createMemoryStore, defaultStatePath, type StateStore } from './state-file';

function fail(message: string, code: number): never {
  process.stderr.write(`provision-sim: ${message}\n`);
  process.exit(code);
}

function readConfig(path: string | undefined): ProvisionConfig | undefined {
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`cannot read --config ${path}: ${(e as Error).message}`, 2);
  }
  try {
    return JSON.parse(text) as ProvisionConfig;
  } catch (e) {
    return fail(`--config ${path} is not valid JSON: ${(e as Error).message}`, 2);
  }
}

function openStore(o: CliOptions, scripted: boolean): StateStore {
  const store = scripted && !o.state ? createMemoryStore() : createFileStore(o.state || defaultStatePath());
  if (o.fresh) store.clear();
  return store;
}

async function runScriptFile(o: CliOptions, path: string): Promise<void> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`cannot read script ${path}: ${(e as Error).message}`, 2);
  }
  let steps;
  try {
    steps = parseScript(text);
  } catch (e) {
    if (e instanceof ScriptError) return fail(`${path}: ${e.message}`, 2);
    throw e;
  }
  const config = readConfig(o.config);
  let result;
  try {
    result = await runScript(steps, { store: openStore(o, true), config: config, onLine: (l) => process.stdout.write(`${l}\n`) });
  } catch (e) {
    return fail((e as Error).message, 2);
  }
  if (result.code !== 0) {
    process.stderr.write(`provision-sim: ${path}: ${result.failure}\n`);
    process.exitCode = 1;
  }
}

/**
 * Run through a package script (`pnpm start`), the process starts in this package's directory; paths
 * on the command line mean what they meant where the command was typed.
 */
function typedPath(p: string | undefined): string | undefined {
  if (p === undefined) return undefined;
  const base = process.env.npm_lifecycle_event && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd();
  return resolve(base, p);
}

async function main(): Promise<void> {
  let o: CliOptions;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) fail(e.message, 2);
    throw e;
  }
  o.script = typedPath(o.script);
  o.state = typedPath(o.state);
  o.config = typedPath(o.config);
  if (o.help) {
    process.stdout.write(HELP);
    return;
  }
  if (o.script) return runScriptFile(o, o.script);
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    fail('the live screen needs a terminal; use --script FILE to run a scenario without one (see --help)', 2);
  }
  const config = readConfig(o.config);
  const { runApp } = await import('./app');
  await runApp({ store: openStore(o, false), config: config, speed: o.speed, repeatMs: o.repeatMs });
}

// `provision-sim --script x | head` closes the pipe early: stop quietly, as other command-line tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
  throw e;
});

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e), 2));

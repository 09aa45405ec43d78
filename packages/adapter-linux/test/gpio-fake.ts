import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fixtures, tempDir, waitUntil } from './helpers';

/** A fake libgpiod install: tools on PATH printing the real formats of `version`, and a fake /dev. */
export interface FakeGpio {
  env: NodeJS.ProcessEnv;
  devDir: string;
  /** Set the physical level of a line (1 = high). */
  setLevel(chip: string, offset: number, level: 0 | 1): Promise<void>;
  /** What gpioset is driving on a line, or undefined when nothing holds it. */
  output(chip: string, offset: number): Promise<{ physical: number; toggle: string | null } | undefined>;
  /** The pid of the gpiomon watching a line, once it has requested the line. */
  monitorPid(chip: string, offset: number): Promise<number | undefined>;
  /** Command lines the tools were called with. */
  calls(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function fakeGpio(version: string, chips: Record<string, { lines: number; names?: Record<string, string> }> = { gpiochip0: { lines: 54, names: { '17': 'GPIO17', '27': 'GPIO27' } } }): Promise<FakeGpio> {
  const t = await tempDir('gpio');
  const bin = path.join(t.dir, 'bin');
  const state = path.join(t.dir, 'state');
  const devDir = path.join(t.dir, 'dev');
  await Promise.all([fs.mkdir(bin), fs.mkdir(state), fs.mkdir(devDir)]);
  await fs.writeFile(path.join(state, 'chips.json'), JSON.stringify(chips));
  await fs.writeFile(path.join(state, 'calls.log'), '');
  for (const c of Object.keys(chips)) await fs.writeFile(path.join(devDir, c), '');
  const tools = version.startsWith('1.') ? ['gpioget', 'gpiomon', 'gpioset', 'gpiofind'] : ['gpioget', 'gpiomon', 'gpioset'];
  for (const tool of tools) {
    const f = path.join(bin, tool);
    await fs.writeFile(f, `#!/bin/sh\nexec "${process.execPath}" "${path.join(fixtures, 'fake-libgpiod.mjs')}" ${tool} "$@"\n`);
    await fs.chmod(f, 0o755);
  }
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_GPIO_DIR: state, FAKE_LIBGPIOD_VERSION: version };
  return {
    env,
    devDir,
    async setLevel(chip, offset, level) {
      const f = path.join(state, `${chip}-${offset}`);
      await fs.writeFile(`${f}.new`, String(level));
      await fs.rename(`${f}.new`, f);
    },
    async output(chip, offset) {
      try {
        return JSON.parse(await fs.readFile(path.join(state, `${chip}-${offset}.out`), 'utf8')) as { physical: number; toggle: string | null };
      } catch {
        return undefined;
      }
    },
    async monitorPid(chip, offset) {
      try {
        return Number(await fs.readFile(path.join(state, `${chip}-${offset}.monitored`), 'utf8'));
      } catch {
        return undefined;
      }
    },
    async calls() {
      return (await fs.readFile(path.join(state, 'calls.log'), 'utf8')).split('\n').filter(Boolean);
    },
    cleanup: t.cleanup,
  };
}

/** Wait (real time, bounded) for a gpioset process to drive the line as expected. */
export async function waitOutput(g: FakeGpio, chip: string, offset: number, want: (o: { physical: number; toggle: string | null } | undefined) => boolean): Promise<void> {
  await waitUntil(async () => want(await g.output(chip, offset)), 5000, `gpioset output on ${chip} ${offset}`);
}

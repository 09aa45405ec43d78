import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the README example (examples/quickstart)', () => {
  it('is the same code as the README shows', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const block = /```js\n([\s\S]*?)```/.exec(readme);
    expect(block).not.toBeNull();
    const file = readFileSync(`${here}quickstart.mjs`, 'utf8').split('\n').slice(1).join('\n');
    expect(block![1].trim()).toBe(file.trim());
  });

  it('runs: the simulated device is provisioned after its 2 s join', () => {
    // The example imports the built package, as an app would (`pnpm test` builds before it tests).
    expect(existsSync(`${root}packages/core/dist/index.js`), 'build @provision/core first (pnpm build)').toBe(true);
    const out = execFileSync(process.execPath, [`${here}quickstart.mjs`], { cwd: root, encoding: 'utf8' });
    expect(out).toContain('t=2000ms wifi connected');
    expect(out).toContain('t=2000ms state 3 (max 3)');
    expect(out.trim().split('\n').pop()).toBe('provisioned: true');
  });
});

// Module-level number constants inlined into the Espruino builds (scripts/espruino-constants.mjs):
// each read becomes the number and the declaration goes; a variable that is written, exported,
// shadowed or not a number stays.
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { inlineConstants } from '../../../scripts/espruino-constants.mjs';

const run = (code: string): { [k: string]: unknown } => {
  const mod = { exports: {} as { [k: string]: unknown } };
  vm.runInNewContext(code.replace(/export\s*\{([^}]*)\};?\s*$/, (_m, list: string) => `module.exports = { ${list} };`), { module: mod });
  return mod.exports;
};

describe('inlineConstants', () => {
  const CODE = [
    'var LIMIT = 16;',
    'var NEG = -1;',
    'var count = 0;',
    'var NAME = "x";',
    'var KEPT = 3;',
    'function f(n) { count++; const LIMIT2 = LIMIT; return { LIMIT, n: n + NEG + LIMIT2 }; }',
    'function g() { var NEG = 5; return NEG; }',
    'export { f, g, KEPT, NAME };',
  ].join('\n');

  it('replaces the reads of a number constant and removes it; what the code computes is unchanged', () => {
    const { code, names } = inlineConstants(CODE);
    expect(names.sort()).toEqual(['LIMIT', 'NEG']);
    expect(code).not.toMatch(/var LIMIT|var NEG = -1/);
    const before = run(CODE) as { f(n: number): unknown; g(): number };
    const after = run(code) as { f(n: number): unknown; g(): number };
    expect(after.f(1)).toEqual(before.f(1));
    expect(after.f(1)).toEqual({ LIMIT: 16, n: 16 });
    expect(after.g()).toBe(5);
  });

  it('leaves a variable that is written, exported or not a number', () => {
    const { code } = inlineConstants(CODE);
    expect(code).toContain('var count = 0;');
    expect(code).toContain('var KEPT = 3;');
    expect(code).toContain('var NAME = "x";');
  });
});

// The Espruino build's arrow-function rewrite (scripts/espruino-arrows.mjs): no arrow function in a
// bundle may mention `this`, which Espruino's debug build asserts on where the arrow is parsed but not
// run (a dispatcher's case not taken, the unevaluated side of `||`). Checked on sample code and on the
// shipped bundles; the vm run proves the rewritten code computes the same results.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { arrowsUsingThis, captureArrowThis, checkNoArrowThis } from '../../../scripts/espruino-arrows.mjs';
import { ensureBundle } from '../../../test-utils/espruino';

const SAMPLE = `
class Counter {
  constructor(n) { this.n = n; this.bump = () => { this.n++; return this.n; }; }
  later(k) { switch (k) { case 0: return [1, 2].map((i) => i + this.n); default: return k || ((j) => j * this.n)(2); } }
  nested() { var self = this; return [1].map(() => [2].map((j) => j * this.n + self.n)); }
  own() { return (() => function () { return this; })()(); }
}
function plain() { return [1, 2].map((x) => x * 2); }
module.exports = { Counter: Counter, plain: plain };
`;

describe('captureArrowThis: arrows use a local set from this, never this', () => {
  it('finds every arrow holding a this token, nested functions included', () => {
    // the constructor's arrow, the two in later(), the two in nested() (outer and inner), own()'s arrow
    expect(arrowsUsingThis(SAMPLE).length).toBe(6);
  });

  it('rewrites all but an arrow whose this belongs to a nested function, which the check then reports', () => {
    const out = captureArrowThis(SAMPLE);
    expect(out).toContain('constructor(n) {var $t=this;');
    expect(out).toContain('later(k) {var $t=this;');
    expect(out).not.toContain('own() {var $t=this;');
    const left = arrowsUsingThis(out);
    expect(left.length).toBe(1);
    expect(out.slice(left[0].start, left[0].end)).toBe('() => function () { return this; }');
    expect(() => checkNoArrowThis(out, 'sample')).toThrow(/1 arrow function\(s\) in sample use `this`.*line 6/s);
  });

  it('the rewritten code computes what the original does', () => {
    const load = (code: string): { Counter: new (n: number) => { bump(): number; later(k: number): unknown; nested(): unknown; n: number } } => {
      const mod = { exports: {} };
      vm.runInNewContext(code, { module: mod });
      return mod.exports as never;
    };
    for (const m of [load(SAMPLE), load(captureArrowThis(SAMPLE))]) {
      const c = new m.Counter(3);
      expect(c.bump()).toBe(4);
      expect(c.later(0)).toEqual([5, 6]);
      expect(c.later(0 + 2)).toBe(2);
      expect(c.nested()).toEqual([[12]]);
    }
  });

  it('leaves code without such arrows byte-identical', () => {
    const code = 'function f(a) { return [a].map((x) => x + 1); }\nmodule.exports = { f: f };\n';
    expect(captureArrowThis(code)).toBe(code);
    expect(() => checkNoArrowThis(code)).not.toThrow();
  });
});

describe('the shipped Espruino bundles hold no arrow function that mentions this', () => {
  const PKG = fileURLToPath(new URL('..', import.meta.url));
  const ROOT = join(PKG, '..', '..');
  const core = ensureBundle({ bundle: join(PKG, 'dist', 'espruino', 'provision-core.min.js'), sources: [join(PKG, 'src')], build: 'pnpm --filter @provision/core build', cwd: ROOT });
  it('the core bundle, minified and readable', () => {
    expect(arrowsUsingThis(core)).toEqual([]);
    const readable = join(PKG, 'dist', 'espruino', 'provision-core.js');
    if (existsSync(readable)) expect(arrowsUsingThis(readFileSync(readable, 'utf8'))).toEqual([]);
  });
});

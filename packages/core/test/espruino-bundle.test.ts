// The Espruino bundler's rewrites (scripts/espruino-bundle.mjs), checked on code that exercises the
// cases that matter: what they change, and that the rewritten code still computes the same results.
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { paramsToArguments, toModuleExports } from '../../../scripts/espruino-bundle.mjs';

/** Runs a script assigning `module.exports` and returns its exports. */
function load(code: string): { [k: string]: (...a: unknown[]) => unknown } {
  const mod = { exports: {} };
  vm.runInNewContext(code, { module: mod });
  return mod.exports as { [k: string]: (...a: unknown[]) => unknown };
}

const SAMPLE = `
function add(a, b) { return a + b; }
class Box {
  constructor(v) { this.v = v; }
  plus(n) { return new Box(this.v + n); }
  set value(x) { this.v = x; }
  get value() { return this.v; }
}
function outer(x) {
  function inner(y) { return x * y; }
  return inner(3);
}
function counter(start) {
  let n = start;
  return function () { n++; return n; };
}
const arrow = (a, b) => a - b;
function variadic(a) { return arguments.length + a; }
function missing(a, b) { return b === undefined ? 'no b' : b; }
function capture(k) { return [1, 2].map((i) => i * k); }
function counts() { var n = arguments.length; function twice(y) { return y * 2; } return twice(n); }
module.exports = { counts: counts, add: add, Box: Box, outer: outer, counter: counter, arrow: arrow, variadic: variadic, missing: missing, capture: capture };
`;

describe('paramsToArguments (Espruino stores each parameter name as a variable of its function)', () => {
  const out = paramsToArguments(SAMPLE);

  it('moves the parameters of innermost functions and methods into locals read from arguments', () => {
    expect(out).toContain('function add() {var a=arguments[0],b=arguments[1];');
    expect(out).toContain('plus() {var n=arguments[0];');
    expect(out).toContain('constructor() {var v=arguments[0];');
    expect(out).toContain('function counter() {var start=arguments[0];');
    expect(out).toContain('function capture() {var k=arguments[0];');
  });

  it('leaves setters, arrows, functions that read arguments, and functions enclosing a parameterised function alone', () => {
    expect(out).toContain('set value(x)');
    expect(out).toContain('(a, b) => a - b');
    expect(out).toContain('function variadic(a)');
    // Espruino caches `arguments` in the calling function's scope, where a nested function would find
    // it instead of its own: so only the inner function is rewritten.
    expect(out).toContain('function outer(x)');
    expect(out).toContain('function inner() {var y=arguments[0];');
    // Nor inside a function that reads `arguments` itself: the nested one would find the outer's.
    expect(out).toContain('function twice(y)');
  });

  it('the rewritten code computes what the original does', () => {
    const a = load(SAMPLE);
    const b = load(out);
    for (const m of [a, b]) {
      expect(m.add(2, 3)).toBe(5);
      const box = new (m.Box as unknown as new (v: number) => { v: number; plus(n: number): { v: number }; value: number })(4);
      expect(box.plus(2).v).toBe(6);
      box.value = 9;
      expect(box.value).toBe(9);
      expect(m.outer(5)).toBe(15);
      const next = m.counter(10) as () => number;
      expect([next(), next()]).toEqual([11, 12]);
      expect(m.arrow(5, 2)).toBe(3);
      expect(m.variadic(1, 2, 3)).toBe(4);
      expect(m.missing(1)).toBe('no b');
      expect(m.capture(3)).toEqual([3, 6]);
      expect(m.counts(1, 2, 3)).toBe(6);
    }
  });
});

describe('toModuleExports', () => {
  it("rewrites esbuild's final export list into module.exports, renames included", () => {
    expect(toModuleExports('var a = 1, b = 2;\nexport { a, b as c };\n')).toBe('var a = 1, b = 2;\nmodule.exports = { a: a, c: b };\n');
  });

  it('refuses a bundle with an export left elsewhere, or none at the end', () => {
    expect(() => toModuleExports('export const x = 1;\nexport { x };')).toThrow(/unexpected export/);
    expect(() => toModuleExports('var x = 1;')).toThrow(/expected a final export/);
  });
});

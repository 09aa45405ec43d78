// The Espruino build's folding of private functions into dispatchers (scripts/espruino-dispatch.mjs):
// what is folded, what must never be, and that folded code computes what the original does.
import fc from 'fast-check';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { paramsToArguments, toModuleExports } from '../../../scripts/espruino-bundle.mjs';
import { foldModuleFunctions, foldPrivateMethods } from '../../../scripts/espruino-dispatch.mjs';

type Exports = { [k: string]: (...a: unknown[]) => unknown };

/** Runs an ESM-shaped bundle (ending in `export {…}`) as the Espruino build would ship it. */
function load(esm: string): Exports {
  const mod = { exports: {} };
  vm.runInNewContext(paramsToArguments(toModuleExports(esm)), { module: mod });
  return mod.exports as Exports;
}

const NONE = new Set<string>();

const MODULE = `
var limit = 10;
function isSmall(v) { return typeof v === 'number' && v < limit; }
function describe(v) { return isSmall(v) ? 'small ' + v : 'big ' + v; }
function clamp(v, lo, hi) { if (v < lo) return lo; if (v > hi) return hi; return v; }
function sum(list) { var t = 0; for (var i = 0; i < list.length; i++) t += clamp(list[i], 0, limit); return t; }
function passedOn(v) { return v * 2; }
function variadic() { return arguments.length; }
function usesThis() { return this; }
function nests(v) { function inner(w) { return w + 1; } return inner(v); }
function nestsToo(v) { function inner(w) { return w * 3; } return inner(v); }
function holdsClass(v) { class K { get() { return v; } } return new K().get(); }
function counter(start) { var n = start; return function () { n++; return n; }; }
function api(v) { return [describe(v), sum([v, 20, -3]), [1, 2].map(passedOn), variadic(1, 2), nests(v), nestsToo(v), holdsClass(v), counter(v)()]; }
export { api, passedOn };
`;

describe('foldModuleFunctions', () => {
  const out = foldModuleFunctions(MODULE, 1000, NONE);

  it('folds functions that are only ever called into one dispatcher taking the case number first', () => {
    expect(out).toMatch(/^function (\$\d+)\(\)\{var (\$\d+)=arguments;switch\(\2\[0\]\)\{case 0:/);
    for (const name of ['isSmall', 'describe', 'clamp', 'sum', 'counter']) expect(out).not.toContain(`function ${name}(`);
    expect(out).toMatch(/\$\d+\(\d+,v\)/);
  });

  it('leaves exported functions, values passed on, and bodies reading arguments or this, or holding a class', () => {
    for (const name of ['api', 'passedOn', 'variadic', 'usesThis', 'holdsClass']) expect(out).toContain(`function ${name}(`);
  });

  it('folds a function that declares functions of its own; they are created only when its case runs', () => {
    expect(out).not.toContain('function nests(');
    expect(out).toContain('function inner(w)');
  });

  it('the folded module computes what the original does', () => {
    for (const v of [-1, 3, 42]) expect(load(out).api(v)).toEqual(load(MODULE).api(v));
  });

  it('keeps a group of bodies within the size cap, and folds nothing when no two fit', () => {
    const small = foldModuleFunctions(MODULE, 120, NONE);
    const groups = small.match(/^function \$\d+\(\)/gm) ?? [];
    expect(groups.length).toBeGreaterThan(1);
    expect(foldModuleFunctions(MODULE, 10, NONE)).toBe(MODULE);
  });

  it('puts warm functions in small dispatchers of their own and the rest in large ones', () => {
    const warm = new Set(['isSmall', 'clamp']);
    const out2 = foldModuleFunctions(MODULE, { warm, warmMax: 200, coldMax: 5000 }, NONE);
    const dispatchers = out2.split(/^(?=function \$\d+\(\))/m).filter((d) => d.startsWith('function $'));
    const holding = (text: string) => dispatchers.filter((d) => d.includes(text));
    // Warm bodies share a dispatcher with each other only; every cold one lands in one large dispatcher.
    const warmOne = holding("typeof v === 'number' && v < limit");
    expect(warmOne).toHaveLength(1);
    expect(warmOne[0]).toContain('if (v < lo) return lo;');
    expect(warmOne[0]).not.toContain("'small '");
    const cold = holding("'small '");
    expect(cold).toHaveLength(1);
    for (const body of ['var t = 0;', 'return inner(v);', 'var n = start;']) expect(cold[0]).toContain(body);
    for (const v of [-1, 3, 42]) expect(load(out2).api(v)).toEqual(load(MODULE).api(v));
  });

  it('never folds a hot-path root or what it refers to, and refuses a root that is not there', () => {
    const hot = foldModuleFunctions(MODULE, 1000, new Set(['describe']));
    expect(hot).toContain('function describe(');
    expect(hot).toContain('function isSmall(');
    expect(hot).not.toContain('function clamp(');
    expect(() => foldModuleFunctions(MODULE, 1000, new Set(['gone']))).toThrow(/hot-path names not found in the bundle: gone/);
  });

  it('does not put a function reading a module name into a dispatcher whose other case declares that name', () => {
    const clash = `
var total = 5;
function a(v) { var total = v; return total + 1; }
function b() { return total; }
function api(v) { return [a(v), b()]; }
export { api };
`;
    const folded = foldModuleFunctions(clash, 1000, NONE);
    expect(load(folded).api(1)).toEqual([2, 5]);
    expect(folded).toContain('function b()');
  });
});

const CLASSES = `
var Meter = class {
  constructor(v) { this.v = v; this.log = []; }
  get() { return this.a(1) + this.b(2, 3); }
  a(n) { this.log.push('a'); return this.v * n; }
  b(x, y) { var f = () => this.a(x); return f() + y; }
  u(n) { return n + 100; }
  s(n) { return n - 1; }
};
var Other = class {
  constructor(m) { this.m = m; }
  run() { return this.m.u(1) + this.s(5); }
  s(n) { return n * 10; }
  z() { return 0; }
};
var Assigned = class {
  constructor() { this.q = () => 7; }
  q() { return 1; }
  p() { return 2; }
  go() { return this.q() + this.p(); }
};
function api(v) { var m = new Meter(v); return [m.get(), new Other(m).run(), new Assigned().go(), m.log.join('')]; }
export { api };
`;

describe('foldPrivateMethods', () => {
  const names = new Set(['a', 'b', 'u', 's', 'q', 'p', 'z']);
  const out = foldPrivateMethods(CLASSES, names, 1000, NONE);

  it('folds private methods called as this.name(…), and a uniquely named one called on any receiver', () => {
    expect(out).not.toMatch(/^\s+a\(n\)/m);
    expect(out).not.toMatch(/^\s+b\(x, y\)/m);
    expect(out).not.toMatch(/^\s+u\(n\)/m);
    expect(out).toMatch(/this\.m\.\$\d+\(\d+,1\)/);
  });

  it('leaves public methods, names also assigned as properties, and a shared name called from another class', () => {
    expect(out).toMatch(/^\s+get\(\)/m);
    expect(out).toMatch(/^\s+q\(\)/m);
    // `s` is defined by Meter and Other: Other calls it only on `this` from its own methods, so its `s`
    // is folded; a `this.s(…)` in Other could never reach Meter's, which stays.
    expect(out).toContain('s(n) { return n - 1; }');
    expect(out).not.toContain('s(n) { return n * 10; }');
  });

  it('the folded classes compute what the originals do', () => {
    for (const v of [0, 2, 7]) expect(load(out).api(v)).toEqual(load(CLASSES).api(v));
  });

  it('never folds a method named in keep', () => {
    const kept = foldPrivateMethods(CLASSES, names, { warm: new Set(), warmMax: 1000, coldMax: 1000, keep: new Set(['a']) }, NONE);
    expect(kept).toMatch(/^\s+a\(n\)/m);
    expect(kept).not.toMatch(/^\s+b\(x, y\)/m);
    for (const v of [0, 2, 7]) expect(load(kept).api(v)).toEqual(load(CLASSES).api(v));
  });

  it('leaves a class on the hot path alone', () => {
    const hot = foldPrivateMethods(CLASSES, names, 1000, new Set(['Meter']));
    expect(hot).toMatch(/^\s+a\(n\)/m);
  });
});

// Long-lived callbacks are bound functions (about four Espruino variables, no scope kept alive), and
// a function referenced only by calls and `.bind(x, …)` still folds: `$D.bind(x, k, …)`.
const BOUND = `
function add(a, b) { return a + b; }
function scale(k, v) { return k * v; }
class Port {
  constructor() { this.n = 0; }
  bump_(by, extra) { this.n += by + (extra || 0); return this.n; }
  read_() { return this.n; }
  hand() { return [this.bump_.bind(this, 2), this.read_.bind(this)]; }
}
function api(v) {
  const p = new Port();
  const [bump, read] = p.hand();
  bump(v);
  return [add.bind(undefined, v)(1), [1, 2].map(scale.bind(null, v)), read(), p.read_()];
}
export { api };
`;

describe('folding bound references', () => {
  const out = foldPrivateMethods(foldModuleFunctions(BOUND, 1000, NONE), new Set(['bump_', 'read_']), 1000, NONE);

  it('folds functions and private methods that are only called or bound; the case number follows the bound this', () => {
    for (const name of ['function add(', 'function scale(', 'bump_(by', 'read_()']) expect(out).not.toContain(name);
    expect(out).toMatch(/\$\d+\.bind\(undefined,\d+, v\)/);
    expect(out).toMatch(/this\.\$\d+\.bind\(this,\d+, 2\)/);
    expect(out).toMatch(/this\.\$\d+\.bind\(this,\d+\)/);
  });

  it('computes what the original does, a bound call passing its own arguments after the bound ones', () => {
    for (const v of [0, 3]) expect(load(out).api(v)).toEqual(load(BOUND).api(v));
    expect(load(out).api(3)).toEqual([4, [3, 6], 5, 5]);
  });
});

describe('foldPrivateMethods in a class hierarchy', () => {
  // Base and Derived both define \`w\` (an override): it stays a method in both, and so does Base's
  // \`v\`, which would be its only partner in a dispatcher. Derived's own \`d\`
  // and \`e\` are defined once in the bundle, so no override can exist: they are folded (a dispatcher
  // takes two functions at least).
  const HIERARCHY = `
var Base = class { w(n) { return n + 1; } v(n) { return this.w(n) - 1; } run(n) { return this.v(n); } };
var Derived = class extends Base { w(n) { return n * 2; } d(n) { return n - 3; } e(n) { return this.d(n) * 5; } go(n) { return this.e(n) + this.run(n); } };
function api(v) { return [new Base().run(v), new Derived().go(v)]; }
export { api };
`;
  const out = foldPrivateMethods(HIERARCHY, new Set(['w', 'v', 'd', 'e']), 1000, NONE);

  it('folds a private name only one class defines, keeps an overridden one as a method', () => {
    expect(out).not.toMatch(/\bd\(n\) \{/);
    expect(out).not.toMatch(/\be\(n\) \{/);
    expect(out).toContain('w(n) { return n + 1; }');
    expect(out).toContain('w(n) { return n * 2; }');
  });

  it('computes what the original does', () => {
    for (const v of [0, 4, -7]) expect(load(out).api(v)).toEqual(load(HIERARCHY).api(v));
  });
});

describe('folding never changes results (generated programs)', () => {
  // Random programs: helpers computing on their arguments and calling earlier helpers, plus a class
  // whose private methods call each other; the folded program must agree on every input.
  const helper = fc.record({ op: fc.constantFrom('+', '-', '*'), k: fc.integer({ min: -5, max: 5 }), callPrev: fc.boolean() });
  it('for any set of helpers and any inputs', () => {
    fc.assert(
      fc.property(fc.array(helper, { minLength: 2, maxLength: 8 }), fc.integer({ min: 50, max: 2000 }), fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 1, maxLength: 5 }), (hs, cap, inputs) => {
        const fns = hs.map((h, i) => {
          const call = h.callPrev && i > 0 ? ` + f${i - 1}(x, ${h.k})` : '';
          return `function f${i}(x, y) { var r = x ${h.op} y; return r${call}; }`;
        });
        const methods = hs.map((h, i) => {
          const call = h.callPrev && i > 0 ? ` + this.m${i - 1}(x)` : '';
          return `  m${i}(x) { return this.base ${h.op} x${call}; }`;
        });
        const src = `${fns.join('\n')}
var C = class {
  constructor(b) { this.base = b; }
${methods.join('\n')}
  all(x) { return [${hs.map((_, i) => `this.m${i}(x)`).join(', ')}]; }
};
function api(x) { return [${hs.map((h, i) => `f${i}(x, ${h.k})`).join(', ')}].concat(new C(3).all(x)); }
export { api };
`;
        const names = new Set(hs.map((_, i) => `m${i}`));
        const folded = foldModuleFunctions(foldPrivateMethods(src, names, cap, NONE), cap, NONE);
        const a = load(src);
        const b = load(folded);
        for (const x of inputs) expect(b.api(x)).toEqual(a.api(x));
      }),
      { numRuns: 200 },
    );
  });
});

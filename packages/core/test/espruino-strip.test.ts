// The board-sized builds' member removal (scripts/espruino-strip.mjs): public methods a build leaves
// out go, with every private method only they used; emptied methods keep their place; a name that is
// not there fails the build instead of silently putting the members back; a configuration section a
// build cannot use leaves the schema; a field only ever given a constant goes.
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { stripClassMembers, stripObjectKeys } from '../../../scripts/espruino-strip.mjs';

const SAMPLE = `
class Impl {
  constructor() { this.n = 1; }
  keep() { return this.a() + this.sub(); }
  wifi() { return this.b() + this.c(); }
  a() { return 1; }
  b() { return this.c(); }
  c() { return 2; }
  sub() { this.onEvent(); return 3; }
  onEvent() { return 4; }
}
module.exports = { Impl: Impl };
`;
const PRIVATE = new Set(['a', 'b', 'c', 'sub', 'onEvent']);

describe('stripClassMembers', () => {
  it('drops the named public methods, then the private ones nothing uses any more', () => {
    const out = stripClassMembers(SAMPLE, 'Impl', ['wifi'], [], PRIVATE);
    expect(out).not.toMatch(/\bwifi\(|\bb\(\)|\bc\(\)/);
    expect(out).toContain('a() { return 1; }');
    const mod = { exports: {} as { Impl: new () => { keep(): number; wifi?: unknown } } };
    vm.runInNewContext(out, { module: mod });
    const x = new mod.exports.Impl();
    expect(x.keep()).toBe(4);
    expect(x.wifi).toBeUndefined();
  });

  it('empties the named methods, and what only they called goes too', () => {
    const out = stripClassMembers(SAMPLE, 'Impl', [], ['sub'], PRIVATE);
    expect(out).toContain('sub() {}');
    expect(out).not.toContain('onEvent');
  });

  it('fails on a class or a member that is not there', () => {
    expect(() => stripClassMembers(SAMPLE, 'Other', [], [], PRIVATE)).toThrow(/class Other not found/);
    expect(() => stripClassMembers(SAMPLE, 'Impl', ['scan'], [], PRIVATE)).toThrow(/Impl has no member scan/);
  });

  it('removes a private field nothing reads that the constructor only sets to a constant', () => {
    const code = `class K { constructor() { this.w = "disconnected"; this.r = 0; this.k = f(); } get() { return this.r + this.k; } }\nfunction f() { return 1; }\nmodule.exports = { K: K };`;
    const out = stripClassMembers(code, 'K', [], [], new Set(['w', 'r', 'k']));
    expect(out).not.toContain('this.w');
    expect(out).toContain('this.r = 0');
    expect(out).toContain('this.k = f()');
  });

  it('with every name counted private, removes any method nothing calls (a class the module never hands out)', () => {
    const code = `class E { constructor() { this.n = {}; } on() { return 1; } count() { return 2; } }\nmodule.exports = { use: () => new E().on() };`;
    const out = stripClassMembers(code, 'E', [], [], { has: () => true });
    expect(out).not.toContain('count');
    expect(out).toContain('on() {');
    expect(out).toContain('this.n = {}');
  });
});

describe('stripObjectKeys', () => {
  const CODE = `function validate(input) {\n  const SCHEMA = { a: [0, 1, 0], wifi: { x: true }, led: {}, session: { y: 1 } };\n  return Object.keys(SCHEMA).join();\n}\nmodule.exports = { validate: validate };`;

  it('removes the named keys of the variable’s object literal, wherever they are', () => {
    const out = stripObjectKeys(CODE, 'SCHEMA', ['wifi', 'session']);
    const mod = { exports: {} as { validate(): string } };
    vm.runInNewContext(out, { module: mod });
    expect(mod.exports.validate()).toBe('a,led');
  });

  it('fails on a variable or a key that is not there', () => {
    expect(() => stripObjectKeys(CODE, 'OTHER', ['wifi'])).toThrow(/expected one object OTHER/);
    expect(() => stripObjectKeys(CODE, 'SCHEMA', ['mgos'])).toThrow(/SCHEMA has no key mgos/);
  });
});

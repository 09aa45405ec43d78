// The board-sized builds' member removal (scripts/espruino-strip.mjs): public methods a build leaves
// out go, with every private method only they used; emptied methods keep their place; a name that is
// not there fails the build instead of silently putting the members back.
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { stripClassMembers } from '../../../scripts/espruino-strip.mjs';

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
});

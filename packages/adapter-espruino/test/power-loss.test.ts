// R10.2 on Espruino's Storage, which is not power-loss safe by itself: power is cut at every flash step
// of a write sequence (marking the old copy deleted, the new header, half the data, all of it), and
// the record read after the reboot must be the old or the new one, never torn, never lost.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProvisionRecord, ResetJournal } from '@provision/core';
import { createEspruinoStorage } from '../src/index';
import { EspruinoSim, PowerCut, SimFlash } from './espruino-sim';

let undo: (() => void) | undefined;

/** Boot a board on `flash`: a fresh RAM, the same flash. */
function boot(flash: SimFlash): EspruinoSim {
  if (undo) undo();
  flash.restore();
  const sim = new EspruinoSim({ flash });
  undo = sim.install(globalThis, { timers: false });
  return sim;
}

afterEach(() => {
  if (undo) undo();
  undo = undefined;
});

const R1: ProvisionRecord = { v: 1, max: 1, wifiConfigured: false };
const R2: ProvisionRecord = { v: 1, max: 2, wifiConfigured: false };
const R3: ProvisionRecord = { v: 1, max: 3, wifiConfigured: true };
const J1: ResetJournal = { resets: [{ cause: 'timeout', at: 1 }], buttonLatched: false };
const J2: ResetJournal = { resets: [{ cause: 'timeout', at: 1 }, { cause: 'button', at: 2 }], buttonLatched: true };

type Storage = ReturnType<typeof createEspruinoStorage>;

/**
 * Run `setup` on a fresh flash, then `op` with power cut at step n, for every n until `op` completes;
 * after each cut, reboot and check what `read` returns is one of `allowed`.
 */
function everyCut(setup: (s: Storage) => void, op: (s: Storage) => void, read: (s: Storage) => unknown, allowed: unknown[]): number {
  let cuts = 0;
  for (let n = 0; ; n++) {
    const flash = new SimFlash();
    boot(flash);
    setup(createEspruinoStorage({ files: ['app.json'] }));
    flash.cutAt = flash.steps + n;
    let completed = true;
    try {
      op(createEspruinoStorage({ files: ['app.json'] }));
    } catch (e) {
      if (!(e instanceof PowerCut)) throw e;
      completed = false;
      cuts++;
    }
    boot(flash);
    const after = createEspruinoStorage({ files: ['app.json'] });
    let got: unknown;
    expect(() => (got = read(after)), `cut at step ${n}: read after reboot`).not.toThrow();
    expect(allowed.map((a) => JSON.stringify(a)), `cut at step ${n} (${flash.log.join(', ')})`).toContain(JSON.stringify(got));
    if (completed) {
      expect(JSON.stringify(got)).toBe(JSON.stringify(allowed[allowed.length - 1]));
      return cuts;
    }
  }
}

describe('storage survives power loss at every flash step (R10.2)', () => {
  it('R10.2 first save: nothing or the new record', () => {
    const cuts = everyCut(
      () => undefined,
      (s) => s.save(R1),
      (s) => s.load(),
      [undefined, R1],
    );
    expect(cuts).toBeGreaterThanOrEqual(3);
  });

  it('R10.2 second and third saves (rewriting a slot marks the old copy deleted first): old or new', () => {
    expect(
      everyCut(
        (s) => s.save(R1),
        (s) => s.save(R2),
        (s) => s.load(),
        [R1, R2],
      ),
    ).toBeGreaterThanOrEqual(3);
    // The third save rewrites slot 0: its old copy is deleted before the new one is written.
    expect(
      everyCut(
        (s) => {
          s.save(R1);
          s.save(R2);
        },
        (s) => s.save(R3),
        (s) => s.load(),
        [R2, R3],
      ),
    ).toBeGreaterThanOrEqual(4);
  });

  it('R10.2 many saves in a row: every cut leaves the previous or the current record', () => {
    const seq = [R1, R2, R3, R1, R2, R3];
    for (let k = 1; k < seq.length; k++) {
      everyCut(
        (s) => {
          for (let i = 0; i < k; i++) s.save(seq[i]);
        },
        (s) => s.save(seq[k]),
        (s) => s.load(),
        [seq[k - 1], seq[k]],
      );
    }
  });

  it('R10.2 the reset journal too: old or new', () => {
    everyCut(
      (s) => s.saveJournal(J1),
      (s) => s.saveJournal(J2),
      (s) => s.loadJournal(),
      [J1, J2],
    );
  });

  it('R7.2 wipe(): the record is the one before or none, never an older one resurrected; the journal stays', () => {
    everyCut(
      (s) => {
        s.save(R1);
        s.save(R3);
        s.saveJournal(J1);
      },
      (s) => s.wipe(),
      (s) => [s.load(), s.loadJournal()],
      [
        [R3, J1],
        [undefined, J1],
      ],
    );
  });

  it('a torn slot (0xFF-padded) is skipped, not reported as corrupt, and the next save replaces it', () => {
    const flash = new SimFlash();
    const sim = boot(flash);
    const s = createEspruinoStorage();
    s.save(R1);
    flash.cutAt = flash.steps + 2; // a new slot: header, half the data, then the cut
    expect(() => s.save(R2)).toThrow(PowerCut);
    const again = boot(flash);
    expect(again.storage.read('prov.r1')).toMatch(/\xff$/);
    const s2 = createEspruinoStorage();
    expect(s2.load()).toEqual(R1);
    s2.save(R3);
    expect(s2.load()).toEqual(R3);
    expect(sim.flash.files.filter((f) => !f.deleted).map((f) => f.name)).toEqual(['prov.r0', 'prov.r1']);
  });
});

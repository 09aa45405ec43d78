// The screen's bad-credentials count agrees with the core's own (R8.2), over random sequences of what a user does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimDevice, type NetworkMode } from '../src/device';
import { createMemoryStore } from '../src/state-file';

type Step = { op: 'network'; mode: NetworkMode } | { op: 'creds'; ok: boolean } | { op: 'wait'; ms: number } | { op: 'session' } | { op: 'drop' } | { op: 'reboot' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('network' as const), mode: fc.constantFrom<NetworkMode>('connect', 'wrong-password', 'no-such-network', 'flaky', 'other') }),
  fc.record({ op: fc.constant('creds' as const), ok: fc.boolean() }),
  fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 100, max: 12000 }) }),
  fc.record({ op: fc.constant('session' as const) }),
  fc.record({ op: fc.constant('drop' as const) }),
  fc.record({ op: fc.constant('reboot' as const) }),
);

describe('R8.2 the bad-credentials count on the screen', () => {
  it('reaches the limit exactly when the core factory-resets for bad credentials, and shows only while it matters', async () => {
    let totalResets = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), fc.integer({ min: 1, max: 4 }), async (steps, limit) => {
        const dev = new SimDevice({ store: createMemoryStore(), config: { wifi: { badCredentialAttempts: limit } } });
        let reached = 0;
        let resets = 0;
        dev.onLine((l) => {
          if (l.text === 'factory reset: cause bad-credentials') resets++;
          if (/ of \d+ — factory reset$/.test(l.text)) reached++;
        });
        dev.boot();
        for (const s of steps) {
          if (s.op === 'network') dev.setNetwork(s.mode);
          else if (s.op === 'creds') await dev.configureWifi('HomeNet', s.ok ? 'correct horse battery' : 'short');
          else if (s.op === 'wait') dev.advance(s.ms);
          else if (s.op === 'session') dev.toggleSession();
          else if (s.op === 'drop') dev.dropLink('auth-error');
          else dev.reboot();
          const snap = dev.snapshot();
          if (snap.badCredentials) {
            expect(snap.wifiConfigured).toBe(false);
            expect(snap.session).toBe('idle');
            expect(snap.badCredentials.count).toBeGreaterThan(0);
            expect(snap.badCredentials.limit).toBe(limit);
          }
          expect(reached).toBe(resets);
        }
        totalResets += resets;
        dev.dispose();
      }),
      { numRuns: 300 },
    );
    // The sequences do reach the reset, or the agreement above would say nothing.
    expect(totalResets).toBeGreaterThan(20);
  });
});

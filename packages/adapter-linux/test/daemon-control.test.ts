// The control socket under abuse: oversized lines, too many or idle connections, and fuzzed requests.
import net from 'node:net';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { createRecordingSystem, SimulatedClock } from '@provision/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDaemon, type Daemon } from '../src/daemon/daemon';
import { tempDir, waitUntil } from './helpers';

const RECORD = `${JSON.stringify({ v: 1, max: 2, wifiConfigured: true })}\n`;
const JOURNAL = `${JSON.stringify({ resets: [{ cause: 'app', at: 1767225600000 }], buttonLatched: false })}\n`;

/** A client that collects reply lines and notices when the daemon closes the connection. */
function client(sock: string): Promise<{ s: net.Socket; lines: string[]; closed: () => boolean; write(b: string | Uint8Array): void; waitLines(n: number): Promise<void>; waitClosed(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection(sock);
    const lines: string[] = [];
    let buf = '';
    let closed = false;
    s.setEncoding('utf8');
    s.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => (closed = true));
    s.once('connect', () =>
      resolve({
        s,
        lines,
        closed: () => closed,
        write: (b) => {
          if (!closed && s.writable) s.write(b);
        },
        waitLines: (n) => waitUntil(() => lines.length >= n || closed, 5000, `${n} reply lines`),
        waitClosed: () => waitUntil(() => closed, 5000, 'the daemon to close the connection'),
      }),
    );
    s.once('error', reject);
  });
}

describe('control socket bounds (in-process daemon, simulated clock)', () => {
  let t: { dir: string; cleanup(): Promise<void> };
  let d: Daemon;
  let clock: SimulatedClock;
  let system: ReturnType<typeof createRecordingSystem>;
  const logs: { event: string; fields?: object }[] = [];
  beforeEach(async () => {
    t = await tempDir('control');
    await fs.mkdir(path.join(t.dir, 'state'), { mode: 0o700 });
    await fs.writeFile(path.join(t.dir, 'state', 'record.json'), RECORD, { mode: 0o600 });
    await fs.writeFile(path.join(t.dir, 'state', 'journal.json'), JOURNAL, { mode: 0o600 });
    clock = new SimulatedClock();
    system = createRecordingSystem(clock);
    logs.length = 0;
    d = await startDaemon({ stateDir: path.join(t.dir, 'state'), runtimeDir: path.join(t.dir, 'run'), wifi: false, provision: { stableState: 2 } }, { log: (event, fields) => logs.push({ event, ...(fields ? { fields } : {}) }), clock, system });
  });
  afterEach(async () => {
    await d.stop();
    await t.cleanup();
  });

  it('a line longer than 64 KiB gets an error and the connection is closed; 10 MB without a newline is never held', async () => {
    const c = await client(d.socket);
    const mb = Buffer.alloc(1 << 20, 0x61);
    for (let i = 0; i < 10 && !c.closed(); i++) {
      c.write(mb);
      await new Promise((r) => setImmediate(r));
    }
    await c.waitClosed();
    expect(c.lines.map((l) => JSON.parse(l))).toEqual([{ ok: false, error: 'request line longer than 65536 bytes; closing' }]);
    const ok = await client(d.socket);
    ok.write('{"cmd":"status"}\n');
    await ok.waitLines(1);
    expect(JSON.parse(ok.lines[0]!)).toMatchObject({ ok: true, max: 2 });
    ok.s.destroy();
  });

  it('at most 8 connections; an idle one is closed after 30 s of clock time', async () => {
    const open = await Promise.all(Array.from({ length: 8 }, () => client(d.socket)));
    const ninth = await client(d.socket);
    await ninth.waitClosed();
    expect(JSON.parse(ninth.lines[0]!)).toEqual({ ok: false, error: 'too many connections (at most 8); try again' });
    await waitUntil(() => open.every((c) => !c.closed()), 1000, 'the eight to stay open');
    clock.advance(29999);
    await new Promise((r) => setTimeout(r, 50));
    expect(open.some((c) => c.closed())).toBe(false);
    clock.advance(1);
    await Promise.all(open.map((c) => c.waitClosed()));
    expect(JSON.parse(open[0]!.lines[0]!)).toEqual({ ok: false, error: 'idle for 30000 ms; closing' });
    const again = await client(d.socket);
    again.write('{"cmd":"status"}\n');
    await again.waitLines(1);
    expect(JSON.parse(again.lines[0]!).ok).toBe(true);
    again.s.destroy();
  });

  it('a client that never reads its replies does not make the daemon buffer them', async () => {
    const c = await client(d.socket);
    c.s.pause();
    const line = '{"cmd":"status"}\n'.repeat(4000);
    for (let i = 0; i < 50; i++) c.write(line);
    await new Promise((r) => setTimeout(r, 300));
    // The daemon paused reading: what it has not answered waits in the kernel's socket buffers.
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 50; i++) c.write(line);
    await new Promise((r) => setTimeout(r, 300));
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
    c.s.destroy();
  });

  it('fuzz: random bytes, JSON and request-like lines never crash the daemon nor change the stored state', async () => {
    let messages = 0;
    const junkRequest = fc.record(
      {
        cmd: fc.oneof(fc.constantFrom('status', 'configure', 'STATUS', 'reset ', '', 'bogus'), fc.string(), fc.integer(), fc.constant(null)),
        ssid: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string())),
        passphrase: fc.oneof(fc.string(), fc.integer(), fc.object()),
      },
      { requiredKeys: [] },
    );
    const message = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc.jsonValue().map((v) => `${JSON.stringify(v)}\n`),
      junkRequest.map((v) => `${JSON.stringify(v)}\n`),
      fc.string({ maxLength: 300 }).map((s) => `${s}\n`),
      fc.constant('{"cmd":"status"}\r\n'),
      fc.constant('x'.repeat(70000)),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(message, { maxLength: 20 }), async (msgs) => {
        const c = await client(d.socket);
        for (const m of msgs) {
          c.write(m);
          messages++;
        }
        // A sentinel on its own line: answered unless an oversized line closed the connection.
        c.write('\n{"cmd":"status"}\n');
        await waitUntil(() => c.closed() || c.lines.some((l) => l.includes('"cur"')), 5000, 'the sentinel or a close');
        for (const l of c.lines) expect(typeof (JSON.parse(l) as { ok: unknown }).ok).toBe('boolean');
        if (!c.lines.some((l) => l.includes('"cur"'))) expect(c.lines[c.lines.length - 1]).toContain('longer than 65536 bytes');
        c.s.destroy();
      }),
      { numRuns: 300 },
    );
    // Still alive, nothing reset, nothing rewritten.
    const c = await client(d.socket);
    c.write('{"cmd":"status"}\n');
    await c.waitLines(1);
    expect(JSON.parse(c.lines[0]!)).toMatchObject({ ok: true, max: 2, wifiConfigured: true, resetting: false, resets: 1 });
    c.s.destroy();
    expect(system.reboots).toEqual([]);
    expect(await fs.readFile(path.join(t.dir, 'state', 'record.json'), 'utf8')).toBe(RECORD);
    expect(await fs.readFile(path.join(t.dir, 'state', 'journal.json'), 'utf8')).toBe(JOURNAL);
    expect(logs.filter((l) => l.event === 'reset' || l.event === 'error')).toEqual([]);
    console.log(`control socket fuzz: 300 connections, ${messages} messages, 0 crashes`);
  }, 120000);
});

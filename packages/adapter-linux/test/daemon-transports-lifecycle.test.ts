// R11.3 in-process: when the daemon's transports start and stop around the session, on simulated time.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimulatedDevice } from '@provision/core/testing';
import { prepareTransports, type Transports } from '../src/daemon/transports';
import { tempDir, waitUntil } from './helpers';

const HOME = { ssid: 'HomeNet', passphrase: 'correct horse battery' };

describe('R11.3 the transports follow the session', () => {
  let cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });

  async function rig(extra: { always?: boolean; listen?: string } = {}) {
    const t = await tempDir('transports');
    cleanups.push(() => t.cleanup());
    const pop = path.join(t.dir, 'pop');
    await fs.writeFile(pop, 'abcd1234', { mode: 0o600 });
    const dev = createSimulatedDevice({ networks: { HomeNet: HOME.passphrase }, config: { button: { holdMs: -1 } } });
    const lines: { event: string; fields: Record<string, unknown> }[] = [];
    const transports: Transports = await prepareTransports(
      { graceMs: 5000, ...(extra.always ? { always: true } : {}), protocomm: { security: 1, popFile: pop, listen: extra.listen ?? '127.0.0.1:0' } },
      { log: (event, fields = {}) => lines.push({ event, fields: fields as Record<string, unknown> }), clock: dev.clock, scan: () => dev.wifi.scan!() },
    );
    cleanups.push(() => transports.stop());
    await dev.start();
    cleanups.push(async () => dev.prov.stop());
    const running = () => transports.status()[0]!.running;
    return { dev, transports, lines, running };
  }

  it('unprovisioned: running at start; stopped graceMs after success; a session started later starts them again; stop() stops them', async () => {
    const { dev, transports, lines, running } = await rig();
    await transports.follow(dev.prov);
    expect(running()).toBe(true);
    expect(dev.prov.getSessionState()).toBe('started');
    await dev.prov.configureSta(HOME);
    dev.clock.advance(10);
    expect(dev.prov.getSessionState()).toBe('success');
    expect(running()).toBe(true);
    dev.clock.advance(4000);
    expect(running()).toBe(true);
    dev.clock.advance(1000);
    await waitUntil(() => !running(), 5000, 'stopped after the grace period');
    await waitUntil(() => lines.some((l) => l.event === 'transport-stopped'), 5000, 'the transport-stopped line');
    // Provisioned and idle: nothing runs. A session started by someone else (the app) starts them.
    dev.clock.advance(60_000);
    expect(dev.prov.getSessionState()).toBe('idle');
    dev.prov.startSession();
    await waitUntil(() => running(), 5000, 'started with the new session');
    dev.prov.stopSession();
    await waitUntil(() => !running(), 5000, 'stopped with the session');
    dev.prov.startSession();
    await waitUntil(() => running(), 5000, 'started again');
    await transports.stop();
    expect(running()).toBe(false);
  });

  it('provisioned at start: not running until a session starts', async () => {
    const { dev, transports, running } = await rig();
    await dev.prov.configureSta(HOME);
    dev.clock.advance(10);
    expect(dev.prov.isWifiConfigured()).toBe(true);
    await transports.follow(dev.prov);
    expect(running()).toBe(false);
  });

  it('always: true keeps serving after success, and when provisioned', async () => {
    const { dev, transports, running } = await rig({ always: true });
    await dev.prov.configureSta(HOME);
    dev.clock.advance(10);
    await transports.follow(dev.prov);
    expect(running()).toBe(true);
    dev.clock.advance(120_000);
    await waitUntil(() => running(), 5000, 'serving again after the session ended');
    expect(dev.prov.getSessionState()).toBe('started');
  });

  it('an address that is not available yet (the SoftAP not up): logged, tried again every 5 s until it works', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    const { dev, transports, lines, running } = await rig({ listen: `127.0.0.1:${port}` });
    await transports.follow(dev.prov);
    expect(running()).toBe(false);
    expect(lines.find((l) => l.event === 'transport-error')?.fields).toMatchObject({ transport: 'protocomm', retryMs: 5000 });
    expect(String(lines.find((l) => l.event === 'transport-error')?.fields.message)).toMatch(/EADDRINUSE/);
    await new Promise<void>((r) => blocker.close(() => r()));
    dev.clock.advance(4999);
    expect(running()).toBe(false);
    dev.clock.advance(1);
    await waitUntil(() => running(), 5000, 'started on the retry');
    expect(transports.status()[0]).toMatchObject({ listen: `127.0.0.1:${port}` });
  });

  it('a replaced provisioner (Wi-Fi up late): the old one\'s transports stop, the new one\'s start', async () => {
    const { dev, transports, lines, running } = await rig();
    await transports.follow(dev.prov);
    expect(running()).toBe(true);
    const next = dev.reboot();
    await next.start();
    dev.clock.advance(10);
    await transports.follow(next);
    expect(running()).toBe(true);
    expect(lines.filter((l) => l.event === 'transport-started')).toHaveLength(2);
    await waitUntil(() => lines.some((l) => l.event === 'transport-stopped' && l.fields.why === 'provisioner replaced'), 5000, 'the transport-stopped line');
  });
});

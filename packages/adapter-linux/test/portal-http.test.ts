// The captive portal over HTTP on loopback: routes, the session's events over SSE, redirects and limits.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers';
import { startRig, type PortalRig } from './portal-harness';
import { sendText } from '../src/portal/server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with its own connection and any Host header. */
function http(rig: PortalRig, method: string, path: string, opts: { host?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  const url = new URL(rig.base);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: Number(url.port), method, path, agent: false, headers: { Host: opts.host ?? url.host, ...(opts.headers ?? {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.end(opts.body);
    else req.end();
  });
}

const json = (body: unknown) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** The status messages of an event stream as they arrive. */
function events(rig: PortalRig): { seen: Array<{ phase: string; message: string; ip?: string; nextUrl?: string; raw?: unknown }>; raw: string[]; close(): void } {
  const url = new URL(rig.base);
  const out = { seen: [] as Array<{ phase: string; message: string }>, raw: [] as string[], close: () => undefined as void };
  const req = request({ host: '127.0.0.1', port: Number(url.port), path: '/events', agent: false, headers: { Host: url.host } }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      out.raw.push(c);
      buf += c;
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const frame = buf.slice(0, i);
        buf = buf.slice(i + 2);
        for (const line of frame.split('\n')) if (line.startsWith('data: ')) out.seen.push(JSON.parse(line.slice(6)));
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  out.close = () => req.destroy();
  return out as never;
}

let rig: PortalRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('portal routes', () => {
  it('R11.5 GET / is the page (200), with every scanned network escaped; /networks is the scan taken before the AP came up', async () => {
    rig = await startRig();
    const page = await http(rig, 'GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain('Connect PROV_3F2A to Wi-Fi');
    expect(page.body).toContain('Café &#60;Guest&#62; &#38; &#34;friends&#34;');
    expect(page.body).not.toContain('<Guest>');
    expect(page.body).toContain('<form id="connect" method="post" action="/connect"');
    const nets = JSON.parse((await http(rig, 'GET', '/networks')).body) as { networks: { ssid: string; rssi: number; secure: boolean }[] };
    expect(nets.networks.map((n) => n.ssid)).toEqual(['HomeNet', 'Café <Guest> & "friends"', 'Neighbour']);
    expect(nets.networks[1].secure).toBe(false);
    expect(rig.ap.calls).toEqual(['start']);
    const st = JSON.parse((await http(rig, 'GET', '/status')).body) as Record<string, unknown>;
    expect(st).toMatchObject({ phase: 'ready', session: 'started', accessPoint: true });
    expect((await http(rig, 'GET', '/portal.css')).headers['content-type']).toMatch(/^text\/css/);
    expect((await http(rig, 'GET', '/portal.js')).body).toContain('EventSource');
  });

  it('R11.5 the scan happens before the access point is raised', async () => {
    const order: string[] = [];
    const { startPortalTransport } = await import('../src/portal/transport');
    const { recordingAccessPoint } = await import('./portal-harness');
    const ap = recordingAccessPoint();
    const start = ap.start.bind(ap);
    ap.start = () => (order.push('ap-start'), start());
    const { createProvisioner } = await import('@provision/core');
    const { SimulatedClock, createMemoryStorage, createRecordingSystem, createSimulatedWifi } = await import('@provision/core/testing');
    const clock = new SimulatedClock();
    const wifi = createSimulatedWifi(clock);
    wifi.addNetwork('HomeNet', 'correct-horse');
    const prov = createProvisioner({ clock, storage: createMemoryStorage(), system: createRecordingSystem(clock), wifi });
    await prov.start();
    const portal = await startPortalTransport(prov, { port: 0, listenHost: '127.0.0.1' }, { accessPoint: ap, clock, scan: () => (order.push(`scan while AP up=${ap.isUp()}`), wifi.scan?.() ?? []) });
    expect(order).toEqual(['scan while AP up=false', 'ap-start']);
    expect(portal.networks().map((n) => n.ssid)).toEqual(['HomeNet']);
    await portal.stop();
    prov.stop();
  });

  it('PROTOCOLS §C captive-portal detection: any other Host gets a 302 to the page (Android, Apple, Windows)', async () => {
    rig = await startRig();
    for (const [host, path] of [
      ['connectivitycheck.gstatic.com', '/generate_204'],
      ['captive.apple.com', '/hotspot-detect.html'],
      ['www.msftconnecttest.com', '/connecttest.txt'],
      ['go.microsoft.com', '/fwlink/?LinkID=219472'],
      ['example.com:8080', '/'],
    ]) {
      const r = await http(rig, 'POST', path, { host });
      expect(r.status, `${host}${path}`).toBe(302);
      expect(r.headers.location).toBe(`${rig.base}/`);
    }
    // On the device itself, unknown pages lead to the page too, and the page answers 200.
    expect((await http(rig, 'GET', '/generate_204')).status).toBe(302);
    expect((await http(rig, 'GET', '/')).status).toBe(200);
    const head = await http(rig, 'HEAD', '/');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('R11.1 R11.2 wrong password → the reason in plain words, the session reset; corrected → connected with IP and next URL; AP torn down after the grace period', async () => {
    rig = await startRig();
    const ev = events(rig);
    await waitUntil(() => ev.seen.length === 1, 5000, 'first event');
    expect(ev.seen[0].phase).toBe('ready');

    const bad = await http(rig, 'POST', '/connect', json({ ssid: 'HomeNet', passphrase: 'wrong-password-1' }));
    expect(bad.status).toBe(202);
    await waitUntil(() => ev.seen.some((s) => s.phase === 'connecting'), 5000, 'connecting');
    expect(ev.seen.at(-1)?.message).toBe('Connecting to HomeNet…');
    rig.clock.advance(1000);
    await waitUntil(() => ev.seen.some((s) => s.phase === 'failed'), 5000, 'failed');
    expect(ev.seen.at(-1)?.message).toBe('The password for HomeNet was not accepted. Check it and try again.');
    expect(rig.prov.getSessionState()).toBe('started');
    expect(rig.prov.getCurState()).toBe(0);

    const good = await http(rig, 'POST', '/connect', json({ ssid: 'HomeNet', passphrase: 'correct-horse' }));
    expect(good.status).toBe(202);
    rig.clock.advance(1000);
    await waitUntil(() => ev.seen.some((s) => s.phase === 'connected'), 5000, 'connected');
    const done = ev.seen.at(-1) as { message: string; ip?: string; nextUrl?: string };
    expect(done).toMatchObject({ ip: '192.168.1.50', nextUrl: 'http://192.168.1.50/', message: "Connected to HomeNet. The device's address there is 192.168.1.50." });
    expect(rig.wifi.stored()).toMatchObject({ ssid: 'HomeNet' });
    // Success is reported while the AP is still up; after the grace period it goes (R11.3).
    expect(rig.ap.isUp()).toBe(true);
    rig.clock.advance(5000);
    await rig.portal.stopped;
    expect(rig.ap.calls).toEqual(['start', 'stop']);
    expect(rig.portal.state()).toEqual({ accessPoint: false, portal: false });
    const everything = [...ev.raw, bad.body, good.body, ...rig.logs].join('\n');
    expect(everything).not.toContain('wrong-password-1');
    expect(everything).not.toContain('correct-horse');
    ev.close();
  });

  it('R11.1 ap-not-found and transient (other) failures are named with the raw reason', async () => {
    rig = await startRig();
    const ev = events(rig);
    await http(rig, 'POST', '/connect', json({ ssid: 'Ghost', passphrase: 'whatever-1' }));
    rig.clock.advance(1000);
    await waitUntil(() => ev.seen.some((s) => s.phase === 'failed'), 5000, 'failed');
    expect(ev.seen.at(-1)?.message).toBe('Ghost was not found. Check it and try again.');
    rig.wifi.answer('other');
    await http(rig, 'POST', '/connect', json({ ssid: 'HomeNet', passphrase: 'correct-horse' }));
    // The first credentials win while their attempt is under way (R11.3).
    const second = await http(rig, 'POST', '/connect', json({ ssid: 'Neighbour', passphrase: 'something-else' }));
    expect(second.status).toBe(409);
    expect(JSON.parse(second.body).error).toBe('a connection attempt is under way; wait for its result');
    rig.clock.advance(1000);
    await waitUntil(() => ev.seen.some((s) => s.phase === 'retrying'), 5000, 'retrying');
    expect(ev.seen.at(-1)).toMatchObject({ message: 'Could not join HomeNet (ASSOC_FAIL); still trying', raw: 'ASSOC_FAIL' });
    rig.wifi.answer(undefined);
    rig.clock.advance(5000);
    rig.clock.advance(1000);
    await waitUntil(() => ev.seen.some((s) => s.phase === 'connected'), 5000, 'connected');
    ev.close();
  });

  it('R11.5 a radio without AP+STA drops the AP for the attempt and raises it again after a failure', async () => {
    rig = await startRig({}, { canBoth: false });
    const ev = events(rig);
    await http(rig, 'POST', '/connect', json({ ssid: 'HomeNet', passphrase: 'wrong-password-1' }));
    rig.clock.advance(300);
    await waitUntil(() => rig!.ap.calls.length === 2, 5000, 'AP dropped');
    expect(rig.ap.isUp()).toBe(false);
    await waitUntil(() => rig!.wifi.calls.connect === 1, 5000, 'station attempt');
    rig.clock.advance(1000);
    await waitUntil(() => rig!.ap.isUp(), 5000, 'AP raised again');
    expect(rig.ap.calls).toEqual(['start', 'stop', 'start']);
    // The phone rejoins and sees why.
    const st = JSON.parse((await http(rig, 'GET', '/status')).body) as { message: string };
    expect(st.message).toBe('The password for HomeNet was not accepted. Check it and try again.');
    ev.close();
  });

  it('the no-JavaScript form: a urlencoded POST answers 303 to the page, which shows the status and refreshes itself', async () => {
    rig = await startRig();
    // An invalid form comes back as the page with the reason (400), the passphrase not echoed.
    const inv = await http(rig, 'POST', '/connect', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'ssid=HomeNet&passphrase=short12' });
    expect(inv.status).toBe(400);
    expect(inv.headers['content-type']).toMatch(/^text\/html/);
    expect(inv.body).toContain('passphrase must be empty (open network), 8 to 63 printable ASCII characters or 64 hex digits; got 7 characters');
    expect(inv.body).not.toContain('short12');
    const r = await http(rig, 'POST', '/connect', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'ssid=HomeNet&hidden_ssid=&passphrase=wrong-password-1' });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/');
    const page = await http(rig, 'GET', '/');
    expect(page.body).toContain('Connecting to HomeNet…');
    expect(page.body).toContain('<noscript><meta http-equiv="refresh" content="3"></noscript>');
    rig.clock.advance(1000);
    expect((await http(rig, 'GET', '/')).body).toContain('The password for HomeNet was not accepted');
    // A hidden network typed by hand wins over the list.
    await http(rig, 'POST', '/connect', { headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'ssid=Neighbour&hidden_ssid=HomeNet&passphrase=correct-horse' });
    rig.clock.advance(1000);
    expect((await http(rig, 'GET', '/')).body).toContain('Connected to HomeNet');
    // Once connected, further credentials are refused.
    const late = await http(rig, 'POST', '/connect', json({ ssid: 'Neighbour', passphrase: 'something-else' }));
    expect(late.status).toBe(409);
    expect(JSON.parse(late.body).error).toBe('the device is already connected');
  });
});

describe('portal input validation (R9.2, R11.4)', () => {
  it('R9.2 invalid credentials and malformed bodies are refused with a clear reason; nothing reaches the session', async () => {
    rig = await startRig();
    const cases: [Parameters<typeof http>[3], number, RegExp][] = [
      [json({ ssid: 'HomeNet', passphrase: 'short12' }), 400, /passphrase must be empty .*8 to 63 .*got 7 characters/],
      [json({ ssid: 'x'.repeat(33), passphrase: '' }), 400, /ssid must be 1 to 32 UTF-8 bytes, got 33 bytes/],
      [json({ ssid: '', passphrase: '' }), 400, /pick a network/],
      [json({ ssid: 'HomeNet', passphrase: 'correct-horse', psk: 'x' }), 400, /unknown field "psk"/],
      [json({ ssid: 'HomeNet', passphrase: 12345678 }), 400, /passphrase must be a string/],
      [json({ ssid: 'HomeNet', hidden: 'yes' }), 400, /hidden must be true or false/],
      [json([1, 2]), 400, /JSON object/],
      [{ headers: { 'Content-Type': 'application/json' }, body: '{"ssid": "Home' }, 400, /not valid JSON/],
      [{ headers: { 'Content-Type': 'text/plain' }, body: 'ssid=HomeNet' }, 415, /application\/json/],
      [{ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ssid: 'HomeNet', passphrase: 'p'.repeat(5000) }) }, 413, /at most 4096 bytes/],
    ];
    for (const [opts, status, msg] of cases) {
      const r = await http(rig, 'POST', '/connect', opts);
      expect(r.status, String(opts?.body).slice(0, 60)).toBe(status);
      expect(JSON.parse(r.body).error).toMatch(msg);
      expect(r.body).not.toContain('short12');
    }
    expect(rig.wifi.calls.connect ?? 0).toBe(0);
    expect(rig.prov.getSessionState()).toBe('started');
    expect(rig.logs.join('\n')).not.toContain('short12');
  });

  it('R11.4 an oversized body sent in chunks without a length is cut off at the limit, and the server stays up', async () => {
    rig = await startRig();
    const url = new URL(rig.base);
    const sock = connect(Number(url.port), '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let answer = '';
    sock.on('data', (c) => (answer += c.toString()));
    const closed = new Promise((r) => sock.once('close', r));
    sock.on('error', () => undefined);
    sock.write(`POST /connect HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = 'a'.repeat(1024);
    for (let i = 0; i < 64 && !sock.destroyed; i++) sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    await closed;
    expect(answer).toMatch(/^HTTP\/1.1 413/);
    expect((await http(rig, 'GET', '/status')).status).toBe(200);
  });

  it('R11.4 malformed request lines and oversized heads get 400/431, never a crash', async () => {
    rig = await startRig();
    const url = new URL(rig.base);
    const send = (raw: string) =>
      new Promise<string>((resolve) => {
        const s = connect(Number(url.port), '127.0.0.1', () => s.write(raw));
        let out = '';
        s.on('data', (c) => (out += c.toString()));
        s.on('error', () => undefined);
        s.on('close', () => resolve(out));
      });
    expect(await send('GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1.1 400/);
    expect(await send(`GET / HTTP/1.1\r\nHost: ${url.host}\r\nX-Big: ${'y'.repeat(10_000)}\r\n\r\n`)).toMatch(/^HTTP\/1.1 431/);
    expect(await send(`GET / HTTP/1.1\r\nHost: ${url.host}\r\nContent-Length: -5\r\n\r\n`)).toMatch(/^HTTP\/1.1 400/);
    expect((await http(rig, 'GET', '/status')).status).toBe(200);
  });

  it('R11.4 a slowloris client (headers a byte at a time) is cut off by the head deadline', async () => {
    rig = await startRig({ limits: { headersTimeoutMs: 800, requestTimeoutMs: 1500, checkIntervalMs: 200 } });
    const url = new URL(rig.base);
    const s: Socket = connect(Number(url.port), '127.0.0.1');
    s.on('error', () => undefined);
    const started = Date.now();
    let closed = false;
    s.on('close', () => (closed = true));
    await new Promise((r) => s.once('connect', r));
    s.write(`GET / HTTP/1.1\r\nHost: ${url.host}\r\n`);
    const drip = setInterval(() => !s.destroyed && s.write('X-a: b\r\n'), 100);
    await waitUntil(() => closed, 10_000, 'the slow client to be cut off');
    clearInterval(drip);
    // Bounded: gone within a few deadline periods (not a speed assertion: the bound is the limit itself).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await http(rig, 'GET', '/status')).status).toBe(200);
  });

  it('R11.4 1,000 concurrent connections: at most maxConnections held, every client finishes, the server still answers', async () => {
    rig = await startRig({ limits: { maxConnections: 64, headersTimeoutMs: 2000, requestTimeoutMs: 3000, checkIntervalMs: 250, keepAliveTimeoutMs: 500 } });
    const url = new URL(rig.base);
    let peak = 0;
    const began = Date.now();
    const sample = setInterval(() => (peak = Math.max(peak, rig!.portal.server.connections())), 5);
    const outcomes = await Promise.all(
      Array.from(
        { length: 1000 },
        (_, i) =>
          new Promise<'answered' | 'refused'>((resolve) => {
            const s = connect(Number(url.port), '127.0.0.1');
            let out = '';
            s.on('connect', () => {
              // Half send a request, half sit idle like a slow client.
              if (i % 2 === 0) s.write(`GET /status HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
            });
            s.on('data', (c) => (out += c.toString()));
            s.on('error', () => undefined);
            s.on('close', () => resolve(out.startsWith('HTTP/1.1 200') ? 'answered' : 'refused'));
          }),
      ),
    );
    clearInterval(sample);
    // Bounded in time by the limits themselves (every idle client is cut off by the head deadline).
    expect(Date.now() - began).toBeLessThan(25_000);
    expect(peak).toBeLessThanOrEqual(64);
    expect(outcomes.filter((o) => o === 'answered').length).toBeGreaterThan(0);
    expect(outcomes.length).toBe(1000);
    expect(rig.portal.server.connections()).toBe(0);
    expect((await http(rig, 'GET', '/status')).status).toBe(200);
  });

  it('R11.4 event streams are capped; the stream beyond the cap gets 503', async () => {
    rig = await startRig({ maxEventStreams: 3 });
    const streams = [events(rig), events(rig), events(rig)];
    await waitUntil(() => streams.every((s) => s.seen.length === 1), 5000, 'three streams');
    expect((await http(rig, 'GET', '/events')).status).toBe(503);
    streams[0].close();
    await waitUntil(async () => (await http(rig!, 'GET', '/status')).status === 200 && streams.length === 3, 1000, 'settle');
    for (const s of streams) s.close();
  });
});

describe('sharing the server', () => {
  it('a mounted handler answers its prefix whatever the Host, before the captive redirect; declining falls through', async () => {
    rig = await startRig();
    const unmount = rig.portal.server.mount('/prov-', (req, res) => {
      if (req.url === '/prov-decline') return false;
      sendText(res, 200, `mounted ${req.url}`);
      return true;
    });
    expect((await http(rig, 'POST', '/prov-session', { host: 'wifi-prov.local' })).body).toBe('mounted /prov-session');
    expect((await http(rig, 'GET', '/prov-decline')).status).toBe(302);
    unmount();
    expect((await http(rig, 'POST', '/prov-session')).status).toBe(404);
  });
});

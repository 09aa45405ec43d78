// The portal in a real browser (Debian's chromium through puppeteer-core): redirect, list, failure, retry, success, no-JS form.
/// <reference lib="dom" />
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers';
import { startRig, type PortalRig } from './portal-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `no browser at ${CHROMIUM} (apt install chromium)`;
const MEDIA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../docs/guides/media');
// Screenshots for the guide are rewritten only on request; the test checks the committed ones' size.
const WRITE_SHOTS = process.env.PORTAL_SCREENSHOTS === '1';

const VIEWPORTS = [
  { name: 'phone', width: 360, height: 740 },
  { name: 'desktop', width: 1280, height: 800 },
] as const;

let browser: Browser;
let rig: PortalRig | undefined;

/** Every host name resolves to the portal, as the access point's wildcard DNS makes it. */
async function launch(port: number): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--host-resolver-rules=MAP * 127.0.0.1:${port}`,
    ],
  });
}

/** Layout checks: nothing wider than the viewport, every control labelled, big enough to touch. */
async function checkLayout(page: Page, width: number): Promise<void> {
  const report = await page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > window.innerWidth) out.push(`horizontal overflow: ${doc.scrollWidth} > ${window.innerWidth}`);
    for (const el of Array.from(document.querySelectorAll('main *'))) {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (r.width === 0 || r.height === 0 || style.visibility === 'hidden' || el.closest('.vh') || (el as HTMLInputElement).type === 'radio') continue;
      if (r.left < -0.5 || r.right > window.innerWidth + 0.5) out.push(`${el.tagName}#${el.id}.${el.className} spans ${r.left}..${r.right}`);
    }
    for (const el of Array.from(document.querySelectorAll('input, button, a[href]'))) {
      const input = el as HTMLInputElement;
      if (input.offsetParent === null && input.type !== 'radio') continue;
      const named = (input.labels && input.labels.length > 0) || el.getAttribute('aria-label') || (el.textContent ?? '').trim();
      if (!named) out.push(`unlabelled ${el.tagName}#${el.id}`);
      const box = (input.type === 'radio' ? (input.labels?.[0] ?? el) : el).getBoundingClientRect();
      if (box.height > 0 && box.height < 44 && el.tagName !== 'A') out.push(`${el.tagName}#${el.id} is ${box.height}px high (< 44)`);
    }
    return out;
  });
  expect(report, `layout at ${width}px`).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  for (const v of VIEWPORTS) {
    await page.setViewport({ width: v.width, height: v.height });
    await checkLayout(page, v.width);
    if (WRITE_SHOTS) await page.screenshot({ path: path.join(MEDIA, `portal-${name}-${v.width}x${v.height}.png`) as `${string}.png` });
  }
}

/** The width and height in a PNG's IHDR chunk. */
async function pngSize(file: string): Promise<[number, number]> {
  const b = await fs.readFile(file);
  return [b.readUInt32BE(16), b.readUInt32BE(20)];
}

const text = (page: Page, sel: string) => page.$eval(sel, (e) => (e.textContent ?? '').trim());

describe.skipIf(missing !== undefined)(`portal in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    if (WRITE_SHOTS) await fs.mkdir(MEDIA, { recursive: true });
  });
  afterEach(async () => {
    await browser?.close();
    await rig?.close();
    rig = undefined;
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('PROTOCOLS §C R11.2 the OS check opens the page; the list; a wrong password shows the reason; the corrected one shows success; the AP goes', async () => {
    rig = await startRig({ hostNames: ['provision.local'] });
    browser = await launch(Number(new URL(rig.base).port));
    const page = await browser.newPage();
    await page.setViewport({ width: 360, height: 740 });

    // Android's check is redirected to the page, which answers 200 (the sign-in sheet opens).
    const res = await page.goto('http://connectivitycheck.gstatic.com/generate_204');
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${rig.base}/`);
    expect(await page.title()).toBe('Connect PROV_3F2A to Wi-Fi');
    const apple = await page.goto('http://captive.apple.com/hotspot-detect.html');
    expect(apple?.status()).toBe(200);
    expect(page.url()).toBe(`${rig.base}/`);

    // The network list from the scan: names, signal, locks.
    const nets = await page.$$eval('#networks li', (lis) =>
      lis.map((li) => ({ name: li.querySelector('.name')?.textContent, locked: !!li.querySelector('svg.lock'), signal: li.querySelector('.vh')?.textContent })),
    );
    expect(nets).toEqual([
      { name: 'HomeNet', locked: true, signal: 'signal 4 of 4, secured' },
      { name: 'Café <Guest> & "friends"', locked: false, signal: 'signal 3 of 4, open' },
      { name: 'Neighbour', locked: true, signal: 'signal 1 of 4, secured' },
    ]);
    await shot(page, 'networks');

    // Focus order follows the reading order: the list (one stop), the hidden-network entry, password, show, connect.
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName || ''));
    }
    expect(order).toEqual(['net-0', 'SUMMARY', 'passphrase', 'toggle', 'submit']);

    // Show/hide the password.
    await page.type('#passphrase', 'wrong-password-1');
    await page.click('#toggle');
    expect(await page.$eval('#passphrase', (e) => (e as HTMLInputElement).type)).toBe('text');
    expect(await page.$eval('#toggle', (e) => e.getAttribute('aria-pressed'))).toBe('true');
    await page.click('#toggle');
    expect(await page.$eval('#passphrase', (e) => (e as HTMLInputElement).type)).toBe('password');

    // Wrong password: the reason on the same page, the form kept, the password field focused.
    await page.click('label[for=net-0]');
    await page.click('#submit');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Connecting to HomeNet…');
    await waitUntil(() => rig!.wifi.calls.connect === 1, 5000, 'the station attempt');
    rig.clock.advance(1000);
    await page.waitForFunction(() => document.getElementById('status')?.classList.contains('phase-failed'));
    expect(await text(page, '#status')).toBe('The password for HomeNet was not accepted. Check it and try again.');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('passphrase');
    expect(await page.$eval('#connect', (f) => (f as HTMLFormElement).hidden)).toBe(false);
    await shot(page, 'wrong-password');

    // Corrected without a reload: success and the next URL.
    await page.evaluate(() => ((document.getElementById('passphrase') as HTMLInputElement).value = ''));
    await page.type('#passphrase', 'correct-horse');
    await page.click('#submit');
    await waitUntil(() => rig!.wifi.calls.connect === 2, 5000, 'the second attempt');
    rig.clock.advance(1000);
    await page.waitForFunction(() => !(document.getElementById('done') as HTMLElement).hidden);
    expect(await text(page, '#status')).toBe("Connected to HomeNet. The device's address there is 192.168.1.50.");
    expect(await page.$eval('#next', (a) => (a as HTMLAnchorElement).href)).toBe('http://192.168.1.50/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('next');
    await shot(page, 'connected');

    // Torn down through the AccessPoint port after the grace period.
    expect(rig.ap.isUp()).toBe(true);
    rig.clock.advance(5000);
    await rig.portal.stopped;
    expect(rig.ap.calls).toEqual(['start', 'stop']);
    expect(rig.wifi.stored()?.ssid).toBe('HomeNet');
  });

  it('the form works with JavaScript disabled: POST, the status page refreshing itself, the reason', async () => {
    rig = await startRig();
    browser = await launch(Number(new URL(rig.base).port));
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false);
    await page.setViewport({ width: 360, height: 740 });
    await page.goto('http://www.msftconnecttest.com/connecttest.txt');
    expect(page.url()).toBe(`${rig.base}/`);
    // Without the script the show/hide button stays hidden; everything else is there.
    expect(await page.$eval('#toggle', (b) => (b as HTMLButtonElement).hidden)).toBe(true);
    await page.click('label[for=net-0]');
    await page.type('#passphrase', 'wrong-password-1');
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    expect(await text(page, '#status')).toBe('Connecting to HomeNet…');
    rig.clock.advance(1000);
    // The page refreshes itself (meta refresh) while connecting.
    await page.waitForNavigation({ timeout: 15_000 });
    expect(await text(page, '#status')).toBe('The password for HomeNet was not accepted. Check it and try again.');
    await checkLayout(page, 360);
    // A hidden network typed by hand.
    await page.click('#hidden-net summary');
    await page.type('#hidden-ssid', 'HomeNet');
    await page.type('#passphrase', 'correct-horse');
    await Promise.all([page.waitForNavigation(), page.click('#submit')]);
    rig.clock.advance(1000);
    await page.waitForNavigation({ timeout: 15_000 });
    expect(await text(page, '#status')).toBe("Connected to HomeNet. The device's address there is 192.168.1.50.");
    expect(await page.$eval('#done', (d) => (d as HTMLElement).hidden)).toBe(false);
  });

  it('the guide has the screenshots at 360×740 and 1280×800', async () => {
    for (const name of ['networks', 'wrong-password', 'connected']) {
      for (const v of VIEWPORTS) {
        const f = path.join(MEDIA, `portal-${name}-${v.width}x${v.height}.png`);
        expect(await pngSize(f), f).toEqual([v.width, v.height]);
      }
    }
  });
});

// The built docs site in headless Chromium: the index's one title and its link to getting started, guides in reading order, sidebar names on one line.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPng, launch, noBrowser, screenshotPath } from './browser';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const INDEX = `${ROOT}docs/site/index.html`;
const GUIDES = [
  'Getting started',
  'How provisioning works',
  "Provision from Espressif's phone app and esp_prov",
  'Provision over USB serial with Improv',
  'Provision a headless Linux board from a phone',
  'Provision an ESP32 bridge with ESP-Touch, WPS or EspBlufi',
  'The button and the LED',
  'Bad credentials and the session',
  'Troubleshooting',
  'Writing an adapter',
  'Migrating from Mongoose OS',
  "Mapping from ESP-IDF's wifi_prov_mgr",
];

describe('typedoc.json', () => {
  it('lists every guide, getting started first (the order is the sidebar\'s)', () => {
    const cfg = JSON.parse(readFileSync(`${ROOT}typedoc.json`, 'utf8')) as { projectDocuments: string[] };
    const files = readdirSync(`${ROOT}docs/guides`).filter((f) => f.endsWith('.md')).map((f) => `docs/guides/${f}`);
    expect([...cfg.projectDocuments].sort()).toEqual(files.sort());
    expect(cfg.projectDocuments[0]).toBe('docs/guides/getting-started.md');
  });
});

const noSite = existsSync(INDEX) ? undefined : 'needs the built site: run pnpm docs:api first (pnpm docs:check runs this test after it)';
const skip = noBrowser || noSite;

interface NavEntry {
  text: string;
  doc: boolean;
  lines: number;
  right: number;
}

async function open(browser: Browser, width: number): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport({ width: width, height: 900 });
  await page.goto(pathToFileURL(INDEX).href, { waitUntil: 'load' });
  // The sidebar is built by the site's script: wait for it, then open every section.
  await page.waitForSelector('.site-menu .tsd-navigation li');
  await page.evaluate(() => document.querySelectorAll('.site-menu details').forEach((d) => ((d as HTMLDetailsElement).open = true)));
  return page;
}

function entries(page: Page): Promise<{ nav: NavEntry[]; navRight: number; overflowX: string }> {
  return page.evaluate(() => {
    const navEl = document.querySelector('.site-menu .tsd-navigation') as HTMLElement;
    const nav = [...navEl.querySelectorAll('a')].map((a) => {
      const span = a.querySelector('span') || a;
      const r = span.getBoundingClientRect();
      const lh = parseFloat(getComputedStyle(span).lineHeight) || parseFloat(getComputedStyle(span).fontSize) * 1.2;
      return { text: a.textContent || '', doc: !!a.querySelector('svg[aria-label="Document"]'), lines: Math.round(r.height / lh), right: r.right };
    });
    return { nav: nav, navRight: navEl.getBoundingClientRect().right, overflowX: getComputedStyle(navEl).overflowX };
  });
}

describe.skipIf(skip !== undefined)('the built site in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
  });
  afterAll(async () => {
    if (browser) await browser.close();
  });

  it('the index shows its title once and links getting started before anything else', { timeout: 60000 }, async () => {
    const page = await open(browser, 1280);
    const r = await page.evaluate(() => {
      const visible = (e: Element): boolean => (e as HTMLElement).offsetParent !== null;
      const h1 = [...document.querySelectorAll('h1')].filter(visible).map((h) => h.textContent);
      const content = document.querySelector('.col-content .tsd-typography') as HTMLElement;
      const firstLink = [...content.querySelectorAll('a')].find((a) => visible(a) && !a.classList.contains('tsd-anchor-icon'));
      return { h1: h1, first: firstLink ? { text: firstLink.textContent, href: firstLink.getAttribute('href') } : undefined };
    });
    expect(r.h1).toEqual(['provision']);
    expect(r.first).toEqual({ text: 'Getting started', href: 'documents/Getting_started.html' });
    const shot = await page.screenshot(screenshotPath('site-index-1280.png') ? { path: screenshotPath('site-index-1280.png') as `${string}.png` } : {});
    expect(isPng(shot)).toBe(true);
    await page.close();
  });

  it('the sidebar lists the guides first, in reading order', { timeout: 60000 }, async () => {
    const page = await open(browser, 1280);
    const { nav } = await entries(page);
    const docs = nav.filter((n) => n.doc).map((n) => n.text);
    expect(docs).toEqual(GUIDES);
    // Before the API: the first entries after the project's own are the guides.
    expect(nav.slice(1, 1 + GUIDES.length).map((n) => n.text)).toEqual(GUIDES);
    await page.close();
  });

  for (const width of [1280, 1024, 800]) {
    it(`at ${width} px every API name in the sidebar is on one line, never broken mid-identifier`, { timeout: 60000 }, async () => {
      const page = await open(browser, width);
      const { nav, navRight, overflowX } = await entries(page);
      const api = nav.filter((n) => !n.doc);
      expect(api.length).toBeGreaterThan(100);
      const wrapped = api.filter((n) => n.lines > 1).map((n) => n.text);
      expect(wrapped, `names wrapped at ${width} px`).toEqual([]);
      const wider = api.filter((n) => n.right > navRight + 1).map((n) => n.text);
      // Wide screens show every name whole; a narrow sidebar scrolls sideways rather than cut one.
      if (width >= 1024) expect(wider, `names wider than the sidebar at ${width} px`).toEqual([]);
      else expect(overflowX).toBe('auto');
      const name = `site-sidebar-${width}.png`;
      const shot = await page.screenshot(screenshotPath(name) ? { path: screenshotPath(name) as `${string}.png` } : {});
      expect(isPng(shot)).toBe(true);
      await page.close();
    });
  }
});

if (skip !== undefined) {
  describe('the built site in headless Chromium', () => {
    it.skip(skip, () => undefined);
  });
}

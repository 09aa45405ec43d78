// Headless Chromium for the docs tests: Debian's /usr/bin/chromium driven by puppeteer-core, or the reason it is missing.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

/** Debian's Chromium (`apt-get install chromium`; docs/ci-setup.sh installs it). */
export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export const noBrowser = existsSync(CHROMIUM) ? undefined : `needs ${CHROMIUM}: run docs/ci-setup.sh as root (apt-get install chromium)`;

/** Start headless Chromium with nothing of its own talking to the network. */
export function launch(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * Where to keep the screenshots the tests take, so a person can look at them: the directory named by
 * DOCS_SCREENSHOTS. Undefined when unset (the screenshots are still taken and checked, not kept).
 */
export function screenshotPath(name: string): string | undefined {
  const dir = process.env.DOCS_SCREENSHOTS;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}

/** A PNG file's first bytes. */
export function isPng(b: Uint8Array): boolean {
  return b.length > 1000 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
}

// The link checker itself, on a small site with every kind of link it must accept or refuse.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLinks } from '../scripts/check-links.mjs';

const site = mkdtempSync(join(tmpdir(), 'provision-links-'));
afterAll(() => rmSync(site, { recursive: true, force: true }));

function page(path: string, body: string): void {
  mkdirSync(join(site, path, '..'), { recursive: true });
  writeFileSync(join(site, path), `<!doctype html><html><body>${body}</body></html>`);
}

describe('check-links', () => {
  it('accepts good links and reports each broken file, anchor and escape', () => {
    page('index.html', '<h2 id="intro">x</h2><a href="docs/a.html#part">a</a><a href="#intro">top</a><img src="media/d.svg"><a href="https://example.com/x#y">ext</a><a href="mailto:x@y">m</a>');
    page('docs/a.html', '<a id="part"></a><a href="../index.html#intro">back</a><a href="b.html">missing</a><a href="../index.html#nowhere">bad anchor</a><a href="../../outside.html">out</a>');
    mkdirSync(join(site, 'media'), { recursive: true });
    writeFileSync(join(site, 'media', 'd.svg'), '<svg/>');
    const r = checkLinks(site);
    expect(r.files).toBe(2);
    expect(r.links).toBe(7);
    expect(r.broken).toEqual([
      'docs/a.html: href="b.html" → missing file docs/b.html',
      'docs/a.html: href="../index.html#nowhere" → no id "nowhere" in index.html',
      'docs/a.html: href="../../outside.html" points outside the site',
    ]);
  });
});

// Fails on any broken internal link of the built documentation site: every href/src in
// docs/site/**/*.html that points inside the site must name an existing file, and its #fragment must
// be an id (or a name) in that file. External links (with a scheme, or //host) are not followed.
//
//   node docs/scripts/check-links.mjs [SITE_DIR]
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Every file below `dir`. */
function walk(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

const decode = (s) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');

/** The ids and names an HTML file defines. */
function anchorsOf(html) {
  const ids = new Set();
  for (const m of html.matchAll(/\s(?:id|name)="([^"]*)"/g)) ids.add(decode(m[1]));
  return ids;
}

/**
 * Check a built site.
 *
 * @param {string} site - the site's root folder
 * @returns {{ files: number, links: number, broken: string[] }}
 */
export function checkLinks(site) {
  const root = resolve(site);
  const pages = walk(root).filter((f) => f.endsWith('.html'));
  const anchors = new Map();
  const anchorsFor = (file) => {
    if (!anchors.has(file)) anchors.set(file, anchorsOf(readFileSync(file, 'utf8')));
    return anchors.get(file);
  };
  const broken = [];
  let links = 0;
  for (const page of pages) {
    const html = readFileSync(page, 'utf8');
    for (const m of html.matchAll(/\s(href|src)="([^"]*)"/g)) {
      const raw = decode(m[2]);
      if (raw === '' || /^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.startsWith('//')) continue;
      links++;
      const hash = raw.indexOf('#');
      const pathPart = (hash < 0 ? raw : raw.slice(0, hash)).split('?')[0];
      const fragment = hash < 0 ? '' : decodeURIComponent(raw.slice(hash + 1));
      let target = pathPart === '' ? page : resolve(dirname(page), decodeURIComponent(pathPart));
      if (existsSync(target) && statSync(target).isDirectory()) target = join(target, 'index.html');
      const from = relative(root, page);
      if (!target.startsWith(root)) {
        broken.push(`${from}: ${m[1]}="${raw}" points outside the site`);
        continue;
      }
      if (!existsSync(target)) {
        broken.push(`${from}: ${m[1]}="${raw}" → missing file ${relative(root, target)}`);
        continue;
      }
      if (fragment !== '' && target.endsWith('.html') && !anchorsFor(target).has(fragment)) {
        broken.push(`${from}: ${m[1]}="${raw}" → no id "${fragment}" in ${relative(root, target)}`);
      }
    }
  }
  return { files: pages.length, links, broken };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const site = process.argv[2] ?? fileURLToPath(new URL('../site', import.meta.url));
  if (!existsSync(join(site, 'index.html'))) {
    process.stderr.write(`check-links: no site at ${relative(process.cwd(), site) || '.'}; build it first (pnpm docs:build)\n`);
    process.exit(1);
  }
  const r = checkLinks(site);
  for (const b of r.broken) process.stderr.write(`${b}\n`);
  if (r.broken.length > 0) {
    process.stderr.write(`check-links: ${r.broken.length} broken of ${r.links} internal links in ${r.files} pages\n`);
    process.exit(1);
  }
  process.stdout.write(`check-links: ${r.links} internal links in ${r.files} pages, none broken\n`);
}

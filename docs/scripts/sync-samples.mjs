// Keeps the guides' code samples identical to the example files that CI compiles and runs.
//
// A fenced block in docs/guides/*.md that follows a marker line
//     <!-- sample: examples/guides/session.ts#session -->
// must equal that region of the file (the lines between `// #region session` and
// `// #endregion session`, common indentation removed), or the whole file when no `#region` is given.
// Every ```ts block must have a marker. `node docs/scripts/sync-samples.mjs` checks and lists every
// difference (exit 1); `--write` copies the example regions into the guides instead.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GUIDES = join(ROOT, 'docs', 'guides');
const MARKER = /^<!-- sample: (\S+?)(?:#([\w-]+))? -->$/;

/** Remove the indentation common to every non-empty line. */
function dedent(lines) {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)[0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut));
}

/**
 * The text of a sample: a region of a file, or the whole file.
 *
 * @param {string} file - path from the repository root
 * @param {string | undefined} region - region name
 * @returns {string} the sample's text, without a final newline
 */
export function sampleText(file, region) {
  const lines = readFileSync(join(ROOT, file), 'utf8').replace(/\n$/, '').split('\n');
  if (!region) return lines.join('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${region}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === `// #endregion ${region}`);
  if (start < 0 || end < 0) throw new Error(`${file} has no region "${region}" (// #region ${region} … // #endregion ${region})`);
  return dedent(lines.slice(start + 1, end)).join('\n');
}

/**
 * Every sample of every guide: where it is, what it references, and what the guide shows.
 *
 * @returns {{ guide: string, line: number, lang: string, file?: string, region?: string, shown: string }[]}
 */
export function collectSamples() {
  const out = [];
  for (const name of readdirSync(GUIDES).filter((f) => f.endsWith('.md')).sort()) {
    const guide = join(GUIDES, name);
    const lines = readFileSync(guide, 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^```(\w*)\s*$/.exec(lines[i]);
      if (!open) continue;
      const close = lines.findIndex((l, j) => j > i && l === '```');
      const marker = i > 0 ? MARKER.exec(lines[i - 1]) : null;
      out.push({
        guide: relative(ROOT, guide),
        line: i + 1,
        lang: open[1],
        ...(marker ? { file: marker[1], region: marker[2] } : {}),
        shown: lines.slice(i + 1, close).join('\n'),
      });
      i = close;
    }
  }
  return out;
}

/**
 * Check every sample; returns the problems found (empty when in sync).
 *
 * @returns {string[]}
 */
export function checkSamples() {
  const problems = [];
  for (const s of collectSamples()) {
    const where = `${s.guide}:${s.line}`;
    if (s.file === undefined) {
      if (s.lang === 'ts') problems.push(`${where}: a ts block without a "<!-- sample: FILE#REGION -->" line before it`);
      continue;
    }
    let want;
    try {
      want = sampleText(s.file, s.region);
    } catch (e) {
      problems.push(`${where}: ${e.message}`);
      continue;
    }
    if (want !== s.shown) problems.push(`${where}: differs from ${s.file}${s.region ? `#${s.region}` : ''} (run node docs/scripts/sync-samples.mjs --write)`);
  }
  return problems;
}

/** Copy every referenced region into its guide. */
function writeSamples() {
  for (const name of readdirSync(GUIDES).filter((f) => f.endsWith('.md'))) {
    const guide = join(GUIDES, name);
    const lines = readFileSync(guide, 'utf8').split('\n');
    const out = [];
    for (let i = 0; i < lines.length; i++) {
      out.push(lines[i]);
      const marker = MARKER.exec(lines[i]);
      if (!marker || !/^```/.test(lines[i + 1] || '')) continue;
      const close = lines.findIndex((l, j) => j > i + 1 && l === '```');
      out.push(lines[i + 1], sampleText(marker[1], marker[2]), '```');
      i = close;
    }
    writeFileSync(guide, out.join('\n'));
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--write')) writeSamples();
  const problems = checkSamples();
  for (const p of problems) process.stderr.write(`${p}\n`);
  if (problems.length > 0) process.exit(1);
  process.stdout.write(`samples: ${collectSamples().filter((s) => s.file).length} in sync\n`);
}

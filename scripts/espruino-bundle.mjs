// Bundles TypeScript into one module in the Espruino language subset (see the spec's ESPRUINO.md):
// esbuild, ESM output at ES2020 with `supported` overrides so that syntax Espruino lacks either fails
// the build or is lowered, then the final `export {…}` is rewritten into `module.exports = {…}`.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Syntax Espruino lacks. esbuild lowers what it can and fails the build on the rest. */
export const ESPRUINO_SUPPORTED = {
  // Fails the build (esbuild cannot lower these without runtime helpers Espruino lacks).
  'default-argument': false,
  destructuring: false,
  'rest-argument': false,
  'async-await': false,
  'async-generator': false,
  generator: false,
  'for-await': false,
  'new-target': false,
  'class-private-field': false,
  'class-private-method': false,
  'class-private-accessor': false,
  'class-private-static-field': false,
  'class-private-static-method': false,
  'class-private-static-accessor': false,
  'class-static-blocks': false,
  'regexp-named-capture-groups': false,
  'regexp-lookbehind-assertions': false,
  'regexp-unicode-property-escapes': false,
  'regexp-sticky-and-unicode-flags': false,
  // Lowered by esbuild.
  'optional-chain': false,
  'nullish-coalescing': false, // the espruino CLI's parser rejects `??`
  'logical-assignment': false,
  'exponent-operator': false,
  'class-field': false,
  'class-static-field': false,
  'object-rest-spread': false,
  'optional-catch-binding': false,
};

/** Espruino's built-in modules: never bundled. */
export const ESPRUINO_EXTERNALS = ['Storage', 'Wifi', 'Flash', 'crypto', 'heatshrink', 'net', 'http', 'ble_hid_keyboard'];

/** Rewrite esbuild's trailing `export { a, b as c };` into `module.exports = { a: a, c: b };`. */
export function toModuleExports(code) {
  const m = /export\s*\{([^}]*)\};?\s*$/.exec(code);
  if (!m) throw new Error('espruino build: expected a final export { … } statement in the bundle');
  const pairs = m[1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const parts = s.split(/\s+as\s+/);
      const local = parts[0];
      const exported = parts[1] || parts[0];
      return `${exported}: ${local}`;
    });
  const body = code.slice(0, m.index);
  if (/\bexport\s/.test(body.replace(/(["'`])(?:\\.|(?!\1)[^\\])*\1/g, ''))) {
    throw new Error('espruino build: unexpected export statement left in the bundle');
  }
  return `${body}module.exports = { ${pairs.join(', ')} };\n`;
}

/**
 * Build `entry` into `outBase.js` (readable) and `outBase.min.js` (minified).
 * @returns the byte sizes written
 */
export async function buildEspruino(entry, outBase, banner) {
  const common = {
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: 'es2020',
    platform: 'neutral',
    supported: ESPRUINO_SUPPORTED,
    external: ESPRUINO_EXTERNALS,
    conditions: ['source'],
    mainFields: ['module', 'main'],
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
    treeShaking: true,
    // Private members end in "_": mangled, so they take fewer Espruino variables.
    mangleProps: /_$/,
  };
  const sizes = {};
  for (const minify of [false, true]) {
    const res = await build({ ...common, minify, keepNames: false });
    let code = toModuleExports(res.outputFiles[0].text);
    if (banner) code = `/* ${banner} */\n${code}`;
    const file = `${outBase}${minify ? '.min' : ''}.js`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
    sizes[file] = Buffer.byteLength(code);
  }
  return sizes;
}

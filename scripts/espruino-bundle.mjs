// Bundles TypeScript into one module in the Espruino language subset (see the spec's ESPRUINO.md):
// esbuild, ESM output at ES2020 with `supported` overrides so that syntax Espruino lacks either fails
// the build or is lowered, then the final `export {…}` is rewritten into `module.exports = {…}`.
import { parse } from 'acorn';
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

/** Calls `fn(child, parent)` for each AST node directly below `n`. */
function eachChild(n, fn) {
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (Array.isArray(v)) v.forEach((c) => c && typeof c.type === 'string' && fn(c, n));
    else if (v && typeof v.type === 'string') fn(v, n);
  }
}

/** Whether `pred` holds for `n` or any node below it. */
function anyNode(n, pred) {
  if (pred(n)) return true;
  let found = false;
  eachChild(n, (c) => {
    found = found || anyNode(c, pred);
  });
  return found;
}

const isFunction = (n) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';

/**
 * Moves the parameters of the innermost non-arrow functions into `var` declarations read from
 * `arguments`: `function f(a, b) {…}` becomes `function f() {var a = arguments[0], b = arguments[1];…}`.
 *
 * Why: Espruino stores each declared parameter's name as one more variable of the function object, for
 * as long as the function exists (a module's functions exist as long as the module is loaded), while
 * a local declared in the body costs nothing until a call. One variable per parameter, about a tenth
 * of a loaded module; the price is a few bytes of flash per function. Arrow functions have no
 * `arguments` of their own and setters need their one parameter: both are left alone, as is any
 * function that already reads `arguments` or has a parameter that is not a plain name.
 *
 * Espruino (2v29) caches `arguments` as a variable of the calling function's scope, so a function
 * nested in one that read `arguments` finds the outer function's arguments instead of its own: only a
 * function with no parameterised `function` inside it is rewritten (the innermost ones), so no
 * rewritten function ever encloses another.
 */
export function paramsToArguments(code) {
  const ast = parse(code, { ecmaVersion: 2022, sourceType: 'script' });
  const edits = [];
  const walk = (n, parent) => {
    const isSetter = parent && (parent.type === 'MethodDefinition' || parent.type === 'Property') && parent.kind === 'set';
    if (
      isFunction(n) &&
      !isSetter &&
      n.params.length > 0 &&
      n.params.every((p) => p.type === 'Identifier') &&
      !anyNode(n.body, (x) => x.type === 'Identifier' && x.name === 'arguments') &&
      !anyNode(n.body, (x) => isFunction(x) && x.params.length > 0)
    ) {
      const decl = n.params.map((p, i) => `${p.name}=arguments[${i}]`).join(',');
      edits.push({ start: n.body.start + 1, end: n.body.start + 1, text: `var ${decl};` });
      edits.push({ start: n.params[0].start, end: n.params[n.params.length - 1].end, text: '' });
    }
    eachChild(n, walk);
  };
  walk(ast, undefined);
  edits.sort((a, b) => b.start - a.start);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
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
    let code = paramsToArguments(toModuleExports(res.outputFiles[0].text));
    if (banner) code = `/* ${banner} */\n${code}`;
    const file = `${outBase}${minify ? '.min' : ''}.js`;
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
    sizes[file] = Buffer.byteLength(code);
  }
  return sizes;
}

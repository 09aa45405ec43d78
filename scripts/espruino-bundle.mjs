// Bundles TypeScript into one module in the Espruino language subset (see the spec's ESPRUINO.md):
// esbuild, ESM output at ES2020 with `supported` overrides so that syntax Espruino lacks either fails
// the build or is lowered; for a board-sized build, the members it does not carry removed
// (espruino-strip.mjs); private functions folded into dispatchers (espruino-dispatch.mjs); arrow
// functions given a local instead of `this` (espruino-arrows.mjs: the debug interpreter asserts on
// them otherwise), then minified; parameters moved into locals read from `arguments`; the final
// `export {…}` rewritten into `module.exports = {…}`, and checked to hold no arrow using `this`. The
// rewrites only lower the RAM the module takes on Espruino, or keep it correct there.
import { parse } from 'acorn';
import { build, transform } from 'esbuild';
import { captureArrowThis, checkNoArrowThis } from './espruino-arrows.mjs';
import { inlineConstants } from './espruino-constants.mjs';
import { applyEdits, eachChild, foldModuleFunctions, foldPrivateMethods, within } from './espruino-dispatch.mjs';
import { stripClassMembers, stripObjectKeys } from './espruino-strip.mjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

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

/** Whether `pred` holds for any node below `n`. */
const anyNode = (n, pred) => within(n, pred, false).length > 0;

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
 * function with no parameterised `function` inside it, and inside no function that reads `arguments`,
 * is rewritten (the innermost ones), so no rewritten function ever encloses another.
 */
export function paramsToArguments(code) {
  const ast = parse(code, { ecmaVersion: 2022, sourceType: 'script' });
  const edits = [];
  const readsArguments = (n) => anyNode(n.body, (x) => x.type === 'Identifier' && x.name === 'arguments');
  const walk = (n, parent, outerReads) => {
    const isSetter = parent && (parent.type === 'MethodDefinition' || parent.type === 'Property') && parent.kind === 'set';
    const fn = isFunction(n) || n.type === 'ArrowFunctionExpression';
    if (
      isFunction(n) &&
      !outerReads &&
      !isSetter &&
      n.params.length > 0 &&
      n.params.every((p) => p.type === 'Identifier') &&
      !readsArguments(n) &&
      !anyNode(n.body, (x) => isFunction(x) && x.params.length > 0)
    ) {
      const decl = n.params.map((p, i) => `${p.name}=arguments[${i}]`).join(',');
      edits.push({ start: n.body.start + 1, end: n.body.start + 1, text: `var ${decl};` });
      edits.push({ start: n.params[0].start, end: n.params[n.params.length - 1].end, text: '' });
    }
    const reads = outerReads || (fn && readsArguments(n));
    eachChild(n, (c, p) => walk(c, p, reads));
  };
  walk(ast, undefined, false);
  return applyEdits(code, edits);
}

/**
 * An esbuild plugin that resolves a relative import of file `from` (absolute, with its extension) to
 * file `to` instead, for each pair of `map`.
 */
function replaceModules(map) {
  return {
    name: 'espruino-replace-modules',
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const base = resolve(dirname(args.importer), args.path);
        for (const ext of ['', '.ts', '.js']) if (map[base + ext]) return { path: map[base + ext] };
        return undefined;
      });
    },
  };
}

/**
 * Largest total of function-body characters folded into one dispatcher. Espruino reads a function's
 * whole text on every call, so a call of a folded function costs reading its dispatcher: a smaller cap
 * keeps calls fast, a larger one saves more variables. Measured on the adapter's module (Puck layout;
 * a state change timed on the host interpreter): no folding 1,104 variables, 1.8 ms; 500 → 980, 2.9 ms;
 * 1,000 → 937, 3.3–4 ms; 2,000 → 912, 5 ms; unlimited → 887, 11.5 ms. The LED blink step stays 0.5 ms
 * throughout: its path is never folded (`hot` below).
 */
export const FOLD_MAX_CHARS = 1000;

/**
 * The cap for functions off the state-change path (`WARM` below): a factory reset, the session, the
 * configuration's checks, Wi-Fi. They run rarely, and larger dispatchers save variables: on the Wi-Fi
 * module 2,000 saves 30 variables (3,000: 40, with a slower start), where one cap of 1,500 or 2,000 for
 * all slowed a state change from 3.2 to 4.4–6 ms.
 */
export const COLD_FOLD_MAX_CHARS = 2000;

/**
 * What a state change (`setCurState`, `setMaxState`) runs, with the record write it may make: kept in
 * dispatchers of at most FOLD_MAX_CHARS. Source names (methods with their trailing `_`).
 */
/**
 * Private methods never folded: the provisioner's `emit_` runs at every state change and every event,
 * and as a method of its own it is reached at once (folded, it made a state change 10 % slower).
 */
export const KEEP = ['emit_'];

export const WARM = [
  'checkState',
  'isIntIn',
  'known_',
  'applyCur_',
  'flush_',
  'emitState_',
  'showState_',
  'patternFor',
  'updateTimeout_',
  'cancelTimeout_',
  'enqueueWrite_',
  'after',
  'isThenable',
  'storageModule',
  'newestSlot',
  'writeSlots',
];

/**
 * Build `entry` into `outBase.js` (readable) and `outBase.min.js` (minified).
 * @param hot names of module-level functions, classes or objects on the steady-state path (the LED
 *   blink, the clock): they, and everything they refer to, are never folded into a dispatcher.
 * @param options what a board-sized build leaves out: `replace` maps a source file (absolute path) to
 *   the file built in its place; `strip: { className, drop, empty, objects, dropFrom }` removes public
 *   methods of a class, empties private ones, removes keys of object literals (`objects`: variable
 *   name → keys) and the named methods of other classes (`dropFrom`: class name → methods; see
 *   espruino-strip.mjs).
 * @returns the byte sizes written
 */
export async function buildEspruino(entry, outBase, banner, hot, options) {
  const opt = options || {};
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
    // A board-sized build puts a module of its own in place of one it does not carry.
    plugins: opt.replace ? [replaceModules(opt.replace)] : [],
  };
  const res = await build({ ...common, minify: false, keepNames: false, mangleCache: {} });
  const privateNames = new Set(Object.values(res.mangleCache).filter((v) => typeof v === 'string'));
  const roots = new Set(hot || []);
  // Mangled names for the warm methods: the folding sees the bundle's names.
  const limits = {
    warm: new Set(WARM.map((n) => (typeof res.mangleCache[n] === 'string' ? res.mangleCache[n] : n))),
    warmMax: FOLD_MAX_CHARS,
    coldMax: COLD_FOLD_MAX_CHARS,
    keep: new Set(KEEP.map((n) => (typeof res.mangleCache[n] === 'string' ? res.mangleCache[n] : n))),
  };
  let text = res.outputFiles[0].text;
  if (opt.strip) {
    // A board-sized build: members it does not carry are removed, then what only they used.
    const st = opt.strip;
    if (st.objects) for (const [name, keys] of Object.entries(st.objects)) text = stripObjectKeys(text, name, keys);
    const mangled = (n) => (typeof res.mangleCache[n] === 'string' ? res.mangleCache[n] : n);
    // Until nothing changes: tree shaking can drop the last user of another private method.
    for (let prev = '', pass = 0; text !== prev; pass++) {
      prev = text;
      text = stripClassMembers(text, st.className, pass ? [] : st.drop || [], pass ? [] : (st.empty || []).map(mangled), privateNames);
      // Public methods of other classes that nothing calls and no user can reach (the emitter's listener count).
      for (const [name, members] of Object.entries(st.dropFrom || {})) text = stripClassMembers(text, name, pass ? [] : members, [], privateNames);
      text = (await transform(text, { format: 'esm', target: 'es2020', supported: ESPRUINO_SUPPORTED, treeShaking: true, legalComments: 'none' })).code;
    }
  }
  // Module-level number constants become numbers in the code that reads them (espruino-constants.mjs).
  text = inlineConstants(text).code;
  // Methods first: a function whose body then holds a method dispatcher (which reads `arguments`) is
  // not folded into a module dispatcher, where it would find the wrong `arguments`.
  const methods = foldPrivateMethods(text, privateNames, limits, roots);
  // No arrow function may mention `this` (the debug interpreter asserts where one is parsed but not
  // run, as in a dispatcher's cases not taken): see espruino-arrows.mjs.
  const folded = captureArrowThis(foldModuleFunctions(methods, limits, roots));
  // Minified after folding: the dispatchers' cases get short local names like any other function.
  const minified = await transform(folded, {
    format: 'esm',
    target: 'es2020',
    supported: ESPRUINO_SUPPORTED,
    minify: true,
    legalComments: 'none',
  });
  const sizes = {};
  for (const [suffix, text] of [['', folded], ['.min', minified.code]]) {
    let code = paramsToArguments(toModuleExports(text));
    if (banner) code = `/* ${banner} */\n${code}`;
    const file = `${outBase}${suffix}.js`;
    checkNoArrowThis(code, file);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, code);
    sizes[file] = Buffer.byteLength(code);
  }
  // The bundles assign module.exports: CommonJS, in packages whose .js files are ESM ("type":
  // "module"). This folder's own package.json says so to Node's require() and to bundlers.
  writeFileSync(`${dirname(outBase)}/package.json`, `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
  return sizes;
}

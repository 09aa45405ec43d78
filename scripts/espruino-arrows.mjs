// Arrow functions and `this` in the Espruino build (see scripts/espruino-bundle.mjs): the rewrite that
// gives every arrow function a captured local instead of `this`, and the check that none is left.
//
// Espruino (2v29) decides while parsing an arrow function's body whether it mentions `this` (any
// `this` token in it, even one inside a nested `function`), and if so stores the `this` of its
// definition in the new function object. Code that is parsed but not executed (a `switch` case not
// taken, the right side of `&&`/`||` not evaluated, a `?:` branch not taken, an unbraced `if` branch,
// the rest of an expression after a throw) has no function object: the debug interpreter then stops at
// `ASSERT(jsvHasChildren(obj))` (the release build skips the store). The dispatchers of
// espruino-dispatch.mjs put every folded function into a case not taken on most calls, and which
// expressions an exception cuts short is a matter of run time, so the build leaves no arrow function
// with a `this` token at all: the nearest enclosing `function` gets `var $t = this;` and the arrows use
// `$t`. On the memory side this is even: an arrow that mentions `this` costs one variable for the
// stored `this` for as long as it exists, the local costs one per call of the enclosing function.
import { parse } from 'acorn';
import { applyEdits, eachChild } from './espruino-dispatch.mjs';

const isFunction = (n) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression';

/** A name of the form `$t`, `$t0`, `$t1`… not used anywhere in `code`. */
function freshThisName(code) {
  for (let i = -1; ; i++) {
    const name = i < 0 ? '$t' : `$t${i}`;
    if (!new RegExp(`\\${name}\\b`).test(code)) return name;
  }
}

/** Line and column of character `pos` in `code`, for messages. */
function where(code, pos) {
  const before = code.slice(0, pos).split('\n');
  return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
}

/**
 * The arrow functions of `code` whose text holds a `this` token (what Espruino stores a `this` for),
 * each as `{ start, end, at }` (`at`: its line and column).
 */
export function arrowsUsingThis(code) {
  const ast = parse(code, { ecmaVersion: 2022, sourceType: 'module' });
  const found = [];
  const walk = (n, arrows) => {
    const inner = n.type === 'ArrowFunctionExpression' ? arrows.concat([n]) : arrows;
    if (n.type === 'ThisExpression') for (const a of arrows) if (!found.includes(a)) found.push(a);
    eachChild(n, (c) => walk(c, inner));
  };
  walk(ast, []);
  return found.sort((a, b) => a.start - b.start).map((a) => ({ start: a.start, end: a.end, at: where(code, a.start) }));
}

/**
 * Throws when an arrow function in `code` holds a `this` token (see the file comment): the build fails
 * rather than ship a module the debug interpreter stops on.
 */
export function checkNoArrowThis(code, what) {
  const bad = arrowsUsingThis(code);
  if (!bad.length) return;
  const list = bad.slice(0, 5).map((b) => `${b.at}: ${code.slice(b.start, Math.min(b.end, b.start + 60))}`);
  throw new Error(
    `espruino build: ${bad.length} arrow function(s) in ${what || 'the bundle'} use \`this\`, which trips Espruino's ` +
      `ASSERT(jsvHasChildren(obj)) where the arrow is parsed but not run (use a local set from \`this\` instead):\n  ${list.join('\n  ')}`,
  );
}

/**
 * Rewrites every arrow function that uses the `this` of its enclosing function into one using a local
 * of that function set from `this` at its start: `m() { f(() => this.x); }` becomes
 * `m() {var $t=this; f(() => $t.x); }`. The same name serves every function (each declares its own).
 * A `this` inside a nested `function` in an arrow is that function's own and cannot be renamed: left
 * for {@link checkNoArrowThis} to report, as is an arrow at module level or in a constructor that
 * calls `super` (where `this` is not yet bound at the start).
 */
export function captureArrowThis(code) {
  const ast = parse(code, { ecmaVersion: 2022, sourceType: 'module' });
  const name = freshThisName(code);
  const edits = [];
  const hosts = new Set();
  const hasSuperCall = (fn) => {
    let found = false;
    const walk = (n) => {
      if (n.type === 'CallExpression' && n.callee.type === 'Super') found = true;
      eachChild(n, (c) => !isFunction(c) && walk(c));
    };
    walk(fn.body);
    return found;
  };
  // `host`: the nearest non-arrow function; `inArrow`: whether an arrow lies between it and `n`.
  const walk = (n, host, inArrow) => {
    if (n.type === 'ThisExpression' && inArrow && host && !hasSuperCall(host)) {
      edits.push({ start: n.start, end: n.end, text: name });
      hosts.add(host);
    }
    const h = isFunction(n) ? n : host;
    const a = isFunction(n) ? false : inArrow || n.type === 'ArrowFunctionExpression';
    eachChild(n, (c) => walk(c, h, a));
  };
  walk(ast, undefined, false);
  for (const fn of hosts) edits.push({ start: fn.body.start + 1, end: fn.body.start + 1, text: `var ${name}=this;` });
  return applyEdits(code, edits);
}

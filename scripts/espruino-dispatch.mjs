// Folds private functions into dispatchers for the Espruino build (see scripts/espruino-bundle.mjs).
//
// Espruino keeps every function that exists as about five variables of RAM (the function, its code
// reference, its scope link and the name it is bound to); the code itself stays in flash when the
// module is loaded from Storage. A module made of many small private functions therefore costs RAM in
// proportion to how many there are, not to how much they do. This rewrite keeps the source readable and
// changes only the built module: private functions that are only ever *called* become cases of one
// dispatcher function taking the case number first.
//
//   function isObject(v) { … }          function $0() { var $1 = arguments;
//   function describe(v) { … }    →       switch ($1[0]) { case 0: { var v = $1[1]; … } return;
//   describe(x);                                           case 1: { var v = $1[1]; … } return; } }
//                                        $0(1, x);
//
// and the same inside each class for its private methods (`this.b_(x)` → `this.$2(1, x)`).
//
// A function is folded only when the rewrite is provably invisible:
// - every reference is a direct call or a `.bind(x, …)` of it, which becomes `$0.bind(x, k, …)` (never
//   a value passed on, stored, exported, or `new`ed);
// - it reads neither `arguments` nor `super`/`new.target`, is neither async nor a generator, has plain
//   named parameters and holds no class (see `foldable`). A function declared in its body is fine:
//   Espruino hoists nothing and creates it when the statement runs, which only its own case does;
// - module functions do not use `this`; methods are private (their names were mangled from a trailing
//   `_`, so no code outside the bundle knows them), and the name is either defined by this one class
//   only (then every `x.name(…)` call is a call of it) or called only as `this.name(…)` from the
//   class's own methods; in a class that extends or is extended, only the first (no override exists);
// - no name declared in its function scope is read as a free name by another folded function (in the
//   dispatcher they share one function scope).
// Cases are ordered smallest first: Espruino finds a case by reading past the bodies before it, so small
// (and hot) functions stay quick to reach.
import { parse } from 'acorn';
import { analyze } from 'eslint-scope';

/** Calls `fn(child, parent)` for each AST node directly below `n`. */
export function eachChild(n, fn) {
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (Array.isArray(v)) v.forEach((c) => c && typeof c.type === 'string' && fn(c, n));
    else if (v && typeof v.type === 'string') fn(v, n);
  }
}

/** Parses `code` and records each node's parent. */
function parseWithParents(code) {
  const ast = parse(code, { ecmaVersion: 2022, sourceType: 'module', ranges: true });
  const parent = new Map();
  const all = [];
  const walk = (n) => {
    all.push(n);
    eachChild(n, (c) => {
      parent.set(c, n);
      walk(c);
    });
  };
  walk(ast);
  return { ast, parent, all };
}

/** Nodes below `n` that belong to `n`'s own function body (nested non-arrow functions excluded when `ownOnly`). */
export function within(n, pred, ownOnly) {
  const found = [];
  const walk = (x) => {
    if (pred(x)) found.push(x);
    eachChild(x, (c) => {
      if (ownOnly && (c.type === 'FunctionDeclaration' || c.type === 'FunctionExpression')) return;
      walk(c);
    });
  };
  eachChild(n, walk);
  return found;
}

/** Whether a function's body can become a dispatcher case without changing what it does. */
function foldable(fn, allowThis) {
  if (fn.async || fn.generator) return false;
  if (!fn.params.every((p) => p.type === 'Identifier')) return false;
  const body = fn.body;
  if (within(body, (x) => x.type === 'Identifier' && x.name === 'arguments', false).length) return false;
  if (within(body, (x) => x.type === 'Super' || x.type === 'MetaProperty', false).length) return false;
  // Espruino caches `arguments` in the scope of the call that read it, where every function nested in
  // the dispatcher would find it instead of its own: no class (whose methods may be folded too) inside.
  if (within(body, (x) => x.type === 'ClassExpression' || x.type === 'ClassDeclaration', false).length) return false;
  if (!allowThis && within(body, (x) => x.type === 'ThisExpression', true).length) return false;
  return true;
}

/** Names not used anywhere in `code`, of the form `$0`, `$1`, …. */
function freshNames(code) {
  let i = 0;
  return () => {
    while (new RegExp(`\\$${i}\\b`).test(code)) i++;
    return `$${i++}`;
  };
}

/** Applies non-overlapping `{start, end, text}` edits. */
export function applyEdits(code, edits) {
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  let out = code;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/**
 * The call `f.bind(x, …)` when `ref` is the `f` in it with at least the first argument: a bound
 * function, which Espruino makes of about four variables (a closure costs its scope as well).
 */
function bindCallOf(ref, parent) {
  const m = parent.get(ref);
  if (!m || m.type !== 'MemberExpression' || m.object !== ref || m.computed || m.property.name !== 'bind') return undefined;
  const call = parent.get(m);
  return call && call.type === 'CallExpression' && call.callee === m && !call.optional && call.arguments.length ? call : undefined;
}

/**
 * Edits turning the call `call` into a call of dispatcher case `k` of `target` (new callee text), or,
 * for `f.bind(x, …)`, into `target.bind(x, k, …)`.
 */
function callEdits(call, calleeNode, target, k) {
  if (call.bound) return [{ start: calleeNode.start, end: calleeNode.end, text: target }, { start: call.arguments[0].end, end: call.arguments[0].end, text: `,${k}` }];
  const edits = [{ start: calleeNode.start, end: calleeNode.end, text: target }];
  if (call.arguments.length) edits.push({ start: call.arguments[0].start, end: call.arguments[0].start, text: `${k},` });
  else edits.push({ start: calleeNode.end, end: call.end, text: `(${k})` });
  return edits;
}

/**
 * The size caps of dispatchers: a number (one cap for every function), or `{ warm, warmMax, coldMax,
 * keep }`: functions named in `warm` (source names of module functions, mangled names of methods)
 * share dispatchers of at most `warmMax` characters among themselves, all others dispatchers of
 * `coldMax`; methods named in `keep` are never folded.
 * Espruino reads past the cases before the one called, so code that runs often (a state change) wants
 * small dispatchers, code that runs rarely (a factory reset, a session) saves more in large ones.
 */
function capOf(limits, name) {
  if (typeof limits === 'number') return limits;
  return limits.warm.has(name) ? limits.warmMax : limits.coldMax;
}

/**
 * Groups candidates into dispatchers, first fit by decreasing size: each group's bodies together stay
 * within their cap (see capOf; warm and cold functions never share one), and no name declared in one
 * member's scope is read as a free name by another (in a dispatcher they share one function scope).
 * Groups of one are dropped: nothing to gain. Each group's members are returned smallest first.
 * @param cands `{ fn, size, name }[]`; @param scopeOf maps a function node to its eslint-scope scope.
 */
function groupCandidates(cands, scopeOf, limits) {
  const groups = [];
  for (const c of [...cands].sort((a, b) => b.size - a.size)) {
    const maxSize = capOf(limits, c.name);
    if (c.size > maxSize) continue;
    const declared = new Set(scopeOf(c.fn).variables.map((v) => v.name).filter((n) => n !== 'arguments'));
    const free = new Set(scopeOf(c.fn).through.map((r) => r.identifier.name));
    const fits = (g) =>
      g.maxSize === maxSize &&
      g.size + c.size <= maxSize &&
      !g.members.some((p) => [...p.declared].some((n) => free.has(n)) || [...declared].some((n) => p.free.has(n)));
    let g = groups.find(fits);
    if (!g) groups.push((g = { size: 0, maxSize, members: [] }));
    g.members.push({ ...c, declared, free });
    g.size += c.size;
  }
  return groups.filter((g) => g.members.length > 1).map((g) => g.members.reverse());
}

/** The dispatcher's body: `var A = arguments; switch (A[0]) { case 0: {…} return; … }`. */
function dispatcherBody(code, fns, argsName) {
  const cases = fns.map((fn, k) => {
    const params = fn.params.map((p, i) => `${p.name}=${argsName}[${i + 1}]`).join(',');
    const inner = code.slice(fn.body.start + 1, fn.body.end - 1);
    return `case ${k}:{${params ? `var ${params};` : ''}${inner}\n}return;`;
  });
  return `{var ${argsName}=arguments;switch(${argsName}[0]){${cases.join('')}}}`;
}

/**
 * The module-level bindings on a hot path: the `roots` (names of module-level functions, classes or
 * objects) and every module-level binding their code refers to, transitively. Throws when a root is
 * missing, so a renamed function cannot silently lose its protection.
 */
function hotClosure(ast, manager, roots) {
  const moduleScope = manager.scopes.find((s) => s.type === 'module');
  const declOf = new Map();
  for (const v of moduleScope.variables) {
    const def = v.defs[0];
    if (def) declOf.set(v.name, def.node);
  }
  const missing = [...roots].filter((r) => !declOf.has(r));
  if (missing.length) throw new Error(`espruino build: hot-path names not found in the bundle: ${missing.join(', ')}`);
  const hot = new Set();
  const todo = [...roots];
  while (todo.length) {
    const name = todo.pop();
    if (hot.has(name)) continue;
    hot.add(name);
    const node = declOf.get(name);
    // Every scope inside the declaration: references from it that resolve to module-level bindings.
    for (const scope of manager.scopes) {
      if (scope.block.start < node.start || scope.block.end > node.end) continue;
      for (const ref of scope.references) {
        if (ref.resolved && ref.resolved.scope === moduleScope && !hot.has(ref.resolved.name)) todo.push(ref.resolved.name);
      }
    }
  }
  return hot;
}

function scopeLookup(ast) {
  const manager = analyze(ast, { ecmaVersion: 2022, sourceType: 'module', fallback: 'iteration' });
  return { manager, scopeOf: (fn) => manager.acquire(fn, true) };
}

/** Folds module-level function declarations that are only ever called. */
export function foldModuleFunctions(code, limits, hotRoots) {
  const { ast, parent } = parseWithParents(code);
  const { manager, scopeOf } = scopeLookup(ast);
  const keep = hotClosure(ast, manager, hotRoots);
  const moduleScope = manager.scopes.find((s) => s.type === 'module');
  const cands = [];
  for (const fn of ast.body) {
    if (fn.type !== 'FunctionDeclaration' || keep.has(fn.id.name) || !foldable(fn, false)) continue;
    const variable = moduleScope.set.get(fn.id.name);
    if (!variable || variable.defs.length !== 1) continue;
    const refs = variable.references;
    const calls = refs.map((r) => {
      const p = parent.get(r.identifier);
      if (p && p.type === 'CallExpression' && p.callee === r.identifier && !p.optional) return p;
      const bound = bindCallOf(r.identifier, parent);
      return bound && { bound: true, arguments: bound.arguments };
    });
    if (!refs.length || calls.some((c) => !c)) continue;
    cands.push({ fn, name: fn.id.name, size: fn.body.end - fn.body.start, calls, refs });
  }
  const groups = groupCandidates(cands, scopeOf, limits).map((picked) => ({ picked }));
  if (!groups.length) return code;
  const next = freshNames(code);
  const argsName = next();
  for (const g of groups) g.name = next();
  const edits = [];
  for (const g of groups) {
    g.picked.forEach((c, k) => c.refs.forEach((r, i) => edits.push(...callEdits(c.calls[i], r.identifier, g.name, k))));
  }
  const renamed = applyEdits(code, edits);
  // Second pass on the rewritten text: move the bodies (which may contain rewritten calls) into the dispatchers.
  const again = parse(renamed, { ecmaVersion: 2022, sourceType: 'module', ranges: true });
  const byName = new Map(again.body.filter((n) => n.type === 'FunctionDeclaration').map((n) => [n.id.name, n]));
  const moves = [];
  for (const g of groups) {
    const fns = g.picked.map((c) => byName.get(c.fn.id.name));
    for (const fn of fns) moves.push({ start: fn.start, end: fn.end, text: '' });
    moves.push({ start: 0, end: 0, text: `function ${g.name}()${dispatcherBody(renamed, fns, argsName)}\n` });
  }
  return applyEdits(renamed, moves);
}

/** The class body whose instance `this` is at `node`: the nearest non-arrow function must be a method. */
function methodClassOf(node, parent) {
  let n = parent.get(node);
  while (n && n.type !== 'FunctionExpression' && n.type !== 'FunctionDeclaration') n = parent.get(n);
  const def = n && parent.get(n);
  if (!def || def.type !== 'MethodDefinition' || def.static) return undefined;
  return parent.get(def);
}

/** Folds each class's private methods (names in `privateNames`) that are only called as `this.name(…)`. */
export function foldPrivateMethods(code, privateNames, limits, hotRoots) {
  const { ast, parent, all } = parseWithParents(code);
  const { manager, scopeOf } = scopeLookup(ast);
  const keep = hotClosure(ast, manager, hotRoots);
  const classes = all.filter((n) => n.type === 'ClassDeclaration' || n.type === 'ClassExpression');
  const extended = new Set(classes.filter((c) => c.superClass).flatMap((c) => [c, c.superClass.name]));
  const classNames = new Map(
    classes.map((c) => {
      const p = parent.get(c);
      return [c, c.id ? c.id.name : p && p.type === 'VariableDeclarator' ? p.id.name : undefined];
    }),
  );
  // Every use of each private name as a property, anywhere.
  const uses = new Map();
  const use = (name, node) => {
    if (!uses.has(name)) uses.set(name, []);
    uses.get(name).push(node);
  };
  for (const n of all) {
    if (n.type === 'MemberExpression') {
      if (!n.computed && n.property.type === 'Identifier') use(n.property.name, n);
      else if (n.computed && n.property.type === 'Literal' && typeof n.property.value === 'string') use(n.property.value, n);
    } else if ((n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && !n.computed) {
      use(n.key.type === 'Identifier' ? n.key.name : String(n.key.value), n);
    }
  }
  const next = freshNames(code);
  const plans = [];
  for (const cls of classes) {
    if (keep.has(classNames.get(cls))) continue;
    // In a class hierarchy only a name no other class defines is folded: then no override can exist.
    const inHierarchy = extended.has(cls) || extended.has(classNames.get(cls));
    const cands = [];
    for (const def of cls.body.body) {
      if (def.type !== 'MethodDefinition' || def.kind !== 'method' || def.static || def.computed) continue;
      const name = def.key.name;
      if (!privateNames.has(name) || !foldable(def.value, true) || (typeof limits === 'object' && limits.keep && limits.keep.has(name))) continue;
      // Defined once: then `x.name(…)` on any receiver can only be this class's method (private names
      // are mangled, so nothing outside the bundle has them); otherwise only `this.name(…)` calls from
      // this class's own methods are known to reach it.
      const defs = uses.get(name).filter((u) => u.type !== 'MemberExpression');
      const unique = defs.length === 1;
      if (inHierarchy && !unique) continue;
      const calls = [];
      const ok = uses.get(name).every((u) => {
        if (u === def) return true;
        // Another class's method of the same name is fine; an object literal key or a field is not.
        if (u.type === 'MethodDefinition') return !unique;
        if (u.type !== 'MemberExpression' || u.computed) return false;
        const direct = parent.get(u);
        const bound = bindCallOf(u, parent);
        const call = direct && direct.type === 'CallExpression' && direct.callee === u && !direct.optional ? direct : bound && { bound: true, arguments: bound.arguments };
        if (!call) return false;
        if (!unique && (u.object.type !== 'ThisExpression' || methodClassOf(u, parent) !== cls.body)) return false;
        calls.push({ call, member: u });
        return true;
      });
      if (ok) cands.push({ fn: def.value, def, name, size: def.value.body.end - def.value.body.start, calls });
    }
    for (const picked of groupCandidates(cands, scopeOf, limits)) plans.push({ cls, picked, name: next(), argsName: next() });
  }
  if (!plans.length) return code;
  const edits = [];
  for (const plan of plans) {
    plan.picked.forEach((c, k) =>
      c.calls.forEach(({ call, member }) => edits.push(...callEdits(call, member.property, plan.name, k))),
    );
  }
  const renamed = applyEdits(code, edits);
  // Second pass: the same classes, found again by position order, get their dispatcher.
  const again = parseWithParents(renamed);
  const classesAgain = again.all.filter((n) => n.type === 'ClassDeclaration' || n.type === 'ClassExpression');
  const moves = [];
  for (const plan of plans) {
    const cls = classesAgain[classes.indexOf(plan.cls)];
    const names = new Set(plan.picked.map((c) => c.def.key.name));
    const defs = new Map(cls.body.body.filter((d) => d.type === 'MethodDefinition' && names.has(d.key.name)).map((d) => [d.key.name, d]));
    const fns = plan.picked.map((c) => defs.get(c.def.key.name).value);
    for (const d of defs.values()) moves.push({ start: d.start, end: d.end, text: '' });
    moves.push({ start: cls.body.end - 1, end: cls.body.end - 1, text: `${plan.name}()${dispatcherBody(renamed, fns, plan.argsName)}\n` });
  }
  return applyEdits(renamed, moves);
}

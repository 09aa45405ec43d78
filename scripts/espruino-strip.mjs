// Board-sized Espruino builds (see scripts/espruino-bundle.mjs): removes the class members a build
// does not carry, from the same TypeScript.
//
// A build for boards without Wi-Fi (Puck.js, Pixl.js) has no use for the provisioner's Wi-Fi and
// session methods, and on Espruino every method costs variables for as long as the module is loaded.
// The build names the public methods to leave out (`drop`) and the private ones whose body becomes
// empty (`empty`: the Wi-Fi subscription, which on such a board never has a port to subscribe to);
// then every private method nobody refers to any more is removed, and every private field that is only
// ever given a constant in the constructor, until none is left, and esbuild's
// tree shaking removes the module functions only they used (the session's class, for one).
import { parse } from 'acorn';
import { applyEdits, eachChild } from './espruino-dispatch.mjs';

/** Every node of `ast`, each with its parent. */
function nodes(ast) {
  const all = [];
  const walk = (n, p) => {
    all.push({ n, p });
    eachChild(n, (c) => walk(c, n));
  };
  walk(ast, undefined);
  return all;
}

/** How many times each property name is used outside the definitions of class `cls`'s methods of that name. */
function propertyUses(all, cls) {
  const uses = new Map();
  for (const { n } of all) {
    let name;
    if (n.type === 'MemberExpression' && !n.computed && n.property.type === 'Identifier') name = n.property.name;
    else if (n.type === 'MemberExpression' && n.computed && n.property.type === 'Literal') name = String(n.property.value);
    else if ((n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && !n.computed && !cls.body.body.includes(n)) {
      name = n.key.type === 'Identifier' ? n.key.name : String(n.key.value);
    }
    if (name !== undefined) uses.set(name, (uses.get(name) || 0) + 1);
  }
  return uses;
}

/**
 * Removes members from class `className` in esbuild's (unminified) output `code`.
 *
 * @param drop public method names to remove
 * @param empty method names whose body becomes `{}`
 * @param privateNames the bundle's private (mangled) member names: those left unused are removed too
 * @returns the code without them; throws when a named member does not exist (a rename in the source
 *   must not silently put the members back)
 */
export function stripClassMembers(code, className, drop, empty, privateNames) {
  const find = (ast) => {
    const cls = nodes(ast).find(({ n }) => (n.type === 'ClassDeclaration' && n.id && n.id.name === className) || (n.type === 'VariableDeclarator' && n.id.name === className && n.init && n.init.type === 'ClassExpression'));
    if (!cls) throw new Error(`espruino build: class ${className} not found in the bundle`);
    return cls.n.type === 'ClassDeclaration' ? cls.n : cls.n.init;
  };
  const keyOf = (d) => (d.key.type === 'Identifier' ? d.key.name : String(d.key.value));
  let ast = parse(code, { ecmaVersion: 2022, sourceType: 'module' });
  let cls = find(ast);
  const names = new Set(cls.body.body.map(keyOf));
  const missing = drop.concat(empty).filter((m) => !names.has(m));
  if (missing.length) throw new Error(`espruino build: ${className} has no member ${missing.join(', ')}`);
  const edits = [];
  for (const d of cls.body.body) {
    if (drop.includes(keyOf(d))) edits.push({ start: d.start, end: d.end, text: '' });
    else if (empty.includes(keyOf(d)) && d.value && d.value.body) edits.push({ start: d.value.body.start, end: d.value.body.end, text: '{}' });
  }
  let out = applyEdits(code, edits);
  // Then the private methods nothing refers to any more, until there are none.
  for (;;) {
    ast = parse(out, { ecmaVersion: 2022, sourceType: 'module' });
    cls = find(ast);
    const uses = propertyUses(nodes(ast), cls);
    const unused = cls.body.body.filter((d) => d.type === 'MethodDefinition' && d.kind === 'method' && privateNames.has(keyOf(d)) && !uses.get(keyOf(d)));
    // And the private fields only ever assigned a constant in the constructor (the Wi-Fi state, for
    // one): the assignment is their one use, so nothing reads them.
    const ctor = cls.body.body.find((d) => d.kind === 'constructor');
    const deadFields = (ctor ? ctor.value.body.body : []).filter((st) => {
      const e = st.type === 'ExpressionStatement' && st.expression;
      if (!e || e.type !== 'AssignmentExpression' || e.operator !== '=' || e.left.type !== 'MemberExpression') return false;
      const m = e.left;
      const constant = e.right.type === 'Literal' || (e.right.type === 'UnaryExpression' && e.right.argument.type === 'Literal');
      return m.object.type === 'ThisExpression' && !m.computed && privateNames.has(m.property.name) && uses.get(m.property.name) === 1 && constant;
    });
    if (!unused.length && !deadFields.length) return out;
    out = applyEdits(
      out,
      unused.concat(deadFields).map((d) => ({ start: d.start, end: d.end, text: '' })),
    );
  }
}

/**
 * Removes properties from the object literal that initialises variable `varName` in esbuild's
 * (unminified) output `code`: for a board-sized build, the configuration sections it cannot use (a
 * key it drops from the schema is then an unknown key, rejected with the allowed ones named).
 *
 * @param keys the property names to remove
 * @returns the code without them; throws when the variable or a key does not exist (a rename in the
 *   source must not silently put them back)
 */
export function stripObjectKeys(code, varName, keys) {
  const found = nodes(parse(code, { ecmaVersion: 2022, sourceType: 'module' })).filter(
    ({ n }) => n.type === 'VariableDeclarator' && n.id.type === 'Identifier' && n.id.name === varName && n.init && n.init.type === 'ObjectExpression',
  );
  if (found.length !== 1) throw new Error(`espruino build: expected one object ${varName} in the bundle, found ${found.length}`);
  const props = found[0].n.init.properties;
  const keyOf = (p) => (p.key.type === 'Identifier' ? p.key.name : String(p.key.value));
  const missing = keys.filter((k) => !props.some((p) => p.type === 'Property' && keyOf(p) === k));
  if (missing.length) throw new Error(`espruino build: ${varName} has no key ${missing.join(', ')}`);
  // The literal rewritten with the properties it keeps.
  const kept = props.filter((p) => p.type !== 'Property' || !keys.includes(keyOf(p))).map((p) => code.slice(p.start, p.end));
  const init = found[0].n.init;
  return applyEdits(code, [{ start: init.start, end: init.end, text: `{\n${kept.join(',\n')}\n}` }]);
}

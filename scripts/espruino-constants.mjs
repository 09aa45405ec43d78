// Inlines the bundle's module-level number constants into the code that reads them (Espruino builds).
//
// On Espruino each module-level `var` holds a variable of the module's scope for as long as the module
// is loaded, while a number written in a function's code costs nothing until the function runs (the
// code of a module loaded from Storage stays in flash). esbuild keeps such constants as variables
// (`var JOURNAL_LIMIT = 16;`); this rewrite puts the number in their place and removes the declaration.
import { parse } from 'acorn';
import { analyze } from 'eslint-scope';
import { applyEdits, eachChild } from './espruino-dispatch.mjs';

/** The number `init` stands for when it is a number literal (or a negated one), else undefined. */
function numberOf(init, code) {
  if (!init) return undefined;
  if (init.type === 'Literal' && typeof init.value === 'number') return code.slice(init.start, init.end);
  if (init.type === 'UnaryExpression' && init.operator === '-' && init.argument.type === 'Literal' && typeof init.argument.value === 'number') {
    return `(${code.slice(init.start, init.end)})`;
  }
  return undefined;
}

/**
 * Replaces each read of a module-level variable that is declared alone with a number and never
 * written nor exported by the number, and removes its declaration.
 * @returns the rewritten code and the names inlined
 */
export function inlineConstants(code) {
  const ast = parse(code, { ecmaVersion: 2022, sourceType: 'module', ranges: true });
  const parent = new Map();
  const walk = (n) => eachChild(n, (c) => {
    parent.set(c, n);
    walk(c);
  });
  walk(ast);
  const scope = analyze(ast, { ecmaVersion: 2022, sourceType: 'module' }).scopes.find((s) => s.type === 'module');
  const edits = [];
  const names = [];
  for (const v of scope ? scope.variables : []) {
    if (v.defs.length !== 1 || v.defs[0].type !== 'Variable') continue;
    const decl = v.defs[0].parent;
    const declarator = v.defs[0].node;
    if (decl.declarations.length !== 1 || parent.get(decl) !== ast) continue;
    const value = numberOf(declarator.init, code);
    if (value === undefined) continue;
    const refs = v.references.filter((r) => r.identifier !== declarator.id);
    if (refs.some((r) => r.isWrite() || parent.get(r.identifier).type === 'ExportSpecifier')) continue;
    for (const r of refs) {
      const id = r.identifier;
      const p = parent.get(id);
      if (p.type === 'Property' && p.shorthand) edits.push({ start: p.start, end: p.end, text: `${v.name}: ${value}` });
      else edits.push({ start: id.start, end: id.end, text: value });
    }
    edits.push({ start: decl.start, end: decl.end, text: '' });
    names.push(v.name);
  }
  return { code: applyEdits(code, edits), names };
}

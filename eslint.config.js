// Lint rules. The core (and every bundle that runs on Espruino) is held to the Espruino language
// subset: syntax esbuild cannot lower fails the Espruino build, and the runtime APIs Espruino lacks
// fail here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const espruinoGlobals = ['Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'Symbol', 'Proxy', 'Reflect', 'structuredClone', 'queueMicrotask', 'BigInt'].map(
  (name) => ({ name, message: `${name} does not exist on Espruino (see the spec's ESPRUINO.md).` }),
);

const espruinoSyntax = [
  { selector: 'ObjectPattern', message: 'Destructuring fails on Espruino.' },
  { selector: 'ArrayPattern', message: 'Destructuring fails on Espruino.' },
  { selector: 'AssignmentPattern', message: 'Default parameters fail on Espruino.' },
  { selector: 'RestElement', message: 'Rest parameters fail on Espruino.' },
  { selector: 'SpreadElement', message: 'Spread fails on Espruino.' },
  { selector: 'FunctionDeclaration[async=true], FunctionExpression[async=true], ArrowFunctionExpression[async=true]', message: 'async/await fails on Espruino.' },
  { selector: 'AwaitExpression', message: 'async/await fails on Espruino.' },
  { selector: '[generator=true]', message: 'Generators fail on Espruino.' },
  { selector: 'LabeledStatement', message: 'Labels fail on Espruino.' },
  { selector: 'TaggedTemplateExpression', message: 'Tagged templates fail on Espruino.' },
  { selector: 'PrivateIdentifier', message: '#private fails on Espruino.' },
  { selector: 'Property[computed=true]', message: 'Computed keys fail on Espruino.' },
  { selector: 'BinaryExpression[operator="**"]', message: '** fails on Espruino.' },
  { selector: 'ClassDeclaration[superClass.name="Error"], ClassExpression[superClass.name="Error"]', message: 'class X extends Error breaks on Espruino: use provisionError().' },
  { selector: 'CallExpression[callee.object.name="Array"][callee.property.name="from"]', message: 'Array.from does not exist on Espruino.' },
  { selector: 'CallExpression[callee.object.name="Object"][callee.property.name="freeze"]', message: 'Object.freeze does not exist on Espruino.' },
  { selector: 'CallExpression[callee.object.name="Number"][callee.property.name=/^(isInteger|isSafeInteger)$/]', message: 'Number.isInteger does not exist on Espruino.' },
  { selector: 'CallExpression[callee.object.name="Promise"][callee.property.name=/^(race|allSettled|any)$/]', message: 'Promise.race/allSettled/any do not exist on Espruino.' },
  { selector: 'CallExpression[callee.property.name="finally"]', message: 'Promise.prototype.finally does not exist on Espruino.' },
  { selector: 'ChainExpression', message: '?. is lowered by the build, but keep the core readable for Espruino users: avoid it.' },
  { selector: 'Literal[regex]', message: "Espruino's RegExp engine is minimal: use character loops in code that runs on Espruino." },
  { selector: 'ForOfStatement', message: 'for…of is fine on arrays only; use an index loop in Espruino code to be sure.' },
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/site/**', '**/coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // Code that runs on Espruino.
    files: ['packages/core/src/**/*.ts', 'packages/adapter-espruino/src/**/*.ts', 'packages/improv/src/**/*.ts'],
    // Node-only: the core's testing helpers and the serialport transport.
    ignores: ['packages/core/src/testing/**', 'packages/improv/src/serial.ts'],
    rules: {
      'no-restricted-globals': ['error', ...espruinoGlobals],
      'no-restricted-syntax': ['error', ...espruinoSyntax],
      // Espruino does not hoist functions: a function used before its declaration is undefined.
      'no-use-before-define': ['error', { functions: true, classes: true, variables: true, allowNamedExports: false }],
    },
  },
  {
    // Node scripts, tests and tooling.
    files: ['**/*.mjs', '**/*.js', '**/*.cjs', '**/test/**/*.ts', '**/bench/**', 'scripts/**', 'examples/**'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // Generated protobuf code carries its own eslint-disable.
    files: ['packages/*/src/gen/**'],
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
  {
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

// ESLint with typescript-eslint's strict, type-aware rules (strictTypeChecked): they
// read the types, so a floating promise, a condition that is always true or an
// `any` that leaks in is found. A few rules are tuned below, each with its reason.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test/fixtures/**', 'workflows/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Numbers and booleans read fine in a message; objects, null and undefined do not.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // A style rule, not a bug finder: `return send(res, 404)` in a void handler is how
      // the stand-ins and recovery code end early, and its fixer splits such lines in two.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // tsconfig has noUncheckedIndexedAccess: an index just checked (a length, a has())
      // is asserted with `!`; the rule would push towards `?? ''` fallbacks that hide bugs.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // `'running' | 'finished' | string` names the values we know while accepting others.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // An API that is async for its callers may have nothing to await yet; the rules
      // that matter here are no-floating-promises and no-misused-promises.
      '@typescript-eslint/require-await': 'off',
      // An AbortSignal's reason is `any` by its type and is what an abort rejects with.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // Rethrowing what was caught (an `unknown`) is fine; throwing a literal is not.
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `[...text]` splits a string into code points, which is how lengths and clipping
      // are counted here on purpose.
      '@typescript-eslint/no-misused-spread': 'off',
      // `const { seed: _seed, ...rest } = x` drops a field on purpose.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: {
      // `expect(store.method)` and spies pass methods around without calling them.
      '@typescript-eslint/unbound-method': 'off',
      // vitest's asymmetric matchers (expect.stringContaining, expect.any) are typed `any`.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
  {
    // The Discord stand-in speaks the wire: raw numbers where discord-api-types has
    // enums, and fields Discord still sends though the types mark them deprecated.
    files: ['test/support/discord-standin/**', 'test/discord-standin/**'],
    rules: {
      '@typescript-eslint/no-unsafe-enum-assignment': 'off',
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
      '@typescript-eslint/no-deprecated': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly' } },
  },
);

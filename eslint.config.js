// @ts-check
/**
 * Lint configuration (ESLint 9 flat config, type-aware through typescript-eslint's project service).
 *
 * The rule set is chosen to catch real bugs rather than to police style: typescript-eslint's
 * `recommendedTypeChecked` (unsafe `any` flow, misused promises, thrown non-errors, ...) plus a few
 * rules that matter for a stateful async server:
 *  - no-floating-promises: an un-awaited write or reply is a lost error or a response racing a transaction;
 *  - switch-exhaustiveness-check: adding a member to a union (a dialect, a role, a SCIM op) must not
 *    silently fall through an old switch;
 *  - return-await (correctness only): `return promise` inside `try` escapes its `catch`/`finally`;
 *  - consistent-type-imports: types erased under `verbatimModuleSyntax`, no accidental runtime imports.
 * `any` is an error in src/ (STYLE/BRIEF: "No `any`"); tests may use it for loosely typed response bodies,
 * so the no-unsafe-* family is off there too. Formatting is left to the editor; unused code is tsc's job
 * (noUnusedLocals/noUnusedParameters), so the lint duplicate is off.
 */
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** node:test's `test`/`describe`/`it`/... return promises that the runner itself tracks. */
const nodeTestRunner = {
  from: /** @type {const} */ ('package'),
  package: 'node:test',
  name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach', 'only', 'skip', 'todo'],
};

export default defineConfig(
  {
    ignores: ['node_modules/', 'data/', '.bench/', 'coverage/', 'dist/'],
  },
  {
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [nodeTestRunner] }],
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true, requireDefaultForNonUnion: false },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // Static factories (ScimError.invalidFilter) are passed around as values and never use `this`.
      '@typescript-eslint/unbound-method': ['error', { ignoreStatic: true }],
      '@typescript-eslint/no-explicit-any': 'error',
      // Only where it changes behaviour (a `return promise` inside try/catch/finally), not as a style preference.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      // Fastify handlers and hooks are `async` by convention even when they do not await.
      '@typescript-eslint/require-await': 'off',
      // A redundant `as`/`!` (e.g. `arr[i]!` without noUncheckedIndexedAccess) is harmless noise, not a bug.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      // tsc reports unused locals and parameters already (tsconfig noUnusedLocals/noUnusedParameters).
      '@typescript-eslint/no-unused-vars': 'off',
      // Validation here rejects control characters on purpose (runner labels, slugs): /[\u0000-\u001f]/ is intended.
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-constant-binary-expression': 'error',
      'no-self-compare': 'error',
      'no-template-curly-in-string': 'error',
      'no-unmodified-loop-condition': 'error',
      'no-unreachable-loop': 'error',
    },
  },
  {
    // Response bodies in tests are loosely typed (`t.request<any>`), so `any` and its flow are allowed there.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // Plain JavaScript (this file, bin/ launchers) is outside tsconfig: lint it without type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    // The console page (web/console/): ES modules run by the browser as they are served.
    files: ['web/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'navigator', 'sessionStorage', 'fetch', 'AbortController', 'URLSearchParams', 'TextDecoderStream', 'setInterval', 'clearInterval', 'requestAnimationFrame', 'performance', 'HTMLInputElement', 'HTMLSelectElement', 'HTMLTextAreaElement'].map((name) => [name, 'readonly']),
      ),
    },
  },
);

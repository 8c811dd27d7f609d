import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const focused = ['it', 'describe', 'test'].map((object) => ({
  object,
  property: 'only',
  message: 'A focused test silently skips the rest of the suite.',
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.corral/**', 'coverage/**', '*.js', 'bin/*.js', 'test/support/cjs/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-properties': ['error', ...focused],
      'no-restricted-globals': ['error', 'fit', 'fdescribe'],
      // A switch over a closed union names every case (or says why not in a default).
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // The core stands alone: nothing from the actors, the modules or the runtime (boundaries.spec.ts
    // also checks the packages it uses and that its files import one another without a cycle).
    files: ['src/correlation/**/*.ts'],
    ignores: ['src/correlation/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['../*'], message: 'src/correlation is the pure core: it imports nothing from outside itself.' }] }],
    },
  },
  {
    // Time is an input: the server reads it from the Clock (src/actors/clock.ts), which tests move by
    // hand; elapsed time is measured with performance.now(), which no wall-clock change can bend.
    // The CLI and the browser's script are outside the server.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts', 'src/cli/**', 'src/modules/dashboard/browser/**', 'src/actors/clock.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Read the time from the Clock (CLOCK); measure elapsed time with performance.now().' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Read the time from the Clock (CLOCK); measure elapsed time with performance.now().' },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);

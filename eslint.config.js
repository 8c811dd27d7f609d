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
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);

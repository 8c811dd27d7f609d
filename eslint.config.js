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

// ESLint flat config: typescript-eslint's recommended rules on the product, tests and scripts; formatting is
// Prettier's job (eslint-config-prettier turns off the rules it owns).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      '.tools/',
      '.cache/',
      'test-output/',
      'models/',
      'training/',
      // Generated (npm run kernels) and AssemblyScript (its own dialect and types).
      'src/core/preprocess/kernels/*.wasm.ts',
      'src/core/preprocess/kernels/assembly/',
      'src/core/decode/dicom/dictionary.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/webview/**', 'test/webview/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Tests build malformed inputs on purpose and scripts print loosely typed reports.
    files: ['test/**', 'scripts/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);

// Lint rules that keep each folder inside its process: renderer/ is browser code, shared/ is pure
// TypeScript, and electron/ service folders never import Electron so the CLI and tests use them directly.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'fs/*', 'path', 'os', 'net', 'tls', 'crypto', 'http', 'https', 'child_process', 'stream', 'stream/*', 'url', 'util', 'worker_threads', 'events', 'zlib', 'buffer', 'readline'];

export default tseslint.config(
  { ignores: ['dist/', 'dist-bench/', 'bench-results/', 'release/', 'node_modules/', 'test-results/', 'playwright-report/', '.qa*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['electron/**/*.ts', 'test/**/*.ts', 'scripts/**/*.{js,ts}', 'bin/**/*.js', '*.{js,ts}'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: [...nodeBuiltins, 'electron', 'electron/*'], message: 'renderer/ runs in the browser sandbox: no Node or Electron imports.' },
          { group: ['**/electron/**', '../../electron/*'], message: 'renderer/ talks to the Node side only through the contract in shared/.' },
        ],
      }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: [...nodeBuiltins, 'electron', 'electron/*', 'react', 'react-dom'], message: 'shared/ is pure TypeScript used by both processes.' },
          { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ must not depend on either process.' },
        ],
      }],
    },
  },
  {
    files: ['electron/*/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'Service folders stay free of Electron so the CLI and tests can use them; only electron/*.ts may import it.' },
        ],
      }],
    },
  },
);

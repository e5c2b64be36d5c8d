// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Layering (../shared/DESIGN.md, "Layers"): imports only ever point down. */
const nodeBuiltins = [
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'http',
  'crypto',
  'zlib',
];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'build/', 'dist/', 'test-results/', 'playwright-report/', 'assets/'],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src/ is the core: it never imports Electron.' }],
          patterns: [
            {
              group: ['**/electron/**', '**/renderer/**', '**/electron', '**/renderer'],
              message: 'src/ never imports electron/ or renderer/ (layers point down).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src/api is the contract: no Electron.' }],
          patterns: [
            {
              group: ['../*', '!../api', 'node:*', ...nodeBuiltins],
              message:
                'src/api is the contract shared with the renderer: it imports no other layer.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'electron', message: 'The renderer talks to the core through the api only.' },
          ],
          patterns: [
            {
              group: ['**/src/*', '!**/src/api'],
              message: 'The renderer may import only src/api (types and schemas).',
            },
            {
              group: ['node:*', ...nodeBuiltins],
              message: 'The renderer runs in a browser: no Node.',
            },
          ],
        },
      ],
    },
  },
);

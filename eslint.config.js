// @ts-check
import js from '@eslint/js';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Layering (../shared/DESIGN.md, "Layers"): imports only ever point down. As VS Code's
 * `code-import-patterns` does, each layer of src/ has one allow-list: the only folders of src/ it
 * may import (besides its own). import-x/no-restricted-paths resolves every import to its file,
 * so `../../x` and `../x` are the same target whatever the depth of the importing file.
 *
 * Bottom to top: errors, files, workers (no layer below them); volume; api (the contract: only the
 * value types below it, which it re-exports for the renderer); nifti, dicom, pacs, nn; onnx,
 * library, export; engine, triton; workstation (the composition root, batch included); host, cli.
 */
const LAYERS = {
  errors: [],
  files: ['errors'],
  workers: [],
  volume: ['errors'],
  nifti: ['errors', 'files', 'volume'],
  dicom: ['errors', 'files', 'workers', 'volume'],
  pacs: ['errors', 'files', 'volume'],
  nn: ['errors', 'files', 'workers'],
  onnx: ['errors', 'files', 'nn'],
  library: ['errors', 'files', 'volume', 'nifti', 'dicom'],
  export: ['errors', 'files', 'volume', 'nifti', 'dicom'],
  // api: the engine describes its models to the UI (engine/models/cardSummary.ts).
  engine: ['errors', 'files', 'workers', 'volume', 'nifti', 'nn', 'onnx', 'api'],
  triton: ['errors', 'files', 'nn', 'onnx'],
  workstation: [
    'api',
    'errors',
    'files',
    'volume',
    'nifti',
    'dicom',
    'pacs',
    'nn',
    'onnx',
    'library',
    'export',
    'engine',
    'triton',
  ],
  host: ['api', 'errors', 'workstation'],
  // The CLI's commands are adapters over the workstation (the app's handlers and services, the
  // batch runner among them), as electron/ and the host are.
  cli: ['api', 'errors', 'workstation'],
};

/**
 * What src/api may import: value types only, each a file that imports nothing but zod, so the
 * renderer (which may import src/api alone) type-checks and bundles them without Node.
 */
const API_IMPORTS = [
  './volume/geometry.ts',
  './volume/displayWindow.ts',
  './errors/errorMessage.ts',
  './pacs/summaries.ts',
];

/** What electron/ may import of src/: the doors into the core. */
const ELECTRON_IMPORTS = ['./api', './workstation'];

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
const noNode = { group: ['node:*', ...nodeBuiltins.flatMap((m) => [m, `${m}/*`])] };

const layerZones = Object.entries(LAYERS).map(([layer, allowed]) => ({
  target: `./src/${layer}`,
  from: './src',
  except: [`./${layer}`, ...allowed.map((a) => `./${a}`)],
  message: `src/${layer} may import only ${allowed.length ? allowed.map((a) => `src/${a}`).join(', ') : 'no other layer'} (eslint.config.js, LAYERS).`,
}));

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
    files: ['src/**/*.ts', 'electron/**/*.ts', 'renderer/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      // A relative import that resolves to no file would slip past the layer rule: refuse it.
      'import-x/no-unresolved': ['error', { ignore: ['^[^.]'] }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            ...layerZones,
            {
              target: './src/api',
              from: './src',
              except: ['./api', ...API_IMPORTS],
              message:
                'src/api is the contract shared with the renderer: it imports only the value types it re-exports (eslint.config.js, API_IMPORTS).',
            },
            {
              target: './src',
              from: ['./electron', './renderer'],
              message: 'src/ never imports electron/ or renderer/ (layers point down).',
            },
            {
              target: './electron',
              from: './src',
              except: ELECTRON_IMPORTS,
              message:
                'electron/ reaches the core through src/api and src/workstation only (eslint.config.js, ELECTRON_IMPORTS).',
            },
            {
              target: './electron',
              from: './renderer',
              message: 'electron/ serves the renderer, it never imports it.',
            },
            {
              target: './electron/preload.ts',
              from: ['./src', './electron'],
              except: ['./api', './ipcChannels.ts'],
              message:
                'The preload script is sandboxed and bundled alone: src/api and the channel names only.',
            },
            {
              target: './renderer',
              from: './src',
              except: ['./api'],
              message: 'The renderer may import only src/api (types and schemas).',
            },
            {
              target: './renderer',
              from: './electron',
              message: 'The renderer talks to the core through the api, never to electron/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'electron', message: 'src/ is the core: it never imports Electron.' }] },
      ],
    },
  },
  {
    // The contract, the files it re-exports, and volume (voxels and geometry: computation only;
    // file I/O lives in src/files) run without Node.
    files: [
      'src/api/**/*.ts',
      'src/volume/**/*.ts',
      ...API_IMPORTS.map((f) => `src/${f.slice(2)}`),
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'src/ is the core: it never imports Electron.' }],
          patterns: [
            {
              ...noNode,
              message:
                'src/api, what it re-exports and src/volume run in the browser too or compute only: no Node.',
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
          patterns: [{ ...noNode, message: 'The renderer runs in a browser: no Node.' }],
        },
      ],
    },
  },
);

// Bundles the Electron main process, the engine worker and the (sandboxed, CommonJS-only)
// preload script into build/electron. npm packages stay external: electron-builder ships them.
import { copyFileSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  // The core finds files beside its modules through import.meta.url; give CJS bundles one.
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__importMetaUrl' },
};

await build({
  ...common,
  entryPoints: {
    main: 'electron/main.ts',
    preload: 'electron/preload.ts',
    engineWorker: 'src/engine/worker/engineWorker.ts',
  },
  outdir: 'build/electron',
  outExtension: { '.js': '.cjs' },
  external: ['electron'],
});
// The DICOM decode pool looks for decodeWorker.js beside the code that starts it (main.cjs);
// under the package's "type": "module" a .js file is an ES module, so this one is built as one.
await build({
  ...common,
  format: 'esm',
  banner: {},
  define: {},
  entryPoints: { decodeWorker: 'src/dicom/decodeWorker.ts' },
  outdir: 'build/electron',
});
// The ONNX exporter reads the official schema as text beside its module (src/onnx/schema.ts);
// in the bundles that module is main.cjs or engineWorker.cjs, so the schema goes beside them.
copyFileSync('src/onnx/onnx.proto', 'build/electron/onnx.proto');
console.log('built build/electron/{main,preload,engineWorker}.cjs, decodeWorker.js and onnx.proto');

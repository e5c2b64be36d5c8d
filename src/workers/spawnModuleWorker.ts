import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `name` that sits beside `base` (an import.meta.url). From source it
 * is TypeScript, and Node 20 does not hand tsx's loader on to worker threads, so the worker
 * starts by registering it itself; a build has `<name>.js` there, which starts directly.
 */
export function spawnModuleWorker(base: string, name: string): Worker {
  const ts = fileURLToPath(new URL(`./${name}.ts`, base));
  if (!existsSync(ts)) return new Worker(ts.replace(/\.ts$/, '.js'));
  // tsx's ESM api (its CommonJS build cannot register hooks from an eval'd worker).
  const tsxRoot = dirname(createRequire(base).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const entry = pathToFileURL(ts).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(bootstrap, { eval: true });
}

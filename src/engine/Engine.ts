import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Volume, VoxelArray } from '../volume/Volume';
import type { BackendChoice } from './backends/tfBackends';
import { CancelledError } from './inference/CancelledError';
import type { ModelEntry } from './models/ModelEntry';
import type { WorkerReply, WorkerRequest } from './worker/protocol';

export interface EngineOptions {
  /** comma-separated backend names to try, in order (default: all, best first) */
  backends?: string;
  /** the worker script; defaults to engineWorker beside this module (.ts under tsx, .js built) */
  workerPath?: string;
}

export interface InferJob {
  result: Promise<Uint8Array>;
  cancel(): void;
}

function defaultWorkerPath(): string {
  const ts = fileURLToPath(new URL('./worker/engineWorker.ts', import.meta.url));
  return existsSync(ts) ? ts : ts.replace(/\.ts$/, '.js');
}

/**
 * Run from source, the worker is TypeScript: Node 20 does not hand tsx's loader on to worker
 * threads, so the worker starts by registering it itself. A built worker (.js) starts directly.
 */
function spawnWorker(path: string): Worker {
  if (!path.endsWith('.ts')) return new Worker(path);
  // tsx's ESM api (its CommonJS build cannot register hooks from an eval'd worker).
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const entry = pathToFileURL(path).href;
  const bootstrap = `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)}))`;
  return new Worker(bootstrap, { eval: true });
}

/** The voxels on shared memory: the worker reads them in place, however large the volume. */
function sharedVoxels(voxels: VoxelArray): VoxelArray {
  if (voxels.buffer instanceof SharedArrayBuffer) return voxels;
  const Type = voxels.constructor as new (buffer: SharedArrayBuffer) => VoxelArray;
  const shared = new Type(new SharedArrayBuffer(voxels.byteLength));
  shared.set(voxels);
  return shared;
}

/** The main thread's handle on the engine worker: backend status, jobs, cancel. */
export class Engine {
  private readonly listeners = new Map<string, (reply: WorkerReply) => void>();

  private constructor(
    private readonly worker: Worker,
    readonly backend: BackendChoice,
  ) {
    worker.on('message', (reply: WorkerReply) => {
      if ('jobId' in reply) this.listeners.get(reply.jobId)?.(reply);
    });
  }

  static async start(options: EngineOptions = {}): Promise<Engine> {
    const worker = spawnWorker(options.workerPath ?? defaultWorkerPath());
    const choice = await new Promise<BackendChoice>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') resolve(reply.choice);
        else
          reject(
            new Error(reply.type === 'initFailed' ? reply.message : `unexpected ${reply.type}`),
          );
      });
      worker.postMessage({ type: 'init', backends: options.backends } satisfies WorkerRequest);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new Engine(worker, choice);
  }

  infer(
    jobId: string,
    model: ModelEntry,
    volume: Volume,
    onProgress: (done: number, total: number) => void,
  ): InferJob {
    const cancelFlag = new SharedArrayBuffer(4);
    const result = new Promise<Uint8Array>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the engine worker stopped (exit code ${code})`));
      this.worker.once('exit', onExit);
      const settle = () => {
        this.listeners.delete(jobId);
        this.worker.off('exit', onExit);
      };
      this.listeners.set(jobId, (reply) => {
        if (reply.type === 'progress') return onProgress(reply.done, reply.total);
        settle();
        if (reply.type === 'result') resolve(reply.labels);
        else if (reply.type === 'cancelled') reject(new CancelledError());
        else if (reply.type === 'failed') reject(new Error(reply.message));
      });
      const voxels = sharedVoxels(volume.voxels);
      const request: WorkerRequest = {
        type: 'infer',
        jobId,
        model,
        geometry: volume.geometry,
        voxels,
        cancelFlag,
      };
      this.worker.postMessage(request);
    });
    return { result, cancel: () => Atomics.store(new Int32Array(cancelFlag), 0, 1) };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

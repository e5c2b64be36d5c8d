import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../../workers/spawnModuleWorker';
import type { SliceChannels } from '../input';
import type { SegmenterPredictor } from '../predictor';
import { exportStateDict, type Segmenter } from '../segmenter';
import type { FromWorker, ToWorker } from './protocol';

export interface ParallelPredictor extends SegmenterPredictor {
  readonly workers: number;
  close(): Promise<void>;
}

/**
 * Inference on several cores: tfjs-wasm runs one thread in Node, so each worker thread holds its
 * own wasm backend and copy of the network, and a batch of patches is split between them. It
 * pays from two patches on (a sliding window always has many); one patch runs on one worker.
 */
export async function createParallelPredictor(
  model: Segmenter,
  workers = 2,
  slices: SliceChannels = 'repeat',
): Promise<ParallelPredictor> {
  const weights: [string, number[], Float32Array][] = [...exportStateDict(model)].map(
    ([name, t]) => [name, t.shape, t.data],
  );
  const pool = Array.from({ length: workers }, () =>
    spawnModuleWorker(import.meta.url, 'predictWorker'),
  );
  const pending = new Map<
    number,
    { resolve: (o: Float32Array) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  await Promise.all(
    pool.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.once('error', reject);
          worker.on('message', (m: FromWorker) => {
            if (m.type === 'ready') return resolve();
            const job = pending.get(m.id);
            pending.delete(m.id);
            if (m.type === 'result') job?.resolve(m.output);
            else job?.reject(new Error(m.message));
          });
          const init: ToWorker = { type: 'init', config: model.config, slices, weights };
          worker.postMessage(init);
        }),
    ),
  );
  const run = (
    worker: Worker,
    input: Float32Array,
    count: number,
    patch: [number, number, number],
  ) =>
    new Promise<Float32Array>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      const message: ToWorker = { type: 'predict', id, input, count, patch };
      worker.postMessage(message, [input.buffer as ArrayBuffer]);
    });
  return {
    channels: model.config.numClasses,
    workers,
    async predict(input, count, patch) {
      const voxels = patch[0] * patch[1] * patch[2];
      if (input.length !== count * voxels) {
        throw new Error(
          `predict: ${input.length} values for ${count} patches of ${patch.join('x')}`,
        );
      }
      const share = Math.ceil(count / workers);
      const parts: Promise<Float32Array>[] = [];
      for (let w = 0, first = 0; first < count; w++, first += share) {
        const n = Math.min(share, count - first);
        parts.push(run(pool[w], input.slice(first * voxels, (first + n) * voxels), n, patch));
      }
      const outputs = await Promise.all(parts);
      const out = new Float32Array(count * voxels * model.config.numClasses);
      let at = 0;
      for (const o of outputs) {
        out.set(o, at);
        at += o.length;
      }
      return out;
    },
    async close() {
      await Promise.all(pool.map((w) => w.terminate()));
    },
  };
}

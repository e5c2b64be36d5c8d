import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { candidatesFor, selectBackend } from '../../src/engine/backends/tfBackends';
import { Engine } from '../../src/engine/Engine';
import type { ModelEntry } from '../../src/engine/models/ModelEntry';
import type { ThresholdModelCard } from '../../src/engine/models/thresholdModelCard';
import type { Volume } from '../../src/volume/Volume';

const card: ThresholdModelCard = {
  id: 'test-threshold',
  name: 'test',
  architecture: 'threshold-conv1x1x1',
  classes: ['background', 'bright'],
  threshold: 50.5,
  sharpness: 1,
  patchSize: [8, 8, 8],
  overlap: 0.5,
  batchSize: 2,
};

function thresholdModel(overrides: Partial<ThresholdModelCard> = {}): ModelEntry {
  return {
    id: 'test',
    dir: '/nonexistent',
    kind: 'threshold',
    name: 'test',
    classes: [...card.classes],
    card: { ...card, ...overrides },
  };
}

function volume(dims: [number, number, number]): Volume {
  const count = dims[0] * dims[1] * dims[2];
  return {
    geometry: {
      dimensions: dims,
      spacing: [1, 1, 1],
      origin: [0, 0, 0],
      direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    },
    voxels: Int16Array.from({ length: count }, (_, n) => (n * 37) % 101),
  };
}

test('selectBackend takes the first that loads and says why each better one did not', async () => {
  const choice = await selectBackend(tf, candidatesFor(undefined));
  const loaded = choice.attempts.filter((a) => a.loaded);
  assert.equal(loaded.length, 1);
  assert.equal(choice.attempts.at(-1)?.name, choice.backend);
  for (const failed of choice.attempts.slice(0, -1))
    assert.ok(failed.reason.length > 0 && !failed.loaded);
  assert.equal(
    tf.getBackend(),
    choice.backend === 'tfjs-node' || choice.backend === 'tfjs-node-gpu'
      ? 'tensorflow'
      : choice.backend,
  );
});

test('a backend that fails to import is reported with its error and the next one is used', async () => {
  const choice = await selectBackend(tf, candidatesFor('wasm,cpu'), async () => {
    throw new Error('simulated: libtensorflow missing');
  });
  assert.equal(choice.backend, 'cpu');
  assert.deepEqual(choice.attempts[0], {
    name: 'wasm',
    loaded: false,
    reason: 'simulated: libtensorflow missing',
  });
});

test('an unknown backend name is refused with the known ones listed', () => {
  assert.throws(
    () => candidatesFor('wasm,cuda'),
    /unknown backend\(s\) cuda; known: tfjs-node-gpu/,
  );
});

let engine: Engine;
before(async () => {
  engine = await Engine.start({ backends: 'wasm,cpu' });
});
after(() => engine.close());

test('the engine worker segments a small volume with the known answer, with progress', async () => {
  const v = volume([13, 11, 9]);
  const progress: number[][] = [];
  const labels = await engine.infer('job-1', thresholdModel(), v, (done, total) =>
    progress.push([done, total]),
  ).result;
  assert.equal(engine.backend.backend, 'wasm');
  assert.equal(labels.length, v.voxels.length);
  for (let n = 0; n < labels.length; n++)
    assert.equal(labels[n], v.voxels[n] > card.threshold ? 1 : 0, `voxel ${n}`);
  assert.ok(progress.length >= 2);
  assert.deepEqual(progress.at(-1), [progress.at(-1)?.[1], progress.at(-1)?.[1]]);
});

test('cancel stops an engine job with a CancelledError', async () => {
  const job = engine.infer(
    'job-2',
    thresholdModel({ batchSize: 1, patchSize: [4, 4, 4] }),
    volume([64, 64, 32]),
    () => {},
  );
  job.cancel();
  await assert.rejects(job.result, /cancelled/);
});

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { Engine } from '../../src/engine/Engine';
import { loadModelEntries } from '../../src/engine/models/loadModelEntries';
import { buildSegmenter, configFromCard, loadModel, saveModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

const card2d = tinyCard({ name: 'tiny 2D', kind: '2d', patchSize: [1, 32, 32] });

let engine: Engine;
before(async () => {
  await tf.setBackend('wasm');
  engine = await Engine.start({ backends: 'wasm' });
});
after(() => engine.close());

test('a training job in the worker converts a 2D model to ACS, fine-tunes it and saves the best', async () => {
  const models = mkdtempSync(join(tmpdir(), 'models-'));
  await saveModel(
    join(models, 'tiny-2d'),
    buildSegmenter(configFromCard(card2d), { seed: 1 }),
    card2d,
  );
  const [base] = await loadModelEntries(models);
  const phases = new Set<string>();
  const backends = new Set<string>();
  const epochs: number[] = [];
  const job = engine.train(
    'train-1',
    {
      base,
      target: { name: 'tiny ACS', kind: 'acs', method: 'none' },
      train: [colinCase('ch2bet.nii.gz', 8)],
      validation: [colinCase('ch2.nii.gz', 8)],
      options: { epochs: 2, stepsPerEpoch: 2, batchSize: 1, seed: 3 },
      workDir: mkdtempSync(join(tmpdir(), 'work-')),
      modelDir: join(models, 'tiny-acs'),
      resume: false,
    },
    {
      onProgress: (p) => {
        phases.add(p.phase);
        backends.add(p.backend);
      },
      onEpoch: (r) => epochs.push(r.epoch),
    },
  );
  const { modelDir, history } = await job.result;
  // It trained on ONNX Runtime's training-step graph, and the engine's status says so.
  assert.deepEqual([...backends], ['onnxruntime-cpu']);
  assert.deepEqual(engine.backend.training, {
    backend: 'onnxruntime-cpu',
    reason: 'training-step graph on onnxruntime-cpu',
  });
  assert.deepEqual(epochs, [1, 2]);
  assert.equal(history.length, 2);
  assert.deepEqual([...phases].sort(), ['train', 'validate']);
  const trained = await loadModel(modelDir);
  assert.equal(trained.card.kind, 'acs');
  assert.deepEqual(trained.card.conversion, { from: '2d', method: 'none' });
  assert.deepEqual(trained.card.patchSize, [32, 32, 32]);
  assert.ok(trained.card.trainedOn.includes('ch2bet@8mm'));
});

test('a training job can be cancelled, and a failing one says why', async () => {
  const models = mkdtempSync(join(tmpdir(), 'models-'));
  await saveModel(
    join(models, 'acs'),
    buildSegmenter(configFromCard({ ...card2d, kind: 'acs', patchSize: [32, 32, 32] })),
    { ...card2d, kind: 'acs', patchSize: [32, 32, 32] },
  );
  const [base] = await loadModelEntries(models);
  const request = {
    base,
    target: { name: 'x', kind: '3d' as const, method: 'centre' as const },
    train: [colinCase('ch2bet.nii.gz', 8)],
    validation: [],
    options: { epochs: 5, stepsPerEpoch: 50, batchSize: 1, seed: 3 },
    workDir: mkdtempSync(join(tmpdir(), 'work-')),
    modelDir: join(models, 'out'),
    resume: false,
  };
  await assert.rejects(
    engine.train('train-2', request).result,
    /conversions start from 2D weights/,
  );
  const job = engine.train(
    'train-3',
    { ...request, target: { name: 'x', kind: 'acs', method: 'none' } },
    { onProgress: () => job.cancel() },
  );
  await assert.rejects(job.result, /cancelled/);
});

test('training forced to onnx where ONNX Runtime does not load fails with the reason; forced to tfjs it says so', async () => {
  await assert.rejects(
    Engine.start({ backends: 'wasm', training: 'onnx', onnxModule: 'onnxruntime-node-absent' }),
    /training is set to onnx but ONNX Runtime did not load \(onnxruntime: not installed/,
  );
  const tfjs = await Engine.start({ backends: 'wasm', training: 'tfjs' });
  try {
    assert.deepEqual(tfjs.backend.training, {
      backend: 'wasm',
      reason: 'tfjs wasm: training set to tfjs',
    });
  } finally {
    await tfjs.close();
  }
});

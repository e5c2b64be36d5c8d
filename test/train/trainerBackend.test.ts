import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { loadOnnxRuntime } from '../../src/engine/backends/onnxRuntime';
import type { TrainingStatus } from '../../src/engine/backends/tfBackends';
import { readAdamFile } from '../../src/engine/train/checkpoints';
import { trainModel } from '../../src/engine/train/trainModel';
import { createTrainer, type TrainingRuntime } from '../../src/engine/train/trainerBackend';
import { parameterLayout } from '../../src/onnx/training/parameterLayout';
import { buildSegmenter, configFromCard, exportStateDict } from '../../src/nn';
import { parameterShapes } from '../../src/nn/architecture';
import { createOptimizer, trainStep } from '../../src/nn/training';
import type { StateDict } from '../../src/nn/weights/hostTensor';
import { tf } from '../../src/nn/tf';
import { readSafetensors } from '../../src/nn/weights/readSafetensors';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

const card = tinyCard({ name: 'trainer choice (test)', inputSpacing: [8, 8, 8] });
const train = [colinCase('ch2bet.nii.gz', 8)];
const options = { epochs: 1, stepsPerEpoch: 2, batchSize: 2, seed: 3 };
const settings = { card, patch: card.patchSize, batch: 2, batchNorm: 'frozen' } as const;

before(async () => {
  await tf.setBackend('wasm');
});

const weights = () => exportStateDict(buildSegmenter(configFromCard(card), { seed: 2 }));

test('auto trains on tfjs where ONNX Runtime did not load, and says so', async () => {
  const { runtime, attempts } = await loadOnnxRuntime({ specifier: 'onnxruntime-missing' });
  assert.equal(runtime, undefined);
  const statuses: TrainingStatus[] = [];
  const backends = new Set<string>();
  await trainModel({
    model: weights(),
    card,
    train,
    validation: [],
    options,
    checkpointDir: mkdtempSync(join(tmpdir(), 'trainer-')),
    runtime: {
      choice: 'auto',
      onnxMissing: attempts.map((a) => `${a.name}: ${a.reason}`).join('; '),
      tfjs: 'wasm',
    },
    onBackend: (s) => statuses.push(s),
    onProgress: (p) => backends.add(p.backend),
  });
  assert.deepEqual([...backends], ['wasm']);
  assert.equal(statuses.length, 1);
  assert.match(
    statuses[0].reason,
    /^tfjs wasm: ONNX Runtime did not load \(onnxruntime: not installed/,
  );
});

test('a training graph ONNX Runtime refuses: auto falls back to tfjs with its reason, onnx fails', async () => {
  const { runtime: onnx } = await loadOnnxRuntime({ threads: 1 });
  assert.ok(onnx, 'onnxruntime-node loads here');
  const layout = parameterLayout(configFromCard(card));
  // A real refusal: bytes that are no ONNX model.
  const runtime: TrainingRuntime = {
    choice: 'auto',
    onnx,
    build: () => ({ bytes: new Uint8Array([1, 2, 3, 4]), layout }),
    tfjs: 'wasm',
  };
  const chosen = await createTrainer(runtime, { weights: weights() }, settings);
  assert.equal(chosen.trainer.backend, 'wasm');
  assert.match(
    chosen.status.reason,
    /^tfjs wasm: ONNX Runtime could not run the training graph: .*(protobuf|parse|Load model)/i,
  );
  await chosen.trainer.dispose();
  await assert.rejects(
    createTrainer({ ...runtime, choice: 'onnx' }, { weights: weights() }, settings),
    /training is set to onnx but ONNX Runtime could not run the training graph/,
  );
});

test("tfjs's Adam moments go to the checkpoint in PyTorch's layout and come back exactly", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainer-'));
  const start = weights();
  await trainModel({ model: start, card, train, validation: [], options, checkpointDir: dir });
  const path = join(dir, 'last', 'optimizer.safetensors');
  const adam = readAdamFile(readSafetensors(new Uint8Array(readFileSync(path))), card, path);
  assert.equal(adam.step, options.stepsPerEpoch);
  // Every trainable tensor has both moments, shaped as the weight (PyTorch's layout).
  const layout = parameterLayout(configFromCard(card));
  for (const e of layout.params) {
    assert.deepEqual(adam.m.get(e.name)?.shape, e.shape, e.name);
    assert.deepEqual(adam.v.get(e.name)?.shape, e.shape, e.name);
  }
  // The second moment of a weight is non-negative and, after steps, not all zero.
  const v = adam.v.get('conv1.weight')?.data ?? new Float32Array();
  assert.ok(v.every((x) => x >= 0) && v.some((x) => x > 0));
  // Restored into a fresh tfjs trainer, the state reads back bit for bit.
  const restored = await createTrainer(
    { choice: 'tfjs', tfjs: 'wasm' },
    { weights: start, adam },
    settings,
  );
  const back = await restored.trainer.adam();
  await restored.trainer.dispose();
  assert.equal(back.step, adam.step);
  for (const [name, t] of adam.m) assert.deepEqual(back.m.get(name)?.data, t.data, name);
  for (const [name, t] of adam.v) assert.deepEqual(back.v.get(name)?.data, t.data, name);
});

test("a checkpoint of the earlier format (tfjs's own optimizer list) resumes with the same moments", async () => {
  const model = buildSegmenter(configFromCard(card), { seed: 2 });
  const optimizer = createOptimizer();
  const x = tf.randomNormal([2, ...card.patchSize, 3], 0, 1, 'float32', 1) as tf.Tensor5D;
  const y = tf.zeros([2, ...card.patchSize], 'int32') as tf.Tensor4D;
  trainStep(model, optimizer, x, y);
  // What the earlier writeCheckpoint wrote: the list by position, in our kernel layout.
  const legacy: StateDict = new Map();
  const list = await optimizer.getWeights();
  for (const [n, w] of list.entries())
    legacy.set(`${String(n).padStart(6, '0')}:${w.name}`, {
      shape: w.tensor.shape,
      data: Float32Array.from(await w.tensor.data()),
    });
  const adam = readAdamFile(legacy, card, 'legacy');
  assert.equal(adam.step, 1);
  // The first moment of conv1.weight is list entry 1 (the first variable), transposed to PyTorch's layout.
  const ours = list[1].tensor;
  const expected = tf.transpose(ours, [3, 2, 0, 1]).dataSync();
  assert.deepEqual(adam.m.get('conv1.weight')?.data, Float32Array.from(expected));
  assert.deepEqual(
    adam.m.get('conv1.weight')?.shape,
    parameterShapes(configFromCard(card)).get('conv1.weight'),
  );
});

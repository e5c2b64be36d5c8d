import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { loadOnnxRuntime, type OnnxRuntime } from '../../src/engine/backends/onnxRuntime';
import type { TrainingStatus } from '../../src/engine/backends/tfBackends';
import { trainModel, type TrainingOptions } from '../../src/engine/train/trainModel';
import type { TrainingRuntime } from '../../src/engine/train/trainerBackend';
import { trainingGraphBuilder } from '../../src/engine/train/trainingGraphBuilder';
import { buildSegmenter, configFromCard, exportStateDict, loadModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

const card = tinyCard({
  name: 'grey matter on ONNX Runtime (test)',
  conversion: { from: '2d', method: 'random' },
  inputSpacing: [6, 6, 6],
});
const options: TrainingOptions = {
  epochs: 2,
  stepsPerEpoch: 4,
  batchSize: 2,
  seed: 11,
  learningRate: 3e-3,
};
const train = [colinCase('ch2bet.nii.gz', 6)];
const validation = [colinCase('ch2.nii.gz', 6)];
const start = () => exportStateDict(buildSegmenter(configFromCard(card), { seed: 5 }));

let onnx: OnnxRuntime;
const ortRuntime = (): TrainingRuntime => ({
  choice: 'auto',
  onnx,
  build: trainingGraphBuilder,
  tfjs: 'wasm',
});

before(async () => {
  await tf.setBackend('wasm');
  const loaded = await loadOnnxRuntime();
  if (!loaded.runtime) throw new Error('onnxruntime-node does not load here');
  onnx = loaded.runtime;
});

test('a training on ONNX Runtime says so, learns, and writes checkpoints tfjs loads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ort-train-'));
  const statuses: TrainingStatus[] = [];
  const backends = new Set<string>();
  const losses: number[] = [];
  const result = await trainModel({
    model: start(),
    card,
    train,
    validation,
    options,
    checkpointDir: dir,
    runtime: ortRuntime(),
    onBackend: (s) => statuses.push(s),
    onProgress: (p) => {
      backends.add(p.backend);
      if (p.loss !== null) losses.push(p.loss);
    },
  });
  assert.deepEqual(statuses, [
    { backend: 'onnxruntime-cpu', reason: 'training-step graph on onnxruntime-cpu' },
  ]);
  assert.deepEqual([...backends], ['onnxruntime-cpu']);
  console.log(`losses on ONNX Runtime: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
  assert.equal(losses.length, options.epochs * options.stepsPerEpoch);
  const saved = await loadModel(result.bestDir);
  assert.equal(
    saved.card.metrics.epoch,
    result.state.history.find((r) => r.meanDice === result.state.bestMeanDice)?.epoch,
  );
});

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { trainModel } from '../../src/engine/train/trainModel';
import type { TrainingOptions } from '../../src/engine/train/trainModel';
import { buildSegmenter, configFromCard, loadModel } from '../../src/nn';
import { tf } from '../../src/nn/tf';
import { colinCase } from '../../scripts/mricronCases';
import { tinyCard } from '../helpers/tinyCard';

const card = tinyCard({
  name: 'grey matter (test)',
  conversion: { from: '2d', method: 'random' },
  inputSpacing: [6, 6, 6],
});

const options: TrainingOptions = {
  epochs: 3,
  stepsPerEpoch: 6,
  batchSize: 2,
  seed: 11,
  learningRate: 3e-3,
};
const train = [colinCase('ch2bet.nii.gz', 6)];
const validation = [colinCase('ch2.nii.gz', 6)];

before(async () => {
  await tf.setBackend('wasm');
});

test('a short seeded fine-tune on real MR raises validation Dice clearly above its start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'train-'));
  const model = buildSegmenter(configFromCard(card), { seed: 5 });
  const records: { epoch: number; meanDice: number; loss: number }[] = [];
  const progress: string[] = [];
  const result = await trainModel({
    model,
    card,
    train,
    validation,
    options: { ...options, epochs: 6, stepsPerEpoch: 10 },
    checkpointDir: dir,
    onEpoch: (r) => records.push(r),
    onProgress: (p) => progress.push(p.phase),
  });
  const first = records[0].meanDice;
  const best = Math.max(...records.map((r) => r.meanDice));
  console.log(
    `validation mean Dice by epoch: ${records.map((r) => r.meanDice.toFixed(3)).join(', ')}`,
  );
  assert.ok(
    best > first + 0.1,
    `best Dice ${best} should clearly exceed the first epoch's ${first}`,
  );
  assert.ok(records[records.length - 1].loss < records[0].loss, 'the loss falls');
  assert.ok(progress.includes('train') && progress.includes('validate'));
  const saved = await loadModel(result.bestDir);
  assert.deepEqual(saved.card.trainedOn, [train[0].id]);
  assert.equal(saved.card.metrics.meanDice, best);
});

test('resuming after a stop takes exactly the steps an uninterrupted run takes', async () => {
  const losses = async (dir: string, epochs: number, resume: boolean) => {
    const out: number[] = [];
    await trainModel({
      model: buildSegmenter(configFromCard(card), { seed: 5 }),
      card,
      train,
      validation,
      options: { ...options, epochs },
      checkpointDir: dir,
      resume,
      onProgress: (p) => p.loss !== null && out.push(p.loss),
    });
    return out;
  };
  const whole = await losses(mkdtempSync(join(tmpdir(), 'train-')), 2, false);
  const split = mkdtempSync(join(tmpdir(), 'train-'));
  const firstHalf = await losses(split, 1, false);
  const secondHalf = await losses(split, 2, true);
  assert.deepEqual(firstHalf, whole.slice(0, options.stepsPerEpoch));
  assert.deepEqual(secondHalf, whole.slice(options.stepsPerEpoch));
});

test('cancel stops training between steps and keeps the last complete checkpoint', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'train-'));
  let steps = 0;
  await assert.rejects(
    trainModel({
      model: buildSegmenter(configFromCard(card), { seed: 5 }),
      card,
      train,
      validation,
      options,
      checkpointDir: dir,
      onProgress: (p) => p.phase === 'train' && steps++,
      isCancelled: () => steps >= options.stepsPerEpoch + 2,
    }),
    /cancelled/,
  );
  const last = await loadModel(join(dir, 'last'));
  assert.equal(last.card.metrics.epoch, 1);
});

test('bad cases are refused by name: a labelmap of another size, a class the model lacks', async () => {
  const run = (c: (typeof train)[number]) =>
    trainModel({
      model: buildSegmenter(configFromCard(card)),
      card,
      train: [c],
      validation: [],
      options,
      checkpointDir: mkdtempSync(join(tmpdir(), 'train-')),
    });
  const [good] = train;
  await assert.rejects(
    run({ ...good, id: 'short', labels: good.labels.subarray(1) }),
    /case short: its labelmap has/,
  );
  await assert.rejects(
    run({ ...good, id: 'extra', labels: good.labels.map((l) => (l === 2 ? 7 : l)) }),
    /case extra: label 7 is not one of the model's 3 classes/,
  );
  await assert.rejects(
    trainModel({
      model: buildSegmenter(configFromCard(card)),
      card,
      train: [],
      validation: [],
      options,
      checkpointDir: mkdtempSync(join(tmpdir(), 'train-')),
    }),
    /at least one annotated case/,
  );
});

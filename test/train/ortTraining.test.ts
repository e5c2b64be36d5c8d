import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import '@tensorflow/tfjs-backend-wasm';
import { loadOnnxRuntime, type OnnxRuntime } from '../../src/engine/backends/onnxRuntime';
import type { TrainingStatus } from '../../src/engine/backends/tfBackends';
import { trainModel, type TrainingOptions } from '../../src/engine/train/trainModel';
import { prepareCase } from '../../src/engine/train/prepareCase';
import { Random } from '../../src/engine/train/random';
import { DEFAULT_AUGMENTATION, samplePatch } from '../../src/engine/train/samplePatch';
import { createTrainer, type TrainingRuntime } from '../../src/engine/train/trainerBackend';
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

/** The losses of a run (or of a resumed run's remaining epochs) on the given runtime. */
async function losses(
  dir: string,
  epochs: number,
  resume: boolean,
  runtime: TrainingRuntime,
): Promise<number[]> {
  const out: number[] = [];
  await trainModel({
    model: start(),
    card,
    train,
    validation,
    options: { ...options, epochs },
    checkpointDir: dir,
    resume,
    runtime,
    onProgress: (p) => p.loss !== null && out.push(p.loss),
  });
  return out;
}

const tmp = () => mkdtempSync(join(tmpdir(), 'ort-train-'));
const tfjsRuntime: TrainingRuntime = { choice: 'tfjs', tfjs: 'wasm' };

test('resuming on ONNX Runtime takes exactly the steps an uninterrupted run takes', async () => {
  const whole = await losses(tmp(), 2, false, ortRuntime());
  const split = tmp();
  const firstHalf = await losses(split, 1, false, ortRuntime());
  const secondHalf = await losses(split, 2, true, ortRuntime());
  assert.deepEqual(firstHalf, whole.slice(0, options.stepsPerEpoch));
  assert.deepEqual(secondHalf, whole.slice(options.stepsPerEpoch));
});

test('a checkpoint resumes on the other backend: weights and Adam state carry over', async () => {
  const close = (a: number[], b: number[], what: string) => {
    const worst = Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i])));
    console.log(`${what}: largest relative loss difference ${worst.toExponential(2)}`);
    // Both runtimes compute the same step (gradients equal to ~1e-5); Adam's first steps are
    // dominated by its moments and step count, so a lost or misplaced moment shows here.
    assert.ok(worst < 2e-3, `${what}: ${a.join(' ')} against ${b.join(' ')}`);
  };
  const half = options.stepsPerEpoch;
  const wholeTfjs = await losses(tmp(), 2, false, tfjsRuntime);
  const fromTfjs = tmp();
  await losses(fromTfjs, 1, false, tfjsRuntime);
  close(await losses(fromTfjs, 2, true, ortRuntime()), wholeTfjs.slice(half), 'tfjs -> ORT');
  const wholeOrt = await losses(tmp(), 2, false, ortRuntime());
  const fromOrt = tmp();
  await losses(fromOrt, 1, false, ortRuntime());
  close(await losses(fromOrt, 2, true, tfjsRuntime), wholeOrt.slice(half), 'ORT -> tfjs');
});

test('cancel on ONNX Runtime stops between steps and keeps the last complete checkpoint', async () => {
  const dir = tmp();
  let steps = 0;
  await assert.rejects(
    trainModel({
      model: start(),
      card,
      train,
      validation,
      options,
      checkpointDir: dir,
      runtime: ortRuntime(),
      onProgress: (p) => p.phase === 'train' && steps++,
      isCancelled: () => steps >= options.stepsPerEpoch + 2,
    }),
    /cancelled/,
  );
  assert.equal(steps, options.stepsPerEpoch + 2);
  const last = await loadModel(join(dir, 'last'));
  assert.equal(last.card.metrics.epoch, 1);
});

/**
 * ONNX Runtime whose training session fails from its `runs`+1-th step, as a GPU provider does
 * when the device is lost or out of memory (the CPU provider cannot be made to fail on demand).
 */
function failingProvider(runtime: OnnxRuntime, runs: number): OnnxRuntime {
  const { InferenceSession } = runtime.ort;
  const create = async (...args: Parameters<typeof InferenceSession.create>) => {
    const session = await InferenceSession.create(...args);
    if (!session.inputNames.includes('params')) return session;
    let made = 0;
    return new Proxy(session, {
      get(target, key) {
        if (key === 'run')
          return (...a: Parameters<typeof session.run>) => {
            if (++made > runs) throw new Error('CUDA failure 700: an illegal memory access');
            return target.run(...a);
          };
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  return {
    ...runtime,
    name: 'onnxruntime-failing',
    ort: {
      ...runtime.ort,
      InferenceSession: { ...InferenceSession, create },
    } as typeof runtime.ort,
  };
}

test('a provider failing mid-training hands over to tfjs with the reason, losing no epoch', async () => {
  const statuses: TrainingStatus[] = [];
  const steps: { epoch: number; step: number; backend: string; loss: number }[] = [];
  const failAfter = options.stepsPerEpoch + 1;
  const result = await trainModel({
    model: start(),
    card,
    train,
    validation,
    options,
    checkpointDir: tmp(),
    runtime: { ...ortRuntime(), onnx: failingProvider(onnx, failAfter) },
    onBackend: (s) => statuses.push(s),
    onProgress: (p) =>
      p.loss !== null &&
      steps.push({ epoch: p.epoch, step: p.step, backend: p.backend, loss: p.loss }),
  });
  assert.equal(statuses.length, 2);
  assert.equal(statuses[1].backend, 'wasm');
  assert.match(
    statuses[1].reason,
    /^tfjs wasm: onnxruntime-failing failed mid-training \(CUDA failure 700: an illegal memory access\)/,
  );
  // Every step of every epoch ran once: the failed one again on tfjs, from the state before it.
  assert.deepEqual(
    steps.map((s) => `${s.epoch}.${s.step}`),
    ['1.1', '1.2', '1.3', '1.4', '2.1', '2.2', '2.3', '2.4'],
  );
  assert.deepEqual(
    steps.map((s) => s.backend),
    [...Array(failAfter).fill('onnxruntime-failing'), ...Array(3).fill('wasm')],
  );
  assert.equal(result.state.history.length, options.epochs);
  // The same steps as on ONNX Runtime throughout (the same patches, the state carried over).
  const reference = await losses(tmp(), 2, false, ortRuntime());
  const worst = Math.max(...steps.map((s, i) => Math.abs(s.loss - reference[i]) / reference[i]));
  assert.ok(worst < 2e-3, `losses after the fallback differ by ${worst}`);
});

test('on real MR, ONNX Runtime reaches the validation Dice tfjs reaches, in fewer seconds', async () => {
  const run = async (runtime: TrainingRuntime) => {
    const records: { meanDice: number; loss: number }[] = [];
    const started = performance.now();
    await trainModel({
      model: start(),
      card,
      train,
      validation,
      options: { ...options, epochs: 6, stepsPerEpoch: 10 },
      checkpointDir: tmp(),
      runtime,
      onEpoch: (r) => records.push(r),
    });
    const seconds = (performance.now() - started) / 1000;
    const dice = records.map((r) => r.meanDice);
    return { dice, best: Math.max(...dice), seconds };
  };
  const ort = await run(ortRuntime());
  const tfjs = await run(tfjsRuntime);
  const show = (d: number[]) => d.map((x) => x.toFixed(3)).join(', ');
  console.log(`ONNX Runtime: Dice by epoch ${show(ort.dice)}, ${ort.seconds.toFixed(1)} s`);
  console.log(`tfjs (wasm):  Dice by epoch ${show(tfjs.dice)}, ${tfjs.seconds.toFixed(1)} s`);
  assert.ok(
    ort.best > ort.dice[0] + 0.1,
    `ONNX Runtime learns: best ${ort.best}, first ${ort.dice[0]}`,
  );
  assert.ok(
    Math.abs(ort.best - tfjs.best) < 0.03,
    `best Dice ${ort.best} against tfjs's ${tfjs.best}`,
  );
  assert.ok(ort.seconds < tfjs.seconds, `${ort.seconds} s against tfjs's ${tfjs.seconds} s`);
});

test('a depth-stride-free 3D network takes the same steps on ONNX Runtime as on tfjs, batch statistics and all', async () => {
  // The compare job's depth-stride-free inflated 3D network, as it trains there: batch
  // statistics (the deepest stage keeps 2 x 8 values a channel), Adam with L2.
  const flat = tinyCard({
    name: 'depth-stride-free (test)',
    kind: '3d',
    depthKernel: 3,
    depthStrides: false,
    conversion: { from: '2d', method: 'centre' },
    inputSpacing: [6, 6, 6],
    patchSize: [8, 32, 32],
  });
  const settings = {
    card: flat,
    patch: flat.patchSize,
    batch: 2,
    batchNorm: 'batch',
    learningRate: 3e-3,
  } as const;
  const weights = exportStateDict(buildSegmenter(configFromCard(flat), { seed: 5 }));
  const prepared = prepareCase(train[0], flat.inputSpacing, flat.intensity, 3);
  const voxels = 8 * 32 * 32;
  const batches = Array.from({ length: 3 }, (_, n) => {
    const rng = new Random(40 + n);
    const image = new Float32Array(2 * voxels);
    const labels = new Uint8Array(2 * voxels);
    for (let b = 0; b < 2; b++)
      samplePatch(prepared, flat.patchSize, rng, DEFAULT_AUGMENTATION, image, labels, b * voxels);
    return { image, labels };
  });
  const steps = async (runtime: TrainingRuntime) => {
    const { trainer, status } = await createTrainer(runtime, { weights }, settings);
    try {
      const losses: number[] = [];
      for (const b of batches) losses.push(await trainer.step(b.image, b.labels, 2));
      return { backend: status.backend, losses, after: await trainer.weights() };
    } finally {
      await trainer.dispose();
    }
  };
  const ort = await steps(ortRuntime());
  const tfjs = await steps(tfjsRuntime);
  assert.equal(ort.backend, 'onnxruntime-cpu');
  assert.equal(tfjs.backend, 'wasm');
  const worstLoss = Math.max(
    ...ort.losses.map((l, i) => Math.abs(l - tfjs.losses[i]) / tfjs.losses[i]),
  );
  console.log(
    `depth-stride-free 3D, 3 steps: ORT ${ort.losses.map((l) => l.toFixed(5)).join(' ')}; tfjs ${tfjs.losses.map((l) => l.toFixed(5)).join(' ')}`,
  );
  // The second and third losses come after Adam steps: a wrong stride, pool or upsample rule
  // (or batch statistics taken over the wrong axes) changes them by far more than this.
  assert.ok(worstLoss < 1e-3, `losses differ by ${worstLoss}`);
  // Batch statistics updated the running statistics alike on both runtimes.
  let worstStat = 0;
  let worstName = '';
  for (const [name, t] of ort.after) {
    if (!name.endsWith('.running_mean') && !name.endsWith('.running_var')) continue;
    const other = tfjs.after.get(name);
    assert.ok(other, name);
    // relative to the tensor's largest value: a mean near 0 has no relative precision
    const scale = Math.max(1e-6, ...Array.from(other.data, Math.abs));
    for (let i = 0; i < t.data.length; i++) {
      const d = Math.abs(t.data[i] - other.data[i]) / scale;
      if (d > worstStat)
        [worstStat, worstName] = [d, `${name}[${i}] ${t.data[i]} vs ${other.data[i]}`];
    }
  }
  console.log(
    `largest relative running-statistics difference ${worstStat.toExponential(2)} (${worstName})`,
  );
  assert.ok(worstStat < 1e-3, `running statistics differ by ${worstStat}`);
});

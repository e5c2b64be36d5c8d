import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { SegmenterConfig } from '../../src/nn/architecture';
import { convertStateDict } from '../../src/nn/convert/convertStateDict';
import type { InflationMethod } from '../../src/nn/convert/inflateKernel';
import {
  buildSegmenter,
  disposeSegmenter,
  exportStateDict,
  type BatchNormMode,
  type Segmenter,
} from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { lossAndGradients } from '../../src/nn/training';
import type { StateDict } from '../../src/nn/weights/hostTensor';
import { readSafetensors, writeSafetensors } from '../../src/nn/weights/readSafetensors';
import { adamStep } from '../../src/onnx/training/adam';
import { DiffGraph } from '../../src/onnx/training/DiffGraph';
import { buildTrainingGraph } from '../../src/onnx/training/trainingGraph';
import { TRAINING_OPSET } from '../../src/onnx/training/trainingGraph';
import {
  DEFAULT_OPTIMIZER,
  type OptimizerSettings,
} from '../../src/onnx/training/TrainingGraphOptions';
import { tensorInfo } from '../../src/onnx/graphBuilder';
import { encodeModel } from '../../src/onnx/schema';
import { PYTHON, torchMissing } from '../nn/torchReference';
import { useWasm } from '../nn/setup';
import { checkWithOnnx, cpuRuntime, perturbBatchNorm, SMALL } from './onnxHelpers';
import { relativeDifference, runTrainingStep, type StepBatch } from './trainingHelpers';

const referenceDir = join(dirname(fileURLToPath(import.meta.url)), 'reference');
const missing = torchMissing();
/** The bound: every parameter's gradient within 1e-4 of the reference, relative to its largest value. */
const GRADIENT_TOLERANCE = 1e-4;

before(useWasm);

type Patch = [number, number, number];

function randomBatch(config: SegmenterConfig, n: number, patch: Patch, seed: number) {
  const x = tf.randomNormal([n, ...patch, config.inChannels], 0, 1, 'float32', seed) as tf.Tensor5D;
  const labels = tf.randomUniform([n, ...patch], 0, config.numClasses, 'int32', seed + 1);
  const image = tf.tidy(() => tf.transpose(x, [0, 4, 1, 2, 3]).dataSync() as Float32Array);
  const batch: StepBatch = {
    image: Float32Array.from(image),
    labels: Int32Array.from(labels.dataSync()),
  };
  return { x, labels: labels as tf.Tensor4D, batch };
}

/** tfjs's gradients (src/nn/training.ts) in PyTorch's layout, by name. */
function tfjsGradients(
  model: Segmenter,
  x: tf.Tensor5D,
  labels: tf.Tensor4D,
  batchNorm: BatchNormMode,
): { loss: number; grads: Map<string, Float32Array> } {
  const { loss, grads } = lossAndGradients(model, x, labels, { batchNorm });
  const out = new Map<string, Float32Array>();
  for (const [name, g] of grads) {
    const torch = tf.tidy(() =>
      g.rank === 4
        ? tf.transpose(g, [3, 2, 0, 1])
        : g.rank === 5
          ? tf.transpose(g, [4, 3, 0, 1, 2])
          : g.clone(),
    );
    out.set(name, Float32Array.from(torch.dataSync() as Float32Array));
    torch.dispose();
    g.dispose();
  }
  return { loss, grads: out };
}

/** The worst relative difference over every parameter, and which parameter it was. */
function worstGradient(
  ours: Float32Array,
  layout: Awaited<ReturnType<typeof runTrainingStep>>['layout'],
  reference: (name: string) => ArrayLike<number>,
): { worst: number; name: string } {
  let worst = 0;
  let name = '';
  for (const e of layout.params) {
    const d = relativeDifference(ours.subarray(e.offset, e.offset + e.size), reference(e.name));
    if (d > worst) [worst, name] = [d, e.name];
  }
  return { worst, name };
}

interface Case {
  label: string;
  config: Partial<SegmenterConfig>;
  patch: Patch;
  batchNorm: BatchNormMode;
  /** 3d weights made from the 2D ones by this conversion */
  conversion?: InflationMethod;
}

/** The network with non-trivial batch-norm statistics, its weights for the case's kind. */
function caseModel(c: Case): Segmenter {
  if (!c.conversion) {
    const model = buildSegmenter({ ...SMALL, ...c.config }, { seed: 5 });
    perturbBatchNorm(model);
    return model;
  }
  const flat = buildSegmenter({ ...SMALL, ...c.config, kind: '2d' }, { seed: 5 });
  perturbBatchNorm(flat);
  const config = { ...flat.config, ...c.config, kind: '3d' as const };
  const weights = convertStateDict(exportStateDict(flat), config, { method: c.conversion });
  disposeSegmenter(flat);
  // Random inflation keeps nothing of the 2D weights: the network starts from torchvision's init.
  return buildSegmenter(config, { weights, required: () => false, seed: 6 });
}

// Batch statistics are compared where every layer normalises over enough values to be well
// conditioned: the 2d kind (statistics over all slices) and a dilated ACS network (layer4 at
// stride 8). On a 32^3 patch the plain 3D encoder's layer4 holds one voxel per patch, and the
// batch norm of two values amplifies float rounding far beyond 1e-4 in any two implementations.
const TFJS_CASES: Case[] = [
  {
    label: '2d, frozen batch norm',
    config: { kind: '2d' },
    patch: [2, 32, 32],
    batchNorm: 'frozen',
  },
  { label: '2d, batch statistics', config: { kind: '2d' }, patch: [4, 32, 32], batchNorm: 'batch' },
  { label: 'acs, frozen', config: { kind: 'acs' }, patch: [32, 32, 32], batchNorm: 'frozen' },
  {
    label: 'acs dilated, batch statistics',
    config: { kind: 'acs', dilated: true },
    patch: [16, 16, 16],
    batchNorm: 'batch',
  },
  { label: '3d (T = k), frozen', config: { kind: '3d' }, patch: [32, 32, 32], batchNorm: 'frozen' },
  {
    label: '3d depth-stride-free (T = 3), frozen',
    config: { kind: '3d', depthKernel: 3, depthStrides: false },
    patch: [5, 32, 32],
    batchNorm: 'frozen',
  },
  ...(['centre', 'average', 'scale', 'random'] as const).map((conversion): Case => ({
    label: `3d by ${conversion} inflation (T = 3), frozen`,
    config: { kind: '3d', depthKernel: 3 },
    patch: [32, 32, 32],
    batchNorm: 'frozen',
    conversion,
  })),
];

for (const c of TFJS_CASES) {
  test(`${c.label}: the training graph's loss and gradients equal tfjs's`, async (t) => {
    const model = caseModel(c);
    const { x, labels, batch } = randomBatch(model.config, 2, c.patch, 9);
    const result = await runTrainingStep(model.config, exportStateDict(model), batch, {
      batch: 2,
      patch: c.patch,
      batchNorm: c.batchNorm,
    });
    const reference = tfjsGradients(model, x, labels, c.batchNorm);
    assert.ok(
      Math.abs(result.loss - reference.loss) < 1e-4 * Math.max(1, reference.loss),
      `loss ${result.loss} vs tfjs ${reference.loss}`,
    );
    const { worst, name } = worstGradient(result.gradients, result.layout, (n) => {
      const g = reference.grads.get(n);
      assert.ok(g, `tfjs gave no gradient for ${n}`);
      return g;
    });
    t.diagnostic(`worst relative gradient difference ${worst.toExponential(2)} (${name})`);
    assert.ok(worst < GRADIENT_TOLERANCE, `${name}: relative difference ${worst}`);
    if (c.batchNorm === 'batch') {
      // tfjs updated its running statistics in place during the forward.
      const after = exportStateDict(model);
      for (const e of result.layout.buffers) {
        const d = relativeDifference(
          result.bnState.subarray(e.offset, e.offset + e.size),
          after.get(e.name)?.data ?? [],
        );
        assert.ok(d < 1e-5, `${e.name}: running statistic differs by ${d}`);
      }
    }
    tf.dispose([x, labels]);
    disposeSegmenter(model);
  });
}

function runPython(script: string, args: string[]): void {
  const run = spawnSync(PYTHON, [join(referenceDir, script), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${script} failed:\n${run.stderr}`);
}

/** One PyTorch step (gradients, Adam, running statistics) on the same weights and batch. */
function torchStep(weights: StateDict, batch: StepBatch, c: Case, n: number): StateDict {
  const dir = mkdtempSync(join(tmpdir(), 'torch-step-'));
  try {
    const [d, h, w] = c.patch;
    const inputs: StateDict = new Map(weights);
    inputs.set('x', { shape: [n, SMALL.inChannels ?? 3, d, h, w], data: batch.image });
    inputs.set('labels', { shape: [n, d, h, w], data: Float32Array.from(batch.labels) });
    writeFileSync(join(dir, 'in.safetensors'), writeSafetensors(inputs));
    runPython('torch_train_step.py', [
      join(dir, 'in.safetensors'),
      join(dir, 'out.safetensors'),
      '--kind',
      c.config.kind ?? 'acs',
      '--bn',
      c.batchNorm,
    ]);
    return readSafetensors(new Uint8Array(readFileSync(join(dir, 'out.safetensors'))));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TORCH_CASES: Case[] = [
  { label: '2d, frozen', config: { kind: '2d' }, patch: [2, 32, 32], batchNorm: 'frozen' },
  { label: '2d, batch statistics', config: { kind: '2d' }, patch: [4, 32, 32], batchNorm: 'batch' },
  { label: 'acs, frozen', config: { kind: 'acs' }, patch: [32, 32, 32], batchNorm: 'frozen' },
  {
    label: '3d by scaling inflation, frozen',
    config: { kind: '3d', depthKernel: 3 },
    patch: [32, 32, 32],
    batchNorm: 'frozen',
    conversion: 'scale',
  },
  {
    label: '3d by centre inflation (T = k), frozen',
    config: { kind: '3d' },
    patch: [32, 32, 32],
    batchNorm: 'frozen',
    conversion: 'centre',
  },
];

for (const c of TORCH_CASES) {
  test(
    `${c.label}: the training graph's loss, gradients and running statistics equal PyTorch's`,
    { skip: missing },
    async (t) => {
      const model = caseModel(c);
      const weights = exportStateDict(model);
      const { x, labels, batch } = randomBatch(model.config, 2, c.patch, 21);
      const result = await runTrainingStep(model.config, weights, batch, {
        batch: 2,
        patch: c.patch,
        batchNorm: c.batchNorm,
      });
      const reference = torchStep(weights, batch, c, 2);
      const want = (name: string) => {
        const v = reference.get(name);
        assert.ok(v, `PyTorch gave no ${name}`);
        return v.data;
      };
      assert.ok(
        Math.abs(result.loss - want('loss')[0]) < 1e-4 * Math.max(1, want('loss')[0]),
        `loss ${result.loss} vs PyTorch ${want('loss')[0]}`,
      );
      const { worst, name } = worstGradient(result.gradients, result.layout, (n) =>
        want(`grad/${n}`),
      );
      t.diagnostic(`worst relative gradient difference ${worst.toExponential(2)} (${name})`);
      assert.ok(worst < GRADIENT_TOLERANCE, `${name}: relative difference ${worst}`);
      for (const e of result.layout.buffers) {
        const d = relativeDifference(
          result.bnState.subarray(e.offset, e.offset + e.size),
          want(`buffer/${e.name}`),
        );
        assert.ok(d < 1e-5, `${e.name}: running statistic differs by ${d}`);
      }
      tf.dispose([x, labels]);
      disposeSegmenter(model);
    },
  );
}

/** A graph of Adam alone on a flat vector: params, m, v, gradient, step, lr in; the new three out. */
function adamGraph(size: number, settings: OptimizerSettings): Uint8Array {
  const dg = new DiffGraph();
  const next = adamStep(dg, { params: 'p', m: 'm', v: 'v' }, 'g', 'step', 'lr', settings);
  dg.g.node('Identity', [next.params], {}, 'p_out');
  dg.g.node('Identity', [next.m], {}, 'm_out');
  dg.g.node('Identity', [next.v], {}, 'v_out');
  return encodeModel({
    ir_version: 8,
    producer_name: 'test',
    producer_version: '1',
    opset_import: [{ domain: '', version: TRAINING_OPSET }],
    metadata_props: [],
    graph: {
      name: 'adam',
      node: dg.g.nodes,
      initializer: dg.g.initializers,
      input: [
        ...['p', 'm', 'v', 'g'].map((n) => tensorInfo(n, [size])),
        tensorInfo('step', [1]),
        tensorInfo('lr', [1]),
      ],
      output: ['p_out', 'm_out', 'v_out'].map((n) => tensorInfo(n, [size])),
    },
  });
}

for (const kind of ['adam', 'adamw'] as const) {
  test(
    `three ${kind} steps in the graph equal torch.optim.${kind === 'adam' ? 'Adam' : 'AdamW'} to 1e-5`,
    { skip: missing },
    async () => {
      const size = 4096;
      const settings: OptimizerSettings = { ...DEFAULT_OPTIMIZER, kind, weightDecay: 1e-2 };
      const random = (seed: number, scale: number) =>
        tf.tidy(() =>
          Float32Array.from(tf.randomNormal([size], 0, scale, 'float32', seed).dataSync()),
        );
      const param = random(1, 1);
      const grads = [random(2, 1), random(3, 0.1), random(4, 10)];
      const rt = await cpuRuntime();
      const session = await rt.ort.InferenceSession.create(adamGraph(size, settings));
      const f32 = (data: Float32Array) => new rt.ort.Tensor('float32', data, [data.length]);
      let state = { p: param, m: new Float32Array(size), v: new Float32Array(size) };
      for (let i = 0; i < 3; i++) {
        const out = await session.run({
          p: f32(state.p),
          m: f32(state.m),
          v: f32(state.v),
          g: f32(grads[i]),
          step: f32(Float32Array.of(i + 1)),
          lr: f32(Float32Array.of(1e-3)),
        });
        state = {
          p: Float32Array.from(out.p_out.data as Float32Array),
          m: Float32Array.from(out.m_out.data as Float32Array),
          v: Float32Array.from(out.v_out.data as Float32Array),
        };
      }
      await session.release();
      const dir = mkdtempSync(join(tmpdir(), 'torch-adam-'));
      try {
        const inputs: StateDict = new Map([['param', { shape: [size], data: param }]]);
        grads.forEach((g, i) => inputs.set(`grad${i}`, { shape: [size], data: g }));
        writeFileSync(join(dir, 'in.safetensors'), writeSafetensors(inputs));
        runPython('torch_adam.py', [
          join(dir, 'in.safetensors'),
          join(dir, 'out.safetensors'),
          '--optimizer',
          kind,
          '--weight-decay',
          String(settings.weightDecay),
        ]);
        const want = readSafetensors(new Uint8Array(readFileSync(join(dir, 'out.safetensors'))));
        const maxAbs = (a: Float32Array, b: ArrayLike<number>) =>
          a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
        assert.ok(maxAbs(state.p, want.get('param')?.data ?? []) < 1e-5, 'parameters');
        assert.ok(maxAbs(state.m, want.get('exp_avg')?.data ?? []) < 1e-5, 'first moment');
        assert.ok(maxAbs(state.v, want.get('exp_avg_sq')?.data ?? []) < 1e-5, 'second moment');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

test('every training graph passes onnx.checker.check_model(full_check=True)', (t) => {
  const graphs = new Map<string, Uint8Array>();
  for (const kind of ['2d', 'acs', '3d'] as const) {
    for (const batchNorm of ['frozen', 'batch'] as const) {
      for (const optimizer of ['adam', 'adamw'] as const) {
        const config = buildSegmenter({ ...SMALL, kind }).config;
        const { bytes } = buildTrainingGraph(config, {
          batch: 2,
          patch: kind === '2d' ? [1, 32, 32] : [32, 32, 32],
          batchNorm,
          optimizer: { ...DEFAULT_OPTIMIZER, kind: optimizer },
          outputGradients: optimizer === 'adamw',
        });
        graphs.set(`${kind} ${batchNorm} ${optimizer}`, bytes);
      }
    }
  }
  const { skipped, failures } = checkWithOnnx(graphs);
  if (skipped) return t.skip(skipped);
  assert.deepEqual(failures, []);
  t.diagnostic(`${graphs.size} graphs checked`);
});

test('a patch the strides do not fit is refused with the reason', () => {
  const config = buildSegmenter({ ...SMALL, kind: 'acs' }).config;
  assert.throws(
    () =>
      buildTrainingGraph(config, {
        batch: 1,
        patch: [30, 32, 32],
        batchNorm: 'frozen',
        optimizer: DEFAULT_OPTIMIZER,
      }),
    /training graph: patch 30x32x32 does not fit the network: depth 30 must be a positive multiple of 32/,
  );
});

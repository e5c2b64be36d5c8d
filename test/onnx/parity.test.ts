import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { ConvKind } from '../../src/nn/architecture';
import { convertStateDict } from '../../src/nn/convert/convertStateDict';
import type { InflationMethod } from '../../src/nn/convert/inflateKernel';
import {
  buildSegmenter,
  disposeSegmenter,
  exportStateDict,
  segmenterConfig,
  type Segmenter,
} from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { createOptimizer, trainStep } from '../../src/nn/training';
import { exportSegmenterOnnx } from '../../src/onnx/exportSegmenter';
import { useWasm } from '../nn/setup';
import { checkWithOnnx, perturbBatchNorm, predictorDiff, SMALL } from './onnxHelpers';

before(useWasm);

/** Every graph the tests export, for one run of the ONNX checker at the end. */
const exported = new Map<string, Uint8Array>();

function exportOf(name: string, model: Segmenter): Uint8Array {
  const bytes = exportSegmenterOnnx(model.config, exportStateDict(model), { name });
  exported.set(name, bytes);
  return bytes;
}

const TOLERANCE = 1e-4;

for (const kind of ['2d', 'acs', '3d'] as ConvKind[]) {
  test(`${kind}: ONNX Runtime gives tfjs's probabilities (batch of 2, non-cubic patch)`, async (t) => {
    const model = buildSegmenter({ ...SMALL, kind }, { seed: 3 });
    perturbBatchNorm(model);
    const diff = await predictorDiff(model, exportOf(`${kind}`, model), [32, 32, 64]);
    disposeSegmenter(model);
    t.diagnostic(`${kind}: max abs diff ${diff.toExponential(2)}`);
    assert.ok(diff < TOLERANCE, `${kind}: probabilities differ by ${diff}`);
  });
}

test('acs with 2.5D input (neighbouring slices as channels) and a dilated resnet34 encoder', async (t) => {
  const model = buildSegmenter(
    { ...SMALL, kind: 'acs', architecture: 'resnet34', dilated: true, numClasses: 2, baseWidth: 4 },
    { seed: 5 },
  );
  perturbBatchNorm(model);
  const diff = await predictorDiff(
    model,
    exportOf('acs-r34-dilated', model),
    [16, 16, 24],
    1,
    'neighbours',
  );
  disposeSegmenter(model);
  t.diagnostic(`max abs diff ${diff.toExponential(2)}`);
  assert.ok(diff < TOLERANCE, `probabilities differ by ${diff}`);
});

test('3d and 2d with dilated layers 3-4 (output stride 8) and 2 classes', async (t) => {
  for (const kind of ['3d', '2d'] as const) {
    const model = buildSegmenter(
      { ...SMALL, kind, dilated: true, numClasses: 2, baseWidth: 4 },
      { seed: 17 },
    );
    perturbBatchNorm(model);
    const diff = await predictorDiff(model, exportOf(`${kind}-dilated`, model), [16, 24, 16], 2);
    disposeSegmenter(model);
    t.diagnostic(`${kind}: max abs diff ${diff.toExponential(2)}`);
    assert.ok(diff < TOLERANCE, `${kind}: probabilities differ by ${diff}`);
  }
});

test('3d without depth strides (T = 3): pooling and strides in-plane only', async (t) => {
  const model = buildSegmenter(
    { ...SMALL, kind: '3d', depthKernel: 3, depthStrides: false },
    { seed: 17 },
  );
  perturbBatchNorm(model);
  const diff = await predictorDiff(model, exportOf('3d-depth-stride-free', model), [8, 32, 32]);
  disposeSegmenter(model);
  t.diagnostic(`max abs diff ${diff.toExponential(2)}`);
  assert.ok(diff < TOLERANCE, `probabilities differ by ${diff}`);
});

const METHODS: InflationMethod[] = ['centre', 'average', 'scale', 'random'];

for (const method of METHODS) {
  test(`3d converted from 2D by ${method} (T = k, or 3 for scale): same as tfjs`, async (t) => {
    const source = buildSegmenter({ ...SMALL, kind: '2d' }, { seed: 9 });
    perturbBatchNorm(source);
    const config = segmenterConfig({
      ...SMALL,
      kind: '3d',
      depthKernel: method === 'scale' ? 3 : 0,
    });
    const model = buildSegmenter(config, {
      weights: convertStateDict(exportStateDict(source), config, { method }),
      required: () => false,
    });
    disposeSegmenter(source);
    const diff = await predictorDiff(model, exportOf(`3d-${method}`, model), [32, 32, 32], 1);
    disposeSegmenter(model);
    t.diagnostic(`${method}: max abs diff ${diff.toExponential(2)}`);
    assert.ok(diff < TOLERANCE, `${method}: probabilities differ by ${diff}`);
  });
}

test('after a fine-tuning step (batch-statistics BN, Adam) the re-exported graph still matches', async (t) => {
  const model = buildSegmenter({ ...SMALL, kind: 'acs' }, { seed: 13 });
  const before = exportOf('acs-before-step', model);
  const x = tf.randomUniform([2, 32, 32, 32, 3], 0, 1, 'float32', 1) as tf.Tensor5D;
  const labels = tf.tidy(() =>
    tf.cast(
      tf.greater(tf.slice(x, [0, 0, 0, 0, 0], [-1, -1, -1, -1, 1]).reshape([2, 32, 32, 32]), 0.5),
      'int32',
    ),
  ) as tf.Tensor4D;
  const optimizer = createOptimizer();
  trainStep(model, optimizer, x, labels, { batchNorm: 'batch', learningRate: 1e-2 });
  optimizer.dispose();
  tf.dispose([x, labels]);
  const afterStep = exportOf('acs-after-step', model);
  assert.notDeepEqual(afterStep, before, 'the step changed no weight');
  const diff = await predictorDiff(model, afterStep, [32, 32, 32], 2);
  disposeSegmenter(model);
  t.diagnostic(`max abs diff ${diff.toExponential(2)}`);
  assert.ok(diff < TOLERANCE, `probabilities differ by ${diff}`);
});

test('every exported graph passes onnx.checker.check_model(full_check=True)', (t) => {
  const { skipped, failures } = checkWithOnnx(exported);
  if (skipped) return t.skip(skipped);
  assert.ok(exported.size >= 9, `only ${exported.size} graphs exported`);
  assert.deepEqual(failures, []);
  t.diagnostic(`${exported.size} graphs checked`);
});

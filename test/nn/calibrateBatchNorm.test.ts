import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  buildSegmenter,
  calibrateBatchNorm,
  disposeSegmenter,
  encode,
  exportStateDict,
  type Segmenter,
} from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import type { StateDict } from '../../src/nn/weights/hostTensor';
import { useWasm } from './setup';

before(useWasm);

const config = {
  kind: '3d' as const,
  depthKernel: 3,
  baseWidth: 4,
  decoderChannels: [8, 8, 8, 8] as [number, number, number, number],
  numClasses: 3,
};
const build = (): Segmenter => buildSegmenter(config, { seed: 3 });
const batch = (seed: number) =>
  tf.randomNormal([2, 32, 32, 32, 3], 0.3, 2, 'float32', seed) as tf.Tensor5D;
const isStatistic = (name: string) =>
  name.endsWith('.running_mean') || name.endsWith('.running_var');

function largestDifference(a: StateDict, b: StateDict, pick: (name: string) => boolean) {
  let worst = 0;
  for (const [name, t] of a) {
    if (!pick(name)) continue;
    const other = b.get(name)?.data ?? [];
    const scale = Math.max(1e-6, ...Array.from(other, Math.abs));
    for (let i = 0; i < t.data.length; i++)
      worst = Math.max(worst, Math.abs(t.data[i] - other[i]) / scale);
  }
  return worst;
}

test('calibration on one batch makes running statistics that normalise it as batch statistics do', () => {
  const model = build();
  const x = batch(1);
  const before = exportStateDict(model);
  calibrateBatchNorm(model, [x]);
  const after = exportStateDict(model);
  // the statistics moved off their initial 0 / 1, and nothing else changed
  assert.ok(largestDifference(after, before, isStatistic) > 0.1);
  assert.equal(
    largestDifference(after, before, (n) => !isStatistic(n)),
    0,
  );
  // Frozen (running statistics) and batch statistics now agree on this batch, up to the unbiased
  // variance's n / (n - 1): n = 2 x 16^3 values a channel at the stem, 2 x 4^3 at layer2 (layer3
  // and layer4 hold 16 and 2, where that factor alone is 7% and 100%).
  const frozen = encode(model, x, 'frozen');
  const fromBatch = encode(model, x, 'batch');
  for (const [stage, f] of frozen.entries()) {
    if (stage > 2) break;
    const d = tf.tidy(() =>
      tf.max(tf.abs(tf.sub(f, fromBatch[stage]))).div(tf.max(tf.abs(fromBatch[stage]))),
    );
    const worst = d.dataSync()[0];
    d.dispose();
    console.log(`stage ${stage}: frozen vs batch statistics ${worst.toExponential(2)}`);
    assert.ok(worst < [1e-3, 5e-3, 3e-2][stage], `stage ${stage}: relative difference ${worst}`);
  }
  tf.dispose([x, ...frozen, ...fromBatch]);
  disposeSegmenter(model);
});

test('calibration on several batches keeps the mean of their batch statistics, in any order', () => {
  const [a, b] = [batch(1), batch(2)];
  const calibrated = (batches: tf.Tensor5D[]) => {
    const model = build();
    calibrateBatchNorm(model, batches);
    const state = exportStateDict(model);
    disposeSegmenter(model);
    return state;
  };
  const onA = calibrated([a]);
  const onB = calibrated([b]);
  const both = calibrated([a, b]);
  assert.ok(largestDifference(both, calibrated([b, a]), isStatistic) < 1e-6);
  for (const [name, t] of both) {
    if (!isStatistic(name)) continue;
    const scale = Math.max(1e-6, ...Array.from(t.data, Math.abs));
    for (let i = 0; i < t.data.length; i++) {
      const mean = ((onA.get(name)?.data[i] ?? NaN) + (onB.get(name)?.data[i] ?? NaN)) / 2;
      assert.ok(Math.abs(t.data[i] - mean) / scale < 1e-5, `${name}[${i}]`);
    }
  }
  assert.ok(largestDifference(onA, onB, isStatistic) > 1e-3, 'two batches, two statistics');
  assert.throws(() => calibrateBatchNorm(build(), []), /at least one batch/);
  tf.dispose([a, b]);
});

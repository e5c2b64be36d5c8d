import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gaussianWeights } from '../../src/engine/inference/gaussianWeights';
import type { Dims3 } from '../../src/engine/inference/patchGrid';
import { axisStarts } from '../../src/engine/inference/patchGrid';
import type { PatchPredictor } from '../../src/engine/inference/PatchPredictor';
import { voxelPatchSource } from '../../src/engine/inference/PatchSource';
import { argmaxSink, collectSink } from '../../src/engine/inference/sinks';
import type { SlidingWindowOptions } from '../../src/engine/inference/slidingWindowInfer';
import { slidingWindowInfer } from '../../src/engine/inference/slidingWindowInfer';

/** A network that returns its input, in each of `channels` channels scaled by (c + 1). */
function identityPredictor(channels: number): PatchPredictor & { calls: number[] } {
  const calls: number[] = [];
  return {
    channels,
    calls,
    async predict(input, count) {
      calls.push(count);
      const out = new Float32Array(input.length * channels);
      for (let v = 0; v < input.length; v++)
        for (let c = 0; c < channels; c++) out[v * channels + c] = input[v] * (c + 1);
      return out;
    },
  };
}

async function stitch(
  field: { dims: Dims3; values: Float32Array },
  predictor: PatchPredictor,
  options: SlidingWindowOptions,
) {
  const { sink, result } = collectSink(field.values.length, predictor.channels);
  await slidingWindowInfer(
    voxelPatchSource(field.values, field.dims, (v) => v),
    predictor,
    options,
    sink,
  );
  return result;
}

function randomField(dims: Dims3, seed: number) {
  let s = seed;
  const values = Float32Array.from({ length: dims[0] * dims[1] * dims[2] }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 200 - 100;
  });
  return { dims, values };
}

const cases: { dims: Dims3; patch: Dims3; overlap: number; batch: number }[] = [
  { dims: [9, 13, 11], patch: [4, 4, 4], overlap: 0.5, batch: 3 },
  { dims: [7, 5, 3], patch: [8, 8, 8], overlap: 0.5, batch: 2 }, // smaller than one patch
  { dims: [1, 17, 19], patch: [1, 6, 5], overlap: 0.25, batch: 4 }, // the 2D case: depth 1
  { dims: [10, 10, 10], patch: [5, 5, 5], overlap: 0, batch: 1 },
  { dims: [12, 3, 31], patch: [5, 3, 7], overlap: 0.75, batch: 5 },
];

for (const { dims, patch, overlap, batch } of cases) {
  test(`identity network stitches back to its input: volume ${dims}, patch ${patch}, overlap ${overlap}`, async () => {
    const field = randomField(dims, dims[0] * 31 + dims[2]);
    const predictor = identityPredictor(2);
    const out = await stitch(field, predictor, { patchSize: patch, overlap, batchSize: batch });
    for (let v = 0; v < field.values.length; v++) {
      assert.ok(
        Math.abs(out[2 * v] - field.values[v]) < 1e-4,
        `voxel ${v}: ${out[2 * v]} != ${field.values[v]}`,
      );
      assert.ok(Math.abs(out[2 * v + 1] - 2 * field.values[v]) < 2e-4);
    }
    assert.ok(predictor.calls.every((n) => n >= 1 && n <= batch));
  });
}

test('Gaussian importance weights follow exp(-d^2 / 2 sigma^2) with sigma = size/8, max 1', () => {
  const patch: Dims3 = [8, 16, 5];
  const w = gaussianWeights(patch);
  const sigma = patch.map((s) => s / 8);
  for (const [z, y, x] of [
    [0, 0, 0],
    [3, 7, 2],
    [7, 15, 4],
    [4, 9, 1],
  ]) {
    const d = [z, y, x].map((p, a) => (p - (patch[a] - 1) / 2) ** 2 / (2 * sigma[a] ** 2));
    const centre = Math.exp(-(0.25 / (2 * sigma[0] ** 2) + 0.25 / (2 * sigma[1] ** 2)));
    const expected = Math.exp(-(d[0] + d[1] + d[2])) / centre;
    assert.ok(Math.abs(w[(z * 16 + y) * 5 + x] - expected) < 1e-6 * Math.max(1, expected) + 1e-12);
  }
  assert.ok(Math.min(...w) > 0, 'weights are floored above zero');
  assert.ok(Math.abs(Math.max(...w) - 1) < 1e-6);
});

test('patch starts cover the axis, end flush with it, and overlap as asked', () => {
  assert.deepEqual(axisStarts(10, 16, 0.5), [0]);
  assert.deepEqual(axisStarts(16, 16, 0.5), [0]);
  const starts = axisStarts(100, 32, 0.5);
  assert.equal(starts[0], 0);
  assert.equal(starts.at(-1), 68);
  for (let n = 1; n < starts.length; n++) assert.ok(starts[n] - starts[n - 1] <= 16);
});

test('cancel stops the sliding window between batches', async () => {
  const field = randomField([16, 16, 16], 7);
  let calls = 0;
  await assert.rejects(
    stitch(field, identityPredictor(1), {
      patchSize: [4, 4, 4],
      overlap: 0,
      batchSize: 1,
      isCancelled: () => ++calls > 3,
    }),
    /cancelled/,
  );
  assert.equal(calls, 4);
});

test('argmaxSink writes the most probable class of each voxel of a slab at its place', () => {
  const labels = new Uint8Array(6).fill(9);
  argmaxSink(labels, 3, 2)(1, 1, Float32Array.from([0.9, 0.1, 0.2, 0.8, 0.3, 0.7]));
  assert.deepEqual([...labels], [9, 9, 9, 0, 1, 1]);
});

test('slabs reach the sink in order, each slice once, never more than one patch deep', async () => {
  const field = randomField([37, 6, 5], 3);
  const slabs: [number, number][] = [];
  await slidingWindowInfer(
    voxelPatchSource(field.values, field.dims, (v) => v),
    identityPredictor(1),
    { patchSize: [8, 4, 4], overlap: 0.5, batchSize: 4 },
    (z0, depth) => slabs.push([z0, depth]),
  );
  let next = 0;
  for (const [z0, depth] of slabs) {
    assert.equal(z0, next);
    assert.ok(depth >= 1 && depth <= 8);
    next = z0 + depth;
  }
  assert.equal(next, 37);
});

test('patches are read through the normalisation, straight from stored integers', async () => {
  const voxels = Int16Array.from({ length: 5 * 4 * 3 }, (_, n) => n - 30);
  const { sink, result } = collectSink(voxels.length, 1);
  await slidingWindowInfer(
    voxelPatchSource(voxels, [5, 4, 3], (v) => v / 10),
    identityPredictor(1),
    { patchSize: [2, 2, 2], overlap: 0.5, batchSize: 3 },
    sink,
  );
  for (let n = 0; n < voxels.length; n++) assert.ok(Math.abs(result[n] - voxels[n] / 10) < 1e-5);
});

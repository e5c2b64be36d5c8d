import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { acsConv } from '../../src/nn/layers/acsConv';
import { concatChannels } from '../../src/nn/layers/channels';
import { conv2d, type Conv2dGeometry } from '../../src/nn/layers/conv2d';
import { conv3d } from '../../src/nn/layers/conv3d';
import { maxPool } from '../../src/nn/layers/maxPool';
import { takeSlices } from '../../src/nn/layers/takeSlices';
import { upsample } from '../../src/nn/layers/upsample';
import { tf } from '../../src/nn/tf';
import { useWasm } from './setup';

before(useWasm);

/**
 * Checks every analytic gradient of f against central differences at a few random entries of each
 * input. The loss is sum(f(x) * r) for a fixed random r, so for the linear layers the difference
 * quotient is exact up to float rounding.
 */
function checkGradients(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[],
  samples = 12,
): void {
  const r = tf.tidy(() => tf.randomNormal(f(...inputs).shape, 0, 1, 'float32', 7));
  const loss = (...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r));
  const grads = tf.grads(loss)(inputs);
  inputs.forEach((x, k) => {
    const g = grads[k].dataSync();
    const base = x.dataSync().slice();
    const eps = 1e-2;
    let scale = 0;
    for (const v of g) scale = Math.max(scale, Math.abs(v));
    for (let s = 0; s < samples; s++) {
      const i = Math.floor((((s * 7919 + k * 104729) % 1_000_003) / 1_000_003) * base.length);
      const at = (delta: number) => {
        const moved = base.slice();
        moved[i] += delta;
        const xs = inputs.map((t, j) => (j === k ? tf.tensor(moved, t.shape) : t));
        const v = tf.tidy(() => loss(...xs).dataSync()[0]);
        xs[k].dispose();
        return v;
      };
      const numeric = (at(eps) - at(-eps)) / (2 * eps);
      assert.ok(
        Math.abs(numeric - g[i]) <= 2e-3 * Math.max(1, scale),
        `input ${k} entry ${i}: analytic ${g[i]}, numeric ${numeric}`,
      );
    }
  });
  grads.forEach((g) => g.dispose());
  r.dispose();
}

const rand = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

const geometries: [string, Conv2dGeometry, number][] = [
  ['3x3 stride 1', { stride: [1, 1], pad: [1, 1], dilation: [1, 1] }, 3],
  ['3x3 stride 2', { stride: [2, 2], pad: [1, 1], dilation: [1, 1] }, 3],
  ['7x7 stride 2 (stem)', { stride: [2, 2], pad: [3, 3], dilation: [1, 1] }, 7],
  ['1x1 stride 2 (downsample)', { stride: [2, 2], pad: [0, 0], dilation: [1, 1] }, 1],
  ['3x3 dilation 2', { stride: [1, 1], pad: [2, 2], dilation: [2, 2] }, 3],
];

for (const [name, g, k] of geometries) {
  test(`conv2d gradients match numerical ones: ${name}`, () => {
    const x = rand([2, 9, 10, 3], 1);
    const w = rand([k, k, 3, 4], 2);
    checkGradients((a, b) => conv2d(a as tf.Tensor4D, b as tf.Tensor4D, g), [x, w]);
    // The forward is tf.conv2d's, so it must agree with the cpu reference exactly.
    tf.dispose([x, w]);
  });
}

test('conv3d as conv2d: gradients match numerical ones (depth stride 2, depth dilation 2)', () => {
  const x = rand([1, 7, 6, 6, 2], 3);
  const w = rand([3, 3, 3, 2, 3], 4);
  checkGradients(
    (a, b) =>
      conv3d(a as tf.Tensor5D, b as tf.Tensor5D, {
        stride: [2, 1, 1],
        pad: [1, 1, 1],
        dilation: [1, 1, 1],
      }),
    [x, w],
  );
  checkGradients(
    (a, b) =>
      conv3d(a as tf.Tensor5D, b as tf.Tensor5D, {
        stride: [1, 1, 1],
        pad: [2, 2, 2],
        dilation: [2, 2, 2],
      }),
    [x, w],
  );
  tf.dispose([x, w]);
});

test('conv3d as conv2d equals tf.conv3d', () => {
  const x = rand([2, 6, 7, 5, 3], 5);
  const w = rand([3, 3, 3, 3, 4], 6);
  const ours = conv3d(x as tf.Tensor5D, w as tf.Tensor5D, {
    stride: [2, 2, 2],
    pad: [1, 1, 1],
    dilation: [1, 1, 1],
  });
  const padded = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [1, 1],
    [0, 0],
  ]) as tf.Tensor5D;
  const ref = tf.conv3d(padded, w as tf.Tensor5D, 2, 'valid');
  assert.deepEqual(ours.shape, ref.shape);
  assert.ok(tf.max(tf.abs(tf.sub(ours, ref))).dataSync()[0] < 1e-4);
  tf.dispose([x, w, ours, padded, ref]);
});

test('ACS conv: gradients match numerical ones', () => {
  const x = rand([1, 6, 6, 6, 2], 8);
  const w = rand([3, 3, 2, 5], 9);
  checkGradients(
    (a, b) =>
      acsConv(a as tf.Tensor5D, b as tf.Tensor4D, {
        stride: [2, 2],
        pad: [1, 1],
        dilation: [1, 1],
      }),
    [x, w],
  );
  tf.dispose([x, w]);
});

test('max pooling, upsampling, depth slicing and channel concatenation: gradients match numerical ones', () => {
  const x = rand([1, 6, 6, 6, 3], 10);
  checkGradients((a) => maxPool(a as tf.Tensor5D, [3, 3, 3], [2, 2, 2], [1, 1, 1]), [x]);
  checkGradients((a) => maxPool(a as tf.Tensor5D, [1, 3, 3], [1, 2, 2], [0, 1, 1]), [x]);
  checkGradients((a) => upsample(a as tf.Tensor5D, [2, 2, 2]), [x]);
  checkGradients((a) => takeSlices(a as tf.Tensor5D, 1, 2, 2), [x]);
  const y = rand([1, 6, 6, 6, 2], 11);
  checkGradients((a, b) => concatChannels([a, b] as tf.Tensor[]), [x, y]);
  tf.dispose([x, y]);
});

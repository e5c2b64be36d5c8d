import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { convertStateDict } from '../../src/nn/convert/convertStateDict';
import { acsSplit } from '../../src/nn/convert/acsSplit';
import { acsConv } from '../../src/nn/layers/acsConv';
import { conv2d } from '../../src/nn/layers/conv2d';
import {
  basicBlock,
  buildSegmenter,
  disposeSegmenter,
  exportStateDict,
  stem,
  type Segmenter,
} from '../../src/nn/segmenter';
import type { SegmenterConfig } from '../../src/nn/architecture';
import { tf } from '../../src/nn/tf';
import { useWasm } from './setup';

before(useWasm);

const small: Partial<SegmenterConfig> = {
  baseWidth: 8,
  decoderChannels: [16, 8, 8, 8],
  numClasses: 3,
};

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** A 2D network with random weights and random (non-identity) batch-norm statistics. */
function random2d(dilated = false): Segmenter {
  const model = buildSegmenter({ ...small, kind: '2d', dilated }, { seed: 3 });
  let seed = 100;
  for (const [name, v] of model.params) {
    if (v.rank === 1 && !name.startsWith('head')) {
      const lo = name.endsWith('running_var') || name.endsWith('.weight') ? 0.5 : -0.5;
      v.assign(tf.randomUniform(v.shape, lo, lo + 1, 'float32', seed++));
    }
  }
  return model;
}

/** The conv part of the encoder: stem, then the four residual layers (the max pool mixes slices). */
function convPart(model: Segmenter, x: tf.Tensor5D): tf.Tensor5D {
  let y = stem(model, x);
  for (const layer of model.architecture.layers)
    for (const block of layer) y = basicBlock(model, block, y, 'frozen');
  return y;
}

test('a centre-inflated (ZWI) 3D network equals the 2D network applied to every slice', () => {
  const net2d = random2d();
  const net3d = buildSegmenter(
    { ...small, kind: '3d' },
    {
      weights: convertStateDict(
        exportStateDict(net2d),
        { ...net2d.config, kind: '3d' },
        { method: 'centre' },
      ),
    },
  );
  const x = tf.randomNormal([1, 32, 32, 32, 3], 0, 1, 'float32', 5) as tf.Tensor5D;
  const y3 = convPart(net3d, x);
  const y2 = convPart(net2d, x);
  // Depth strides compose to 16 without the pool: output slice j is the 2D net on slice 16 j.
  assert.equal(y3.shape[1], 2);
  const slice = tf.gather(y2, [0, 16], 1);
  assert.ok(maxAbsDiff(y3, slice) < 1e-4, `max diff ${maxAbsDiff(y3, slice)}`);
  const y3s = stem(net3d, x);
  const y2s = tf.slice(stem(net2d, x), [0, 0, 0, 0, 0], [1, 32, -1, -1, -1]);
  const every2nd = tf.gather(
    y2s,
    Array.from({ length: 16 }, (_, i) => 2 * i),
    1,
  );
  assert.ok(maxAbsDiff(y3s, every2nd) < 1e-4);
  tf.dispose([x, y3, y2, slice, y3s, y2s, every2nd]);
  disposeSegmenter(net2d);
  disposeSegmenter(net3d);
});

test('the same holds for the dilated variant (dilation on depth too, stride 4 without the pool)', () => {
  const net2d = random2d(true);
  const net3d = buildSegmenter(
    { ...small, kind: '3d', dilated: true },
    {
      weights: convertStateDict(
        exportStateDict(net2d),
        { ...net2d.config, kind: '3d' },
        { method: 'centre' },
      ),
    },
  );
  const x = tf.randomNormal([1, 16, 32, 32, 3], 0, 1, 'float32', 8) as tf.Tensor5D;
  const y3 = convPart(net3d, x);
  const y2 = convPart(net2d, x);
  assert.equal(y3.shape[1], 4);
  const slices = tf.gather(y2, [0, 4, 8, 12], 1);
  assert.ok(maxAbsDiff(y3, slices) < 1e-4, `max diff ${maxAbsDiff(y3, slices)}`);
  tf.dispose([x, y3, y2, slices]);
  disposeSegmenter(net2d);
  disposeSegmenter(net3d);
});

test('an averaging-inflated network on a depth-constant volume equals the 2D network on one slice', () => {
  const net2d = random2d();
  const net3d = buildSegmenter(
    { ...small, kind: '3d' },
    {
      weights: convertStateDict(
        exportStateDict(net2d),
        { ...net2d.config, kind: '3d' },
        { method: 'average' },
      ),
    },
  );
  const plane = tf.randomNormal([1, 1, 32, 32, 3], 0, 1, 'float32', 6);
  const x = tf.tile(plane, [1, 40, 1, 1, 1]) as tf.Tensor5D;
  // Stem (7 deep, stride 2, padding 3): outputs 2..18 of 20 see no zero padding; each of layer1's
  // four 3-deep convs moves the padding's reach one slice inward, leaving 6..14.
  const run = (net: Segmenter, input: tf.Tensor5D) => {
    let y = stem(net, input);
    for (const block of net.architecture.layers[0]) y = basicBlock(net, block, y, 'frozen');
    return y;
  };
  const y3 = run(net3d, x);
  const y2 = run(net2d, plane as tf.Tensor5D);
  for (let j = 6; j <= 14; j++) {
    const got = tf.slice(y3, [0, j, 0, 0, 0], [1, 1, -1, -1, -1]);
    assert.ok(maxAbsDiff(got, y2) < 1e-4, `slice ${j}: ${maxAbsDiff(got, y2)}`);
    got.dispose();
  }
  tf.dispose([plane, x, y3, y2]);
  disposeSegmenter(net2d);
  disposeSegmenter(net3d);
});

test('an ACS convolution on a depth-constant input gives the 2D result in its axial group', () => {
  for (const cout of [9, 10, 11]) {
    const plane = tf.randomNormal([1, 1, 12, 12, 4], 0, 1, 'float32', cout) as tf.Tensor5D;
    const x = tf.tile(plane, [1, 8, 1, 1, 1]) as tf.Tensor5D;
    const w = tf.randomNormal([3, 3, 4, cout], 0, 1, 'float32', 2 * cout) as tf.Tensor4D;
    const g = {
      stride: [2, 2] as [number, number],
      pad: [1, 1] as [number, number],
      dilation: [1, 1] as [number, number],
    };
    const y = acsConv(x, w, g);
    const ref = conv2d(tf.reshape(plane, [1, 12, 12, 4]) as tf.Tensor4D, w, g);
    const [axial] = acsSplit(cout);
    assert.deepEqual(y.shape, [1, 4, 6, 6, cout]);
    for (let d = 0; d < 4; d++) {
      const group = tf.reshape(tf.slice(y, [0, d, 0, 0, 0], [1, 1, 6, 6, axial]), [1, 6, 6, axial]);
      const want = tf.slice(ref, [0, 0, 0, 0], [1, 6, 6, axial]);
      assert.ok(maxAbsDiff(group, want) < 1e-4);
      tf.dispose([group, want]);
    }
    tf.dispose([plane, x, w, y, ref]);
  }
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { SegmenterConfig } from '../../src/nn/architecture';
import { convertStateDict } from '../../src/nn/convert/convertStateDict';
import {
  buildSegmenter,
  disposeSegmenter,
  encode,
  exportStateDict,
  forward,
  patchProblem,
  type Segmenter,
} from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { exportSegmenterOnnx } from '../../src/onnx/exportSegmenter';
import { predictorDiff } from '../onnx/onnxHelpers';
import { useWasm } from './setup';

before(useWasm);

const small: Partial<SegmenterConfig> = {
  baseWidth: 8,
  decoderChannels: [16, 8, 8, 8],
  numClasses: 3,
};

/** A 2D network with random weights and random (non-identity) batch-norm statistics. */
function random2d(): Segmenter {
  const model = buildSegmenter({ ...small, kind: '2d' }, { seed: 11 });
  let seed = 200;
  for (const [name, v] of model.params) {
    if (v.rank === 1 && !name.startsWith('head')) {
      const lo = name.endsWith('running_var') || name.endsWith('.weight') ? 0.5 : -0.5;
      v.assign(tf.randomUniform(v.shape, lo, lo + 1, 'float32', seed++));
    }
  }
  return model;
}

function centre3d(net2d: Segmenter, depthStrides: boolean): Segmenter {
  const config: Partial<SegmenterConfig> = { ...small, kind: '3d', depthStrides };
  return buildSegmenter(config, {
    weights: convertStateDict(
      exportStateDict(net2d),
      { ...net2d.config, kind: '3d', depthStrides },
      { method: 'centre' },
    ),
  });
}

/** Largest difference relative to the larger of 1 and the reference's largest magnitude. */
function relativeDiff(a: tf.Tensor, b: tf.Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return tf.tidy(
    () => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(1, tf.max(tf.abs(b)).dataSync()[0]),
  );
}

test('without depth strides, a centre-inflated (ZWI) 3D network equals 2D slice by slice at every stage', () => {
  const net2d = random2d();
  const net3d = centre3d(net2d, false);
  // a general input: every slice different, a depth (5) that no stride divides
  const x = tf.randomNormal([1, 5, 64, 64, 3], 0, 1, 'float32', 9) as tf.Tensor5D;
  const f3 = encode(net3d, x);
  const f2 = encode(net2d, x);
  for (const [stage, y3] of f3.entries()) {
    assert.equal(y3.shape[1], 5, `stage ${stage} keeps the depth`);
    const d = relativeDiff(y3, f2[stage]);
    assert.ok(d < 1e-5, `stage ${stage}: relative difference ${d}`);
  }
  const logits3 = forward(net3d, x);
  const logits2 = forward(net2d, x);
  assert.ok(relativeDiff(logits3, logits2) < 1e-5, 'the whole segmenter too');
  // the default (paper's) network strides in depth and is not equal: the difference is real
  const strided = centre3d(net2d, true);
  const y = tf.randomNormal([1, 32, 64, 64, 3], 0, 1, 'float32', 10) as tf.Tensor5D;
  assert.ok(relativeDiff(forward(strided, y), forward(net2d, y)) > 1e-3);
  assert.match(patchProblem(strided.config, [1, 5, 64, 64, 3]) ?? '', /depth 5/);
  assert.equal(patchProblem(net3d.config, [1, 5, 64, 64, 3]), undefined);
  tf.dispose([x, y, logits3, logits2, ...f3, ...f2]);
  for (const m of [net2d, net3d, strided]) disposeSegmenter(m);
});

test('the ONNX graph of a depth-stride-free 3D network gives tfjs probabilities', async () => {
  const net2d = random2d();
  const net3d = centre3d(net2d, false);
  const graph = exportSegmenterOnnx(net3d.config, exportStateDict(net3d), { name: 'planar 3d' });
  const diff = await predictorDiff(net3d, graph, [6, 32, 32]);
  assert.ok(diff < 1e-4, `probabilities differ by ${diff}`);
  disposeSegmenter(net2d);
  disposeSegmenter(net3d);
});

test('depth-stride-free is a 3D option: ACS refuses it', () => {
  assert.throws(
    () => buildSegmenter({ ...small, kind: 'acs', depthStrides: false }),
    /3d only, not acs/,
  );
});

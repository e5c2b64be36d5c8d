import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { slicesToChannels } from '../../src/nn/input';
import { createPredictor } from '../../src/nn/predictor';
import { buildSegmenter, disposeSegmenter, predict } from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { useWasm } from './setup';

before(useWasm);

test('slices become channels: repeated, or the slice between its two neighbours (2.5D)', () => {
  const x = tf.reshape(tf.range(0, 4), [1, 4, 1, 1, 1]) as tf.Tensor5D;
  const repeated = slicesToChannels(x, 3, 'repeat');
  assert.deepEqual([...repeated.dataSync()], [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]);
  const neighbours = slicesToChannels(x, 3, 'neighbours');
  assert.deepEqual([...neighbours.dataSync()], [0, 0, 1, 0, 1, 2, 1, 2, 3, 2, 3, 3]);
  tf.dispose([x, repeated, neighbours]);
});

test('the predictor takes flat one-channel patches and returns probabilities channels last', async () => {
  const model = buildSegmenter({
    kind: 'acs',
    baseWidth: 4,
    decoderChannels: [8, 8, 4, 4],
    numClasses: 3,
  });
  const predictor = createPredictor(model);
  const voxels = 32 * 32 * 32;
  const input = Float32Array.from({ length: 2 * voxels }, (_, i) => Math.sin(i / 97));
  const out = await predictor.predict(input, 2, [32, 32, 32]);
  assert.equal(predictor.channels, 3);
  assert.equal(out.length, 2 * voxels * 3);
  for (let v = 0; v < out.length; v += 3 * 997) {
    assert.ok(Math.abs(out[v] + out[v + 1] + out[v + 2] - 1) < 1e-5);
  }
  const direct = tf.tidy(() =>
    predict(
      model,
      slicesToChannels(tf.tensor5d(input, [2, 32, 32, 32, 1]), 3, 'repeat'),
    ).dataSync(),
  );
  assert.deepEqual(out, direct);
  await assert.rejects(predictor.predict(input, 3, [32, 32, 32]), /for 3 patches of 32x32x32/);
  disposeSegmenter(model);
});

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { buildSegmenter, disposeSegmenter, predict } from '../../src/nn/segmenter';
import { tf } from '../../src/nn/tf';
import { createOptimizer, trainStep } from '../../src/nn/training';
import { useWasm } from './setup';

before(useWasm);

for (const kind of ['2d', 'acs', '3d'] as const) {
  test(`${kind}: no tensor leaks over 50 forward/backward steps`, () => {
    const model = buildSegmenter({
      kind,
      baseWidth: 4,
      decoderChannels: [8, 8, 4, 4],
      numClasses: 2,
      depthKernel: kind === '3d' ? 3 : 0,
    });
    const optimizer = createOptimizer();
    const x = tf.randomNormal([1, 32, 32, 32, 3]) as tf.Tensor5D;
    const labels = tf.cast(
      tf.greater(tf.randomUniform([1, 32, 32, 32]), 0.5),
      'int32',
    ) as tf.Tensor4D;
    const step = () => {
      trainStep(model, optimizer, x, labels, { batchNorm: 'batch' });
      predict(model, x).dispose();
    };
    step();
    const after1 = tf.memory().numTensors;
    for (let i = 1; i < 50; i++) step();
    assert.equal(tf.memory().numTensors, after1);
    optimizer.dispose();
    tf.dispose([x, labels]);
    disposeSegmenter(model);
  });
}

import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { createParallelPredictor } from '../../src/nn/parallel/parallelPredictor';
import { createPredictor } from '../../src/nn/predictor';
import { buildSegmenter, disposeSegmenter } from '../../src/nn/segmenter';
import { useWasm } from './setup';

before(useWasm);

test('two workers give the same probabilities as one thread', async () => {
  const model = buildSegmenter(
    { kind: 'acs', baseWidth: 4, decoderChannels: [8, 8, 4, 4], numClasses: 2 },
    { seed: 5 },
  );
  const voxels = 32 ** 3;
  const input = Float32Array.from({ length: 3 * voxels }, (_, i) => Math.cos(i / 31));
  const want = await createPredictor(model).predict(input.slice(), 3, [32, 32, 32]);
  const parallel = await createParallelPredictor(model, 2);
  try {
    const got = await parallel.predict(input.slice(), 3, [32, 32, 32]);
    assert.equal(got.length, want.length);
    let diff = 0;
    for (let i = 0; i < got.length; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
    assert.ok(diff < 1e-6, `max difference ${diff}`);
    await assert.rejects(
      parallel.predict(input.slice(0, 10), 1, [32, 32, 32]),
      /10 values for 1 patches/,
    );
  } finally {
    await parallel.close();
    disposeSegmenter(model);
  }
});

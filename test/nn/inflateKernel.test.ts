import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inflateKernel, inflationFactors, PAPER_ALPHAS } from '../../src/nn/convert/inflateKernel';

test('inflation factors follow the transfer-learning paper', () => {
  assert.deepEqual(inflationFactors('centre', 3), [0, 1, 0]);
  assert.deepEqual(inflationFactors('centre', 7), [0, 0, 0, 1, 0, 0, 0]);
  assert.deepEqual(inflationFactors('average', 4), [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(inflationFactors('scale', 3), [0.25, 0.5, 0.25]);
  assert.deepEqual(inflationFactors('scale', 7), PAPER_ALPHAS[7]);
  assert.deepEqual(
    inflationFactors('scale', 5, { 5: [0.1, 0.2, 0.4, 0.2, 0.1] }),
    [0.1, 0.2, 0.4, 0.2, 0.1],
  );
  assert.throws(() => inflationFactors('scale', 5), /no alphas given for kernel depth 5/);
  assert.throws(() => inflationFactors('scale', 3, { 3: [0.5, 0.5, 0.5] }), /sum to 1/);
  assert.throws(() => inflationFactors('centre', 4), /odd kernel depth/);
});

test('an inflated kernel holds factor[t] times the 2D kernel at depth t', () => {
  const data = Float32Array.from({ length: 2 * 3 * 3 * 3 }, (_, i) => i - 20);
  const w = { shape: [2, 3, 3, 3], data };
  const factors = [0.25, 0.5, 0.25];
  const out = inflateKernel(w, factors);
  assert.deepEqual(out.shape, [2, 3, 3, 3, 3]);
  for (let o = 0; o < 2; o++)
    for (let i = 0; i < 3; i++)
      for (let t = 0; t < 3; t++)
        for (let p = 0; p < 9; p++) {
          const got = out.data[((o * 3 + i) * 3 + t) * 9 + p];
          assert.equal(got, factors[t] * data[(o * 3 + i) * 9 + p]);
        }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pairedPermutationTest, spread } from '../../src/engine/train/compareStatistics';

test('spread is the mean and the sample standard deviation', () => {
  assert.deepEqual(spread([1, 2, 3]), { mean: 2, sd: 1, n: 3 });
  assert.deepEqual(spread([0.5]), { mean: 0.5, sd: 0, n: 1 });
  assert.throws(() => spread([]), /no values/);
});

test('the paired sign-flip test counts the sign assignments that reach the observed difference', () => {
  // three cases all better by 1, 2, 3: only all-plus and all-minus reach |6| of 8 assignments
  assert.equal(pairedPermutationTest([2, 3, 4], [1, 1, 1]), 2 / 8);
  // no difference at all: every assignment reaches it
  assert.equal(pairedPermutationTest([0.3, 0.4], [0.3, 0.4]), 1);
  // differences 1, -1, 4 (sum 4): the signs of 4 and 1 - 1 in {0, 0, 2, -2} reach |4| but for
  // +4 with -2 and -4 with +2: 6 of 8
  assert.equal(pairedPermutationTest([2, 0, 5], [1, 1, 1]), 6 / 8);
  // beyond 16 pairs a seeded sample: the same p every time, small for a clear shift
  const a = Array.from({ length: 20 }, (_, n) => 0.5 + n / 100);
  const b = a.map((v) => v - 0.05);
  const p = pairedPermutationTest(a, b);
  assert.equal(p, pairedPermutationTest(a, b));
  assert.ok(p < 1e-4, `p ${p}`);
  assert.throws(() => pairedPermutationTest([1], [1, 2]), /same cases/);
});

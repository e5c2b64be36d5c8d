import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitCases } from '../../src/workstation/training/splitCases';

const ids = (n: number) => Array.from({ length: n }, (_, k) => `case-${k}`);
const same = (s: string) => s;

test('the split depends on the seed and the ids only, never on the order they were picked in', () => {
  const cases = ids(10);
  const a = splitCases(cases, same, 3, 0.2);
  const b = splitCases([...cases].reverse(), same, 3, 0.2);
  assert.deepEqual(a, b);
  assert.equal(a.validation.length, 2);
  assert.equal(a.train.length, 8);
  assert.deepEqual([...a.train, ...a.validation].sort(), [...cases].sort());
  const seeds = new Set(
    Array.from({ length: 8 }, (_, seed) => splitCases(cases, same, seed, 0.2).validation.join()),
  );
  assert.ok(seeds.size > 1, 'other seeds pick other validation cases');
});

test('two or more cases give at least one validation case and at least one training case', () => {
  for (const n of [2, 3, 4, 7]) {
    for (const share of [0, 0.2, 0.9]) {
      const split = splitCases(ids(n), same, 1, share);
      assert.ok(split.validation.length >= 1, `${n} cases, share ${share}`);
      assert.ok(split.train.length >= 1, `${n} cases, share ${share}`);
      assert.equal(split.validatesOnTraining, false);
    }
  }
  const one = splitCases(ids(1), same, 1, 0.2);
  assert.deepEqual(one, { train: ['case-0'], validation: ['case-0'], validatesOnTraining: true });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { caseKey } from '../../src/workstation/training/caseKey';
import {
  crossValidationFolds,
  splitByImage,
  splitCases,
} from '../../src/workstation/training/splitCases';
import { colinCase } from '../../scripts/mricronCases';

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

test('cross-validation folds depend on the keys and the seed only; each case is held out once per repeat', () => {
  const cases = ids(7);
  const a = crossValidationFolds(cases, same, 5, 3, 2);
  const b = crossValidationFolds([...cases].reverse(), same, 5, 3, 2);
  assert.deepEqual(a, b);
  assert.equal(a.length, 6);
  for (const repeat of [0, 1]) {
    const folds = a.filter((f) => f.repeat === repeat);
    assert.deepEqual(folds.flatMap((f) => f.test).sort(), [...cases].sort());
    for (const f of folds) {
      assert.equal(f.seed, 5 + repeat);
      const used = [...f.train, ...f.validation, ...f.test].sort();
      assert.deepEqual(used, [...cases].sort(), 'every case has one role in a fold');
      assert.ok(f.validation.length >= 1 && f.train.length >= 1);
      assert.equal(f.validatesOnTraining, false);
    }
  }
  assert.notDeepEqual(
    a.filter((f) => f.repeat === 0).map((f) => f.test),
    a.filter((f) => f.repeat === 1).map((f) => f.test),
    'another seed deals other folds',
  );
  // two cases: one held out, the other trains and (said) validates
  const two = crossValidationFolds(ids(2), same, 1, 2, 1);
  assert.deepEqual(
    two.map((f) => [f.test, f.train, f.validation, f.validatesOnTraining]),
    two.map((f) => {
      const other = ids(2).filter((c) => !f.test.includes(c));
      return [f.test, other, other, true];
    }),
  );
  assert.throws(() => crossValidationFolds(ids(3), same, 1, 4, 1), /4 folds of 3 cases/);
  assert.throws(() => crossValidationFolds(['a', 'b', 'a'], same, 1, 2, 1), /given twice/);
});

test('a case key is its content: the same image and labels under any id, another labelmap is another case', () => {
  const a = colinCase('ch2bet.nii.gz', 8);
  const copy = {
    volume: { geometry: structuredClone(a.volume.geometry), voxels: a.volume.voxels.slice() },
    labels: a.labels.slice(),
  };
  assert.match(caseKey(a.volume, a.labels), /^[0-9a-f]{16}$/);
  assert.equal(caseKey(a.volume, a.labels), caseKey(copy.volume, copy.labels));
  copy.labels[0] ^= 1;
  assert.notEqual(caseKey(a.volume, a.labels), caseKey(copy.volume, copy.labels));
  const other = colinCase('ch2.nii.gz', 8);
  assert.notEqual(caseKey(a.volume, a.labels), caseKey(other.volume, a.labels));
});

test('cases of one image fall on one side of the split, whatever the seed and order', () => {
  // three series, one of them with three cases (two segmentations and the open one)
  const cases = ['a/1', 'a/2', 'a/open', 'b/1', 'c/1'];
  const image = (c: string) => c.split('/')[0];
  const seen = new Set<string>();
  for (let seed = 0; seed < 20; seed++) {
    const split = splitByImage(cases, image, same, seed, 0.34);
    const trained = new Set(split.train.map(image));
    assert.ok(!split.validation.some((c) => trained.has(image(c))), `seed ${seed}`);
    assert.deepEqual([...split.train, ...split.validation].sort(), [...cases].sort());
    assert.deepEqual(splitByImage([...cases].reverse(), image, same, seed, 0.34), split);
    seen.add(split.validation.join());
  }
  assert.ok(seen.has('a/1,a/2,a/open'), 'the image with three cases validates as a whole');
  const one = splitByImage(['a/1', 'a/open'], image, same, 1, 0.2);
  assert.deepEqual(one, {
    train: ['a/1', 'a/open'],
    validation: ['a/1', 'a/open'],
    validatesOnTraining: true,
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { acsSplit } from '../../src/nn/convert/acsSplit';

test('ACS splits output channels ceil-first for c % 3 = 0, 1, 2', () => {
  assert.deepEqual(acsSplit(63), [21, 21, 21]);
  assert.deepEqual(acsSplit(64), [22, 21, 21]);
  assert.deepEqual(acsSplit(65), [22, 22, 21]);
  for (let c = 1; c < 600; c++) {
    const [a, co, s] = acsSplit(c);
    assert.equal(a + co + s, c);
    assert.ok(a >= co && co >= s && a - s <= 1, `split of ${c}`);
  }
});

// The eraser's restriction to the active segment (issue 13 item 8): which labels it protects,
// and that every call of the strategy and its callbacks carries that protection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  eraseActiveOnly,
  protectedSegments,
  type BrushStrategyFunction,
} from '../../renderer/viewer/eraseActiveOnly';

test('every label but the active one is protected, the locked ones stay protected', () => {
  const kept = protectedSegments([3], 2);
  assert.equal(kept.length, 254);
  assert.ok(!kept.includes(2), 'the active segment is erased');
  assert.ok(!kept.includes(0), 'background is no segment');
  assert.ok(kept.includes(1) && kept.includes(3) && kept.includes(255));
  // a locked active segment is erased by nobody: Cornerstone's lock still holds
  assert.ok(protectedSegments([2], 2).includes(1));
});

test('the stroke and each callback see the other segments as locked; the caller data is kept', () => {
  const seen: unknown[] = [];
  const erase = ((_element: unknown, data: unknown) => {
    seen.push(data);
    return 'filled';
  }) as BrushStrategyFunction;
  erase.onInteractionStart = (_element: unknown, data: unknown) => seen.push(data);
  erase.label = 'not a function';
  const wrapped = eraseActiveOnly(erase);
  const data = { segmentIndex: 4, segmentsLocked: [7], other: 'x' };
  assert.equal(wrapped({}, data), 'filled');
  (wrapped.onInteractionStart as (e: unknown, d: unknown) => void)({}, data);
  assert.equal(wrapped.label, 'not a function');
  assert.equal(seen.length, 2);
  for (const call of seen as { segmentsLocked: number[]; other: string }[]) {
    assert.equal(call.other, 'x');
    assert.deepEqual(call.segmentsLocked, protectedSegments([7], 4));
  }
  assert.deepEqual(data.segmentsLocked, [7], "the tool's own data is not changed");
});

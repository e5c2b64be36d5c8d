import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoWindow } from '../../renderer/viewer/voxels';

/** The exact q-quantile of the non-zero values, as a sort gives it. */
function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Array.from(values)
    .filter((v) => v !== 0)
    .sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

test('16-bit data: the exact 0.5th and 99.5th percentiles of the non-zero voxels', () => {
  // an MR-like volume: 60% air (0), tissue 200..1200, a few bright outliers at 30000
  const values = new Int16Array(200_000);
  let seed = 7;
  for (let i = 0; i < values.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    const r = seed / 2 ** 32;
    values[i] = r < 0.6 ? 0 : r < 0.9995 ? 200 + Math.floor(((r - 0.6) / 0.4) * 1000) : 30000;
  }
  const [lower, upper] = autoWindow(values, [0, 30000]);
  assert.equal(lower, quantile(values, 0.005));
  assert.equal(upper, quantile(values, 0.995));
  assert.ok(upper < 1300, 'the outliers do not stretch the window');
});

test('float data: within one histogram bin of the exact percentiles', () => {
  const values = new Float32Array(100_000);
  for (let i = 0; i < values.length; i++) values[i] = i % 3 === 0 ? 0 : Math.sin(i) * 100 + 0.5;
  const [lower, upper] = autoWindow(values, [-100, 100]);
  const bin = 200 / 65535;
  assert.ok(Math.abs(lower - quantile(values, 0.005)) <= bin);
  assert.ok(Math.abs(upper - quantile(values, 0.995)) <= bin);
});

test('a volume of one value falls back to its range', () => {
  assert.deepEqual(autoWindow(new Uint8Array(1000).fill(5), [5, 5]), [5, 6]);
  assert.deepEqual(autoWindow(new Uint16Array(1000), [0, 0]), [0, 1]);
});

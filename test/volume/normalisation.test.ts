import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intensityNormaliser } from '../../src/volume/normalisation';

test('a CT window clips Hounsfield units and scales them to [0, 1]', () => {
  const f = intensityNormaliser({ kind: 'window', min: -100, max: 300 }, new Int16Array(1));
  assert.equal(f(-1000), 0);
  assert.equal(f(100), 0.5);
  assert.equal(f(3000), 1);
});

test("minmax maps the volume's own range to [0, 1]", () => {
  const f = intensityNormaliser({ kind: 'minmax' }, Int16Array.from([-20, 0, 60]));
  assert.equal(f(-20), 0);
  assert.equal(f(20), 0.5);
  assert.equal(f(60), 1);
});

test('z-score over the foreground gives mean 0 and spread 1 there, outliers clipped', () => {
  // A background of zeros, a foreground of 1..1000 and one bright outlier.
  const voxels = new Int16Array(5000);
  for (let n = 0; n < 1000; n++) voxels[2000 + n] = n + 1;
  voxels[4999] = 30000;
  const f = intensityNormaliser(
    { kind: 'zscore', clipPercentiles: [0.5, 99.5], foregroundOnly: true },
    voxels,
  );
  const fg = [...voxels.filter((v) => v !== 0)].map(f);
  const mean = fg.reduce((a, b) => a + b, 0) / fg.length;
  const std = Math.sqrt(fg.reduce((a, b) => a + (b - mean) ** 2, 0) / fg.length);
  assert.ok(Math.abs(mean) < 1e-9, `mean ${mean}`);
  assert.ok(Math.abs(std - 1) < 1e-9, `std ${std}`);
  assert.ok(f(30000) < 2, 'the outlier is clipped to the 99.5th percentile');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intensityNormaliser } from '../../src/volume/normalisation';

test('CT normalisation clips to the window, then standardises with the card statistics', () => {
  const f = intensityNormaliser(
    { kind: 'ct', window: [-100, 300], mean: 50, std: 25 },
    new Int16Array(1),
  );
  assert.equal(f(-1000), -6);
  assert.equal(f(50), 0);
  assert.equal(f(100), 2);
  assert.equal(f(3000), 10);
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

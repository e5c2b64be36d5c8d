import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { canonicalGrid } from '../../src/volume/canonicalGrid';
import { intensityNormaliser, type IntensityNormalisation } from '../../src/volume/normalisation';
import { resample, resampledView, resampleSlices } from '../../src/volume/resample';
import { canonicalIndexMap, identityIndexMap, indexedView } from '../../src/volume/voxelIndexMap';
import { signedAxes } from '../helpers/signedAxes';

const tilt = 0.3;
const [c, s] = [Math.cos(tilt), Math.sin(tilt)];

/** Every signed permutation of the patient axes as row, column and normal directions, some tilted. */
function grids(): VolumeGeometry[] {
  return signedAxes().flatMap((axes) =>
    [false, true].map((tilted): VolumeGeometry => {
      const direction = axes.flatMap((axis, a) => {
        const v = [...axis];
        const along = axis.findIndex((x) => x !== 0);
        if (tilted && a === 0) {
          // Turn the row direction towards the next patient axis (still nearest its own).
          v[(along + 1) % 3] = v[along] * s;
          v[along] *= c;
        }
        return v;
      });
      return {
        dimensions: [5, 4, 3],
        spacing: [0.7, 1.1, 2.5],
        origin: [12, -4, 30],
        direction: direction as VolumeGeometry['direction'],
      };
    }),
  );
}

const voxels = Int16Array.from({ length: 60 }, (_, n) => 3 * n - 50);

test('through its index map, every stored plane reads as the nearest resample onto its canonical grid', () => {
  for (const geometry of grids()) {
    const canonical = canonicalGrid(geometry);
    const expected = resample(voxels, geometry, canonical, 'nearest', new Int16Array(60));
    const view = indexedView(voxels, canonical.dimensions, canonicalIndexMap(geometry));
    assert.equal(view.length, 60);
    const read = Array.from({ length: 60 }, (_, n) => view.value(n));
    assert.deepEqual(read, [...expected], JSON.stringify(geometry.direction));
    // A permutation: each stored voxel read once.
    assert.equal(new Set(read).size, 60);
  }
});

test('an axial grid maps onto itself', () => {
  const axial: VolumeGeometry = {
    dimensions: [5, 4, 3],
    spacing: [1, 1, 1],
    origin: [0, 0, 0],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
  assert.deepEqual(canonicalIndexMap(axial), identityIndexMap([5, 4, 3]));
  assert.deepEqual(identityIndexMap([5, 4, 3]), { offset: 0, strides: [1, 5, 20] });
});

const sagittal: VolumeGeometry = {
  dimensions: [9, 7, 6],
  spacing: [0.9, 1.2, 1.7],
  origin: [40, 10, 60],
  direction: [0, -1, 0, 0, 0, -1, -1, 0, 0],
};
const target: VolumeGeometry = {
  ...canonicalGrid(sagittal),
  dimensions: [8, 9, 5],
  spacing: [1.3, 0.8, 1.5],
};
const field = Float32Array.from({ length: 9 * 7 * 6 }, (_, n) => Math.sin(n * 0.37) * 100);

test('slabs of a resample, put together, are the whole resample', () => {
  const whole = resample(field, sagittal, target, 'linear');
  const slices = 8 * 9;
  for (const [k0, k1] of [
    [0, 2],
    [2, 3],
    [3, 5],
  ]) {
    const slab = resampleSlices(
      field,
      sagittal,
      target,
      'linear',
      k0,
      k1,
      new Float32Array((k1 - k0) * slices),
    );
    assert.deepEqual(slab, whole.subarray(k0 * slices, k1 * slices));
  }
});

test('a resampled view reads what the resample stores, and the statistics over it are the same', () => {
  const whole = resample(field, sagittal, target, 'linear');
  const view = resampledView(field, sagittal, target);
  assert.equal(view.length, whole.length);
  for (let n = 0; n < whole.length; n++) assert.equal(view.value(n), whole[n]);
  const specs: IntensityNormalisation[] = [
    { kind: 'minmax' },
    { kind: 'zscore', clipPercentiles: [1, 99] },
  ];
  for (const spec of specs) {
    const fromView = intensityNormaliser(spec, view);
    const fromCopy = intensityNormaliser(spec, whole);
    for (const v of [-80, 0, 3.5, 99]) assert.equal(fromView(v), fromCopy(v));
  }
});

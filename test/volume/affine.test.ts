import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VolumeGeometry } from '../../src/volume/geometry';
import { lpsAffine, rasAffine, voxelToLps } from '../../src/volume/affine';

const sagittal: VolumeGeometry = {
  dimensions: [4, 5, 6],
  spacing: [0.5, 0.75, 2],
  origin: [10, -20, 30],
  // rows run anterior->posterior (+y), columns run superior->inferior (-z), slices along +x
  direction: [0, 1, 0, 0, 0, -1, 1, 0, 0],
};

test('voxelToLps follows origin + i*sx*row + j*sy*col + k*sz*normal', () => {
  assert.deepEqual(voxelToLps(sagittal, [0, 0, 0]), [10, -20, 30]);
  assert.deepEqual(voxelToLps(sagittal, [2, 0, 0]), [10, -19, 30]);
  assert.deepEqual(voxelToLps(sagittal, [0, 4, 0]), [10, -20, 27]);
  assert.deepEqual(voxelToLps(sagittal, [0, 0, 3]), [16, -20, 30]);
});

test('rasAffine negates the x and y rows of the LPS affine only', () => {
  const lps = lpsAffine(sagittal);
  const ras = rasAffine(sagittal);
  for (let c = 0; c < 4; c++) {
    assert.equal(ras[0][c], -lps[0][c]);
    assert.equal(ras[1][c], -lps[1][c]);
    assert.equal(ras[2][c], lps[2][c]);
    assert.equal(ras[3][c], lps[3][c]);
  }
});

// A training case stored flipped or sagittally is brought to the model's grid by index strides
// (issue 17): the same image and labels, bit for bit, as the former whole trilinear / nearest resample.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelGrid } from '../../src/engine/inference/inferVolume';
import { prepareCase } from '../../src/engine/train/prepareCase';
import type { TrainingCase } from '../../src/engine/train/TrainingCase';
import { intensityNormaliser, type IntensityNormalisation } from '../../src/volume/normalisation';
import { resample } from '../../src/volume/resample';
import { colinCase } from '../../scripts/mricronCases';
import { PLANES, restoreVolume, restoreVoxels } from '../helpers/restoreVolume';

const zscore: IntensityNormalisation = { kind: 'zscore', clipPercentiles: [0.5, 99.5] };

/** prepareCase's image and labels as they were made before: both resampled whole. */
function resampledWhole(c: TrainingCase, spacing: [number, number, number]) {
  const grid = modelGrid(c.volume.geometry, spacing);
  const voxels = resample(c.volume.voxels, c.volume.geometry, grid, 'linear');
  const labels = resample(
    c.labels,
    c.volume.geometry,
    grid,
    'nearest',
    new Uint8Array(voxels.length),
  );
  return { image: Float32Array.from(voxels, intensityNormaliser(zscore, voxels)), labels };
}

test('the flipped Colin27 case and a sagittal copy of it prepare exactly as by resampling', () => {
  // mricron-data's NIfTI, RAS-stored: rows and columns run backwards in LPS.
  const flipped = colinCase('ch2bet.nii.gz', 3);
  const sagittal: TrainingCase = {
    id: 'sagittal',
    volume: restoreVolume(flipped.volume, PLANES.sagittal),
    labels: restoreVoxels(flipped.labels, flipped.volume.geometry, PLANES.sagittal),
  };
  const spacing: [number, number, number] = [3, 3, 3];
  for (const c of [flipped, sagittal]) {
    const prepared = prepareCase(c, spacing, zscore, 3);
    const before = resampledWhole(c, spacing);
    assert.deepEqual(prepared.image, before.image, c.id);
    assert.deepEqual(prepared.labels, before.labels, c.id);
  }
  // Both are the same patient grid in canonical order.
  const a = prepareCase(flipped, spacing, zscore, 3);
  const b = prepareCase(sagittal, spacing, zscore, 3);
  assert.deepEqual(b.dims, a.dims);
  assert.deepEqual(b.image, a.image);
  assert.deepEqual(b.foreground, a.foreground);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as nifti from 'nifti-reader-js';
import { readDicomFolder } from '../../src/dicom/readDicomFolder';
import { rasAffine } from '../../src/volume/affine';

const SOURCE = '/usr/share/mricron/templates/ch2bet.nii.gz';

function readSource() {
  let data = readFileSync(SOURCE).buffer as ArrayBuffer;
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  const header = nifti.readHeader(data);
  return {
    dims: header.dims.slice(1, 4),
    affine: header.affine,
    voxels: new Uint8Array(nifti.readImage(header, data)),
  };
}

test('the bundled sample reads as a 90x108x90 axial series at 2 mm', async () => {
  const { volume, description, skipped } = await readDicomFolder('assets/sample');
  assert.deepEqual(volume.geometry.dimensions, [90, 108, 90]);
  assert.deepEqual(volume.geometry.spacing, [2, 2, 2]);
  assert.deepEqual(volume.geometry.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(description.modality, 'MR');
  assert.equal(skipped.length, 0);
});

test('every sample voxel sits where its 2x2x2 source block sits in the source NIfTI', async () => {
  const { volume } = await readDicomFolder('assets/sample');
  const source = readSource();
  const ras = rasAffine(volume.geometry);
  const [cols, rows] = volume.geometry.dimensions;
  const [nx, ny] = source.dims;
  const a = source.affine;
  // Probe a lattice of voxels across the brain: world position of ours -> source voxel index.
  let compared = 0;
  for (let k = 5; k < 90; k += 17)
    for (let j = 3; j < 108; j += 13)
      for (let i = 2; i < 90; i += 11) {
        const world = [0, 1, 2].map(
          (r) => ras[r][0] * i + ras[r][1] * j + ras[r][2] * k + ras[r][3],
        );
        // The source affine is diagonal: invert it axis by axis; a block centre lies half a voxel in.
        const [x, y, z] = [0, 1, 2].map((r) => (world[r] - a[r][3]) / a[r][r] - 0.5);
        let sum = 0;
        for (let c = 0; c < 2; c++)
          for (let b = 0; b < 2; b++)
            for (let d = 0; d < 2; d++)
              sum += source.voxels[((z + c) * ny + (y + b)) * nx + (x + d)];
        assert.equal(
          volume.voxels[(k * rows + j) * cols + i],
          Math.round(sum / 8),
          `voxel ${i},${j},${k}`,
        );
        compared++;
      }
  assert.ok(compared > 300);
});

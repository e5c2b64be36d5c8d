// Real annotated MR cases from Debian's mricron-data, for the default model and the tests.
import { readFileSync } from 'node:fs';
import * as nifti from 'nifti-reader-js';
import type { VolumeGeometry } from '../src/api/geometry';
import type { TrainingCase } from '../src/engine/train/TrainingCase';

const TEMPLATES = '/usr/share/mricron/templates';

function readUint8(name: string): { dims: number[]; affine: number[][]; voxels: Uint8Array } {
  let data = readFileSync(`${TEMPLATES}/${name}`).buffer as ArrayBuffer;
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  const header = nifti.readHeader(data);
  return {
    dims: header.dims.slice(1, 4),
    affine: header.affine,
    voxels: new Uint8Array(nifti.readImage(header, data)),
  };
}

/**
 * A real MR case from Debian's mricron-data: a Colin27 T1 (`ch2bet` skull-stripped, or `ch2`
 * with skull) averaged over f^3 blocks, labelled at each block's centre as background (0), AAL
 * grey-matter regions (1) or the rest of the brain (2: white matter and CSF inside ch2bet's mask).
 */
export function colinCase(image: 'ch2bet.nii.gz' | 'ch2.nii.gz', f: number): TrainingCase {
  const t1 = readUint8(image);
  const aal = readUint8('aal.nii.gz');
  const brain = image === 'ch2bet.nii.gz' ? t1 : readUint8('ch2bet.nii.gz');
  const [nx, ny, nz] = t1.dims;
  const [mx, my, mz] = [Math.floor(nx / f), Math.floor(ny / f), Math.floor(nz / f)];
  const voxels = new Int16Array(mx * my * mz);
  const labels = new Uint8Array(mx * my * mz);
  for (let z = 0, n = 0; z < mz; z++)
    for (let y = 0; y < my; y++)
      for (let x = 0; x < mx; x++, n++) {
        let sum = 0;
        for (let c = 0; c < f; c++)
          for (let b = 0; b < f; b++)
            for (let a = 0; a < f; a++)
              sum += t1.voxels[((z * f + c) * ny + (y * f + b)) * nx + (x * f + a)];
        voxels[n] = Math.round(sum / f ** 3);
        const h = f >> 1;
        const centre = ((z * f + h) * ny + (y * f + h)) * nx + (x * f + h);
        labels[n] = aal.voxels[centre] ? 1 : brain.voxels[centre] ? 2 : 0;
      }
  // RAS voxel axes of the NIfTI become LPS by negating x and y.
  const a = t1.affine;
  const geometry: VolumeGeometry = {
    dimensions: [mx, my, mz],
    spacing: [f, f, f],
    origin: [-(a[0][3] + (f - 1) / 2), -(a[1][3] + (f - 1) / 2), a[2][3] + (f - 1) / 2],
    direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1],
  };
  return { id: `${image.replace('.nii.gz', '')}@${f}mm`, volume: { geometry, voxels }, labels };
}

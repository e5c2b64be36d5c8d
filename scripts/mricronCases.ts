// Real annotated MR cases from Debian's mricron-data, for the default model and the tests.
import { readFileSync } from 'node:fs';
import * as nifti from 'nifti-reader-js';
import type { VolumeGeometry } from '../src/volume/geometry';
import type { TrainingCase } from '../src/engine/train/TrainingCase';

const TEMPLATES = '/usr/share/mricron/templates';

/** A uint8 NIfTI as nifti-reader-js reads it: dims, its RAS affine, the stored voxels. */
export function readUint8Nifti(path: string): {
  dims: number[];
  affine: number[][];
  voxels: Uint8Array;
} {
  let data = readFileSync(path).buffer as ArrayBuffer;
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  const header = nifti.readHeader(data);
  if (header.datatypeCode !== 2) throw new Error(`${path}: expected uint8 voxels`);
  return {
    dims: header.dims.slice(1, 4),
    affine: header.affine,
    voxels: new Uint8Array(nifti.readImage(header, data)),
  };
}

function readUint8(name: string) {
  return readUint8Nifti(`${TEMPLATES}/${name}`);
}

/** The rounded mean of each f^3 block: the grid shrinks by f, whole blocks only. */
export function blockAverage(
  src: ArrayLike<number>,
  dims: number[],
  f: number,
): { dims: [number, number, number]; voxels: Uint16Array } {
  const [nx, ny] = dims;
  const [mx, my, mz] = dims.map((n) => Math.floor(n / f));
  const out = new Uint16Array(mx * my * mz);
  for (let z = 0, n = 0; z < mz; z++)
    for (let y = 0; y < my; y++)
      for (let x = 0; x < mx; x++, n++) {
        let sum = 0;
        for (let c = 0; c < f; c++)
          for (let b = 0; b < f; b++)
            for (let a = 0; a < f; a++)
              sum += src[((z * f + c) * ny + (y * f + b)) * nx + (x * f + a)];
        out[n] = Math.round(sum / f ** 3);
      }
  return { dims: [mx, my, mz], voxels: out };
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
  const [nx, ny] = t1.dims;
  const averaged = blockAverage(t1.voxels, t1.dims, f);
  const [mx, my, mz] = averaged.dims;
  const voxels = Int16Array.from(averaged.voxels);
  const labels = new Uint8Array(mx * my * mz);
  const h = f >> 1;
  for (let z = 0, n = 0; z < mz; z++)
    for (let y = 0; y < my; y++)
      for (let x = 0; x < mx; x++, n++) {
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

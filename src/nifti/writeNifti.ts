import { gzipSync } from 'node:zlib';
import type { VolumeGeometry } from '../volume/geometry';
import { writeFileAtomic } from '../files/atomicWrite';
import type { VoxelArray } from '../volume/Volume';
import { encodeNifti } from './encodeNifti';

/** Writes `.nii` or, for a `.nii.gz` path, gzip-compressed NIfTI-1; atomically. Returns bytes written. */
export async function writeNifti(
  path: string,
  geometry: VolumeGeometry,
  voxels: VoxelArray,
  options: { overwrite: boolean; description?: string },
): Promise<number> {
  if (!/\.nii(\.gz)?$/i.test(path))
    throw new Error(`${path}: a NIfTI file name ends in .nii or .nii.gz`);
  const raw = encodeNifti(geometry, voxels, options.description);
  const data = /\.gz$/i.test(path) ? gzipSync(raw, { level: 6 }) : raw;
  await writeFileAtomic(path, data, options.overwrite);
  return data.byteLength;
}

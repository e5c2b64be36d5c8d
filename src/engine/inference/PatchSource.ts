import type { VoxelArray } from '../../volume/Volume';
import { identityIndexMap, type VoxelIndexMap } from '../../volume/voxelIndexMap';
import type { Dims3 } from './patchGrid';

/** Where the sliding window reads its patches: the volume, normalised as the model wants. */
export interface PatchSource {
  readonly dims: Dims3;
  /** Writes the patch at `start` into `out` from `offset`, zero outside the volume. */
  readPatch(start: Dims3, patch: Dims3, out: Float32Array, offset: number): void;
}

/**
 * Copies the patch at `start` of a [slice][row][column] grid of `dims` into `out`, normalising
 * each value, reading grid voxel (x, y, z) at `voxels[map]`; zero outside the grid.
 */
export function copyPatch(
  voxels: VoxelArray,
  dims: Dims3,
  map: VoxelIndexMap,
  normalise: (v: number) => number,
  start: Dims3,
  patch: Dims3,
  out: Float32Array,
  offset: number,
): void {
  const [d, h, w] = dims;
  const [si, sj, sk] = map.strides;
  out.fill(0, offset, offset + patch[0] * patch[1] * patch[2]);
  const len = Math.min(patch[2], w - start[2]);
  for (let z = 0; z < patch[0] && start[0] + z < d; z++)
    for (let y = 0; y < patch[1] && start[1] + y < h; y++) {
      const src = map.offset + (start[0] + z) * sk + (start[1] + y) * sj + start[2] * si;
      const dst = offset + (z * patch[1] + y) * patch[2];
      for (let x = 0; x < len; x++) out[dst + x] = normalise(voxels[src + x * si]);
    }
}

/**
 * Reads patches straight from the stored voxels, normalising each value on the way: no float
 * copy of the whole volume is ever made (a 512x512x1069 CT would need 1.1 GB for one). `map`
 * says where each voxel of the grid the patches are cut from lies in `voxels`: a sagittal or
 * coronal series is read in the canonical order through strides, never re-stored.
 */
export function voxelPatchSource(
  voxels: VoxelArray,
  dims: Dims3,
  normalise: (v: number) => number,
  map: VoxelIndexMap = identityIndexMap([dims[2], dims[1], dims[0]]),
): PatchSource {
  return {
    dims,
    readPatch: (start, patch, out, offset) =>
      copyPatch(voxels, dims, map, normalise, start, patch, out, offset),
  };
}

import { resampleSlices } from '../../volume/resample';
import type { VolumeGeometry, VoxelArray } from '../../volume/Volume';
import type { VoxelIndexMap } from '../../volume/voxelIndexMap';
import type { Dims3 } from './patchGrid';
import { copyPatch, type PatchSource } from './PatchSource';

/**
 * Patches of `voxels` (on `from`) resampled trilinearly onto `to`, the model's grid, one slab at
 * a time: a slab of `depth` slices of `to` is kept and moved forward as the sliding window moves
 * down the volume (slices it still holds are not resampled again), so the resampled volume never
 * exists whole. The values are those `resample` would give, as float32.
 */
export function resampledPatchSource(
  voxels: VoxelArray,
  from: VolumeGeometry,
  to: VolumeGeometry,
  normalise: (v: number) => number,
  depth: number,
): PatchSource {
  const [cols, rows, slices] = to.dimensions;
  const dims: Dims3 = [slices, rows, cols];
  const sliceVoxels = rows * cols;
  const capacity = Math.min(slices, depth);
  const slab = new Float32Array(capacity * sliceVoxels);
  // slab holds slices [lo, hi) of `to`, slice z from (z - lo) * sliceVoxels.
  let lo = 0;
  let hi = 0;
  const hold = (z0: number, z1: number) => {
    if (z1 - z0 > capacity) {
      throw new RangeError(`a patch ${z1 - z0} slices deep does not fit a ${capacity}-slice slab`);
    }
    if (z0 < lo || z0 >= hi) lo = hi = z0;
    else if (z0 > lo) {
      slab.copyWithin(0, (z0 - lo) * sliceVoxels, (hi - lo) * sliceVoxels);
      lo = z0;
    }
    if (z1 > hi) {
      const free = slab.subarray((hi - lo) * sliceVoxels, (z1 - lo) * sliceVoxels);
      resampleSlices(voxels, from, to, 'linear', hi, z1, free);
      hi = z1;
    }
  };
  return {
    dims,
    readPatch(start, patch, out, offset) {
      hold(start[0], Math.min(slices, start[0] + patch[0]));
      const map: VoxelIndexMap = { offset: -lo * sliceVoxels, strides: [1, cols, sliceVoxels] };
      copyPatch(slab, dims, map, normalise, start, patch, out, offset);
    },
  };
}

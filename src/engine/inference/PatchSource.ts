import type { VoxelArray } from '../../volume/Volume';
import type { Dims3 } from './patchGrid';

/** Where the sliding window reads its patches: the volume, normalised as the model wants. */
export interface PatchSource {
  readonly dims: Dims3;
  /** Writes the patch at `start` into `out` from `offset`, zero outside the volume. */
  readPatch(start: Dims3, patch: Dims3, out: Float32Array, offset: number): void;
}

/**
 * Reads patches straight from the stored voxels, normalising each value on the way: no float
 * copy of the whole volume is ever made (a 512x512x1069 CT would need 1.1 GB for one).
 */
export function voxelPatchSource(
  voxels: VoxelArray,
  dims: Dims3,
  normalise: (v: number) => number,
): PatchSource {
  const [d, h, w] = dims;
  return {
    dims,
    readPatch(start, patch, out, offset) {
      out.fill(0, offset, offset + patch[0] * patch[1] * patch[2]);
      const len = Math.min(patch[2], w - start[2]);
      for (let z = 0; z < patch[0] && start[0] + z < d; z++)
        for (let y = 0; y < patch[1] && start[1] + y < h; y++) {
          const src = ((start[0] + z) * h + start[1] + y) * w + start[2];
          const dst = offset + (z * patch[1] + y) * patch[2];
          for (let x = 0; x < len; x++) out[dst + x] = normalise(voxels[src + x]);
        }
    },
  };
}

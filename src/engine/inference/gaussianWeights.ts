import type { Dims3 } from './patchGrid';

/**
 * Importance of each voxel of a patch when stitching: a Gaussian centred on the patch with
 * sigma = size/8 per axis, scaled to a maximum of 1 and floored at the smallest positive value
 * so that no voxel of any patch counts for nothing (as nnU-Net does).
 */
export function gaussianWeights(patch: Dims3, sigmaScale = 1 / 8): Float32Array {
  const axis = (size: number) => {
    const centre = (size - 1) / 2;
    const sigma = Math.max(size * sigmaScale, 1e-6);
    return Float64Array.from({ length: size }, (_, n) =>
      Math.exp(-((n - centre) ** 2) / (2 * sigma * sigma)),
    );
  };
  const [gz, gy, gx] = patch.map(axis);
  const out = new Float32Array(patch[0] * patch[1] * patch[2]);
  let max = 0;
  for (let z = 0, n = 0; z < patch[0]; z++)
    for (let y = 0; y < patch[1]; y++)
      for (let x = 0; x < patch[2]; x++, n++) {
        out[n] = gz[z] * gy[y] * gx[x];
        max = Math.max(max, out[n]);
      }
  let floor = Infinity;
  for (let n = 0; n < out.length; n++) {
    out[n] /= max;
    if (out[n] > 0) floor = Math.min(floor, out[n]);
  }
  for (let n = 0; n < out.length; n++) if (out[n] <= 0) out[n] = floor;
  return out;
}

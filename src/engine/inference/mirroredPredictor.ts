import type { Dims3 } from './patchGrid';
import type { PatchPredictor } from './PatchPredictor';

/** Reverses each patch of `data` ([n][z][y][x][c]) along the axes in `flip` (0 z, 1 y, 2 x). */
function flipPatches(
  data: Float32Array,
  count: number,
  patch: Dims3,
  channels: number,
  flip: boolean[],
): Float32Array {
  const [d, h, w] = patch;
  const out = new Float32Array(data.length);
  const voxels = d * h * w;
  for (let n = 0; n < count; n++)
    for (let z = 0; z < d; z++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const src = n * voxels + (z * h + y) * w + x;
          const fz = flip[0] ? d - 1 - z : z;
          const fy = flip[1] ? h - 1 - y : y;
          const fx = flip[2] ? w - 1 - x : x;
          const dst = n * voxels + (fz * h + fy) * w + fx;
          for (let c = 0; c < channels; c++) out[dst * channels + c] = data[src * channels + c];
        }
  return out;
}

/**
 * Test-time augmentation by mirroring: the average of the predictions on the patch flipped
 * along every combination of `axes`, each flipped back. 2^axes forward passes per patch.
 */
export function mirroredPredictor(inner: PatchPredictor, axes: (0 | 1 | 2)[]): PatchPredictor {
  const flips = Array.from({ length: 1 << axes.length }, (_, m) => {
    const flip = [false, false, false];
    axes.forEach((axis, b) => (flip[axis] = ((m >> b) & 1) === 1));
    return flip;
  });
  return {
    channels: inner.channels,
    async predict(input, count, patch) {
      let sum: Float32Array | undefined;
      for (const flip of flips) {
        const flipped = flip.some(Boolean) ? flipPatches(input, count, patch, 1, flip) : input;
        const raw = await inner.predict(flipped, count, patch);
        const back = flip.some(Boolean)
          ? flipPatches(raw, count, patch, inner.channels, flip)
          : raw;
        if (!sum) sum = Float32Array.from(back);
        else for (let n = 0; n < sum.length; n++) sum[n] += back[n];
      }
      const total = sum ?? new Float32Array(0);
      for (let n = 0; n < total.length; n++) total[n] /= flips.length;
      return total;
    },
  };
}

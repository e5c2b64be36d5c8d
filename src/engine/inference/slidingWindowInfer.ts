import { CancelledError } from './CancelledError';
import { gaussianWeights } from './gaussianWeights';
import type { Dims3 } from './patchGrid';
import { patchStarts } from './patchGrid';
import type { PatchPredictor } from './PatchPredictor';

export interface SlidingWindowOptions {
  patchSize: Dims3;
  /** share of a patch that neighbours overlap, 0 <= overlap < 1 */
  overlap: number;
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
}

/** A volume's values as the network reads them, [z][y][x]. */
export interface ScalarField {
  dims: Dims3;
  values: Float32Array;
}

function copyPatch(
  field: ScalarField,
  start: Dims3,
  patch: Dims3,
  out: Float32Array,
  offset: number,
): void {
  const [d, h, w] = field.dims;
  out.fill(0, offset, offset + patch[0] * patch[1] * patch[2]);
  for (let z = 0; z < patch[0] && start[0] + z < d; z++)
    for (let y = 0; y < patch[1] && start[1] + y < h; y++) {
      const src = ((start[0] + z) * h + start[1] + y) * w + start[2];
      const len = Math.min(patch[2], w - start[2]);
      const dst = offset + (z * patch[1] + y) * patch[2];
      out.set(field.values.subarray(src, src + len), dst);
    }
}

/**
 * Runs a predictor over a whole volume patch by patch and stitches the results: each patch's
 * probabilities are weighted by a Gaussian centred on it, summed, and divided by the summed
 * weights. Borders are zero-padded to whole patches and cropped again. Returns channels last,
 * [z][y][x][c].
 */
export async function slidingWindowInfer(
  field: ScalarField,
  predictor: PatchPredictor,
  options: SlidingWindowOptions,
): Promise<Float32Array> {
  const { patchSize: patch, overlap, batchSize } = options;
  if (!(overlap >= 0 && overlap < 1))
    throw new RangeError(`overlap must be in [0, 1), got ${overlap}`);
  const [d, h, w] = field.dims;
  const channels = predictor.channels;
  const patchVoxels = patch[0] * patch[1] * patch[2];
  const weights = gaussianWeights(patch);
  const sums = new Float32Array(d * h * w * channels);
  const norms = new Float32Array(d * h * w);
  const starts = patchStarts(field.dims, patch, overlap);
  const input = new Float32Array(batchSize * patchVoxels);

  for (let first = 0; first < starts.length; first += batchSize) {
    if (options.isCancelled?.()) throw new CancelledError();
    const batch = starts.slice(first, first + batchSize);
    batch.forEach((start, n) => copyPatch(field, start, patch, input, n * patchVoxels));
    const output = await predictor.predict(
      input.subarray(0, batch.length * patchVoxels),
      batch.length,
      patch,
    );
    batch.forEach((start, n) => {
      for (let z = 0; z < patch[0] && start[0] + z < d; z++)
        for (let y = 0; y < patch[1] && start[1] + y < h; y++)
          for (let x = 0; x < patch[2] && start[2] + x < w; x++) {
            const p = (z * patch[1] + y) * patch[2] + x;
            const v = ((start[0] + z) * h + start[1] + y) * w + start[2] + x;
            const weight = weights[p];
            norms[v] += weight;
            const src = (n * patchVoxels + p) * channels;
            for (let c = 0; c < channels; c++) sums[v * channels + c] += weight * output[src + c];
          }
    });
    options.onProgress?.(Math.min(first + batchSize, starts.length), starts.length);
  }
  for (let v = 0; v < norms.length; v++)
    for (let c = 0; c < channels; c++) sums[v * channels + c] /= norms[v];
  return sums;
}

/** The most probable class of each voxel of channels-last probabilities. */
export function argmaxLabels(probabilities: Float32Array, channels: number): Uint8Array {
  const labels = new Uint8Array(probabilities.length / channels);
  for (let v = 0; v < labels.length; v++) {
    let best = 0;
    for (let c = 1; c < channels; c++) {
      if (probabilities[v * channels + c] > probabilities[v * channels + best]) best = c;
    }
    labels[v] = best;
  }
  return labels;
}

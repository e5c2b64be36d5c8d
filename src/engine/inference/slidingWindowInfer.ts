import { CancelledError } from './CancelledError';
import { gaussianWeights } from './gaussianWeights';
import type { Dims3 } from './patchGrid';
import { axisStarts } from './patchGrid';
import type { PatchPredictor } from './PatchPredictor';
import type { PatchSource } from './PatchSource';

export interface SlidingWindowOptions {
  patchSize: Dims3;
  /** share of a patch that neighbours overlap, 0 <= overlap < 1 */
  overlap: number;
  batchSize: number;
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
}

/**
 * Receives the stitched result slab by slab, in order: `probabilities` holds slices
 * [z0, z0 + depth) of the whole volume, channels last ([z][y][x][c]). It is reused afterwards.
 */
export type SlabSink = (z0: number, depth: number, probabilities: Float32Array) => void;

/**
 * Runs a predictor over a whole volume patch by patch and stitches the results: each patch's
 * probabilities are weighted by a Gaussian centred on it, summed, and divided by the summed
 * weights. Borders are zero-padded to whole patches and cropped again.
 *
 * Memory stays bounded: patches are taken one row of z-starts at a time, and once a row is done
 * every slice before the next row's start is final, so it goes to the sink and its accumulator
 * is reused. The accumulators span one patch depth, never the whole volume: a 512x512x1069 CT
 * with 64-deep patches and 2 classes needs about 200 MB of them, not 3.4 GB.
 */
export async function slidingWindowInfer(
  source: PatchSource,
  predictor: PatchPredictor,
  options: SlidingWindowOptions,
  sink: SlabSink,
): Promise<void> {
  const { patchSize: patch, overlap, batchSize } = options;
  if (!(overlap >= 0 && overlap < 1))
    throw new RangeError(`overlap must be in [0, 1), got ${overlap}`);
  if (!(batchSize >= 1)) throw new RangeError(`batch size must be at least 1, got ${batchSize}`);
  const [d, h, w] = source.dims;
  const channels = predictor.channels;
  const patchVoxels = patch[0] * patch[1] * patch[2];
  const sliceVoxels = h * w;
  const weights = gaussianWeights(patch);
  const zStarts = axisStarts(d, patch[0], overlap);
  const yStarts = axisStarts(h, patch[1], overlap);
  const xStarts = axisStarts(w, patch[2], overlap);
  const total = zStarts.length * yStarts.length * xStarts.length;

  // The slices [base, base + capacity) that the current row of patches adds to: each row starts
  // where the previous flush ended, so one patch depth is all the window ever needs.
  const capacity = Math.min(d, patch[0]);
  const sums = new Float32Array(capacity * sliceVoxels * channels);
  const norms = new Float32Array(capacity * sliceVoxels);
  let base = 0;
  const input = new Float32Array(batchSize * patchVoxels);
  let done = 0;

  const flush = (end: number) => {
    const depth = end - base;
    if (depth <= 0) return;
    for (let v = 0; v < depth * sliceVoxels; v++) {
      for (let c = 0; c < channels; c++) sums[v * channels + c] /= norms[v];
    }
    sink(base, depth, sums.subarray(0, depth * sliceVoxels * channels));
    // Shift what is still open to the front of the window.
    sums.copyWithin(0, depth * sliceVoxels * channels);
    norms.copyWithin(0, depth * sliceVoxels);
    sums.fill(0, (capacity - depth) * sliceVoxels * channels);
    norms.fill(0, (capacity - depth) * sliceVoxels);
    base = end;
  };

  const accumulate = (output: Float32Array, starts: Dims3[]) => {
    starts.forEach((start, n) => {
      for (let z = 0; z < patch[0] && start[0] + z < d; z++)
        for (let y = 0; y < patch[1] && start[1] + y < h; y++)
          for (let x = 0; x < patch[2] && start[2] + x < w; x++) {
            const p = (z * patch[1] + y) * patch[2] + x;
            const v = (start[0] + z - base) * sliceVoxels + (start[1] + y) * w + start[2] + x;
            const weight = weights[p];
            norms[v] += weight;
            const src = (n * patchVoxels + p) * channels;
            for (let c = 0; c < channels; c++) sums[v * channels + c] += weight * output[src + c];
          }
    });
  };

  for (const [row, z] of zStarts.entries()) {
    const rowStarts = yStarts.flatMap((y) => xStarts.map((x): Dims3 => [z, y, x]));
    for (let first = 0; first < rowStarts.length; first += batchSize) {
      if (options.isCancelled?.()) throw new CancelledError();
      const batch = rowStarts.slice(first, first + batchSize);
      batch.forEach((start, n) => source.readPatch(start, patch, input, n * patchVoxels));
      const output = await predictor.predict(
        input.subarray(0, batch.length * patchVoxels),
        batch.length,
        patch,
      );
      accumulate(output, batch);
      done += batch.length;
      options.onProgress?.(done, total);
    }
    flush(row + 1 < zStarts.length ? zStarts[row + 1] : d);
  }
}

import type { SlabSink } from './slidingWindowInfer';

/** Writes the most probable class of each voxel of each slab into `labels`. */
export function argmaxSink(labels: Uint8Array, sliceVoxels: number, channels: number): SlabSink {
  return (z0, depth, probabilities) => {
    const offset = z0 * sliceVoxels;
    for (let v = 0; v < depth * sliceVoxels; v++) {
      let best = 0;
      for (let c = 1; c < channels; c++) {
        if (probabilities[v * channels + c] > probabilities[v * channels + best]) best = c;
      }
      labels[offset + v] = best;
    }
  };
}

/** Keeps the whole stitched result (channels last): for tests and small volumes only. */
export function collectSink(
  voxels: number,
  channels: number,
): { sink: SlabSink; result: Float32Array } {
  const result = new Float32Array(voxels * channels);
  const sliceValues = (depth: number, p: Float32Array) => p.length / depth;
  return {
    result,
    sink: (z0, depth, probabilities) =>
      result.set(probabilities, z0 * sliceValues(depth, probabilities)),
  };
}

import type { VoxelIndexMap } from '../../volume/voxelIndexMap';
import type { SlabSink } from './slidingWindowInfer';

/** The most probable of the `channels` classes at voxel `v` of a channels-last slab. */
export function argmax(probabilities: Float32Array, v: number, channels: number): number {
  let best = 0;
  for (let c = 1; c < channels; c++) {
    if (probabilities[v * channels + c] > probabilities[v * channels + best]) best = c;
  }
  return best;
}

/** Writes the most probable class of each voxel of each slab into `labels`. */
export function argmaxSink(labels: Uint8Array, sliceVoxels: number, channels: number): SlabSink {
  return (z0, depth, probabilities) => {
    const offset = z0 * sliceVoxels;
    for (let v = 0; v < depth * sliceVoxels; v++)
      labels[offset + v] = argmax(probabilities, v, channels);
  };
}

/**
 * The same for a grid of `rows` x `cols` slices whose voxel (x, y, z) lies at `labels[map]`:
 * the labels of a canonical grid go straight to the places of the stored voxels they came from.
 */
export function mappedArgmaxSink(
  labels: Uint8Array,
  [rows, cols]: [number, number],
  map: VoxelIndexMap,
  channels: number,
): SlabSink {
  const [si, sj, sk] = map.strides;
  return (z0, depth, probabilities) => {
    for (let z = 0, v = 0; z < depth; z++)
      for (let y = 0; y < rows; y++) {
        const row = map.offset + (z0 + z) * sk + y * sj;
        for (let x = 0; x < cols; x++, v++)
          labels[row + x * si] = argmax(probabilities, v, channels);
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

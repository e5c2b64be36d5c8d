import { z } from 'zod';
import type { VoxelArray } from './Volume';
import type { VoxelView } from './VoxelView';

/**
 * How a model wants its intensities (the model card's `intensity`): CT clipped to a Hounsfield
 * window and scaled to [0, 1], as the transfer-learning paper did; MR per volume by z-score
 * (optionally percentile-clipped and over the foreground only, as nnU-Net does); or any modality
 * by its own minimum and maximum.
 */
export const intensityNormalisationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('window'), min: z.number(), max: z.number() }),
  z.object({
    kind: z.literal('zscore'),
    /** lower and upper percentile to clip at before the statistics, e.g. [0.5, 99.5] */
    clipPercentiles: z.tuple([z.number().min(0).max(100), z.number().min(0).max(100)]).optional(),
    /** statistics over non-zero voxels only (skull-stripped MR has a zero background) */
    foregroundOnly: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('minmax') }),
]);
export type IntensityNormalisation = z.infer<typeof intensityNormalisationSchema>;

/** At most this many voxels are sorted for percentiles: enough for 0.1% precision, bounded memory. */
const PERCENTILE_SAMPLE = 1 << 20;

/** Stored voxels, or a view of them on another grid: the statistics read them in that grid's order. */
function viewOf(voxels: VoxelArray | VoxelView): VoxelView {
  return ArrayBuffer.isView(voxels) ? { length: voxels.length, value: (n) => voxels[n] } : voxels;
}

function sampleValues(voxels: VoxelView, foregroundOnly: boolean): Float64Array {
  const stride = Math.max(1, Math.floor(voxels.length / PERCENTILE_SAMPLE));
  const sample: number[] = [];
  for (let n = 0; n < voxels.length; n += stride) {
    const v = voxels.value(n);
    if (!foregroundOnly || v !== 0) sample.push(v);
  }
  return Float64Array.from(sample).sort();
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const position = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

/**
 * The per-voxel mapping a model's card asks for, with any per-volume statistics computed once
 * over `voxels` (stored, or a view of them on the model's grid).
 */
export function intensityNormaliser(
  spec: IntensityNormalisation,
  stored: VoxelArray | VoxelView,
): (v: number) => number {
  const voxels = viewOf(stored);
  switch (spec.kind) {
    case 'none':
      return (v) => v;
    case 'window': {
      const { min, max } = spec;
      const range = max - min || 1;
      return (v) => (Math.min(max, Math.max(min, v)) - min) / range;
    }
    case 'minmax': {
      let min = Infinity;
      let max = -Infinity;
      for (let n = 0; n < voxels.length; n++) {
        const v = voxels.value(n);
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const range = max - min || 1;
      return (v) => (v - min) / range;
    }
    case 'zscore':
      return zscore(voxels, spec.clipPercentiles ?? [0, 100], spec.foregroundOnly ?? false);
  }
}

function zscore(
  voxels: VoxelView,
  clip: [number, number],
  foregroundOnly: boolean,
): (v: number) => number {
  const sorted = sampleValues(voxels, foregroundOnly);
  const lo = percentile(sorted, clip[0]);
  const hi = percentile(sorted, clip[1]);
  let sum = 0;
  let sumSquares = 0;
  for (const value of sorted) {
    const v = Math.min(hi, Math.max(lo, value));
    sum += v;
    sumSquares += v * v;
  }
  const count = Math.max(1, sorted.length);
  const mean = sum / count;
  const std = Math.sqrt(Math.max(0, sumSquares / count - mean * mean)) || 1;
  return (v) => (Math.min(hi, Math.max(lo, v)) - mean) / std;
}

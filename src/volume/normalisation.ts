import { z } from 'zod';
import type { VoxelArray } from './Volume';

/**
 * How a model wants intensities, as nnU-Net does it: CT in fixed Hounsfield units (a window and
 * the training set's mean and spread), MR per volume (percentile clip, then z-score).
 */
export const intensityNormalisationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }),
  z.object({
    kind: z.literal('ct'),
    window: z.tuple([z.number(), z.number()]),
    mean: z.number(),
    std: z.number().positive(),
  }),
  z.object({
    kind: z.literal('zscore'),
    /** lower and upper percentile to clip at, e.g. [0.5, 99.5] */
    clipPercentiles: z.tuple([z.number().min(0).max(100), z.number().min(0).max(100)]),
    /** statistics over non-zero voxels only (skull-stripped MR has a zero background) */
    foregroundOnly: z.boolean(),
  }),
]);
export type IntensityNormalisation = z.infer<typeof intensityNormalisationSchema>;

/** At most this many voxels are sorted for percentiles: enough for 0.1% precision, bounded memory. */
const PERCENTILE_SAMPLE = 1 << 20;

function sampleValues(voxels: VoxelArray, foregroundOnly: boolean): Float64Array {
  const stride = Math.max(1, Math.floor(voxels.length / PERCENTILE_SAMPLE));
  const sample: number[] = [];
  for (let n = 0; n < voxels.length; n += stride) {
    if (!foregroundOnly || voxels[n] !== 0) sample.push(voxels[n]);
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

/** The per-voxel mapping a model's card asks for, with any per-volume statistics computed once. */
export function intensityNormaliser(
  spec: IntensityNormalisation,
  voxels: VoxelArray,
): (v: number) => number {
  if (spec.kind === 'none') return (v) => v;
  if (spec.kind === 'ct') {
    const [lo, hi] = spec.window;
    return (v) => (Math.min(hi, Math.max(lo, v)) - spec.mean) / spec.std;
  }
  const sorted = sampleValues(voxels, spec.foregroundOnly);
  const lo = percentile(sorted, spec.clipPercentiles[0]);
  const hi = percentile(sorted, spec.clipPercentiles[1]);
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

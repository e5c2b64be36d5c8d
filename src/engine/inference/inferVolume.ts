import type { VolumeGeometry } from '../../volume/geometry';
import type { IntensityNormalisation } from '../../volume/normalisation';
import { intensityNormaliser } from '../../volume/normalisation';
import { canonicalGrid } from '../../volume/canonicalGrid';
import { gridAtSpacing, resample } from '../../volume/resample';
import type { Volume } from '../../volume/Volume';
import { mirroredPredictor } from './mirroredPredictor';
import type { Dims3 } from './patchGrid';
import { voxelPatchSource } from './PatchSource';
import type { PatchPredictor } from './PatchPredictor';
import { argmaxSink } from './sinks';
import { slidingWindowInfer } from './slidingWindowInfer';

/** What a model card says about running it on a whole volume. */
export interface InferencePlan {
  patchSize: Dims3;
  overlap: number;
  batchSize: number;
  /** the model's voxel spacing (column, row, slice); the volume is resampled to it when it differs */
  spacing?: [number, number, number];
  normalisation: IntensityNormalisation;
  /** test-time augmentation: average over flips along these axes (0 slice, 1 row, 2 column) */
  mirrorAxes?: (0 | 1 | 2)[];
}

export interface InferenceHooks {
  onProgress?: (done: number, total: number) => void;
  isCancelled?: () => boolean;
}

/** Relative spacing difference below which the volume keeps its own spacing. */
const SPACING_TOLERANCE = 0.01;

/**
 * The grid a model sees a volume on: re-indexed to the canonical orientation, and at the
 * model's spacing where that differs by more than 1%.
 */
export function modelGrid(
  geometry: VolumeGeometry,
  spacing: [number, number, number] | undefined,
): VolumeGeometry {
  const canonical = canonicalGrid(geometry);
  const differs = spacing?.some(
    (s, a) => Math.abs(s - canonical.spacing[a]) > SPACING_TOLERANCE * canonical.spacing[a],
  );
  return spacing && differs ? gridAtSpacing(canonical, spacing) : canonical;
}

export function sameGrid(a: VolumeGeometry, b: VolumeGeometry): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A labelmap for a whole volume: brought onto the model's grid (canonical orientation, the
 * model's spacing; trilinear) when it is not on it already, normalised as its card says, segmented by a Gaussian-weighted sliding window (optionally
 * mirrored), argmax per voxel, and the labels brought back to the volume's grid (nearest).
 */
export async function inferVolume(
  volume: Volume,
  predictor: PatchPredictor,
  plan: InferencePlan,
  hooks: InferenceHooks = {},
): Promise<Uint8Array> {
  const grid = modelGrid(volume.geometry, plan.spacing);
  const resampled = !sameGrid(grid, volume.geometry);
  const voxels = resampled
    ? resample(volume.voxels, volume.geometry, grid, 'linear')
    : volume.voxels;
  const [cols, rows, slices] = grid.dimensions;
  const source = voxelPatchSource(
    voxels,
    [slices, rows, cols],
    intensityNormaliser(plan.normalisation, voxels),
  );
  const network = plan.mirrorAxes?.length
    ? mirroredPredictor(predictor, plan.mirrorAxes)
    : predictor;
  const labels = new Uint8Array(cols * rows * slices);
  await slidingWindowInfer(
    source,
    network,
    { patchSize: plan.patchSize, overlap: plan.overlap, batchSize: plan.batchSize, ...hooks },
    argmaxSink(labels, rows * cols, network.channels),
  );
  if (!resampled) return labels;
  const back = new Uint8Array(volume.voxels.length);
  resample(labels, grid, volume.geometry, 'nearest', back);
  return back;
}

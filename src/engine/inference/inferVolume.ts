import type { VolumeGeometry } from '../../api/geometry';
import type { IntensityNormalisation } from '../../volume/normalisation';
import { intensityNormaliser } from '../../volume/normalisation';
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

/** Relative spacing difference below which the volume is used as it is. */
const SPACING_TOLERANCE = 0.01;

function needsResampling(
  geometry: VolumeGeometry,
  spacing: [number, number, number] | undefined,
): boolean {
  return (
    spacing !== undefined &&
    spacing.some(
      (s, a) => Math.abs(s - geometry.spacing[a]) > SPACING_TOLERANCE * geometry.spacing[a],
    )
  );
}

/**
 * A labelmap for a whole volume: resampled to the model's spacing (trilinear) when needed,
 * normalised as its card says, segmented by a Gaussian-weighted sliding window (optionally
 * mirrored), argmax per voxel, and the labels brought back to the volume's grid (nearest).
 */
export async function inferVolume(
  volume: Volume,
  predictor: PatchPredictor,
  plan: InferencePlan,
  hooks: InferenceHooks = {},
): Promise<Uint8Array> {
  const resampled = needsResampling(volume.geometry, plan.spacing);
  const grid =
    resampled && plan.spacing ? gridAtSpacing(volume.geometry, plan.spacing) : volume.geometry;
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

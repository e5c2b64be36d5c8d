import type { VolumeGeometry } from '../../volume/geometry';
import type { IntensityNormalisation } from '../../volume/normalisation';
import { intensityNormaliser } from '../../volume/normalisation';
import { canonicalGrid } from '../../volume/canonicalGrid';
import { gridAtSpacing, resampledView } from '../../volume/resample';
import type { Volume } from '../../volume/Volume';
import { canonicalIndexMap, indexedView } from '../../volume/voxelIndexMap';
import { mirroredPredictor } from './mirroredPredictor';
import type { Dims3 } from './patchGrid';
import { voxelPatchSource } from './PatchSource';
import type { PatchPredictor } from './PatchPredictor';
import { resampledPatchSource } from './resampledPatchSource';
import { resampledLabelSink } from './resampledLabelSink';
import { mappedArgmaxSink } from './sinks';
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
 * A labelmap for a whole volume: seen on the model's grid, normalised as its card says,
 * segmented by a Gaussian-weighted sliding window (optionally mirrored), argmax per voxel, and
 * the labels brought back to the volume's grid. Whatever plane the series was stored in, its
 * canonical orientation is a signed permutation of its axes: patches are read through index
 * strides and the labels written back through the same ones, exactly and without a copy. Only a
 * model spacing that differs resamples: the image onto the model's grid (trilinear) and the labels
 * back (nearest), both one slab at a time, so neither exists whole on the model's grid.
 */
export async function inferVolume(
  volume: Volume,
  predictor: PatchPredictor,
  plan: InferencePlan,
  hooks: InferenceHooks = {},
): Promise<Uint8Array> {
  const grid = modelGrid(volume.geometry, plan.spacing);
  const reindexOnly = sameGrid(grid, canonicalGrid(volume.geometry));
  const [cols, rows, slices] = grid.dimensions;
  const dims: Dims3 = [slices, rows, cols];
  const network = plan.mirrorAxes?.length
    ? mirroredPredictor(predictor, plan.mirrorAxes)
    : predictor;
  const options = {
    patchSize: plan.patchSize,
    overlap: plan.overlap,
    batchSize: plan.batchSize,
    ...hooks,
  };
  if (reindexOnly) {
    const map = canonicalIndexMap(volume.geometry);
    const view = indexedView(volume.voxels, grid.dimensions, map);
    const normalise = intensityNormaliser(plan.normalisation, view);
    const labels = new Uint8Array(volume.voxels.length);
    await slidingWindowInfer(
      voxelPatchSource(volume.voxels, dims, normalise, map),
      network,
      options,
      mappedArgmaxSink(labels, [rows, cols], map, network.channels),
    );
    return labels;
  }
  const view = resampledView(volume.voxels, volume.geometry, grid);
  const source = resampledPatchSource(
    volume.voxels,
    volume.geometry,
    grid,
    intensityNormaliser(plan.normalisation, view),
    plan.patchSize[0],
  );
  const labels = new Uint8Array(volume.voxels.length);
  await slidingWindowInfer(
    source,
    network,
    options,
    resampledLabelSink(labels, volume.geometry, grid, network.channels).sink,
  );
  return labels;
}

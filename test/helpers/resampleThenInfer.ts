import { modelGrid, sameGrid, type InferencePlan } from '../../src/engine/inference/inferVolume';
import { mirroredPredictor } from '../../src/engine/inference/mirroredPredictor';
import type { PatchPredictor } from '../../src/engine/inference/PatchPredictor';
import { voxelPatchSource } from '../../src/engine/inference/PatchSource';
import { argmaxSink } from '../../src/engine/inference/sinks';
import { slidingWindowInfer } from '../../src/engine/inference/slidingWindowInfer';
import { intensityNormaliser } from '../../src/volume/normalisation';
import { resample } from '../../src/volume/resample';
import type { Volume } from '../../src/volume/Volume';

/**
 * Whole-volume inference as the engine did it before it re-indexed by strides (issue 17): the
 * volume resampled whole (trilinear, into float32) onto the model's grid, the labels resampled
 * back (nearest). The reference the index path must equal bit for bit, and the memory it must beat.
 */
export async function resampleThenInfer(
  volume: Volume,
  predictor: PatchPredictor,
  plan: InferencePlan,
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
    { patchSize: plan.patchSize, overlap: plan.overlap, batchSize: plan.batchSize },
    argmaxSink(labels, rows * cols, network.channels),
  );
  if (!resampled) return labels;
  const back = new Uint8Array(volume.voxels.length);
  resample(labels, grid, volume.geometry, 'nearest', back);
  return back;
}

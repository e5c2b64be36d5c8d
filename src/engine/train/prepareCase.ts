import type { IntensityNormalisation } from '../../volume/normalisation';
import { intensityNormaliser } from '../../volume/normalisation';
import { canonicalGrid } from '../../volume/canonicalGrid';
import { resample } from '../../volume/resample';
import type { VolumeGeometry } from '../../volume/Volume';
import { canonicalIndexMap, indexedView } from '../../volume/voxelIndexMap';
import { modelGrid, sameGrid } from '../inference/inferVolume';
import type { PreparedCase, TrainingCase } from './TrainingCase';

/** Enough foreground positions to centre patches anywhere on an organ, at bounded memory. */
const MAX_FOREGROUND_INDICES = 200_000;

/**
 * Brings a case onto the model's grid (canonical orientation and the model's spacing;
 * trilinear image, nearest labels, or only re-indexed where the spacing is the model's), normalises it, and
 * indexes its foreground. A labelmap that does not match its volume, or that holds a class the
 * model does not have, is an error naming the case.
 */
export function prepareCase(
  c: TrainingCase,
  spacing: [number, number, number],
  normalisation: IntensityNormalisation,
  classes: number,
): PreparedCase {
  if (c.labels.length !== c.volume.voxels.length) {
    throw new Error(
      `case ${c.id}: its labelmap has ${c.labels.length} voxels, its volume ${c.volume.voxels.length}`,
    );
  }
  let highest = 0;
  for (const label of c.labels) if (label > highest) highest = label;
  if (highest >= classes) {
    throw new Error(
      `case ${c.id}: label ${highest} is not one of the model's ${classes} classes (0-${classes - 1})`,
    );
  }
  const grid = modelGrid(c.volume.geometry, spacing);
  const { image, labels } = sameGrid(grid, canonicalGrid(c.volume.geometry))
    ? reindexed(c, grid, normalisation)
    : resampled(c, grid, normalisation);
  let count = 0;
  for (const label of labels) if (label) count++;
  const stride = Math.max(1, Math.ceil(count / MAX_FOREGROUND_INDICES));
  const foreground: number[] = [];
  for (let n = 0, seen = 0; n < labels.length; n++) {
    if (labels[n] && seen++ % stride === 0) foreground.push(n);
  }
  const [cols, rows, slices] = grid.dimensions;
  return {
    id: c.id,
    dims: [slices, rows, cols],
    image,
    labels,
    foreground: Int32Array.from(foreground),
  };
}

interface OnGrid {
  image: Float32Array;
  labels: Uint8Array;
}

/** The case on the model's grid when that is its own in canonical order: a copy through index strides, exact. */
function reindexed(
  c: TrainingCase,
  grid: VolumeGeometry,
  normalisation: IntensityNormalisation,
): OnGrid {
  if (sameGrid(grid, c.volume.geometry)) {
    const normalise = intensityNormaliser(normalisation, c.volume.voxels);
    return { image: Float32Array.from(c.volume.voxels, normalise), labels: c.labels };
  }
  const map = canonicalIndexMap(c.volume.geometry);
  const voxels = indexedView(c.volume.voxels, grid.dimensions, map);
  const labels = indexedView(c.labels, grid.dimensions, map);
  const normalise = intensityNormaliser(normalisation, voxels);
  const image = new Float32Array(voxels.length);
  const out = new Uint8Array(labels.length);
  for (let n = 0; n < image.length; n++) {
    image[n] = normalise(voxels.value(n));
    out[n] = labels.value(n);
  }
  return { image, labels: out };
}

/** The case resampled to the model's spacing: trilinear image, nearest labels. */
function resampled(
  c: TrainingCase,
  grid: VolumeGeometry,
  normalisation: IntensityNormalisation,
): OnGrid {
  const voxels = resample(c.volume.voxels, c.volume.geometry, grid, 'linear');
  const labels = resample(
    c.labels,
    c.volume.geometry,
    grid,
    'nearest',
    new Uint8Array(voxels.length),
  ) as Uint8Array;
  return { image: Float32Array.from(voxels, intensityNormaliser(normalisation, voxels)), labels };
}

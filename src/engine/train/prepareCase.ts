import type { IntensityNormalisation } from '../../volume/normalisation';
import { intensityNormaliser } from '../../volume/normalisation';
import { resample } from '../../volume/resample';
import { modelGrid, sameGrid } from '../inference/inferVolume';
import type { PreparedCase, TrainingCase } from './TrainingCase';

/** Enough foreground positions to centre patches anywhere on an organ, at bounded memory. */
const MAX_FOREGROUND_INDICES = 200_000;

/**
 * Brings a case onto the model's grid (canonical orientation and the model's spacing;
 * trilinear image, nearest labels), normalises it, and
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
  const same = sameGrid(grid, c.volume.geometry);
  const voxels = same
    ? c.volume.voxels
    : resample(c.volume.voxels, c.volume.geometry, grid, 'linear');
  const labels = same
    ? c.labels
    : (resample(
        c.labels,
        c.volume.geometry,
        grid,
        'nearest',
        new Uint8Array(voxels.length),
      ) as Uint8Array);
  const normalise = intensityNormaliser(normalisation, voxels);
  const image = Float32Array.from(voxels, normalise);
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

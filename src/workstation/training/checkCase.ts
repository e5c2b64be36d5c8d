import { ApiError } from '../../api/errors';
import { modelGrid } from '../../engine/inference/inferVolume';
import type { ModelCard } from '../../nn/modelCard';
import type { NamedCase } from './libraryCases';

/**
 * Refuses, before any work starts, a case the network cannot learn from: labels beyond the
 * model's classes (naming the classes), or a volume that on the model's grid is smaller than the
 * training patch.
 */
export function checkCase(c: NamedCase, card: ModelCard): void {
  let highest = 0;
  for (const label of c.labels) if (label > highest) highest = label;
  if (highest >= card.classes.length) {
    const classes = card.classes.map((name, n) => `${n} ${name}`).join(', ');
    throw new ApiError(
      'invalid_input',
      `case ${c.name}: label ${highest} is not one of the model's classes (${classes})`,
    );
  }
  const [cols, rows, slices] = modelGrid(c.volume.geometry, card.inputSpacing).dimensions;
  const grid = [slices, rows, cols];
  if (card.patchSize.some((p, axis) => grid[axis] < p)) {
    throw new ApiError(
      'invalid_input',
      `case ${c.name}: at the model's spacing (${card.inputSpacing.join(' x ')} mm) the volume is ${grid.join(' x ')} voxels, smaller than the ${card.patchSize.join(' x ')} training patch`,
    );
  }
}

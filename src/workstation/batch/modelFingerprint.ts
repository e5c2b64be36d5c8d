import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelEntry } from '../../engine/models/ModelEntry';

/** A hash of a model's card and weights: another model, or retrained weights, differ. */
export async function modelFingerprint(model: ModelEntry): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(model.card));
  if (model.kind === 'network') hash.update(await readFile(join(model.dir, model.card.weights)));
  return hash.digest('hex');
}

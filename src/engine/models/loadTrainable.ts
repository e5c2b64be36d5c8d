import { loadModel, type LoadedModel } from '../../nn/modelIo';
import type { ModelEntry } from './ModelEntry';

/** The network a training or comparison job starts from; a threshold model is refused. */
export async function loadTrainable(entry: ModelEntry): Promise<LoadedModel> {
  if (entry.kind !== 'network') throw new Error(`${entry.name} is not a trainable network`);
  return loadModel(entry.dir);
}

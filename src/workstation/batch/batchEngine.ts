import { Engine } from '../../engine/Engine';
import { loadModelEntries } from '../../engine/models/loadModelEntries';
import type { ModelEntry } from '../../engine/models/ModelEntry';

export type { Engine };

/**
 * The model a batch runs, by id or else the folder's first; undefined when there is none, with
 * the ids the folder holds for the message.
 */
export async function batchModel(
  modelsDir: string,
  modelId: string | undefined,
): Promise<{ model: ModelEntry | undefined; ids: string[] }> {
  const entries = await loadModelEntries(modelsDir);
  const model = modelId ? entries.find((m) => m.id === modelId) : entries[0];
  return { model, ids: entries.map((m) => m.id) };
}

/** The engine a batch segments on (comma-separated backends to try, default all). */
export function startBatchEngine(backends: string | undefined): Promise<Engine> {
  return Engine.start({ backends });
}

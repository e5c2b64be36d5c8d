import type { InferencePlan } from '../inference/inferVolume';
import type { ModelEntry } from './ModelEntry';

/** Patches per forward pass for networks: two fill the wasm backend's one thread well enough. */
const NETWORK_BATCH = 2;

/** How the engine runs a model on a whole volume, from what its card says. */
export function inferencePlan(model: ModelEntry): InferencePlan {
  if (model.kind === 'threshold') {
    const { patchSize, overlap, batchSize } = model.card;
    return { patchSize, overlap, batchSize, normalisation: { kind: 'none' } };
  }
  const card = model.card;
  return {
    patchSize: card.patchSize,
    overlap: 0.5,
    batchSize: NETWORK_BATCH,
    spacing: card.inputSpacing,
    normalisation: card.intensity,
  };
}

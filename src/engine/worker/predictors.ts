import type * as tfNamespace from '@tensorflow/tfjs';
import { createPredictor } from '../../nn/predictor';
import { loadModel } from '../../nn/modelIo';
import type { PatchPredictor } from '../inference/PatchPredictor';
import type { ModelEntry } from '../models/ModelEntry';
import { thresholdNetwork } from '../models/thresholdNetwork';

/** Loaded networks by folder: loading reads and checks every weight, so it is done once. */
const cache = new Map<string, Promise<PatchPredictor>>();

export function predictorFor(tf: typeof tfNamespace, model: ModelEntry): Promise<PatchPredictor> {
  const key = `${model.kind}:${model.dir}`;
  let predictor = cache.get(key);
  if (!predictor) {
    predictor =
      model.kind === 'threshold'
        ? Promise.resolve(thresholdNetwork(tf, model.card))
        : loadModel(model.dir).then((loaded) =>
            createPredictor(loaded.model, loaded.card.input.slices),
          );
    // A model that failed to load is tried again next time (the file may have been fixed).
    predictor.catch(() => cache.delete(key));
    cache.set(key, predictor);
  }
  return predictor;
}

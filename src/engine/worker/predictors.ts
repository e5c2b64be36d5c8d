import type * as tfNamespace from '@tensorflow/tfjs';
import type * as OrtNamespace from 'onnxruntime-node';
import { createPredictor } from '../../nn/predictor';
import { loadModel } from '../../nn/modelIo';
import { isOnnxWeights } from '../../onnx/onnxModelFiles';
import { modelGraph } from '../backends/onnxGraphs';
import { onnxPredictor } from '../backends/onnxPredictor';
import type { InferenceChoice, OnnxRuntime } from '../backends/onnxRuntime';
import type { PatchPredictor } from '../inference/PatchPredictor';
import type { ModelEntry } from '../models/ModelEntry';
import { thresholdNetwork } from '../models/thresholdNetwork';
import { errorMessage } from '../../errors/errorMessage';

/** What the worker infers with: ONNX Runtime when it loaded (and is not refused), else tfjs. */
export interface InferenceRuntime {
  choice: InferenceChoice;
  onnx?: OnnxRuntime;
  /** the tfjs backend's name, for the status */
  tfjs: string;
  /** where a model's graph comes from (default: exported from its weights, or its .onnx) */
  graphFor?: typeof modelGraph;
}

export interface SelectedPredictor {
  predictor: PatchPredictor;
  /** which runtime runs it */
  backend: string;
  /** why ONNX Runtime did not take this model, when it was meant to */
  fallback?: string;
}

/** Loaded tfjs networks by folder: loading reads and checks every weight, so it is done once. */
const cache = new Map<string, Promise<PatchPredictor>>();

/**
 * ONNX Runtime sessions by graph hash (the weights' bytes): a fine-tuned model gets a new one. A
 * few at most are kept, since each holds its weights and the runtime's arena.
 */
const sessions = new Map<string, Promise<OrtNamespace.InferenceSession>>();
const MAX_SESSIONS = 3;

function tfjsPredictor(tf: typeof tfNamespace, model: ModelEntry): Promise<PatchPredictor> {
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

async function sessionFor(
  runtime: OnnxRuntime,
  model: Extract<ModelEntry, { kind: 'network' }>,
  graphFor: typeof modelGraph,
): Promise<OrtNamespace.InferenceSession> {
  const graph = await graphFor(model.dir, model.card);
  let session = sessions.get(graph.hash);
  if (!session) {
    session = runtime.ort.InferenceSession.create(graph.bytes(), runtime.sessionOptions);
    session.catch(() => sessions.delete(graph.hash));
    sessions.set(graph.hash, session);
    while (sessions.size > MAX_SESSIONS) {
      const [oldest, evicted] = sessions.entries().next().value as [
        string,
        Promise<OrtNamespace.InferenceSession>,
      ];
      sessions.delete(oldest);
      void evicted.then((s) => s.release()).catch(() => undefined);
    }
  } else {
    // Most recently used last.
    sessions.delete(graph.hash);
    sessions.set(graph.hash, session);
  }
  return session;
}

/**
 * The predictor for a model: networks on ONNX Runtime when it loaded, exported from their weights
 * (or imported as .onnx); anything ONNX Runtime refuses (a damaged graph, an operator it lacks)
 * falls back to tfjs with the reason, unless ONNX was forced. The threshold model is a tfjs model.
 */
export async function predictorFor(
  tf: typeof tfNamespace,
  model: ModelEntry,
  runtime: InferenceRuntime,
): Promise<SelectedPredictor> {
  let fallback: string | undefined;
  if (model.kind === 'network' && runtime.choice !== 'tfjs') {
    if (runtime.onnx) {
      try {
        const session = await sessionFor(runtime.onnx, model, runtime.graphFor ?? modelGraph);
        return {
          predictor: onnxPredictor(runtime.onnx, session, model.card),
          backend: runtime.onnx.name,
        };
      } catch (error) {
        fallback = `ONNX Runtime could not run ${model.name}: ${errorMessage(error).split('\n')[0]}`;
      }
    } else {
      fallback = 'ONNX Runtime did not load';
    }
    if (runtime.choice === 'onnx') throw new Error(fallback);
  }
  if (model.kind === 'network' && isOnnxWeights(model.card)) {
    throw new Error(
      `${model.name} exists only as an ONNX graph (${model.card.weights}), which needs ONNX Runtime` +
        (fallback ? `: ${fallback}` : ' (inference is set to tfjs)'),
    );
  }
  return { predictor: await tfjsPredictor(tf, model), backend: runtime.tfjs, fallback };
}

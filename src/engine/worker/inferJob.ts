import type * as tfNamespace from '@tensorflow/tfjs';
import { inferVolume } from '../inference/inferVolume';
import { inferencePlan } from '../models/inferencePlan';
import { predictorFor, type InferenceRuntime } from './predictors';
import type { WorkerReply, WorkerRequest } from './protocol';

/** Segments one volume with one model; the labels go back without a copy. */
export async function inferJob(
  tf: typeof tfNamespace,
  request: Extract<WorkerRequest, { type: 'infer' }>,
  reply: (message: WorkerReply, transfer?: ArrayBuffer[]) => void,
  runtime: InferenceRuntime,
  onFallback: (reason: string) => void = () => undefined,
): Promise<void> {
  const { jobId, model, geometry, voxels } = request;
  const cancel = new Int32Array(request.cancelFlag);
  const { predictor, fallback } = await predictorFor(tf, model, runtime);
  if (fallback) onFallback(fallback);
  const labels = await inferVolume({ geometry, voxels }, predictor, inferencePlan(model), {
    isCancelled: () => Atomics.load(cancel, 0) === 1,
    onProgress: (done, total) => reply({ type: 'progress', jobId, done, total }),
  });
  reply({ type: 'result', jobId, labels }, [labels.buffer as ArrayBuffer]);
}

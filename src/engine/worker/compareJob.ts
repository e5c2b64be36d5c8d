import { loadTrainable } from '../models/loadTrainable';
import { disposeSegmenter, exportStateDict } from '../../nn/segmenter';
import type { TrainingStatus } from '../backends/tfBackends';
import { compareConversions } from '../train/compareConversions';
import type { TrainingRuntime } from '../train/trainerBackend';
import type { WorkerReply, WorkerRequest } from './protocol';

type CompareRequest = Extract<WorkerRequest, { type: 'compare' }>;

/**
 * The six-configuration cross-validated comparison from one 2D model's weights, in the worker,
 * trained on the runtime `train` would take (ONNX Runtime's training-step graph where it runs).
 */
export async function compareJob(
  request: CompareRequest,
  reply: (message: WorkerReply) => void,
  runtime: TrainingRuntime,
  onBackend: (status: TrainingStatus) => void,
): Promise<void> {
  const { jobId } = request;
  const cancel = new Int32Array(request.cancelFlag);
  const base = await loadTrainable(request.base);
  if (base.card.kind !== '2d') {
    disposeSegmenter(base.model);
    throw new Error(
      `the comparison starts from 2D weights: ${request.base.name} is a ${base.card.kind} model`,
    );
  }
  const weights2d = exportStateDict(base.model);
  disposeSegmenter(base.model);
  const report = await compareConversions({
    weights2d,
    baseCard: base.card,
    card: {
      ...base.card,
      kind: 'acs',
      patchSize: request.patchSize,
      ...(request.depthStrides ? {} : { depthStrides: false }),
    },
    cases: request.cases.map((c) => ({
      id: c.id,
      name: c.name,
      volume: { geometry: c.geometry, voxels: c.voxels },
      labels: c.labels,
    })),
    folds: request.folds,
    normalisation: request.normalisation,
    options: request.options,
    outDir: request.outDir,
    isCancelled: () => Atomics.load(cancel, 0) === 1,
    runtime,
    onBackend,
    onProgress: (configuration, index, run, progress) =>
      reply({ type: 'compareProgress', jobId, configuration, index, run, progress }),
    onEpoch: (configuration, index, run, record) =>
      reply({ type: 'compareEpoch', jobId, configuration, index, run, record }),
  });
  reply({ type: 'compared', jobId, report });
}

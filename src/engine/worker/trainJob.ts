import { configFromCard } from '../../nn/modelCard';
import { targetCard } from '../train/targetCard';
import { cp } from 'node:fs/promises';
import { loadTrainable } from '../models/loadTrainable';
import { convertStateDict } from '../../nn/convert/convertStateDict';
import { buildSegmenter, disposeSegmenter, exportStateDict } from '../../nn/segmenter';
import type { TrainingStatus } from '../backends/tfBackends';
import { trainModel } from '../train/trainModel';
import type { TrainingRuntime } from '../train/trainerBackend';
import type { WorkerReply, WorkerRequest } from './protocol';

type TrainRequest = Extract<WorkerRequest, { type: 'train' }>;

/** Fine-tunes (or converts and fine-tunes) a model on the job's cases; the best one lands in modelDir. */
export async function trainJob(
  request: TrainRequest,
  reply: (message: WorkerReply) => void,
  runtime: TrainingRuntime,
  onBackend: (status: TrainingStatus) => void,
): Promise<void> {
  const { jobId } = request;
  const cancel = new Int32Array(request.cancelFlag);
  const base = await loadTrainable(request.base);
  const card = targetCard(base.card, request.target);
  const config = configFromCard(card);
  const weights =
    card.kind === base.card.kind
      ? exportStateDict(base.model)
      : convertStateDict(exportStateDict(base.model), config, {
          method: request.target.method === 'none' ? 'centre' : request.target.method,
        });
  disposeSegmenter(base.model);
  // What the weights lack (a random conversion's kernels) is drawn from the job's seed.
  const model = buildSegmenter(config, {
    weights,
    required: () => false,
    seed: request.options.seed,
  });
  const asCase = (c: TrainRequest['train'][number]) => ({
    id: c.id,
    volume: { geometry: c.geometry, voxels: c.voxels },
    labels: c.labels,
  });
  const start = exportStateDict(model);
  disposeSegmenter(model);
  const result = await trainModel({
    model: start,
    card,
    train: request.train.map(asCase),
    validation: request.validation.map(asCase),
    options: request.options,
    checkpointDir: request.workDir,
    resume: request.resume,
    isCancelled: () => Atomics.load(cancel, 0) === 1,
    onProgress: (progress) => reply({ type: 'trainingProgress', jobId, progress }),
    onEpoch: (record) => reply({ type: 'epoch', jobId, record }),
    runtime,
    onBackend,
  });
  await cp(result.bestDir, request.modelDir, { recursive: true });
  reply({ type: 'trained', jobId, modelDir: request.modelDir, history: result.state.history });
}

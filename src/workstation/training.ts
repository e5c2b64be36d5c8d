import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { CommandParams, ModelSummary } from '../api/commands';
import { ApiError } from '../api/errors';
import type { ApiEvent } from '../api/events';
import type { Engine, EngineJob } from '../engine/Engine';
import type { ModelEntry } from '../engine/models/ModelEntry';
import type { TrainingCase } from '../engine/train/TrainingCase';
import type { Volume } from '../volume/Volume';

export interface TrainingContext {
  engine: Engine;
  model(modelId: string): ModelEntry;
  volume(volumeId: string): Volume;
  labelmap(labelmapId: string): Uint8Array;
  /** where trained models and their working checkpoints go */
  userModelsDir: string;
  workDir: string;
  emit(event: ApiEvent): void;
  /** called with the new model's folder once it is saved; returns its summary */
  modelAdded(dir: string): Promise<ModelSummary>;
}

/** A folder name from a model name: readable, safe on every file system, unique. */
function folderName(name: string): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'model';
  return `${slug}-${randomUUID().slice(0, 8)}`;
}

/** Starts a fine-tuning job on the engine; events report it, the new model joins the list. */
export function startTraining(
  ctx: TrainingContext,
  params: CommandParams<'startTraining'>,
): { jobId: string; job: EngineJob<unknown> } {
  const base = ctx.model(params.baseModelId);
  if (base.kind !== 'network')
    throw new ApiError('invalid_input', `${base.name} has fixed weights: it cannot be trained`);
  const asCase = (ref: { volumeId: string; labelmapId: string }): TrainingCase => {
    const volume = ctx.volume(ref.volumeId);
    const labels = ctx.labelmap(ref.labelmapId);
    if (labels.length !== volume.voxels.length) {
      throw new ApiError(
        'invalid_input',
        `labelmap ${ref.labelmapId} is not on the grid of volume ${ref.volumeId}`,
      );
    }
    return { id: ref.volumeId, volume, labels };
  };
  const train = params.cases.map(asCase);
  const validation = params.validation.map(asCase);
  const jobId = `job-${randomUUID()}`;
  const folder = folderName(params.name);
  const started = Date.now();
  const total = params.epochs * params.stepsPerEpoch;
  const job = ctx.engine.train(
    jobId,
    {
      base,
      target: { name: params.name, kind: params.kind, method: params.init },
      train,
      validation,
      options: {
        epochs: params.epochs,
        stepsPerEpoch: params.stepsPerEpoch,
        batchSize: params.batchSize,
        seed: params.seed ?? 1,
      },
      workDir: join(ctx.workDir, folder),
      modelDir: join(ctx.userModelsDir, folder),
      resume: false,
    },
    {
      onProgress: (p) => {
        const done =
          (p.epoch - 1) * params.stepsPerEpoch +
          (p.phase === 'train' ? p.step : params.stepsPerEpoch);
        const etaSeconds =
          p.etaSeconds ?? (done ? ((Date.now() - started) / 1000 / done) * (total - done) : null);
        ctx.emit({
          type: 'job.progress',
          jobId,
          phase: p.phase,
          done,
          total,
          etaSeconds,
          epoch: p.epoch,
          loss: p.loss,
        });
      },
      onEpoch: (record) => ctx.emit({ type: 'training.epoch', jobId, record }),
    },
  );
  job.result.then(
    async ({ modelDir, history }) =>
      ctx.emit({ type: 'training.done', jobId, model: await ctx.modelAdded(modelDir), history }),
    () => undefined,
  );
  return { jobId, job };
}

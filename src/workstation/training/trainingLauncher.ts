import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../api/errors';
import { CancelledError } from '../../engine/inference/CancelledError';
import { targetCard } from '../../engine/train/targetCard';
import type { caseSources } from './caseSources';
import { checkCase } from './checkCase';
import { networkCard } from './networkCard';
import { progressEmitter } from './progressEmitter';
import type { TrainingHost } from './TrainingHost';
import type { TrainingRecord } from './trainingRecords';
import { checkpointHistory, writeTrainingRecord } from './trainingRecords';

/**
 * Runs (or resumes) the training a record describes, in the engine; the record follows its
 * status. `active` holds the trainings running now, which are not offered for resume.
 */
export function trainingLauncher(
  host: TrainingHost,
  sources: ReturnType<typeof caseSources>,
  active: Set<string>,
): (
  record: TrainingRecord,
  resume: boolean,
) => Promise<{ jobId: string; history: Awaited<ReturnType<typeof checkpointHistory>> }> {
  return async (record: TrainingRecord, resume: boolean) => {
    const base = host.model(record.baseModelId);
    const card = targetCard(networkCard(base), {
      name: record.name,
      kind: record.kind,
      method: record.init,
      patchSize: record.patchSize,
    });
    const train = await Promise.all(record.train.map(sources.resolve));
    const validation = await Promise.all(record.validation.map(sources.resolve));
    for (const c of [...train, ...validation]) checkCase(c, card);
    const workDir = join(host.dataDir(), 'training', record.trainingId);
    if (active.has(record.trainingId))
      throw new ApiError('invalid_input', `training ${record.trainingId} is running`);
    await mkdir(workDir, { recursive: true });
    const history = resume ? await checkpointHistory(workDir) : [];
    await writeTrainingRecord(workDir, { ...record, status: 'running' });
    const jobId = `job-${randomUUID()}`;
    const { epochs, stepsPerEpoch } = record.options;
    const job = host.engine().train(
      jobId,
      {
        base,
        target: {
          name: record.name,
          kind: record.kind,
          method: record.init,
          patchSize: record.patchSize,
        },
        train,
        validation,
        options: record.options,
        workDir,
        modelDir: record.modelDir,
        resume,
      },
      {
        onProgress: progressEmitter(
          host,
          jobId,
          epochs * stepsPerEpoch,
          stepsPerEpoch,
          (p) => (p.epoch - 1) * stepsPerEpoch,
        ),
        onEpoch: (r) => host.emit({ type: 'training.epoch', jobId, record: r }),
      },
    );
    // The record's status is written before the job's end is announced, so that whoever hears
    // of a cancel or a failure finds the training listed as resumable.
    const result = job.result.then(
      async (trained) => {
        await writeTrainingRecord(workDir, { ...record, status: 'done' });
        host.emit({
          type: 'training.done',
          jobId,
          model: await host.modelAdded(trained.modelDir),
          history: trained.history,
        });
        return trained;
      },
      async (error: unknown) => {
        const status = error instanceof CancelledError ? 'cancelled' : 'failed';
        await writeTrainingRecord(workDir, { ...record, status }).catch(() => undefined);
        throw error;
      },
    );
    active.add(record.trainingId);
    void result.then(
      () => active.delete(record.trainingId),
      () => active.delete(record.trainingId),
    );
    host.track(jobId, { result, cancel: () => job.cancel() }, 'training');
    return { jobId, history };
  };
}

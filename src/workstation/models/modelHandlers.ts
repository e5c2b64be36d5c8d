import { randomUUID } from 'node:crypto';
import type { CommandParams, CommandResult } from '../../api/commands';
import type { ApiEvent } from '../../api/events';
import type { Engine } from '../../engine/Engine';
import type { Jobs } from '../jobs/Jobs';
import type { OpenVolumes } from '../volumes/OpenVolumes';
import type { ModelRegistry } from './ModelRegistry';

type Name = 'listModels' | 'runModel';
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

export interface ModelHost {
  engine: Engine;
  models: ModelRegistry;
  volumes: OpenVolumes;
  jobs: Jobs;
  emit(event: ApiEvent): void;
}

function countLabels(labels: Uint8Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

/** The model list and inference: a job in the engine's worker whose labels become a labelmap. */
export function modelHandlers(host: ModelHost): Handlers {
  return {
    listModels: async () => host.models.list(),

    runModel: async ({ volumeId, modelId }) => {
      const volume = host.volumes.volume(volumeId);
      const model = host.models.get(modelId);
      const jobId = `job-${randomUUID()}`;
      const started = Date.now();
      const job = host.engine.infer(jobId, model, volume, (done, total) => {
        const elapsed = (Date.now() - started) / 1000;
        const etaSeconds = done > 0 ? (elapsed / done) * (total - done) : null;
        host.emit({ type: 'job.progress', jobId, phase: 'inference', done, total, etaSeconds });
      });
      host.jobs.track(jobId, job, 'inference');
      job.result.then(
        (labels) => {
          const info = {
            labelmapId: `lab-${randomUUID()}`,
            volumeId,
            classes: [...model.classes],
            counts: countLabels(labels, model.classes.length),
          };
          try {
            host.volumes.add(info, labels);
          } catch (error) {
            // the volume was closed while the job ran: its labels have nothing left to show on
            host.emit({
              type: 'job.failed',
              jobId,
              error: { code: 'not_found', message: (error as Error).message },
            });
            return;
          }
          host.emit({ type: 'job.done', jobId, labelmap: info });
        },
        () => undefined,
      );
      return { jobId };
    },
  };
}

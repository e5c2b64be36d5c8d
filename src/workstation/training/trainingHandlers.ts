import { join } from 'node:path';
import type { CommandParams, CommandResult } from '../../api/commands';
import type { compareCommandSchemas } from '../../api/compareCommands';
import { ApiError } from '../../api/errors';
import type { trainingCommandSchemas, TrainingSplit } from '../../api/trainingCommands';
import { caseSources } from './caseSources';
import { compareHandler } from './compareHandler';
import { folderName } from './folderName';
import { listTrainingCases } from './libraryCases';
import { networkCard } from './networkCard';
import { splitByImage } from './splitCases';
import type { TrainingHost } from './TrainingHost';
import { trainingLauncher } from './trainingLauncher';
import type { CaseSource, TrainingRecord } from './trainingRecords';
import { listResumable, readTrainingRecord } from './trainingRecords';

export type { TrainingHost } from './TrainingHost';

type Name = keyof typeof trainingCommandSchemas | keyof typeof compareCommandSchemas;
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

/**
 * Training and comparison commands: the annotated library cases, fine-tuning on library or open
 * cases with a visible split, resume from the last checkpoint, and the six-way comparison.
 */
export function trainingHandlers(host: TrainingHost): Handlers {
  const trainingRoot = () => join(host.dataDir(), 'training');
  /** trainings running now: not offered for resume (their record says running until they end) */
  const active = new Set<string>();
  const lookup = caseSources(host);
  const { sourceId, imageKey, nameOf } = lookup;
  const launch = trainingLauncher(host, lookup, active);

  return {
    listTrainingCases: async () => listTrainingCases(host.library(), host.store()),

    startTraining: async (params) => {
      networkCard(host.model(params.baseModelId));
      const openSource = (open: { volumeId: string; labelmapId: string }): CaseSource => {
        const file = host.files?.of(open.volumeId);
        return file ? { file } : { open };
      };
      const sources: CaseSource[] = [
        ...(params.cases ?? []).map(openSource),
        ...(params.libraryCases ?? []).map((ref) => ({ library: ref })),
      ];
      const explicit = (params.validation ?? []).map(openSource);
      const seed = params.seed ?? 1;
      // validation cases the caller names may be series that also train (one case is all
      // there is): the split says so, as it does when the seeded split has one series only
      const trained = new Set(sources.map(imageKey));
      const split = explicit.length
        ? {
            train: sources,
            validation: explicit,
            validatesOnTraining: explicit.some((s) => trained.has(imageKey(s))),
          }
        : splitByImage(sources, imageKey, sourceId, seed, params.validationShare ?? 0.2);
      const trainingId = folderName(params.name);
      const record: TrainingRecord = {
        version: 1,
        trainingId,
        name: params.name,
        baseModelId: params.baseModelId,
        kind: params.kind,
        init: params.init,
        patchSize: params.patchSize,
        train: split.train,
        validation: split.validation,
        options: {
          epochs: params.epochs,
          stepsPerEpoch: params.stepsPerEpoch,
          batchSize: params.batchSize,
          seed,
        },
        modelDir: join(host.dataDir(), 'models', trainingId),
        status: 'running',
        startedAt: new Date().toISOString(),
      };
      const named = new Map<string, string>();
      const { jobId } = await launch(record, false);
      // names as the user knows them (series description / segmentation name) for the split
      for (const s of [...split.train, ...split.validation]) {
        named.set(sourceId(s), await nameOf(s));
      }
      const view = (list: CaseSource[]) =>
        list.map((s) => ({ id: sourceId(s), name: named.get(sourceId(s)) ?? sourceId(s) }));
      const shown: TrainingSplit = {
        train: view(split.train),
        validation: view(split.validation),
        validatesOnTraining: split.validatesOnTraining,
      };
      return { jobId, trainingId, split: shown };
    },

    listResumableTrainings: async () =>
      (await listResumable(trainingRoot())).filter((t) => !active.has(t.trainingId)),

    resumeTraining: async ({ trainingId }) => {
      const workDir = join(trainingRoot(), trainingId);
      const record = await readTrainingRecord(workDir).catch(() => {
        throw new ApiError('not_found', `no training ${trainingId} to resume`);
      });
      if (record.status === 'done')
        throw new ApiError('invalid_input', `training ${trainingId} has finished`);
      const { jobId, history } = await launch(record, true);
      return { jobId, trainingId, epochsDone: history.length, history };
    },

    startCompare: compareHandler(host, lookup),
  };
}

import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CommandParams, CommandResult, ModelSummary } from '../../api/commands';
import type { compareCommandSchemas } from '../../api/compareCommands';
import { ApiError } from '../../api/errors';
import type { ApiEvent } from '../../api/events';
import type { trainingCommandSchemas, TrainingSplit } from '../../api/trainingCommands';
import type { Engine, EngineJob } from '../../engine/Engine';
import { CancelledError } from '../../engine/inference/CancelledError';
import type { ModelEntry } from '../../engine/models/ModelEntry';
import type { TrainingProgress } from '../../engine/train/trainModel';
import { targetCard } from '../../engine/train/targetCard';
import { COMPARE_CONFIGURATIONS } from '../../engine/train/compareConfigurations';
import type { CaseLibrary } from '../../library/CaseLibrary';
import type { ModelCard } from '../../nn/modelCard';
import type { Volume } from '../../volume/Volume';
import type { SegmentationStore } from '../segmentations/SegmentationStore';
import { checkCase } from './checkCase';
import type { NamedCase } from './libraryCases';
import { libraryCaseId, listTrainingCases, loadLibraryCase } from './libraryCases';
import { caseKey } from './caseKey';
import { crossValidationFolds, splitCases } from './splitCases';
import type { CaseSource, TrainingRecord } from './trainingRecords';
import {
  checkpointHistory,
  listResumable,
  readTrainingRecord,
  writeTrainingRecord,
} from './trainingRecords';

type Name = keyof typeof trainingCommandSchemas | keyof typeof compareCommandSchemas;
type Handlers = { [C in Name]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

/** What the training commands need of the workstation. */
export interface TrainingHost {
  engine(): Engine;
  dataDir(): string;
  /** the case library whose annotated series are the cases */
  library(): CaseLibrary;
  model(modelId: string): ModelEntry;
  volume(volumeId: string): Volume;
  labelmap(labelmapId: string): Uint8Array;
  store(): SegmentationStore;
  emit(event: ApiEvent): void;
  /** keeps the job cancellable and reports its failure or cancellation */
  track(jobId: string, job: EngineJob<unknown>, what: string): void;
  /** called with a new model's folder once it is saved; returns its summary */
  modelAdded(dir: string): Promise<ModelSummary>;
  /**
   * The CLI's cases are files: it names them for an open volume so that the training record
   * keeps the files (and a resume reads them again) rather than a volume of its session.
   */
  files?: {
    of(volumeId: string): { image: string; labels: string } | undefined;
    open(file: { image: string; labels: string }): Promise<NamedCase>;
  };
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

function networkCard(base: ModelEntry): ModelCard {
  if (base.kind !== 'network')
    throw new ApiError('invalid_input', `${base.name} has fixed weights: it cannot be trained`);
  return base.card;
}

/** Job progress from training progress: steps over the whole budget, with an ETA. */
function progressEmitter(
  host: TrainingHost,
  jobId: string,
  total: number,
  steps: number,
  offset: (p: TrainingProgress) => number,
  prefix = '',
): (p: TrainingProgress) => void {
  const started = Date.now();
  let first: number | null = null;
  return (p) => {
    // validation comes after the epoch's training steps: the epoch's steps are done
    const done = Math.min(total, offset(p) + (p.phase === 'train' ? p.step : steps));
    first ??= done - 1;
    const rate = (Date.now() - started) / 1000 / Math.max(1, done - first);
    host.emit({
      type: 'job.progress',
      jobId,
      phase: `${prefix}${p.phase}`,
      done,
      total,
      etaSeconds: p.etaSeconds ?? (done > first ? rate * (total - done) : null),
      epoch: p.epoch,
      loss: p.loss,
      backend: p.backend,
    });
  };
}

/**
 * Training and comparison commands: the annotated library cases, fine-tuning on library or open
 * cases with a visible split, resume from the last checkpoint, and the six-way comparison.
 */
export function trainingHandlers(host: TrainingHost): Handlers {
  const trainingRoot = () => join(host.dataDir(), 'training');
  /** trainings running now: not offered for resume (their record says running until they end) */
  const active = new Set<string>();

  const resolve = async (source: CaseSource): Promise<NamedCase> => {
    if ('library' in source) return loadLibraryCase(host.library(), host.store(), source.library);
    if ('file' in source) {
      if (!host.files)
        throw new ApiError('invalid_input', `${source.file.image}: file cases resume from the CLI`);
      return host.files.open(source.file);
    }
    const { volumeId, labelmapId } = source.open;
    let volume: Volume;
    try {
      volume = host.volume(volumeId);
    } catch {
      throw new ApiError(
        'not_found',
        `volume ${volumeId} is no longer open (cases of an earlier session cannot be resumed: train on library cases for that)`,
      );
    }
    const labels = host.labelmap(labelmapId);
    if (labels.length !== volume.voxels.length) {
      throw new ApiError(
        'invalid_input',
        `labelmap ${labelmapId} is not on the grid of volume ${volumeId}`,
      );
    }
    return { id: volumeId, name: volumeId, volume, labels };
  };
  const sourceId = (s: CaseSource) =>
    'library' in s ? libraryCaseId(s.library) : 'file' in s ? s.file.image : s.open.volumeId;

  /** Runs (or resumes) the training a record describes; the record follows its status. */
  const launch = async (record: TrainingRecord, resume: boolean) => {
    const base = host.model(record.baseModelId);
    const card = targetCard(networkCard(base), {
      name: record.name,
      kind: record.kind,
      method: record.init,
      patchSize: record.patchSize,
    });
    const train = await Promise.all(record.train.map(resolve));
    const validation = await Promise.all(record.validation.map(resolve));
    for (const c of [...train, ...validation]) checkCase(c, card);
    const workDir = join(trainingRoot(), record.trainingId);
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
      const split = explicit.length
        ? { train: sources, validation: explicit, validatesOnTraining: false }
        : splitCases(sources, sourceId, seed, params.validationShare ?? 0.2);
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
        named.set(sourceId(s), 'library' in s ? await caseName(s) : sourceId(s));
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

    startCompare: async (params) => {
      const base = host.model(params.baseModelId);
      const card2d = networkCard(base);
      if (card2d.kind !== '2d') {
        throw new ApiError(
          'invalid_input',
          `the comparison starts from 2D weights: ${base.name} is a ${card2d.kind} model`,
        );
      }
      const patchSize = params.patchSize ?? [
        Math.max(card2d.patchSize[1], 32),
        card2d.patchSize[1],
        card2d.patchSize[2],
      ];
      const resolved = await Promise.all([
        ...(params.cases ?? []).map((open) => resolve({ open })),
        ...(params.libraryCases ?? []).map((ref) => resolve({ library: ref })),
      ]);
      const card3d: ModelCard = { ...card2d, kind: 'acs', patchSize };
      for (const c of resolved) checkCase(c, card3d);
      // Each case by its content: the same cases give the same folds, whatever ids, paths or
      // order they come with; its name (file or series / segmentation) is what the report shows.
      const names = [
        ...(params.cases ?? []).map(({ volumeId }) => {
          const file = host.files?.of(volumeId);
          return file ? basename(file.image) : volumeId;
        }),
        ...(await Promise.all(
          (params.libraryCases ?? []).map((ref) => caseName({ library: ref })),
        )),
      ];
      const cases = resolved.map((c, n) => ({
        id: caseKey(c.volume, c.labels),
        name: names[n],
        volume: c.volume,
        labels: c.labels,
      }));
      const seed = params.seed ?? 1;
      let plan;
      try {
        plan = crossValidationFolds(
          cases,
          (c) => c.id,
          seed,
          params.folds ?? Math.min(cases.length, 5),
          params.repeats ?? 1,
        );
      } catch (error) {
        throw new ApiError('invalid_input', (error as Error).message);
      }
      const keys = (list: { id: string }[]) => list.map((c) => c.id);
      const folds = plan.map((f) => ({
        ...f,
        train: keys(f.train),
        validation: keys(f.validation),
        test: keys(f.test),
      }));
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const reportDir = join(host.dataDir(), 'compare', `${stamp}-${randomUUID().slice(0, 8)}`);
      await mkdir(reportDir, { recursive: true });
      const jobId = `job-${randomUUID()}`;
      const perRun = params.epochs * params.stepsPerEpoch;
      const perConfiguration = perRun * folds.length;
      const emitters = new Map<string, (p: TrainingProgress) => void>();
      const job = host.engine().compare(
        jobId,
        {
          base,
          patchSize,
          depthStrides: params.depthStrides ?? true,
          normalisation: params.normalisation ?? 'batch',
          cases: [...cases].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
          folds,
          options: {
            epochs: params.epochs,
            stepsPerEpoch: params.stepsPerEpoch,
            batchSize: params.batchSize,
            seed,
          },
          outDir: reportDir,
        },
        {
          onProgress: (configuration, index, run, p) => {
            let emit = emitters.get(`${index}/${run}`);
            if (!emit) {
              emit = progressEmitter(
                host,
                jobId,
                COMPARE_CONFIGURATIONS.length * perConfiguration,
                params.stepsPerEpoch,
                (q) =>
                  index * perConfiguration + run * perRun + (q.epoch - 1) * params.stepsPerEpoch,
                `${configuration} (fold ${run + 1}/${folds.length}): `,
              );
              emitters.set(`${index}/${run}`, emit);
            }
            emit(p);
          },
          onEpoch: (configuration, index, run, record) =>
            host.emit({ type: 'compare.epoch', jobId, configuration, index, run, record }),
        },
      );
      host.track(jobId, job, 'comparison');
      job.result.then(
        (report) => host.emit({ type: 'compare.done', jobId, rows: report.rows, reportDir }),
        () => undefined,
      );
      return {
        jobId,
        reportDir,
        cases: cases.map((c) => ({ key: c.id, name: c.name })),
        folds,
      };
    },
  };

  async function caseName(source: Extract<CaseSource, { library: unknown }>): Promise<string> {
    const { seriesId, segmentationId } = source.library;
    const record = host.library().record(seriesId);
    const saved = (await host.store().list(seriesId)).find(
      (s) => s.segmentationId === segmentationId,
    );
    return `${record.seriesDescription || seriesId} / ${saved?.name ?? segmentationId}`;
  }
}

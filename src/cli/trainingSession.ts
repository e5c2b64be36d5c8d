import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ApiError } from '../api/errors';
import type { ApiEvent } from '../api/events';
import { DicomReadError } from '../dicom/DicomReadError';
import { GridMismatchError } from '../dicom/seg/GridMismatchError';
import { Engine } from '../engine/Engine';
import type { EngineJob } from '../engine/Engine';
import { CancelledError } from '../engine/inference/CancelledError';
import { loadModelEntries } from '../engine/models/loadModelEntries';
import type { ModelEntry } from '../engine/models/ModelEntry';
import { NiftiReadError } from '../nifti/readNifti';
import type { Volume } from '../volume/Volume';
import { SegmentationStore } from '../workstation/segmentations/SegmentationStore';
import { CaseLibrary } from '../library/CaseLibrary';
import { trainingHandlers } from '../workstation/training/trainingHandlers';
import { InputError, readImage, readLabelsOnto } from './caseFiles';
import { ExitCode } from './exitCodes';
import type { ProgressReporter } from './progress';
import { errorMessage } from '../errors/errorMessage';

/**
 * The workstation's training services without a window: the same handlers the app calls, on an
 * engine worker, with the image / labels files of the command line as the session's open cases.
 */
export class TrainingSession {
  private readonly volumes = new Map<string, Volume>();
  private readonly labelmaps = new Map<string, Uint8Array>();
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  private readonly jobs = new Map<string, EngineJob<unknown>>();
  private readonly files = new Map<string, { image: string; labels: string }>();
  private models: ModelEntry[] = [];
  readonly handlers: ReturnType<typeof trainingHandlers>;

  private constructor(
    readonly engine: Engine,
    private readonly modelsDir: string,
    readonly dataDir: string,
  ) {
    const store = new SegmentationStore(dataDir);
    const library = new CaseLibrary(join(dataDir, 'library'));
    this.handlers = trainingHandlers({
      engine: () => engine,
      dataDir: () => dataDir,
      library: () => library,
      model: (id) => {
        const model = this.models.find((m) => m.id === id);
        if (!model) {
          throw new ApiError(
            'not_found',
            `no model ${id} (models: ${this.models.map((m) => m.id).join(', ') || 'none'})`,
          );
        }
        return model;
      },
      volume: (id) => {
        const volume = this.volumes.get(id);
        if (!volume) throw new ApiError('not_found', `no open volume ${id}`);
        return volume;
      },
      labelmap: (id) => {
        const labels = this.labelmaps.get(id);
        if (!labels) throw new ApiError('not_found', `no labelmap ${id}`);
        return labels;
      },
      store: () => store,
      emit: (event) => this.listeners.forEach((l) => l(event)),
      track: (jobId, job) => {
        this.jobs.set(jobId, job);
        job.result.then(
          () => this.jobs.delete(jobId),
          (error: unknown) => {
            this.jobs.delete(jobId);
            const event: ApiEvent =
              error instanceof CancelledError
                ? { type: 'job.cancelled', jobId }
                : {
                    type: 'job.failed',
                    jobId,
                    error: { code: 'internal', message: errorMessage(error) },
                  };
            this.listeners.forEach((l) => l(event));
          },
        );
      },
      files: {
        of: (volumeId) => this.files.get(volumeId),
        open: async (file) => {
          const { volume } = await readImage(file.image);
          return {
            id: file.image,
            name: file.image,
            volume,
            labels: readLabelsOnto(file.labels, volume),
          };
        },
      },
      modelAdded: async (dir) => {
        await this.reload();
        const model = this.models.find((m) => m.dir === dir);
        if (!model) throw new Error(`the trained model in ${dir} did not load`);
        return { modelId: model.id, name: model.name, classes: [...model.classes] };
      },
    });
  }

  static async open(options: {
    modelsDir: string;
    dataDir: string;
    backends?: string;
  }): Promise<TrainingSession> {
    await mkdir(join(options.dataDir, 'models'), { recursive: true });
    const engine = await Engine.start({ backends: options.backends });
    const session = new TrainingSession(engine, options.modelsDir, options.dataDir);
    try {
      await session.reload();
    } catch (error) {
      await engine.close();
      throw error;
    }
    return session;
  }

  private async reload(): Promise<void> {
    this.models = [
      ...(await loadModelEntries(this.modelsDir)),
      ...(await loadModelEntries(join(this.dataDir, 'models'))),
    ];
  }

  /** The kind of a model's network (2d, acs, 3d); a fixed-weight model has none. */
  kindOf(modelId: string): string {
    const model = this.models.find((m) => m.id === modelId);
    if (!model) throw new ApiError('not_found', `no model ${modelId}`);
    if (model.kind !== 'network')
      throw new ApiError('invalid_input', `${model.name} has fixed weights: it cannot be trained`);
    return model.card.kind;
  }

  /** An image file and its labels file (same grid) as an open case of this session. */
  async addCase(
    image: string,
    labelsFile: string,
  ): Promise<{ volumeId: string; labelmapId: string }> {
    const { volume } = await readImage(image);
    const labels = readLabelsOnto(labelsFile, volume);
    const volumeId = `vol-${randomUUID()}`;
    const labelmapId = `lab-${randomUUID()}`;
    this.files.set(volumeId, { image: resolve(image), labels: resolve(labelsFile) });
    this.volumes.set(volumeId, volume);
    this.labelmaps.set(labelmapId, labels);
    return { volumeId, labelmapId };
  }

  /**
   * Runs a job to its end: progress to the reporter, per-epoch lines, Ctrl-C cancels it.
   * Resolves with the final event and the exit code it means.
   */
  async follow(
    start: () => Promise<{ jobId: string }>,
    progress: ProgressReporter,
    final: ApiEvent['type'],
  ): Promise<{ code: number; event: ApiEvent | null }> {
    let jobId: string | null = null;
    const early: ApiEvent[] = [];
    let settle: (result: { code: number; event: ApiEvent | null }) => void = () => undefined;
    const ended = new Promise<{ code: number; event: ApiEvent | null }>((r) => (settle = r));
    const handle = (event: ApiEvent) => {
      if (event.type === 'job.progress') {
        progress.update(event.phase, event.done, event.total, event.etaSeconds);
      } else if (event.type === 'training.epoch' || event.type === 'compare.epoch') {
        const r = event.record;
        const who = event.type === 'compare.epoch' ? `${event.configuration}: ` : '';
        progress.message(
          `${who}epoch ${r.epoch}: loss ${r.loss.toFixed(4)}, mean Dice ${r.meanDice.toFixed(3)}, mean IoU ${r.meanIou.toFixed(3)}`,
          {
            ...(event.type === 'compare.epoch' ? { configuration: event.configuration } : {}),
            ...r,
          },
        );
      } else if (event.type === final) {
        settle({ code: ExitCode.ok, event });
      } else if (event.type === 'job.cancelled') {
        settle({ code: ExitCode.cancelled, event });
      } else if (event.type === 'job.failed') {
        settle({ code: ExitCode.failed, event });
      }
    };
    const off = this.on((event) => {
      if (!('jobId' in event)) return;
      if (jobId === null) early.push(event);
      else if (event.jobId === jobId) handle(event);
    });
    const onSigint = () => {
      progress.message('cancelling (Ctrl-C)…');
      if (jobId) this.jobs.get(jobId)?.cancel();
    };
    process.on('SIGINT', onSigint);
    try {
      jobId = (await start()).jobId;
      for (const event of early.splice(0)) if (event.jobId === jobId) handle(event);
      const result = await ended;
      progress.finish();
      return result;
    } finally {
      off();
      process.off('SIGINT', onSigint);
    }
  }

  on(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const job of this.jobs.values()) job.cancel();
    await this.engine.close();
  }
}

/** The exit code an error means: bad input (a file, a case, a model) or a failure. */
export function exitCodeOf(error: unknown): number {
  if (
    error instanceof InputError ||
    error instanceof NiftiReadError ||
    error instanceof DicomReadError ||
    error instanceof GridMismatchError ||
    (error instanceof ApiError &&
      ['invalid_input', 'not_found', 'bad_request'].includes(error.code))
  ) {
    return ExitCode.badInput;
  }
  return ExitCode.failed;
}

import { randomUUID } from 'node:crypto';
import { homedir } from 'node:os';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type {
  CommandName,
  CommandParams,
  CommandResult,
  LabelmapInfo,
  SeriesSummary,
  VolumeInfo,
} from '../api/commands';
import { ApiError } from '../api/errors';
import type { ApiEvent } from '../api/events';
import type { Engine, EngineJob } from '../engine/Engine';
import { CancelledError } from '../engine/inference/CancelledError';
import { writeNifti } from '../nifti/writeNifti';
import { FileExistsError } from '../volume/atomicWrite';
import type { Volume } from '../volume/Volume';
import { loadModelEntries } from '../engine/models/loadModelEntries';
import { summarizeCard } from '../engine/models/cardSummary';
import { trainingHandlers } from './training/trainingHandlers';
import type { ModelEntry } from '../engine/models/ModelEntry';
import { SegmentationStore } from './segmentations/SegmentationStore';
import { segmentationHandlers } from './segmentations/segmentationHandlers';
import { LibraryService } from './library/LibraryService';
import { libraryHandlers } from './library/libraryHandlers';
import type { SecretStore } from '../pacs/SecretStore';
import { Uploads } from './export/uploads';
import { exchangeHandlers } from './pacs/exchangeHandlers';
import { onnxHandlers } from './onnx/onnxHandlers';
import { removePartialFiles } from '../library/partialFiles';
import { anyPath } from './pathPolicy';
import type { PathPolicy } from './pathPolicy';

export interface WorkstationOptions {
  engine: Engine;
  modelsDir: string;
  /** DICOM folders imported into the library at start (the bundled sample), once */
  seriesFolders: string[];
  exportDirectory?: string;
  version: string;
  /** the user's data: the case library (library/), trained models (models/), checkpoints */
  dataDir: string;
  /** where PACS passwords and tokens are kept (Electron: safeStorage); default a 0600 file */
  secretStore?: SecretStore;
  /**
   * which paths a page may name (requests through dispatch). The browser host and Electron set
   * theirs (see src/host/main.ts, electron/main.ts); the default, any path, is for a workstation
   * no page talks to (the CLI, tests).
   */
  paths?: PathPolicy;
}

interface Labelmap {
  info: LabelmapInfo;
  labels: Uint8Array;
}

type Handlers = { [C in CommandName]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

function countLabels(labels: Uint8Array, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (const label of labels) counts[label]++;
  return counts;
}

/**
 * The core's services behind the api: the same object serves the browser host, Electron's IPC
 * and the CLI, so every transport gets the same behaviour and the same errors.
 */
export class Workstation {
  private readonly volumes = new Map<string, { seriesId: string; volume: Volume }>();
  private readonly labelmaps = new Map<string, Labelmap>();
  private readonly jobs = new Map<string, EngineJob<unknown>>();
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  private models: ModelEntry[] = [];

  /** the case library: every series listed and opened comes from it */
  readonly library: LibraryService;
  /** what a page may name as a path */
  readonly paths: PathPolicy;

  private constructor(private readonly options: WorkstationOptions) {
    this.paths = options.paths ?? anyPath;
    this.library = new LibraryService({
      dataDir: options.dataDir,
      emit: (event) => this.emit(event),
    });
  }

  static async open(options: WorkstationOptions): Promise<Workstation> {
    const workstation = new Workstation(options);
    // segmentations, models and PACS records a crash left half-written
    await removePartialFiles(options.dataDir);
    await workstation.reloadModels();
    await workstation.library.importFolders(options.seriesFolders);
    return workstation;
  }

  /** the user's data folder (the host keeps it out of what it sends to a page) */
  get dataDir(): string {
    return this.options.dataDir;
  }

  private get userModelsDir(): string {
    return join(this.options.dataDir, 'models');
  }

  /** The bundled models, then the user's own (trained here), each folder a model. */
  private async reloadModels(): Promise<void> {
    await mkdir(this.userModelsDir, { recursive: true });
    this.models = [
      ...(await loadModelEntries(this.options.modelsDir)),
      ...(await loadModelEntries(this.userModelsDir)),
    ];
  }

  /** Keeps a job cancellable until it ends, and reports its failure or cancellation. */
  private track(jobId: string, job: EngineJob<unknown>, what: string): void {
    this.jobs.set(jobId, job);
    job.result
      .catch((error: unknown) => {
        if (error instanceof CancelledError) this.emit({ type: 'job.cancelled', jobId });
        else {
          const message = error instanceof Error ? error.message : String(error);
          this.emit({
            type: 'job.failed',
            jobId,
            error: { code: 'internal', message: `${what} failed: ${message}` },
          });
        }
      })
      .finally(() => this.jobs.delete(jobId));
  }

  async close(): Promise<void> {
    for (const job of this.jobs.values()) job.cancel();
    this.library.cancelAll();
    await this.options.engine.close();
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ApiEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  volume(volumeId: string): Volume {
    const entry = this.volumes.get(volumeId);
    if (!entry) throw new ApiError('not_found', `no open volume ${volumeId}`);
    return entry.volume;
  }

  seriesOfVolume(volumeId: string): string {
    this.volume(volumeId);
    return this.volumes.get(volumeId)?.seriesId ?? '';
  }

  labelmapEntry(labelmapId: string): Labelmap {
    const entry = this.labelmaps.get(labelmapId);
    if (!entry) throw new ApiError('not_found', `no labelmap ${labelmapId}`);
    return entry;
  }

  /** Holds a labelmap of an open volume (a job's result, an upload from the UI, a saved one). */
  addLabelmap(info: LabelmapInfo, labels: Uint8Array): void {
    const [columns, rows, slices] = this.volume(info.volumeId).geometry.dimensions;
    if (labels.length !== columns * rows * slices) {
      throw new ApiError(
        'bad_request',
        `the labelmap has ${labels.length} voxels, volume ${info.volumeId} ${columns * rows * slices}`,
      );
    }
    this.labelmaps.set(info.labelmapId, { info, labels });
  }

  labelmap(labelmapId: string): Uint8Array {
    const entry = this.labelmaps.get(labelmapId);
    if (!entry) throw new ApiError('not_found', `no labelmap ${labelmapId}`);
    return entry.labels;
  }

  private model(modelId: string): ModelEntry {
    const model = this.models.find((m) => m.id === modelId);
    if (!model) throw new ApiError('not_found', `no model ${modelId}`);
    return model;
  }

  private store: SegmentationStore | null = null;

  /** files the browser host received for importSegmentation */
  readonly segmentationUploads = new Uploads();
  private segmentationStore(): SegmentationStore {
    this.store ??= new SegmentationStore(this.options.dataDir);
    return this.store;
  }

  readonly handlers: Handlers = {
    ...segmentationHandlers(this, () => this.segmentationStore()),
    ...trainingHandlers({
      engine: () => this.options.engine,
      dataDir: () => this.options.dataDir,
      library: () => this.library.library,
      model: (id) => this.model(id),
      volume: (id) => this.volume(id),
      labelmap: (id) => this.labelmap(id),
      store: () => this.segmentationStore(),
      emit: (event) => this.emit(event),
      track: (jobId, job, what) => this.track(jobId, job, what),
      modelAdded: async (dir) => {
        await this.reloadModels();
        const model = this.models.find((m) => m.dir === dir);
        if (!model) throw new Error(`the trained model in ${dir} did not load`);
        return { modelId: model.id, name: model.name, classes: [...model.classes] };
      },
    }),
    ...libraryHandlers(() => this.library),
    ...exchangeHandlers(this, () => ({
      dataDir: this.options.dataDir,
      library: this.library.library,
      seriesFolders: this.options.seriesFolders,
      softwareVersion: this.options.version,
      secretStore: this.options.secretStore,
      uploads: this.segmentationUploads,
      emit: (event) => this.emit(event),
      track: (jobId, job) => this.track(jobId, job, 'retrieve'),
    })),
    listSeries: async (): Promise<SeriesSummary[]> => this.library.list(),

    openSeries: async ({ seriesId }): Promise<VolumeInfo> => {
      const { record, volume } = this.library.open(seriesId);
      const volumeId = `vol-${randomUUID()}`;
      this.volumes.set(volumeId, { seriesId, volume });
      return {
        volumeId,
        seriesId,
        geometry: volume.geometry,
        voxelType: record.voxelType,
        range: record.range,
        modality: record.modality,
        windows: record.windows ?? [],
      };
    },

    closeVolume: async ({ volumeId }) => {
      const entry = this.volumes.get(volumeId);
      if (!entry) return { closed: false, labelmaps: 0, seriesReleased: false };
      this.volumes.delete(volumeId);
      let labelmaps = 0;
      for (const [labelmapId, labelmap] of this.labelmaps) {
        if (labelmap.info.volumeId !== volumeId) continue;
        this.labelmaps.delete(labelmapId);
        labelmaps++;
      }
      const stillOpen = [...this.volumes.values()].some((v) => v.seriesId === entry.seriesId);
      const seriesReleased = !stillOpen && this.library.release(entry.seriesId);
      return { closed: true, labelmaps, seriesReleased };
    },

    ...onnxHandlers({
      model: (id) => this.model(id),
      userModelsDir: () => this.userModelsDir,
      modelAdded: async (dir) => {
        await this.reloadModels();
        const model = this.models.find((m) => m.dir === dir);
        if (!model) throw new Error(`the imported model in ${dir} did not load`);
        return { modelId: model.id, name: model.name, classes: [...model.classes] };
      },
    }),
    listModels: async () =>
      this.models.map((m) => ({
        modelId: m.id,
        name: m.name,
        classes: [...m.classes],
        card: summarizeCard(m),
      })),

    runModel: async ({ volumeId, modelId }) => {
      const volume = this.volume(volumeId);
      const model = this.model(modelId);
      const jobId = `job-${randomUUID()}`;
      const started = Date.now();
      const job = this.options.engine.infer(jobId, model, volume, (done, total) => {
        const elapsed = (Date.now() - started) / 1000;
        const etaSeconds = done > 0 ? (elapsed / done) * (total - done) : null;
        this.emit({ type: 'job.progress', jobId, phase: 'inference', done, total, etaSeconds });
      });
      this.track(jobId, job, 'inference');
      job.result.then(
        (labels) => {
          const labelmapId = `lab-${randomUUID()}`;
          const info = {
            labelmapId,
            volumeId,
            classes: [...model.classes],
            counts: countLabels(labels, model.classes.length),
          };
          this.labelmaps.set(labelmapId, { info, labels });
          this.emit({ type: 'job.done', jobId, labelmap: info });
        },
        () => undefined,
      );
      return { jobId };
    },

    cancelJob: async ({ jobId }) => {
      const job = this.jobs.get(jobId);
      job?.cancel();
      return { cancelled: job !== undefined || this.library.cancel(jobId) };
    },

    exportLabelmap: async ({ labelmapId, path, overwrite }) => {
      const entry = this.labelmaps.get(labelmapId);
      if (!entry) throw new ApiError('not_found', `no labelmap ${labelmapId}`);
      const target = resolve(path.replace(/^~(?=$|\/)/, homedir()));
      const geometry = this.volume(entry.info.volumeId).geometry;
      try {
        const bytes = await writeNifti(target, geometry, entry.labels, {
          overwrite: overwrite ?? false,
          description: `labels: ${entry.info.classes.join(', ')}`,
        });
        return { path: target, bytes };
      } catch (error) {
        if (error instanceof FileExistsError) throw new ApiError('io_error', error.message);
        const message = error instanceof Error ? error.message : String(error);
        throw new ApiError('io_error', `could not write ${target}: ${message}`);
      }
    },

    getBackendStatus: async () => this.options.engine.backend,

    getAppInfo: async () => ({
      version: this.options.version,
      exportDirectory: this.options.exportDirectory ?? homedir(),
    }),
  };
}

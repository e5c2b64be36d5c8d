import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { CommandName, CommandParams, CommandResult, LabelmapInfo } from '../api/commands';
import { ApiError } from '../api/errors';
import type { ApiEvent } from '../api/events';
import { claimDataFolder, type DataFolderClaim } from '../files/dataFolderOwner';
import { removePartialFiles } from '../files/partialFiles';
import type { Volume } from '../volume/Volume';
import { labelmapExport } from './export/labelmapExport';
import { Uploads } from './export/uploads';
import { Jobs } from './jobs/Jobs';
import { LibraryService } from './library/LibraryService';
import { libraryHandlers } from './library/libraryHandlers';
import { ModelRegistry } from './models/ModelRegistry';
import { modelHandlers } from './models/modelHandlers';
import { onnxHandlers } from './onnx/onnxHandlers';
import { exchangeHandlers } from './pacs/exchangeHandlers';
import { appHandlers } from './appHandlers';
import { anyPath } from './pathPolicy';
import type { PathPolicy } from './pathPolicy';
import type { WorkstationOptions } from './WorkstationOptions';
import { SegmentationStore } from './segmentations/SegmentationStore';
import { segmentationHandlers } from './segmentations/segmentationHandlers';
import { trainingHost } from './training/TrainingHost';
import { trainingHandlers } from './training/trainingHandlers';
import { FileCases } from './volumes/FileCases';
import { OpenVolumes } from './volumes/OpenVolumes';
import { volumeAccess } from './volumes/volumeAccess';
import { volumeHandlers } from './volumes/volumeHandlers';

type Handlers = { [C in CommandName]: (params: CommandParams<C>) => Promise<CommandResult<C>> };

/**
 * The core's one door: the same object serves the browser host, Electron's IPC and the CLI, so
 * every transport gets the same behaviour and the same errors. It only wires the services
 * (open volumes, models, jobs, library, segmentations, export, PACS, training) to the api.
 */
export class Workstation {
  private readonly listeners = new Set<(event: ApiEvent) => void>();
  private readonly emit = (event: ApiEvent): void => {
    for (const listener of this.listeners) listener(event);
  };
  private readonly jobs = new Jobs(this.emit);
  private readonly models: ModelRegistry;
  private readonly store: SegmentationStore;
  /** whether this process tidies the data folder (no other live process holds it) */
  private readonly claim: DataFolderClaim;
  /** the CLI's image / labels files as open cases (options.fileCases) */
  private readonly fileCases?: FileCases;

  /** the case library: every series listed and opened comes from it */
  readonly library: LibraryService;
  /** the volumes and labelmaps held for pages and jobs, evicted by use */
  readonly volumes: OpenVolumes;
  /** what a page may name as a path */
  readonly paths: PathPolicy;
  /** files the browser host received for importSegmentation */
  readonly segmentationUploads = new Uploads();
  readonly handlers: Handlers;

  private constructor(private readonly options: WorkstationOptions) {
    const { engine, dataDir } = options;
    this.paths = options.paths ?? anyPath;
    this.claim = claimDataFolder(dataDir);
    this.library = new LibraryService({ dataDir, emit: this.emit, recover: this.claim.recover });
    this.volumes = new OpenVolumes({
      record: (id) => this.library.record(id),
      read: (id) => this.library.open(id).volume,
      budgetBytes: options.volumeBudgetBytes ?? Math.max(2 * 2 ** 30, totalmem() / 4),
    });
    this.models = new ModelRegistry(options.modelsDir, join(dataDir, 'models'));
    this.store = new SegmentationStore(dataDir);
    const fileCases = options.fileCases ? new FileCases(this.volumes) : undefined;
    this.fileCases = fileCases;
    const { emit, jobs, models, volumes, library, store } = this;
    const track = jobs.track.bind(jobs);
    const access = volumeAccess(volumes);
    this.handlers = {
      ...volumeHandlers(volumes),
      ...modelHandlers({ engine, models, volumes, jobs, emit }),
      ...segmentationHandlers(access, () => store),
      ...trainingHandlers(
        trainingHost({ engine, dataDir, library, models, volumes, store, emit, track, fileCases }),
      ),
      ...libraryHandlers(() => library),
      ...exchangeHandlers(access, () => ({
        dataDir,
        library: library.library,
        seriesFolders: options.seriesFolders,
        softwareVersion: options.version,
        secretCipher: options.secretCipher,
        uploads: this.segmentationUploads,
        emit,
        track: (jobId, job) => track(jobId, job, 'retrieve'),
      })),
      ...onnxHandlers({
        model: (id) => models.get(id),
        userModelsDir: () => models.userDir,
        modelAdded: (dir) => models.added(dir, 'imported'),
      }),
      ...appHandlers({ ...options, library, jobs }),
      exportLabelmap: labelmapExport(volumes),
    };
  }

  static async open(options: WorkstationOptions): Promise<Workstation> {
    const workstation = new Workstation(options);
    // segmentations, models and PACS records a crash left half-written
    if (workstation.claim.recover) await removePartialFiles(options.dataDir);
    await workstation.models.reload();
    await workstation.library.importFolders(options.seriesFolders);
    return workstation;
  }

  /** the user's data folder (the host keeps it out of what it sends to a page) */
  get dataDir(): string {
    return this.options.dataDir;
  }

  async close(): Promise<void> {
    this.jobs.cancelAll();
    this.library.cancelAll();
    await this.options.engine.close();
    this.claim.release();
  }

  onEvent(listener: (event: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  volume(volumeId: string): Volume {
    return this.volumes.volume(volumeId);
  }

  labelmap(labelmapId: string): Uint8Array {
    return this.volumes.labelmap(labelmapId).labels;
  }

  /** Holds a labelmap of an open volume (a job's result, an import, a saved one loaded). */
  addLabelmap(info: LabelmapInfo, labels: Uint8Array): void {
    this.volumes.add(info, labels);
  }

  /** Opens an image file and its labelmap file (same grid) as a volume and labelmap to train on. */
  async openFileCase(
    image: string,
    labels: string,
  ): Promise<{ volumeId: string; labelmapId: string }> {
    if (!this.fileCases)
      throw new ApiError('forbidden', 'this workstation opens no case files (the CLI does)');
    return this.fileCases.open(image, labels);
  }

  /** Holds a page's edited labelmap: kept through eviction until saveSegmentation saves it. */
  putLabelmap(labelmapId: string, volumeId: string, labels: Uint8Array): void {
    this.volumes.put(labelmapId, volumeId, labels);
  }
}

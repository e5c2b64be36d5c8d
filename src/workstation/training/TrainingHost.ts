import type { ModelSummary } from '../../api/commands';
import type { ApiEvent } from '../../api/events';
import type { Engine, EngineJob } from '../../engine/Engine';
import type { ModelEntry } from '../../engine/models/ModelEntry';
import type { CaseLibrary } from '../../library/CaseLibrary';
import type { Volume } from '../../volume/Volume';
import type { SegmentationStore } from '../segmentations/SegmentationStore';
import type { FileCases } from '../volumes/FileCases';
import type { OpenVolumes } from '../volumes/OpenVolumes';
import type { NamedCase } from './libraryCases';

/** What the training commands need of the workstation. */
export interface TrainingHost {
  engine(): Engine;
  dataDir(): string;
  /** the case library whose annotated series are the cases */
  library(): CaseLibrary;
  model(modelId: string): ModelEntry;
  volume(volumeId: string): Volume;
  labelmap(labelmapId: string): Uint8Array;
  /**
   * The library series an open volume shows (its SeriesInstanceUID), so that an open case and a
   * library case of one series count as one series; undefined where volumes are not library
   * series (the CLI's files).
   */
  seriesOf?(volumeId: string): string | undefined;
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

/** The workstation's services a training host is made of. */
export interface TrainingServices {
  engine: Engine;
  dataDir: string;
  library: { readonly library: CaseLibrary };
  models: {
    get(modelId: string): ModelEntry;
    added(dir: string, how: string): Promise<ModelSummary>;
  };
  volumes: OpenVolumes;
  store: SegmentationStore;
  emit(event: ApiEvent): void;
  track(jobId: string, job: EngineJob<unknown>, what: string): void;
  /** the CLI's image / labels files held as open cases */
  fileCases?: FileCases;
}

/** The training commands' view of the workstation's services. */
export function trainingHost(services: TrainingServices): TrainingHost {
  const { engine, dataDir, library, models, volumes, store, fileCases } = services;
  return {
    engine: () => engine,
    dataDir: () => dataDir,
    library: () => library.library,
    model: (id) => models.get(id),
    volume: (id) => volumes.volume(id),
    labelmap: (id) => volumes.labelmap(id).labels,
    seriesOf: (id) => volumes.seriesOf(id),
    store: () => store,
    emit: services.emit,
    track: services.track,
    modelAdded: (dir) => models.added(dir, 'trained'),
    files: fileCases && {
      of: (volumeId) => fileCases.of(volumeId),
      open: (file) => fileCases.read(file),
    },
  };
}

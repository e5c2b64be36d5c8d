import type { VolumeGeometry } from '../../volume/geometry';
import type { VoxelArray } from '../../volume/Volume';
import type { InferenceChoice } from '../backends/onnxRuntime';
import type { BackendChoice } from '../backends/tfBackends';
import type { TrainingChoice } from '../train/trainerBackend';
import type { ModelEntry } from '../models/ModelEntry';
import type { EpochRecord } from '../train/checkpoints';
import type { CardTarget } from '../train/targetCard';
import type { CompareFold, CompareNormalisation, CompareReport } from '../train/compareConversions';
import type { TrainingOptions, TrainingProgress } from '../train/trainModel';

/** A volume and its labels as they cross to the worker: on shared memory, never copied. */
export interface SharedCase {
  id: string;
  geometry: VolumeGeometry;
  voxels: VoxelArray;
  labels: Uint8Array;
}

/** What a training job makes of its base model (see targetCard). */
export type TrainingTarget = CardTarget;

interface JobRequest {
  jobId: string;
  /** Int32Array over it: set [0] to 1 to cancel; shared so a busy worker sees it at once */
  cancelFlag: SharedArrayBuffer;
}

/** Messages from the main thread to the engine worker. */
export type WorkerRequest =
  | {
      type: 'init';
      backends: string | undefined;
      /** which runtime infers: 'auto' (ONNX Runtime where it loads), 'onnx' or 'tfjs' */
      inference: InferenceChoice;
      /** which runtime trains: 'auto' (ONNX Runtime where it loads and runs the graph), 'onnx' or 'tfjs' */
      training: TrainingChoice;
      /** the ONNX Runtime module to load (tests point it at a missing one) */
      onnxModule?: string;
    }
  | (JobRequest & {
      type: 'infer';
      model: ModelEntry;
      geometry: VolumeGeometry;
      /** the stored voxels, [z][y][x] */
      voxels: VoxelArray;
    })
  | (JobRequest & {
      type: 'train';
      base: ModelEntry;
      target: TrainingTarget;
      train: SharedCase[];
      validation: SharedCase[];
      options: TrainingOptions;
      /** checkpoints (best, last); resuming reads `last` from here */
      workDir: string;
      resume: boolean;
      /** where the trained model lands (its card and weights) */
      modelDir: string;
    })
  | (JobRequest & {
      type: 'compare';
      /** a 2D model: every configuration starts from its weights */
      base: ModelEntry;
      /** [depth, height, width] of the 3D configurations' patches (2D: whole slices of its height and width) */
      patchSize: [number, number, number];
      /** false: the inflated 3D encoders keep the depth (no depth strides or pooling) */
      depthStrides: boolean;
      /** batch statistics where the batch allows, or calibrated then frozen running statistics */
      normalisation: CompareNormalisation;
      /** every case once, id = its stable key, with the name the report shows */
      cases: (SharedCase & { name: string })[];
      /** the cross-validation plan, by case key */
      folds: CompareFold[];
      /** epochs, steps, the 3D batch, the seed */
      options: TrainingOptions;
      /** report.json, report.html, held-out labelmaps and each run's checkpoints */
      outDir: string;
    });

/** Messages from the engine worker to the main thread. */
export type WorkerReply =
  | { type: 'ready'; choice: BackendChoice }
  /** the status changed: a model or a training fell back from ONNX Runtime to tfjs */
  | { type: 'status'; choice: BackendChoice }
  | { type: 'initFailed'; message: string }
  | { type: 'progress'; jobId: string; done: number; total: number }
  | { type: 'trainingProgress'; jobId: string; progress: TrainingProgress }
  | { type: 'epoch'; jobId: string; record: EpochRecord }
  | { type: 'result'; jobId: string; labels: Uint8Array }
  | { type: 'trained'; jobId: string; modelDir: string; history: EpochRecord[] }
  | {
      type: 'compareProgress';
      jobId: string;
      configuration: string;
      index: number;
      /** the fold (of all repeats) being trained */
      run: number;
      progress: TrainingProgress;
    }
  | {
      type: 'compareEpoch';
      jobId: string;
      configuration: string;
      index: number;
      run: number;
      record: EpochRecord;
    }
  | { type: 'compared'; jobId: string; report: CompareReport }
  | { type: 'cancelled'; jobId: string }
  | { type: 'failed'; jobId: string; message: string };

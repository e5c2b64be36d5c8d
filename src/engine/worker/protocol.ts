import type { VolumeGeometry } from '../../api/geometry';
import type { ModelCard } from '../../nn/modelCard';
import type { VoxelArray } from '../../volume/Volume';
import type { InferenceChoice } from '../backends/onnxRuntime';
import type { BackendChoice } from '../backends/tfBackends';
import type { ModelEntry } from '../models/ModelEntry';
import type { EpochRecord } from '../train/checkpoints';
import type { TrainingOptions, TrainingProgress } from '../train/trainModel';

/** A volume and its labels as they cross to the worker: on shared memory, never copied. */
export interface SharedCase {
  id: string;
  geometry: VolumeGeometry;
  voxels: VoxelArray;
  labels: Uint8Array;
}

/** What a training job makes of its base model: the same network, or another kind converted from 2D. */
export interface TrainingTarget {
  name: string;
  kind: ModelCard['kind'];
  /** how 2D weights become this kind (ignored when the kind stays the same) */
  method: ModelCard['conversion']['method'];
}

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
    });

/** Messages from the engine worker to the main thread. */
export type WorkerReply =
  | { type: 'ready'; choice: BackendChoice }
  /** the status changed: a model fell back from ONNX Runtime to tfjs */
  | { type: 'status'; choice: BackendChoice }
  | { type: 'initFailed'; message: string }
  | { type: 'progress'; jobId: string; done: number; total: number }
  | { type: 'trainingProgress'; jobId: string; progress: TrainingProgress }
  | { type: 'epoch'; jobId: string; record: EpochRecord }
  | { type: 'result'; jobId: string; labels: Uint8Array }
  | { type: 'trained'; jobId: string; modelDir: string; history: EpochRecord[] }
  | { type: 'cancelled'; jobId: string }
  | { type: 'failed'; jobId: string; message: string };

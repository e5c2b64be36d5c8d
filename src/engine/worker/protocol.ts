import type { VolumeGeometry } from '../../api/geometry';
import type { VoxelArray } from '../../volume/Volume';
import type { ModelEntry } from '../models/ModelEntry';
import type { BackendChoice } from '../backends/tfBackends';

/** Messages from the main thread to the engine worker. */
export type WorkerRequest =
  | { type: 'init'; backends: string | undefined }
  | {
      type: 'infer';
      jobId: string;
      model: ModelEntry;
      geometry: VolumeGeometry;
      /** the stored voxels, [z][y][x], on a SharedArrayBuffer so that no copy is made */
      voxels: VoxelArray;
      /** Int32Array over it: set [0] to 1 to cancel; shared so a busy worker sees it at once */
      cancelFlag: SharedArrayBuffer;
    };

/** Messages from the engine worker to the main thread. */
export type WorkerReply =
  | { type: 'ready'; choice: BackendChoice }
  | { type: 'initFailed'; message: string }
  | { type: 'progress'; jobId: string; done: number; total: number }
  | { type: 'result'; jobId: string; labels: Uint8Array }
  | { type: 'cancelled'; jobId: string }
  | { type: 'failed'; jobId: string; message: string };

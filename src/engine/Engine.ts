import { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../workers/spawnModuleWorker';
import type { Volume, VoxelArray } from '../volume/Volume';
import { inferenceChoice, type InferenceChoice } from './backends/onnxRuntime';
import { trainingChoice, type TrainingChoice } from './train/trainerBackend';
import type { BackendChoice } from './backends/tfBackends';
import { CancelledError } from './inference/CancelledError';
import type { ModelEntry } from './models/ModelEntry';
import type { EpochRecord } from './train/checkpoints';
import type {
  CompareCase,
  CompareFold,
  CompareNormalisation,
  CompareReport,
} from './train/compareConversions';
import type { TrainingOptions, TrainingProgress } from './train/trainModel';
import type { TrainingCase } from './train/TrainingCase';
import type { SharedCase, TrainingTarget, WorkerReply, WorkerRequest } from './worker/protocol';

export interface EngineOptions {
  /** comma-separated backend names to try, in order (default: all, best first) */
  backends?: string;
  /** a built worker script; by default worker/engineWorker beside this module (.ts from source) */
  workerPath?: string;
  /**
   * Which runtime infers: 'auto' (ONNX Runtime where it loads, else tfjs), 'onnx' or 'tfjs'.
   * Default: the WORKSTATION_INFERENCE_BACKEND environment variable, else 'auto'.
   */
  inference?: InferenceChoice;
  /**
   * Which runtime trains: 'auto' (ONNX Runtime's training-step graph where it runs, else tfjs),
   * 'onnx' or 'tfjs'. Default: the WORKSTATION_TRAINING_BACKEND environment variable, else 'auto'.
   */
  training?: TrainingChoice;
  /** the ONNX Runtime module to load (default onnxruntime-node; tests name a missing one) */
  onnxModule?: string;
}

export interface EngineJob<T> {
  result: Promise<T>;
  cancel(): void;
}

export interface TrainRequest {
  base: ModelEntry;
  target: TrainingTarget;
  train: TrainingCase[];
  validation: TrainingCase[];
  options: TrainingOptions;
  workDir: string;
  modelDir: string;
  resume: boolean;
}

export interface CompareRequest {
  base: ModelEntry;
  patchSize: [number, number, number];
  depthStrides: boolean;
  normalisation: CompareNormalisation;
  cases: CompareCase[];
  folds: CompareFold[];
  options: TrainingOptions;
  outDir: string;
}

export interface CompareHooks {
  onProgress?: (
    configuration: string,
    index: number,
    run: number,
    progress: TrainingProgress,
  ) => void;
  onEpoch?: (configuration: string, index: number, run: number, record: EpochRecord) => void;
}

export interface TrainHooks {
  onProgress?: (progress: TrainingProgress) => void;
  onEpoch?: (record: EpochRecord) => void;
}

/** Voxels on shared memory: the worker reads them in place, however large the volume. */
function shared<T extends VoxelArray>(voxels: T): T {
  if (voxels.buffer instanceof SharedArrayBuffer) return voxels;
  const Type = voxels.constructor as new (buffer: SharedArrayBuffer) => T;
  const copy = new Type(new SharedArrayBuffer(voxels.byteLength));
  copy.set(voxels);
  return copy;
}

function sharedCase(c: TrainingCase): SharedCase {
  return {
    id: c.id,
    geometry: c.volume.geometry,
    voxels: shared(c.volume.voxels),
    labels: shared(c.labels),
  };
}

/** The main thread's handle on the engine worker: backend status, jobs, cancel. */
export class Engine {
  private readonly listeners = new Map<string, (reply: WorkerReply) => void>();

  private constructor(
    private readonly worker: Worker,
    /** which backend trains and which infers; updated when a model falls back to tfjs */
    public backend: BackendChoice,
  ) {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'status') this.backend = reply.choice;
      else if ('jobId' in reply) this.listeners.get(reply.jobId)?.(reply);
    });
  }

  static async start(options: EngineOptions = {}): Promise<Engine> {
    const inference =
      options.inference ?? inferenceChoice(process.env.WORKSTATION_INFERENCE_BACKEND);
    const training = options.training ?? trainingChoice(process.env.WORKSTATION_TRAINING_BACKEND);
    const worker = options.workerPath
      ? new Worker(options.workerPath)
      : spawnModuleWorker(import.meta.url, 'worker/engineWorker');
    const choice = await new Promise<BackendChoice>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') resolve(reply.choice);
        else
          reject(
            new Error(reply.type === 'initFailed' ? reply.message : `unexpected ${reply.type}`),
          );
      });
      worker.postMessage({
        type: 'init',
        backends: options.backends,
        inference,
        training,
        onnxModule: options.onnxModule,
      } satisfies WorkerRequest);
    }).catch(async (error: unknown) => {
      await worker.terminate();
      throw error;
    });
    return new Engine(worker, choice);
  }

  /**
   * Sends a job and routes its replies: `settle` turns the job's final reply into its result
   * (or undefined for a reply that is not final); cancelled and failed end every kind of job.
   */
  private run<T>(
    request: Exclude<WorkerRequest, { type: 'init' }>,
    settle: (reply: WorkerReply) => { value: T } | undefined,
  ): EngineJob<T> {
    const { jobId } = request;
    const result = new Promise<T>((resolve, reject) => {
      const onExit = (code: number) =>
        reject(new Error(`the engine worker stopped (exit code ${code})`));
      this.worker.once('exit', onExit);
      const done = () => {
        this.listeners.delete(jobId);
        this.worker.off('exit', onExit);
      };
      this.listeners.set(jobId, (reply) => {
        if (reply.type === 'cancelled' || reply.type === 'failed') {
          done();
          reject(reply.type === 'cancelled' ? new CancelledError() : new Error(reply.message));
          return;
        }
        const outcome = settle(reply);
        if (outcome) {
          done();
          resolve(outcome.value);
        }
      });
      this.worker.postMessage(request);
    });
    return { result, cancel: () => Atomics.store(new Int32Array(request.cancelFlag), 0, 1) };
  }

  infer(
    jobId: string,
    model: ModelEntry,
    volume: Volume,
    onProgress: (done: number, total: number) => void,
  ): EngineJob<Uint8Array> {
    const request: WorkerRequest = {
      type: 'infer',
      jobId,
      cancelFlag: new SharedArrayBuffer(4),
      model,
      geometry: volume.geometry,
      voxels: shared(volume.voxels),
    };
    return this.run(request, (reply) => {
      if (reply.type === 'progress') onProgress(reply.done, reply.total);
      return reply.type === 'result' ? { value: reply.labels } : undefined;
    });
  }

  train(
    jobId: string,
    job: TrainRequest,
    hooks: TrainHooks = {},
  ): EngineJob<{ modelDir: string; history: EpochRecord[] }> {
    const request: WorkerRequest = {
      type: 'train',
      jobId,
      cancelFlag: new SharedArrayBuffer(4),
      base: job.base,
      target: job.target,
      train: job.train.map(sharedCase),
      validation: job.validation.map(sharedCase),
      options: job.options,
      workDir: job.workDir,
      modelDir: job.modelDir,
      resume: job.resume,
    };
    return this.run(request, (reply) => {
      if (reply.type === 'trainingProgress') hooks.onProgress?.(reply.progress);
      if (reply.type === 'epoch') hooks.onEpoch?.(reply.record);
      return reply.type === 'trained'
        ? { value: { modelDir: reply.modelDir, history: reply.history } }
        : undefined;
    });
  }

  compare(jobId: string, job: CompareRequest, hooks: CompareHooks = {}): EngineJob<CompareReport> {
    const request: WorkerRequest = {
      type: 'compare',
      jobId,
      cancelFlag: new SharedArrayBuffer(4),
      base: job.base,
      patchSize: job.patchSize,
      depthStrides: job.depthStrides,
      normalisation: job.normalisation,
      cases: job.cases.map((c) => ({ ...sharedCase(c), name: c.name })),
      folds: job.folds,
      options: job.options,
      outDir: job.outDir,
    };
    return this.run(request, (reply) => {
      if (reply.type === 'compareProgress')
        hooks.onProgress?.(reply.configuration, reply.index, reply.run, reply.progress);
      if (reply.type === 'compareEpoch')
        hooks.onEpoch?.(reply.configuration, reply.index, reply.run, reply.record);
      return reply.type === 'compared' ? { value: reply.report } : undefined;
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

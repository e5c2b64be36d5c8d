// The engine's worker thread: owns TensorFlow.js (training, and inference where ONNX Runtime is
// not used) and ONNX Runtime, so that inference and training never block the host or the UI.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { loadOnnxRuntime } from '../backends/onnxRuntime';
import {
  candidatesFor,
  selectBackend,
  type BackendChoice,
  type TrainingStatus,
} from '../backends/tfBackends';
import { plannedTraining, type TrainingRuntime } from '../train/trainerBackend';
import { trainingGraphBuilder } from '../train/trainingGraphBuilder';
import { CancelledError } from '../inference/CancelledError';
import { inferJob } from './inferJob';
import type { InferenceRuntime } from './predictors';
import type { WorkerReply, WorkerRequest } from './protocol';
import { trainJob } from './trainJob';
import { compareJob } from './compareJob';
import { errorMessage } from '../../errors/errorMessage';

const port = parentPort;
if (!port) throw new Error('engineWorker must run in a worker thread');

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

let status: BackendChoice | undefined;
let runtime: InferenceRuntime | undefined;
let training: TrainingRuntime | undefined;

async function init(request: Extract<WorkerRequest, { type: 'init' }>): Promise<BackendChoice> {
  const choice = await selectBackend(tf, candidatesFor(request.backends));
  const needed = request.inference !== 'tfjs' || request.training !== 'tfjs';
  const loaded = needed
    ? await loadOnnxRuntime({ specifier: request.onnxModule })
    : { runtime: undefined, attempts: [] };
  const onnx = loaded.runtime;
  const missing = loaded.attempts.map((a) => `${a.name}: ${a.reason}`).join('; ');
  for (const [what, forced] of [
    ['inference', request.inference],
    ['training', request.training],
  ] as const) {
    if (!onnx && forced === 'onnx')
      throw new Error(`${what} is set to onnx but ONNX Runtime did not load (${missing})`);
  }
  training = {
    choice: request.training,
    onnx,
    onnxMissing: onnx ? undefined : missing,
    build: trainingGraphBuilder,
    tfjs: choice.backend,
  };
  const trainingStatus = plannedTraining(training);
  if (request.inference === 'tfjs') {
    runtime = { choice: 'tfjs', tfjs: choice.backend };
    const attempts = [
      { name: 'onnxruntime', loaded: false, reason: 'not used: inference set to tfjs' },
    ];
    return {
      ...choice,
      inference: { backend: choice.backend, attempts },
      training: trainingStatus,
    };
  }
  runtime = { choice: request.inference, onnx, tfjs: choice.backend };
  return {
    ...choice,
    inference: { backend: onnx?.name ?? choice.backend, attempts: loaded.attempts },
    training: trainingStatus,
  };
}

/** A training chose its runtime, or fell back: the status says which one trains and why. */
function trainsOn(now: TrainingStatus): void {
  if (!status) return;
  status = { ...status, training: now };
  reply({ type: 'status', choice: status });
}

/** A model that ONNX Runtime refused ran on tfjs: the status says so until the next one. */
function fellBack(reason: string): void {
  if (!status?.inference) return;
  const attempts = status.inference.attempts.filter((a) => a.name !== 'fallback');
  attempts.push({ name: 'fallback', loaded: false, reason: `${reason}; ran on ${status.backend}` });
  status = { ...status, inference: { ...status.inference, attempts } };
  reply({ type: 'status', choice: status });
}

async function runJob(request: Exclude<WorkerRequest, { type: 'init' }>): Promise<void> {
  try {
    if (request.type === 'infer') {
      if (!runtime) throw new Error('the engine worker was not initialised');
      await inferJob(tf, request, reply, runtime, fellBack);
    } else {
      if (!training) throw new Error('the engine worker was not initialised');
      if (request.type === 'compare') await compareJob(request, reply, training, trainsOn);
      else await trainJob(request, reply, training, trainsOn);
    }
  } catch (error) {
    if (error instanceof CancelledError) reply({ type: 'cancelled', jobId: request.jobId });
    else reply({ type: 'failed', jobId: request.jobId, message: errorMessage(error) });
  }
}

let queue = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  if (request.type === 'init') {
    queue = queue.then(async () => {
      try {
        status = await init(request);
        reply({ type: 'ready', choice: status });
      } catch (error) {
        reply({ type: 'initFailed', message: errorMessage(error) });
      }
    });
  } else {
    // One job at a time: the backends' threads are already busy with the current one.
    queue = queue.then(() => runJob(request));
  }
});

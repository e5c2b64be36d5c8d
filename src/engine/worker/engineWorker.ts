// The engine's worker thread: owns TensorFlow.js so that inference never blocks the host or UI.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { candidatesFor, selectBackend } from '../backends/tfBackends';
import { CancelledError } from '../inference/CancelledError';
import { inferVolume } from '../inference/inferVolume';
import { inferencePlan } from '../models/inferencePlan';
import { predictorFor } from './predictors';
import type { WorkerReply, WorkerRequest } from './protocol';

const port = parentPort;
if (!port) throw new Error('engineWorker must run in a worker thread');

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

async function infer(request: Extract<WorkerRequest, { type: 'infer' }>): Promise<void> {
  const cancel = new Int32Array(request.cancelFlag);
  const { jobId, model, geometry, voxels } = request;
  try {
    const predictor = await predictorFor(tf, model);
    const labels = await inferVolume({ geometry, voxels }, predictor, inferencePlan(model), {
      isCancelled: () => Atomics.load(cancel, 0) === 1,
      onProgress: (done, total) => reply({ type: 'progress', jobId, done, total }),
    });
    reply({ type: 'result', jobId, labels }, [labels.buffer as ArrayBuffer]);
  } catch (error) {
    if (error instanceof CancelledError) reply({ type: 'cancelled', jobId });
    else
      reply({
        type: 'failed',
        jobId,
        message: error instanceof Error ? error.message : String(error),
      });
  }
}

let queue = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  if (request.type === 'init') {
    queue = queue.then(async () => {
      try {
        const choice = await selectBackend(tf, candidatesFor(request.backends));
        reply({ type: 'ready', choice });
      } catch (error) {
        reply({
          type: 'initFailed',
          message: error instanceof Error ? error.message : String(error),
        });
      }
    });
  } else {
    // One job at a time: the backend's threads are already busy with the current one.
    queue = queue.then(() => infer(request));
  }
});

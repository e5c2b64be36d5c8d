// The engine's worker thread: owns TensorFlow.js so that inference and training never block
// the host or the UI.
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { candidatesFor, selectBackend } from '../backends/tfBackends';
import { CancelledError } from '../inference/CancelledError';
import { inferJob } from './inferJob';
import type { WorkerReply, WorkerRequest } from './protocol';
import { trainJob } from './trainJob';
import { compareJob } from './compareJob';

const port = parentPort;
if (!port) throw new Error('engineWorker must run in a worker thread');

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function runJob(request: Exclude<WorkerRequest, { type: 'init' }>): Promise<void> {
  try {
    if (request.type === 'infer') await inferJob(tf, request, reply);
    else if (request.type === 'compare') await compareJob(request, reply);
    else await trainJob(request, reply);
  } catch (error) {
    if (error instanceof CancelledError) reply({ type: 'cancelled', jobId: request.jobId });
    else reply({ type: 'failed', jobId: request.jobId, message: messageOf(error) });
  }
}

let queue = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  if (request.type === 'init') {
    queue = queue.then(async () => {
      try {
        reply({ type: 'ready', choice: await selectBackend(tf, candidatesFor(request.backends)) });
      } catch (error) {
        reply({ type: 'initFailed', message: messageOf(error) });
      }
    });
  } else {
    // One job at a time: the backend's threads are already busy with the current one.
    queue = queue.then(() => runJob(request));
  }
});

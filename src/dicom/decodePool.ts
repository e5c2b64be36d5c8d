import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../workers/spawnModuleWorker';
import { decodeFrame } from './decodeFrame';
import type { FrameToDecode } from './decodeFrame';
import type { DecodeReply } from './decodeWorker';

/** Workers left idle this long exit; the next compressed frame starts them again. */
const IDLE_MS = 10_000;
/**
 * At most this many decoding threads, whatever the number of cores: each holds a codec's wasm
 * memory, and the host's main thread must keep a core for its clients.
 */
export const MAX_DECODE_WORKERS = Math.max(1, Math.min(4, availableParallelism()));
/**
 * The time one frame may take. The largest real frames (4k x 4k JPEG 2000) decode in a few
 * seconds; a frame that takes this long is hostile or broken, and its worker is stopped.
 */
export const DECODE_BUDGET_MS = 30_000;

/** A frame that did not decode within its time budget. */
export class DecodeTimeout extends Error {
  constructor(readonly budgetMs: number) {
    super(`decoding the frame took over ${budgetMs / 1000} s, the time a frame is allowed`);
    this.name = 'DecodeTimeout';
  }
}

export interface DecodeOptions {
  /** stops the decode (and its worker) at once: a cancelled import */
  signal?: AbortSignal;
  budgetMs?: number;
}

interface Task {
  frame: FrameToDecode;
  options: DecodeOptions;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: unknown) => void;
}

const queue: Task[] = [];
const idle: Worker[] = [];
const busy = new Map<Worker, Task>();
/** Set when a worker could not start: decoding goes on in this thread from then on. */
let unavailable = false;
let idleTimer: NodeJS.Timeout | undefined;

function workerCount(): number {
  return idle.length + busy.size;
}

/** Ends a worker's current task: its timer and abort listener go. */
const cleanups = new Map<Worker, () => void>();
function release(worker: Worker): Task | undefined {
  const task = busy.get(worker);
  busy.delete(worker);
  cleanups.get(worker)?.();
  cleanups.delete(worker);
  return task;
}

/** Stops every worker now (they also stop by themselves when idle); frames in hand fail. */
export async function stopDecodePool(): Promise<void> {
  clearTimeout(idleTimer);
  const stopping = [...idle, ...busy.keys()];
  idle.length = 0;
  for (const worker of stopping) release(worker)?.reject(new Error('decoding was stopped'));
  await Promise.all(stopping.map((w) => w.terminate()));
}

/**
 * Stops the workers that hold no frame now, instead of after IDLE_MS: their codecs' memory goes
 * back at once (an import that ended). Workers decoding for another caller go on.
 */
export function releaseIdleDecoders(): void {
  for (const worker of idle.splice(0)) void worker.terminate();
}

function whenIdle(): void {
  if (busy.size > 0 || queue.length > 0) return;
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => void stopDecodePool(), IDLE_MS);
  // An idle pool must not keep the process alive.
  idleTimer.unref();
  for (const w of idle) w.unref();
}

function inThisThread(task: Task): void {
  decodeFrame(task.frame).then(task.resolve, task.reject);
}

function spawn(): Worker {
  const worker = spawnModuleWorker(import.meta.url, 'decodeWorker');
  worker.on('message', (reply: DecodeReply) => {
    const task = release(worker);
    if (!task) return;
    idle.push(worker);
    if ('error' in reply) task.reject(new Error(reply.error));
    else task.resolve(reply.decoded);
    pump();
  });
  worker.on('error', () => {
    // A worker that cannot load (a build without decodeWorker.js beside it) must not fail the
    // import: its frame, and all later ones, are decoded here instead.
    unavailable = true;
    const task = release(worker);
    if (task) inThisThread(task);
    for (const queued of queue.splice(0)) inThisThread(queued);
  });
  worker.on('exit', (code) => {
    // Stopped by us (budget, cancel, idle) the task is already settled; anything else (a codec
    // that ran out of memory) fails the frame it held.
    const task = release(worker);
    const index = idle.indexOf(worker);
    if (index >= 0) idle.splice(index, 1);
    task?.reject(new Error(`the decoding thread stopped (exit code ${code})`));
    pump();
  });
  return worker;
}

/** Stops a worker mid-frame and fails its frame with `error`. */
function stop(worker: Worker, error: unknown): void {
  release(worker)?.reject(error);
  void worker.terminate();
  pump();
}

function start(worker: Worker, task: Task): void {
  busy.set(worker, task);
  worker.ref();
  const budgetMs = task.options.budgetMs ?? DECODE_BUDGET_MS;
  const timer = setTimeout(() => stop(worker, new DecodeTimeout(budgetMs)), budgetMs);
  const signal = task.options.signal;
  const onAbort = () => stop(worker, signal?.reason ?? new Error('cancelled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  cleanups.set(worker, () => {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  });
  worker.postMessage(task.frame);
}

/** Hands queued frames to idle workers, starting workers up to the cap. */
function pump(): void {
  while (queue.length > 0 && !unavailable) {
    const worker = idle.pop() ?? (workerCount() < MAX_DECODE_WORKERS ? spawn() : undefined);
    if (!worker) return;
    const task = queue.shift();
    if (task) start(worker, task);
    else idle.push(worker);
  }
  whenIdle();
}

/**
 * Decodes a frame on a worker thread, never on the caller's: a slow or hostile frame stalls
 * nobody, is stopped when it outlasts its budget (DecodeTimeout) and when `signal` aborts. The
 * encoded bytes are copied to the worker, the decoded bytes come back without a copy.
 */
export function decodeInPool(
  frame: FrameToDecode,
  options: DecodeOptions = {},
): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(options.signal.reason ?? new Error('cancelled'));
      return;
    }
    const task: Task = { frame, options, resolve, reject };
    if (unavailable) return inThisThread(task);
    clearTimeout(idleTimer);
    queue.push(task);
    options.signal?.addEventListener(
      'abort',
      () => {
        const index = queue.indexOf(task);
        if (index < 0) return;
        queue.splice(index, 1);
        reject(options.signal?.reason ?? new Error('cancelled'));
      },
      { once: true },
    );
    pump();
  });
}

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../workers/spawnModuleWorker';
import { decodeCompressed } from './codecs';
import type { CompressedEncoding } from './codecs';
import type { DecodeReply, DecodeRequest } from './decodeWorker';

/** Workers left idle this long exit; the next compressed series starts them again. */
const IDLE_MS = 10_000;

interface Pending {
  request: DecodeRequest;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

let workers: PoolWorker[] = [];
/** Set when a worker could not start or died: decoding goes on in this thread from then on. */
let unavailable = false;
let nextId = 0;
let idleTimer: NodeJS.Timeout | undefined;

function start(): PoolWorker[] {
  if (workers.length) return workers;
  workers = Array.from({ length: Math.max(1, availableParallelism()) }, () => {
    const entry: PoolWorker = {
      worker: spawnModuleWorker(import.meta.url, 'decodeWorker'),
      pending: new Map(),
    };
    entry.worker.on('message', (reply: DecodeReply) => {
      const waiting = entry.pending.get(reply.id);
      entry.pending.delete(reply.id);
      if (!waiting) return;
      if ('error' in reply) waiting.reject(new Error(reply.error));
      else waiting.resolve(reply.decoded);
    });
    entry.worker.on('error', () => {
      // A worker that cannot load (say, a build without decodeWorker.js beside it) must not
      // fail the import: its frames, and all later ones, are decoded here instead.
      unavailable = true;
      for (const { request, resolve, reject } of entry.pending.values()) {
        decodeCompressed(request.encoding, request.encoded, request.bytesPerSample).then(
          resolve,
          reject,
        );
      }
      entry.pending.clear();
      workers = workers.filter((w) => w !== entry);
    });
    return entry;
  });
  return workers;
}

/** Stops the workers now (they also stop by themselves when idle). */
export async function stopDecodePool(): Promise<void> {
  clearTimeout(idleTimer);
  const stopping = workers;
  workers = [];
  await Promise.all(stopping.map((w) => w.worker.terminate()));
}

/**
 * Decodes a frame on the least busy worker thread. The encoded bytes are copied to the worker,
 * the decoded bytes come back without a copy.
 */
export function decodeInPool(
  encoding: CompressedEncoding,
  encoded: Uint8Array,
  bytesPerSample: number,
): Promise<Uint8Array> {
  if (unavailable) return decodeCompressed(encoding, encoded, bytesPerSample);
  clearTimeout(idleTimer);
  for (const w of start()) w.worker.ref();
  const entry = workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  const id = nextId++;
  const request: DecodeRequest = { id, encoding, encoded, bytesPerSample };
  return new Promise<Uint8Array>((resolve, reject) => {
    entry.pending.set(id, { request, resolve, reject });
    entry.worker.postMessage(request);
  }).finally(() => {
    if (workers.every((w) => w.pending.size === 0)) {
      idleTimer = setTimeout(() => void stopDecodePool(), IDLE_MS);
      // An idle pool must not keep the process alive.
      idleTimer.unref();
      for (const w of workers) w.worker.unref();
    }
  });
}
